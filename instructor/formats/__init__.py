"""Wire formats several providers share, apart from any one provider's folder and SDK.

`openai_chat`: OpenAI Chat Completions, which serves most providers; `gemini`: Gemini's
answers, re-asks and streams, whichever Google SDK carries them; `gemini_contents`:
messages as Gemini `contents` (no pydantic, so a Google client is built without it).
"""

"""The openai provider (config, factory, Responses API, media) and the OpenAI-compatible rows (`compatible`)."""

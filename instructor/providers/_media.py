"""Which conversion turns media objects into each provider's content parts: data, one line each.

Values are `(dotted path of the converter, the kinds of media the provider takes)`.
A converter is `to_part(item, target) -> part`, where `item` is a text string or an
`instructor.multimodal.Media` and `target` an `instructor.processing.media_messages.MediaTarget`.
The converter's module may also define `finish(messages) -> messages`, run once
over the converted messages (Bedrock numbers repeated document names with it).
The OpenAI chat format serves every OpenAI-compatible provider; the kinds say
what each of them takes, so a provider that cannot take a kind of media is
refused before any request. Nothing here imports a provider. A third-party provider
declares its own with `ProviderConfig(options={"media": "pkg.module:to_part", "media_kinds": "image"})`;
a client whose provider is in neither place is sent the OpenAI chat format.
"""

_OPENAI = "instructor.providers.openai.media:to_part"
_ALL = "image audio pdf"

BUILTIN_MEDIA: dict[str, tuple[str, str]] = {
    "openai": (_OPENAI, _ALL),
    "azure_openai": (_OPENAI, _ALL),
    "openrouter": (_OPENAI, _ALL),
    "litellm": (_OPENAI, _ALL),
    "groq": (_OPENAI, "image"),
    "together": (_OPENAI, "image"),
    "fireworks": (_OPENAI, "image"),
    "xai": (_OPENAI, "image"),
    "perplexity": (_OPENAI, "image"),
    "ollama": (_OPENAI, "image"),
    "databricks": (_OPENAI, "image"),
    "anyscale": (_OPENAI, "image"),
    "cohere": (_OPENAI, "image"),  # Cohere v2 chat takes OpenAI-shaped image_url parts
    "deepseek": (_OPENAI, ""),
    "cerebras": (_OPENAI, ""),
    "writer": (_OPENAI, ""),
    "anthropic": ("instructor.providers.anthropic.media:to_part", "image pdf"),
    "bedrock": ("instructor.providers.bedrock.media:to_part", _ALL),
    "google": ("instructor.providers.google.media:to_part", _ALL),
    "genai": ("instructor.providers.google.media:to_part", _ALL),
    "mistral": ("instructor.providers.mistral.media:to_part", _ALL),
    # the deprecated Google SDKs: media is not converted for them
    "vertexai": (_OPENAI, ""),
    "generative-ai": (_OPENAI, ""),
    "gemini": (_OPENAI, ""),
}

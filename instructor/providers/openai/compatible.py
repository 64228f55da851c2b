"""The providers that speak OpenAI's API through the openai SDK and differ from it only by data.

anyscale, databricks, deepseek, ollama, openrouter, perplexity, together and xai:
each is one frozen `ProviderConfig` row below (key variable, base URL, modes, docs),
built by the openai factory (`instructor.providers.openai.factory:create_client`)
and served by the OpenAI chat format's handlers. The published `from_<name>`
functions are made from the rows by `_by_client` / `_by_model_or_client`, in the two
shapes the published release has. Importing this module loads no SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

if TYPE_CHECKING:
    from instructor.core.client import AsyncInstructor, Instructor

_FACTORY = "instructor.providers.openai.factory:create_client"
#: the chat modes most of them serve, and the deprecated aliases they map (media: most take images only)
_CHAT = (Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS)
_LEGACY = (Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1)


def _row(name: str, extra: str, env_vars: tuple[str, ...], base_url: str | None, docs_url: str,
         description: str, **more: Any) -> ProviderConfig:
    """A provider served by the openai SDK; `more` overrides the chat defaults."""
    fields: dict[str, Any] = {"default_mode": Mode.TOOLS, "supported_modes": _CHAT, "legacy_modes": _LEGACY,
                              "media": "instructor.providers.openai.media:to_part", "media_kinds": ("image",), **more}
    return ProviderConfig(name=name, package="openai", extra=extra, factory=_FACTORY, env_vars=env_vars,
                          base_url=base_url, docs_url=docs_url, description=description, **fields)


ANYSCALE = _row("anyscale", "openai", ("ANYSCALE_API_KEY",), "https://api.endpoints.anyscale.com/v1",
                "https://docs.anyscale.com/", "Anyscale Endpoints (OpenAI-compatible API)")
DATABRICKS = _row(
    "databricks", "openai", ("DATABRICKS_TOKEN", "DATABRICKS_API_KEY"), None,
    "https://docs.databricks.com/en/machine-learning/model-serving/",
    "Databricks Model Serving (OpenAI-compatible; base URL from DATABRICKS_HOST + /serving-endpoints)",
    options={"base_url_env": ("DATABRICKS_BASE_URL", "DATABRICKS_HOST", "DATABRICKS_WORKSPACE_URL"),
             "base_url_suffix": "/serving-endpoints"},
)
DEEPSEEK = _row("deepseek", "deepseek", ("DEEPSEEK_API_KEY",), "https://api.deepseek.com/v1",
                "https://api-docs.deepseek.com/", "DeepSeek (OpenAI-compatible API)", media_kinds=())
OLLAMA = _row(
    "ollama", "ollama", ("OLLAMA_API_KEY",), "http://localhost:11434/v1",
    "https://github.com/ollama/ollama/blob/main/docs/openai.md", "Ollama's OpenAI-compatible endpoint (no key needed)",
    requires_api_key=False, mode_selector="instructor.providers.openai.compatible:ollama_mode",
    options={"base_url_env": "OLLAMA_BASE_URL", "placeholder_api_key": "ollama"},
)
OPENROUTER = _row(
    "openrouter", "openrouter", ("OPENROUTER_API_KEY",), "https://openrouter.ai/api/v1", "https://openrouter.ai/docs",
    "OpenRouter (OpenAI-compatible API)",
    supported_modes=(Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS, Mode.JSON),
    legacy_modes=(*_LEGACY, Mode.OPENROUTER_STRUCTURED_OUTPUTS), media_kinds=("image", "audio", "pdf"),
)
PERPLEXITY = _row(
    "perplexity", "perplexity", ("PERPLEXITY_API_KEY",), "https://api.perplexity.ai", "https://docs.perplexity.ai/",
    "Perplexity Sonar (OpenAI-compatible API)",
    default_mode=Mode.MD_JSON, supported_modes=(Mode.MD_JSON, Mode.JSON_SCHEMA), legacy_modes=(Mode.PERPLEXITY_JSON,),
)
TOGETHER = _row("together", "openai", ("TOGETHER_API_KEY",), "https://api.together.xyz/v1", "https://docs.together.ai/",
                "Together AI (OpenAI-compatible API)")
XAI = _row(
    "xai", "xai", ("XAI_API_KEY",), "https://api.x.ai/v1", "https://docs.x.ai/", "xAI Grok (OpenAI-compatible API)",
    supported_modes=(Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS, Mode.JSON),
    legacy_modes=(Mode.XAI_TOOLS, Mode.XAI_JSON),
)


def ollama_mode(model: str) -> Mode:
    """Ollama's default mode: tool calling where the model family supports it, JSON mode otherwise.

    A name containing one of the published release's families (`llama3.1`, `qwen3`,
    `devstral`...) or starting with one of ours (`qwen`, `mistral`, `granite`...) uses tools.
    """
    name = model.lower()
    published = ("llama3.1", "llama3.2", "llama4", "mistral-nemo", "firefunction-v2", "command-a", "command-r",
                 "command-r-plus", "command-r7b", "qwen2.5", "qwen2.5-coder", "qwen3", "devstral")
    ours = ("llama3.3", "qwen", "mistral", "mixtral", "firefunction", "hermes", "gpt-oss", "granite")
    uses_tools = any(f in name for f in published) or any(name.startswith(f) for f in ours)
    return Mode.TOOLS if uses_tools else Mode.JSON


# -- the published from_<name> functions --------------------------------------------------------
class ClientFactory(Protocol):
    """`from_<name>(client, mode, model, **kwargs)`: wraps an OpenAI SDK client pointed at the provider."""

    def __call__(self, client: Any, mode: Mode = ..., model: str | None = None,
                 **kwargs: Any) -> Instructor | AsyncInstructor: ...


class ModelOrClientFactory(Protocol):
    """`from_<name>(model_or_client, mode, model, async_client, **kwargs)`: a client, or a model name."""

    def __call__(self, model_or_client: Any, mode: Mode = ..., model: str | None = None,
                 async_client: bool = False, **kwargs: Any) -> Instructor | AsyncInstructor: ...


_DOC = """Wrap an `openai.OpenAI` / `AsyncOpenAI` client whose base URL is {label}'s{or_name}.

Args:
{first}
    mode: a mode {label} serves (default `Mode.{default}`); deprecated aliases map with a warning.
    model: the default model of every request.
{rest}
Raises:
    UnsupportedModeError: (a `ModeError`) `mode` is not one {label} serves.
    ClientError: (also a TypeError) the client is not an OpenAI SDK client.

Example:
    >>> client = instructor.from_{name}(openai.OpenAI(base_url={url!r}, api_key=...), model=...)
"""
_CLIENT_ARGS = ("    client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.",
                "    **kwargs: defaults for every `create` call.\n")
_MODEL_OR_CLIENT_ARGS = (
    "    model_or_client: a model name (built through `from_provider(\"{name}/<name>\")`, which reads\n"
    "        the key from the environment) or an OpenAI SDK client.",
    "    async_client: with a model name, build an `AsyncInstructor`.\n"
    "    **kwargs: defaults for every `create` call (or, with a model name, `from_provider` options).\n",
)


def _named(function: Any, config: ProviderConfig, label: str, args: tuple[str, str], or_name: str) -> None:
    """Give a made factory its published name and a docstring that speaks of its provider."""
    function.__name__ = function.__qualname__ = f"from_{config.name}"
    function.__doc__ = _DOC.format(
        label=label, or_name=or_name, name=config.name, default=config.default_mode.name,
        url=config.base_url or "https://<workspace>/serving-endpoints",
        first=args[0].format(name=config.name), rest=args[1],
    )


def _by_client(config: ProviderConfig, label: str) -> ClientFactory:
    """`from_<name>` in the shape that takes an OpenAI SDK client only."""

    def factory(client: Any, mode: Mode = config.default_mode, model: str | None = None,
                **kwargs: Any) -> Instructor | AsyncInstructor:
        from instructor.providers.openai.factory import wrap_openai_client

        return wrap_openai_client(config, client, mode, model, caller=f"from_{config.name}", **kwargs)

    _named(factory, config, label, _CLIENT_ARGS, "")
    return factory


def _by_model_or_client(config: ProviderConfig, label: str) -> ModelOrClientFactory:
    """`from_<name>` in the shape that also takes a model name (then built as `from_provider` builds it)."""

    def factory(model_or_client: Any, mode: Mode = config.default_mode, model: str | None = None,
                async_client: bool = False, **kwargs: Any) -> Instructor | AsyncInstructor:
        if isinstance(model_or_client, str):
            from instructor.core.provider_registry import provider_registry

            return provider_registry.create_client(config.name, model_or_client, async_client=async_client,
                                                   mode=mode, **kwargs)
        from instructor.providers.openai.factory import wrap_openai_client

        return wrap_openai_client(config, model_or_client, mode, model, caller=f"from_{config.name}", **kwargs)

    _named(factory, config, label, _MODEL_OR_CLIENT_ARGS, ", or build one from a model name")
    return factory


from_anyscale = _by_model_or_client(ANYSCALE, "Anyscale")
from_databricks = _by_model_or_client(DATABRICKS, "Databricks")
from_deepseek = _by_model_or_client(DEEPSEEK, "DeepSeek")
from_together = _by_model_or_client(TOGETHER, "Together AI")
from_openrouter = _by_client(OPENROUTER, "OpenRouter")
from_perplexity = _by_client(PERPLEXITY, "Perplexity")
from_xai = _by_client(XAI, "xAI")

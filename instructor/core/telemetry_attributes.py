"""What instructor's spans say (`instructor.core.telemetry`): the GenAI conventions' names for a
provider, a request's sampling settings, a response's id, model and finish reasons, token usage and
an invalid answer's errors, read from any provider's wire without importing its SDK or OpenTelemetry.

Imported only when telemetry is switched on; docs/observability.md lists every attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from instructor.core.billing import token_counts

if TYPE_CHECKING:
    from instructor.core.call import _Call

#: input, output, cached, cache write, reasoning tokens (`billing.token_counts`)
TokenCounts = tuple[int, int, int, int, int]

#: `instructor.<provider>` -> `gen_ai.provider.name`: the conventions' well-known values where
#: one applies, else instructor's own name of the provider (a custom value, as the conventions allow)
PROVIDER_NAMES = {
    "openai": "openai",
    "azure_openai": "azure.ai.openai",
    "anthropic": "anthropic",
    "bedrock": "aws.bedrock",
    "vertexai": "gcp.vertex_ai",
    "generative-ai": "gcp.gemini",
    "mistral": "mistral_ai",
    "cohere": "cohere",
    "groq": "groq",
    "perplexity": "perplexity",
    "xai": "x_ai",
    "deepseek": "deepseek",
}
#: providers whose API is Gemini's `generate_content` (the conventions' operation name for it)
_GENERATE_CONTENT = frozenset({"google", "vertexai", "generative-ai"})

#: request keys (of any provider's wire) -> the conventions' request attributes
_REQUEST_PARAMS = {
    "temperature": "gen_ai.request.temperature",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_completion_tokens": "gen_ai.request.max_tokens",
    "max_output_tokens": "gen_ai.request.max_tokens",
    "maxTokens": "gen_ai.request.max_tokens",
    "top_p": "gen_ai.request.top_p",
    "topP": "gen_ai.request.top_p",
    "top_k": "gen_ai.request.top_k",
    "seed": "gen_ai.request.seed",
    "random_seed": "gen_ai.request.seed",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "stop": "gen_ai.request.stop_sequences",
    "stop_sequences": "gen_ai.request.stop_sequences",
    "stopSequences": "gen_ai.request.stop_sequences",
    "n": "gen_ai.request.choice.count",
    "candidate_count": "gen_ai.request.choice.count",
}
_PARAM_KEYS = frozenset(_REQUEST_PARAMS)
#: where a wire keeps its sampling settings besides the top level (Bedrock, Gemini)
_NESTED_PARAMS = ("inferenceConfig", "config", "generation_config")
#: the request keys that may hold sampling settings
REQUEST_KEYS = _PARAM_KEYS | frozenset(_NESTED_PARAMS)

#: at most this many validation errors are listed on an `instructor.validation_error` event
_MAX_LISTED_ERRORS = 32


def response_model_name(spec: Any) -> str:
    """The name a span gives a call's response model: the model's, a `Partial`'s model's, an
    `Iterable`'s items' (`User|Admin`), a simple type's (`int`, `list[str]`)."""
    kind, options = spec.kind, spec.options
    if kind == "iterable" and options.get("item_models"):
        return "|".join(options["item_models"])  # {name: model}
    if kind == "partial" and "final" in options:
        return str(options["final"].__name__)
    if kind == "simple":
        original = spec.original
        return original.__name__ if isinstance(original, type) else repr(original).replace("typing.", "")
    return str(spec.model.__name__)


def client_name(client: Any) -> str:
    """`provider/model` of an instructor client, for spans and events."""
    defaults = client.default_kwargs
    model = defaults.get("model") or defaults.get("modelId")
    return f"{client.provider}/{model}" if model else str(client.provider)


def model_of(request: Mapping[str, Any], owner: Any) -> str | None:
    model = request.get("model") or request.get("modelId")
    if model is None:
        defaults = owner.default_kwargs
        model = defaults.get("model") or defaults.get("modelId")
    return model if isinstance(model, str) else None


def client_facts(owner: Any) -> dict[str, Any]:
    """What every attempt span of a client says the same way: the operation, the provider, the
    server, the mode."""
    provider = owner.provider
    name = PROVIDER_NAMES.get(provider, provider)
    if provider == "google":  # the google-genai SDK serves Gemini's API and Vertex AI
        name = "gcp.vertex_ai" if getattr(owner.client, "vertexai", False) else "gcp.gemini"
    facts = {
        "gen_ai.operation.name": "generate_content" if provider in _GENERATE_CONTENT else "chat",
        "gen_ai.provider.name": name,
        "instructor.mode": owner.mode.name,
    }
    facts.update(_server_of(owner.client))
    return facts


def _server_of(client: Any) -> dict[str, Any]:
    """`server.address` and `server.port` of an SDK client, where it says its endpoint."""
    url = getattr(client, "base_url", None)
    if url is None:
        url = getattr(getattr(client, "meta", None), "endpoint_url", None)  # boto3
    if url is None:
        return {}
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(str(url))
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return {}
    if not parts.hostname:
        return {}
    server: dict[str, Any] = {"server.address": parts.hostname}
    if port is not None:
        server["server.port"] = port
    return server


def request_attributes(request: Mapping[str, Any]) -> dict[str, Any]:
    """The request's sampling settings, as the conventions name them (top level, Bedrock's
    `inferenceConfig`, Gemini's `config`); mostly none."""
    attributes: dict[str, Any] = {}
    _params(request, request.keys() & _PARAM_KEYS, attributes)
    for key in _NESTED_PARAMS:
        nested = request.get(key)
        if nested is None:
            continue
        if isinstance(nested, Mapping):
            _params(nested, nested.keys() & _PARAM_KEYS, attributes)
        else:  # an SDK's config object (google-genai's GenerateContentConfig)
            values = {k: v for k in _config_keys(type(nested)) if (v := getattr(nested, k, None)) is not None}
            _params(values, values.keys(), attributes)
    return attributes


#: the sampling settings a config class can hold (read once per class: asking a pydantic object
#: for a name it lacks is slow)
_CONFIG_KEYS: dict[type, tuple[str, ...]] = {}


def _config_keys(cls: type) -> tuple[str, ...]:
    keys = _CONFIG_KEYS.get(cls)
    if keys is None:
        fields = getattr(cls, "model_fields", None)
        keys = _CONFIG_KEYS[cls] = tuple(k for k in _PARAM_KEYS if not isinstance(fields, Mapping) or k in fields)
    return keys


def _params(source: Mapping[str, Any], keys: Any, attributes: dict[str, Any]) -> None:
    for key in keys:
        value = source[key]
        name = _REQUEST_PARAMS[key]
        if name == "gen_ai.request.stop_sequences":
            if isinstance(value, str):
                attributes[name] = (value,)
            elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                attributes[name] = tuple(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if name == "gen_ai.request.choice.count" and value == 1:
                continue
            attributes[name] = value


#: where a response class keeps its id, model and finish reasons: `(id, model, lists, reason)`
#: attribute names, None where it has none (`lists`: `(list attribute, reason attribute)` pairs)
_SHAPES: dict[type, tuple[str | None, str | None, tuple[tuple[str, str], ...], str | None]] = {}
_LISTS = (("choices", "finish_reason"), ("candidates", "finish_reason"))


def _shape_of(cls: type) -> tuple[str | None, str | None, tuple[tuple[str, str], ...], str | None] | None:
    """Which of the names `response_attributes` reads a pydantic response class declares (read once
    per class: asking a pydantic object for a name it lacks is slow); None for other classes."""
    shape = _SHAPES.get(cls)
    if shape is None:
        fields = getattr(cls, "model_fields", None)
        if not isinstance(fields, Mapping):
            return None
        shape = _SHAPES[cls] = (
            next((name for name in ("id", "response_id") if name in fields), None),
            next((name for name in ("model", "model_version") if name in fields), None),
            tuple(pair for pair in _LISTS if pair[0] in fields),
            next((name for name in ("stop_reason", "finish_reason") if name in fields), None),
        )
    return shape


def response_attributes(response: Any, attributes: dict[str, Any]) -> None:
    """`gen_ai.response.id`, `.model`, `.finish_reasons` of any provider's response (or of a
    `StreamedResponse`), read by shape; what a response does not say is left out."""
    reasons: list[Any] = []
    shape = _shape_of(type(response))
    if shape is None and isinstance(response, Mapping):  # Bedrock's Converse: a dict, no id or model of the answer
        reasons.append(response.get("stopReason"))
    else:
        if shape is None:  # not a pydantic model: ask for every name
            shape = ("id" if getattr(response, "id", None) is not None else "response_id",
                     "model" if getattr(response, "model", None) is not None else "model_version", _LISTS,
                     "stop_reason" if getattr(response, "stop_reason", None) is not None else "finish_reason")
        id_name, model_name, lists, reason_name = shape
        answer_id = getattr(response, id_name, None) if id_name else None
        if isinstance(answer_id, str):
            attributes["gen_ai.response.id"] = answer_id
        model = getattr(response, model_name, None) if model_name else None
        if isinstance(model, str):
            attributes["gen_ai.response.model"] = model
        for many, one in lists:
            items = getattr(response, many, None)
            if isinstance(items, (list, tuple)):
                reasons.extend([getattr(item, one, None) for item in items])
        if not reasons and reason_name:
            reasons.append(getattr(response, reason_name, None))
    named = tuple([r if type(r) is str else str(getattr(r, "value", r)) for r in reasons if r is not None])
    if named:
        attributes["gen_ai.response.finish_reasons"] = named


def usage_of(call: _Call, response: Any, counts: Any) -> TokenCounts | None:
    """The token counts of an attempt's response (`billing.token_counts`; None when it reported
    none) when its handler did not read them (a stream's, a pass-through response's)."""
    if counts is None and call.streaming:
        counts = getattr(response, "usage", None)
    if type(counts) is not dict and not isinstance(counts, Mapping):
        try:
            counts = call.handler.usage(response)
        except Exception:  # a pass-through response the handler cannot read (a raw stream...)
            return None
    return token_counts(counts) if counts else None


def _usage_names(prefix: str) -> tuple[str, str, str, str, str]:
    return (f"{prefix}input_tokens", f"{prefix}output_tokens", f"{prefix}cache_read.input_tokens",
            f"{prefix}cache_creation.input_tokens", f"{prefix}reasoning.output_tokens")


ATTEMPT_USAGE = _usage_names("gen_ai.usage.")  # the conventions' names
CALL_USAGE = _usage_names("instructor.usage.")  # the same, summed over a call's attempts


def usage_attributes(usage: TokenCounts, names: tuple[str, str, str, str, str], attributes: dict[str, Any]) -> None:
    """`usage` under `names`: input and output always, the cached, cache write and reasoning parts when any."""
    inputs, outputs, *parts = names
    attributes[inputs], attributes[outputs] = usage[0], usage[1]
    for name, value in zip(parts, usage[2:], strict=True):
        if value:
            attributes[name] = value


def validation_details(error: BaseException) -> dict[str, Any]:
    """What an answer that did not validate got wrong: the field paths and pydantic's error types,
    never the values (nor the messages, which quote them)."""
    details: dict[str, Any] = {"error.type": type(error).__qualname__}
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return details
    try:
        items = errors(include_url=False, include_context=False, include_input=False)
    except TypeError:
        items = errors()
    if not isinstance(items, list):
        return details
    listed = [item for item in items[:_MAX_LISTED_ERRORS] if isinstance(item, Mapping)]
    details["instructor.validation.error_count"] = len(items)
    details["instructor.validation.paths"] = tuple(
        ".".join(str(part) for part in item.get("loc", ())) for item in listed)
    details["instructor.validation.types"] = tuple(str(item.get("type", "")) for item in listed)
    return details

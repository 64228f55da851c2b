"""Caching structured results: the same question is answered once, then read back.

Pass a cache per call (`client.create(..., cache=AutoCache())`) or as a client
default (`instructor.from_provider("openai/gpt-4o-mini", cache=DiskCache())`).
On a hit no request is sent: the model is rebuilt from its stored JSON
(validated again, with the call's `context` and `strict`) and `_raw_response` is
restored from the stored completion. What is cached, and why:

- only calls that return a pydantic model (`create`, `create_with_completion`);
  simple types, lists, `response_model=None` and streams are never stored;
- the key (`make_cache_key`) is a SHA-256 of a canonical JSON of everything that
  can change the answer: the response model's JSON schema, the messages, the mode
  and provider, the request's options (model, temperature, tools...), the client's
  endpoint, `cache_namespace`, `context` and `strict`. It is the same in every
  process (no `hash()`), so a `DiskCache` is shared between runs;
- the stored value is a JSON text (the model's JSON and the raw completion's), so
  any store of strings works as a backend: subclass `BaseCache` (or pass any object
  with `get(key)` and `set(key, value, ttl=None)`);
- `_raw_response` comes back as the SDK's own type (`openai.types.chat.ChatCompletion`,
  `anthropic.types.Message`...) when that SDK is already imported (the client using
  it imported it), a `dict` for SDKs that return dicts (Bedrock), else a
  `types.SimpleNamespace` tree with the same attributes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

# the call side (the key of a call, lookup, store, rebuilding results) is core's; these names
# stay importable from here, where they were first
from instructor.core.call_cache import CallCache as CallCache
from instructor.core.call_cache import _restore_raw as _restore_raw
from instructor.core.call_cache import digest, key_payload

#: the create keywords that configure caching; they never reach the SDK
CACHE_OPTIONS = frozenset({"cache", "cache_namespace", "cache_ttl"})


class BaseCache:
    """What a cache backend implements: `get(key)` and `set(key, value, ttl=None)`.

    Keys and values are strings. `get` returns None for a missing (or expired)
    key; `ttl` is in seconds, None meaning no expiry.

    Example:
        >>> class RedisCache(BaseCache):
        ...     def __init__(self, redis): self.redis = redis
        ...     def get(self, key): return self.redis.get(key)
        ...     def set(self, key, value, ttl=None): self.redis.set(key, value, ex=ttl)
    """

    def get(self, key: str) -> Any | None:
        raise NotImplementedError

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        raise NotImplementedError


class AutoCache(BaseCache):
    """A thread-safe in-process LRU cache of at most `maxsize` entries, honouring `ttl`.

    Args:
        maxsize: entries kept; the least recently used goes first.
        clock: the time source for `ttl` (seconds; `time.monotonic` by default,
            replace it to test expiry without sleeping).

    Raises:
        ValueError: `maxsize` is not a positive integer.

    Example:
        >>> cache = AutoCache(maxsize=1000)
        >>> user = client.create(response_model=User, messages=messages, cache=cache)
    """

    def __init__(self, maxsize: int = 128, *, clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize <= 0:
            raise ValueError(f"maxsize must be > 0, got {maxsize!r}: pass the number of entries to keep.")
        self.maxsize = maxsize
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[Any, float | None]] = OrderedDict()

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            value, expires = entry
            if expires is not None and self._clock() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        expires = None if ttl is None else self._clock() + ttl
        with self._lock:
            self._entries[key] = (value, expires)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"AutoCache(maxsize={self.maxsize}, entries={len(self)})"


class DiskCache(BaseCache):
    """A persistent cache in a directory, shared by processes and runs (the `diskcache` package).

    Args:
        directory: where the cache lives (created if missing).
        **kwargs: passed to `diskcache.Cache` (`size_limit`, `eviction_policy`...).

    Raises:
        MissingDependencyError: `diskcache` is not installed
            (`pip install "instructor[cache]"`).

    Example:
        >>> client = instructor.from_provider("openai/gpt-4o-mini", cache=DiskCache(".instructor_cache"))
    """

    def __init__(self, directory: str = ".instructor_cache", **kwargs: Any) -> None:
        try:
            import diskcache
        except ImportError as exc:
            from instructor.core.exceptions import MissingDependencyError

            raise MissingDependencyError(
                "DiskCache needs the diskcache package, which is not installed. "
                'Install it with `pip install "instructor[cache]"` (or use AutoCache, in memory).',
                package="diskcache",
                extra="cache",
            ) from exc
        self.directory = str(directory)
        self._cache = diskcache.Cache(self.directory, **kwargs)

    def get(self, key: str) -> Any | None:
        return self._cache.get(key)

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        self._cache.set(key, value, expire=ttl)

    def close(self) -> None:
        """Close the cache's files (it reopens on the next use)."""
        self._cache.close()

    def __repr__(self) -> str:
        return f"DiskCache(directory={self.directory!r})"


# -- keys ------------------------------------------------------------------------------------
#: the request settings that can change an answer: the only ones `request_kwargs=` keys on
GENERATION_KWARGS = frozenset({
    "temperature", "top_p", "top_k", "seed", "max_tokens", "max_completion_tokens", "max_output_tokens",
    "frequency_penalty", "presence_penalty", "n", "stop", "stop_sequences", "logit_bias", "reasoning_effort",
    "reasoning", "thinking", "config", "generation_config", "inferenceConfig", "additionalModelRequestFields",
})


def _generation(request_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of `request_kwargs` that can change an answer (None values count as absent)."""
    kept = {k: v for k, v in request_kwargs.items() if k in GENERATION_KWARGS and v is not None}
    config = kept.get("config")
    if isinstance(config, Mapping) and "http_options" in config:
        kept["config"] = {k: v for k, v in config.items() if k != "http_options"}
    return kept


def make_cache_key(
    *,
    messages: Any,
    model: str | None,
    response_model: type[Any] | None,
    mode: Any = None,
    system: Any = None,
    provider: Any = None,
    namespace: str | None = None,
    request_kwargs: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    context: Any = None,
    strict: bool | None = None,
    endpoint: str | None = None,
) -> str:
    """The cache key of one structured call: a SHA-256 hex digest, the same in every process.

    Args:
        messages: the conversation as sent.
        model: the model name.
        response_model: the pydantic model asked for; its JSON schema is part of
            the key, so changing a field, a type or a docstring changes the key.
        mode: the `Mode` (or its value: `Mode.TOOLS` keys like `"tool_call"`).
        system: a system prompt sent apart from the messages (Anthropic, Gemini).
        provider: the provider's name.
        namespace: a free label (`cache_namespace=`) to keep entries apart.
        request_kwargs: the call's other keywords; only the settings that can change
            an answer count (`GENERATION_KWARGS`: temperature, max_tokens, seed,
            config...), so `timeout` or `extra_headers` do not. None and `{}` differ.
        options: keywords that all count, transport ones included (what a client's
            own cache keys on: the whole prepared request).
        context: the validation context.
        strict: the strict-validation flag.
        endpoint: the API's base URL (a client's own calls add a fingerprint of its
            credentials, never the credentials themselves).

    Values are keyed by type as well as content: `1`, `1.0`, `"1"` and `True` differ,
    `{1: v}` and `{"1": v}` too, a date differs from its ISO string; a tuple keys like a
    list, an Enum like its value, a pydantic object like a dict of its fields.

    Raises:
        TypeError: a value that cannot be keyed faithfully (an arbitrary object, a set,
            a `Decimal`).
        ValueError: a NaN or infinite float.

    Example:
        >>> make_cache_key(messages=[{"role": "user", "content": "hi"}], model="gpt-4o-mini",
        ...                response_model=User, mode=instructor.Mode.TOOLS, request_kwargs={"temperature": 0})
        '3f1c...'
    """
    payload = key_payload(messages, model, response_model, mode, system=system, provider=provider,
                           namespace=namespace, options=options, context=context, strict=strict, endpoint=endpoint)
    if request_kwargs is not None:
        payload["generation"] = _generation(request_kwargs)
    return digest(payload, lenient=False)



__all__ = ["AutoCache", "BaseCache", "DiskCache", "make_cache_key"]

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

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from instructor.core.call import _Call
    from instructor.core.client import _BaseInstructor

#: the create keywords that configure caching; they never reach the SDK
CACHE_OPTIONS = frozenset({"cache", "cache_namespace", "cache_ttl"})
_FORMAT = 1  # the stored value's layout; a different one is a miss


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
def _jsonable(value: Any) -> Any:
    """A JSON-friendly stand-in for what `json` cannot write (stable across processes)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:  # noqa: BLE001 - a model that cannot dump itself is keyed by its repr
            return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, (set, frozenset)):
        return sorted(repr(v) for v in value)
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


def _canonical(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable)


def make_cache_key(
    *,
    messages: Any,
    model: str | None,
    response_model: type[Any] | None,
    mode: Any = None,
    provider: str | None = None,
    options: Mapping[str, Any] | None = None,
    namespace: str | None = None,
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
        mode: the `Mode` (or its value).
        provider: the provider's name.
        options: the request's other keywords (temperature, tools, response_format...).
        namespace: a free label (`cache_namespace=`) to keep entries apart.
        context: the validation context.
        strict: the strict-validation flag.
        endpoint: the API's base URL.

    Example:
        >>> make_cache_key(messages=[{"role": "user", "content": "hi"}], model="gpt-4o-mini",
        ...                response_model=User, mode=instructor.Mode.TOOLS)
        '3f1c...'
    """
    schema = None
    if response_model is not None:
        if callable(getattr(response_model, "model_json_schema", None)):
            from instructor.core.schema import json_schema  # cached per model

            schema = json_schema(cast(Any, response_model))
        else:
            schema = _jsonable(response_model)
    payload = {
        "format": _FORMAT,
        "messages": messages,
        "model": model,
        "schema": schema,
        "response_model": getattr(response_model, "__qualname__", None),
        "mode": getattr(mode, "value", mode),
        "provider": provider,
        "options": dict(options or {}),
        "namespace": namespace,
        "context": context,
        "strict": strict,
        "endpoint": endpoint,
    }
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


# -- stored values ---------------------------------------------------------------------------
def _raw_of(raw: Any) -> tuple[Any, str | None]:
    """(JSON data, type name) of a raw completion, for storing."""
    if raw is None:
        return None, None
    if isinstance(raw, dict):
        return json.loads(json.dumps(raw, default=_jsonable)), "dict"
    dump = getattr(raw, "model_dump", None)
    if callable(dump):
        try:
            data = dump(mode="json", by_alias=True)
        except Exception:  # noqa: BLE001 - not restorable: keyed result without raw
            return None, None
        cls = type(raw)
        return data, f"{cls.__module__}:{cls.__qualname__}"
    return None, None


def _namespace_tree(data: Any) -> Any:
    from types import SimpleNamespace

    if isinstance(data, dict):
        return SimpleNamespace(**{str(k): _namespace_tree(v) for k, v in data.items()})
    if isinstance(data, list):
        return [_namespace_tree(v) for v in data]
    return data


def _rebuild(cls: Any, data: Any) -> Any:
    """`data` as `cls`, built the way its SDK builds responses.

    SDKs generated by Stainless (openai, anthropic, groq...) override `model_construct`
    with a lenient, recursive builder: that is how they read the API's JSON, so it
    accepts whatever they accepted. Other pydantic types are validated.
    """
    from pydantic import BaseModel

    construct = getattr(cls, "model_construct", None)
    if getattr(construct, "__func__", None) is not BaseModel.model_construct.__func__:  # type: ignore[attr-defined]
        return cls.model_construct(**data)
    return cls.model_validate(data)


def _restore_raw(data: Any, kind: str | None) -> Any:
    """The raw completion back: the SDK's type if its package is loaded, else a SimpleNamespace tree."""
    if data is None or kind == "dict":
        return data
    if kind and ":" in kind:
        import importlib
        import sys

        module_name, qualname = kind.split(":", 1)
        if module_name.split(".")[0] in sys.modules:  # never import an SDK just to restore a cache entry
            try:
                obj: Any = importlib.import_module(module_name)
                for part in qualname.split("."):
                    obj = getattr(obj, part)
                return _rebuild(obj, data)
            except Exception:  # noqa: BLE001 - a type that moved or changed: fall back to attributes
                pass
    return _namespace_tree(data)


def _endpoint_of(client: Any) -> str | None:
    for path in (("base_url",), ("meta", "endpoint_url")):
        value = client
        for name in path:
            value = getattr(value, name, None)
        if value is not None:
            return str(value)
    return None


class CallCache:
    """The cache of one `create` call: its backend, namespace and ttl, and the key once computed."""

    __slots__ = ("backend", "namespace", "ttl", "owner", "key")

    def __init__(self, backend: Any, namespace: str | None, ttl: float | None, owner: Any) -> None:
        self.backend = backend
        self.namespace = namespace
        self.ttl = ttl
        self.owner = owner
        self.key: str | None = None

    @classmethod
    def pop_from(cls, request: dict[str, Any], owner: _BaseInstructor[Any]) -> CallCache | None:
        """Take `cache`, `cache_namespace`, `cache_ttl` out of `request`; None when caching is off.

        Raises:
            TypeError: `cache` is not a cache (no `get` / `set` methods), or
                `cache_namespace` is not a string.
            ValueError: `cache_ttl` is not a positive number.
        """
        backend = request.pop("cache", None)
        namespace = request.pop("cache_namespace", None)
        ttl = request.pop("cache_ttl", None)
        if backend is None or backend is False:
            return None
        if not (callable(getattr(backend, "get", None)) and callable(getattr(backend, "set", None))):
            raise TypeError(
                f"cache= expects an instructor.cache.BaseCache (AutoCache(), DiskCache(...)), got "
                f"{type(backend).__name__}: {backend!r}. Pass a cache, or cache=None to turn caching off."
            )
        if namespace is not None and not isinstance(namespace, str):
            raise TypeError(f"cache_namespace must be a string, got {type(namespace).__name__}: {namespace!r}.")
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0):
            raise ValueError(f"cache_ttl must be a positive number of seconds or None, got {ttl!r}.")
        return cls(backend, namespace, ttl, owner)

    def _key(self, call: _Call) -> str:
        if self.key is None:
            request = call.request
            options = {k: v for k, v in request.items() if k not in ("messages", "input", "model")}
            assert call.spec is not None
            self.key = make_cache_key(
                messages=request.get("messages", request.get("input")),
                model=request.get("model") or request.get("modelId"),
                response_model=call.spec.model,
                mode=self.owner.mode,
                provider=self.owner.provider,
                options=options,
                namespace=self.namespace,
                context=call.context,
                strict=call.strict,
                endpoint=_endpoint_of(self.owner.client),
            )
        return self.key

    def lookup(self, call: _Call) -> tuple[Any, Any] | None:
        """(result, raw completion) from the cache, or None on a miss (nothing sent yet)."""
        if call.spec is None:
            return None
        stored = self.backend.get(self._key(call))
        if not isinstance(stored, str):
            return None
        try:
            entry = json.loads(stored)
            if entry.get("format") != _FORMAT:
                return None
            parsed = call.spec.model.model_validate_json(entry["model"], context=call.context, strict=call.strict)
        except ValueError:  # a stale or foreign entry (pydantic's ValidationError is a ValueError): a miss
            return None
        raw = _restore_raw(entry.get("raw"), entry.get("raw_type"))
        result = call.spec.unwrap(parsed)
        try:
            result._raw_response = raw
        except (AttributeError, TypeError):
            pass
        call.last_response = raw
        return result, raw

    def store(self, call: _Call, result: Any) -> None:
        """Keep `result` (a pydantic model only) and the raw completion under the call's key."""
        if call.spec is None or not isinstance(result, call.spec.model):
            return
        try:
            model_json = result.model_dump_json(by_alias=True)
        except ValueError:  # a field pydantic cannot serialise: the answer stands, uncached
            return
        raw, raw_type = _raw_of(call.last_response)
        entry = {"format": _FORMAT, "model": model_json, "raw": raw, "raw_type": raw_type}
        value = json.dumps(entry, ensure_ascii=False)
        if self.ttl is None:
            self.backend.set(self._key(call), value)
        else:
            self.backend.set(self._key(call), value, ttl=self.ttl)


__all__ = ["AutoCache", "BaseCache", "DiskCache", "make_cache_key"]

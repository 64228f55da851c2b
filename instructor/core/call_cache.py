"""The call-side cache: a structured call's key, the lookup before anything is sent, the store after.

`CallCache` is what `create(..., cache=...)` (or a client's `cache=` default)
becomes for one call: `instructor.core.call._Call` builds it when the call
carries a cache option, `instructor.core.retry` looks the answer up before the
first request and stores it after a valid one. The backends (`BaseCache`,
`AutoCache`, `DiskCache`) and the public `make_cache_key` are in
`instructor.cache`, which builds its keys with the helpers here.

A key is a SHA-256 of a canonical JSON that keeps types apart (`_encode`); the
stored value is a JSON text of the model's JSON and the raw completion's, rebuilt
on a hit as the SDK's own type when its package is loaded.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from instructor.core.call import _Call
    from instructor.core.client import _BaseInstructor

_FORMAT = 1  # the stored value's layout; a different one is a miss


# -- keys ------------------------------------------------------------------------------------
def _encode(value: Any, lenient: bool = False) -> Any:
    """`value` as JSON data that keeps types apart: equal values encode alike, `1`, `"1"`, `1.0`, `True` do not.

    Strings are bare and None is null; everything else is a list led by its tag
    (`["int", "1"]`, `["dict", [k, v], ...]`). Dict order is ignored and key types
    kept; a tuple is a list; an Enum is its value; a pydantic object is its fields
    (`exclude_none`, without `http_options`), a pydantic class its JSON schema.

    Raises:
        TypeError: a value with no faithful encoding (an arbitrary object, a set, a
            `Decimal`); with `lenient`, such a value is keyed by its type and `repr`.
        ValueError: a NaN or infinite float (not with `lenient`).
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Enum):
        return _encode(value.value, lenient)
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        if not (math.isfinite(value) or lenient):
            raise ValueError(f"Cannot build a cache key with the float {value!r}: pass a finite number.")
        return ["float", repr(value)]
    if isinstance(value, (list, tuple)):
        return ["list", *(_encode(v, lenient) for v in value)]
    if isinstance(value, Mapping):
        pairs = [[_encode(k, lenient), _encode(v, lenient)] for k, v in value.items()]
        return ["dict", *sorted(pairs, key=lambda pair: _canonical(pair[0]))]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ["bytes", hashlib.sha256(bytes(value)).hexdigest()]
    if isinstance(value, datetime.datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, datetime.date):
        return ["date", value.isoformat()]
    if isinstance(value, type):
        if callable(getattr(value, "model_json_schema", None)):
            return _encode(_schema_of(value), lenient)
    elif callable(getattr(value, "model_dump", None)):
        try:
            fields = value.model_dump(exclude_none=True)
        except Exception:  # noqa: BLE001 - an object that cannot dump itself: keyed by repr when lenient
            if not lenient:
                raise
        else:
            fields.pop("http_options", None)
            return _encode(fields, lenient)
    if lenient:
        if isinstance(value, (set, frozenset)):
            return ["set", *sorted((_encode(v, lenient) for v in value), key=_canonical)]
        return ["repr", f"{type(value).__module__}.{type(value).__qualname__}", repr(value)]
    raise TypeError(
        f"Cannot build a cache key for {type(value).__name__} ({value!r}): use serializable request settings "
        "(strings, numbers, lists, dicts, pydantic objects...) or disable caching for this call."
    )


def _canonical(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _schema_of(model: type[Any]) -> Any:
    from instructor.core.schema import json_schema  # cached per model

    return json_schema(cast(Any, model))


def digest(payload: dict[str, Any], lenient: bool) -> str:
    fields = {k: v for k, v in payload.items() if v is not None}
    return hashlib.sha256(_canonical(_encode(fields, lenient)).encode()).hexdigest()


def key_payload(messages: Any, model: Any, response_model: Any, mode: Any, **extra: Any) -> dict[str, Any]:
    """What a key is made of (a pydantic class encodes as its JSON schema)."""
    return {"format": _FORMAT, "messages": messages, "model": model, "mode": mode, "schema": response_model,
            **extra}


# -- stored values ---------------------------------------------------------------------------
def _raw_of(raw: Any) -> tuple[Any, str | None]:
    """(JSON data, type name) of a raw completion, for storing."""
    if raw is None:
        return None, None
    if isinstance(raw, dict):
        return json.loads(json.dumps(raw, default=str)), "dict"
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


def _identity_of(client: Any) -> str | None:
    """Which account at which endpoint a client calls: its base URL and a fingerprint of its key.

    Clients of the same endpoint and credentials share cache entries (a `DiskCache`
    hits across processes); the key itself never enters the cache key.
    """
    endpoint = None
    for path in (("base_url",), ("meta", "endpoint_url")):
        value = client
        for name in path:
            value = getattr(value, name, None)
        if value is not None:
            endpoint = str(value)
            break
    secret = getattr(client, "api_key", None) or getattr(client, "auth_token", None)
    if not isinstance(secret, str):
        return endpoint
    return f"{endpoint} key:{hashlib.sha256(secret.encode()).hexdigest()[:16]}"


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
            ValueError: `cache_namespace` was passed and is not a non-empty string
                (checked with or without `cache=`), or `cache_ttl` is not a positive
                number of seconds.
            TypeError: `cache` is not a cache (no `get` / `set` methods).
        """
        backend = request.pop("cache", None)
        ttl = request.pop("cache_ttl", None)
        namespace = None
        if "cache_namespace" in request:
            namespace = request.pop("cache_namespace")
            if not (isinstance(namespace, str) and namespace):
                raise ValueError(
                    f"cache_namespace must be a non-empty string, got {namespace!r}. Pass a label such as "
                    "'prompts-v2', or leave cache_namespace out."
                )
        if backend is None or backend is False:
            return None
        if not (callable(getattr(backend, "get", None)) and callable(getattr(backend, "set", None))):
            raise TypeError(
                f"cache= expects an instructor.cache.BaseCache (AutoCache(), DiskCache(...)), got "
                f"{type(backend).__name__}: {backend!r}. Pass a cache, or cache=None to turn caching off."
            )
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0):
            raise ValueError(f"cache_ttl must be a positive number of seconds or None, got {ttl!r}.")
        return cls(backend, namespace, ttl, owner)

    def _key(self, call: _Call) -> str:
        if self.key is None:
            request = call.request
            options = {k: v for k, v in request.items() if k not in ("messages", "input", "model")}
            assert call.spec is not None
            payload = key_payload(
                request.get("messages", request.get("input")),
                request.get("model") or request.get("modelId"),
                call.spec.model,
                self.owner.mode,
                provider=self.owner.provider,
                options=options,
                namespace=self.namespace,
                context=call.context,
                strict=call.strict,
                endpoint=_identity_of(self.owner.client),
            )
            self.key = digest(payload, lenient=True)
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

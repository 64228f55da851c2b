"""COMPAT.md section 11.5: `make_cache_key` (keywords, encoding, request_kwargs) and `cache_namespace`.

Each test names the fact it holds; calls go through the real openai SDK against the fake provider.
"""

from __future__ import annotations

import datetime
import enum
import inspect
import math
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, Field

try:  # tests/compat as a plain directory, or as a package
    from core_helpers import GOOD, MESSAGES, User, openai_client
except ImportError:  # pragma: no cover
    from compat.core_helpers import GOOD, MESSAGES, User, openai_client

import instructor
from instructor import Mode
from instructor.cache import GENERATION_KWARGS, AutoCache, make_cache_key
from instructor.testing import FakeProvider


class Color(enum.Enum):
    RED = "red"


def key(**changes: Any) -> str:
    return make_cache_key(**{"messages": MESSAGES, "model": "gpt-4o-mini", "response_model": User, **changes})


# -- the function -----------------------------------------------------------------------------
def test_s11_5_make_cache_key_takes_the_published_keywords() -> None:
    parameters = inspect.signature(make_cache_key).parameters
    published = ["messages", "model", "response_model", "mode", "system", "provider", "namespace", "request_kwargs"]
    assert list(parameters)[:len(published)] == published
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())  # ours add more, keyword-only
    assert [n for n in published if parameters[n].default is not inspect.Parameter.empty] == published[3:]
    digest = key(mode=Mode.TOOLS, system="Be brief.", provider="openai", namespace="ns",
                 request_kwargs={"temperature": 0})
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest == key(mode=Mode.TOOLS, system="Be brief.", provider="openai", namespace="ns",
                         request_kwargs={"temperature": 0})


def test_s11_5_what_the_key_covers() -> None:
    base = key(mode=Mode.TOOLS)
    variants = [
        key(mode=Mode.JSON), key(mode=Mode.TOOLS, model="gpt-4o"),
        key(mode=Mode.TOOLS, messages=[{"role": "user", "content": "Sarah is 30"}]),
        key(mode=Mode.TOOLS, provider="anthropic"), key(mode=Mode.TOOLS, namespace="v2"),
        key(mode=Mode.TOOLS, system="Be brief."), key(mode=Mode.TOOLS, request_kwargs={}),
    ]
    assert len({base, *variants}) == len(variants) + 1
    assert key(mode=Mode.TOOLS, request_kwargs=None) == base  # None is absent, {} is not
    assert key(mode=Mode.TOOLS) == key(mode="tool_call")  # Mode.TOOLS keys like its value


def test_s11_5_the_schema_is_part_of_the_key() -> None:
    from pydantic import create_model

    plain = create_model("Plain", name=(str, ...))
    same = create_model("Plain", name=(str, ...))
    documented = create_model("Plain", __doc__="A person's name.", name=(str, ...))
    described = create_model("Plain", name=(str, Field(description="the full name")))
    wider = create_model("Plain", name=(str, ...), age=(int, 0))
    assert key(response_model=plain) == key(response_model=same)
    assert len({key(response_model=m) for m in (plain, documented, described, wider)}) == 4


@pytest.mark.parametrize(("left", "right"), [
    (1, "1"), (1, True), (1, 1.0), ("1", 1.0), (0, False), (None, "None"),
    (b"a", "61"), (b"a", ["bytes", "61"]), (b"a", "a"),
    (datetime.date(2026, 1, 2), "2026-01-02"), (datetime.date(2026, 1, 2), datetime.datetime(2026, 1, 2)),
    ({1: "v"}, {"1": "v"}), ([1, 2], [2, 1]), ({"a": 1}, [["a", 1]]),
])
def test_s11_5_values_of_different_types_key_apart(left: Any, right: Any) -> None:
    assert key(system=left) != key(system=right)
    assert key(request_kwargs={"stop": left}) != key(request_kwargs={"stop": right})


def test_s11_5_values_that_mean_the_same_key_alike() -> None:
    class Setting(BaseModel):
        level: int
        note: str | None = None

    assert key(system={"a": 1, "b": 2}) == key(system={"b": 2, "a": 1})  # dict order ignored
    assert key(system=(1, 2)) == key(system=[1, 2])  # list == tuple
    assert key(system=Color.RED) == key(system="red")  # an Enum is its value
    assert key(system=Setting(level=1)) == key(system={"level": 1})  # a pydantic instance: its fields, no Nones
    assert key(system=Setting) == key(system=Setting.model_json_schema())  # a model class: its schema


def test_s11_5_only_the_generation_settings_of_request_kwargs_count() -> None:
    empty = key(request_kwargs={})
    for name in sorted(GENERATION_KWARGS):
        assert key(request_kwargs={name: 1}) != empty, name
        assert key(request_kwargs={name: None}) == empty, name  # None is absent
    assert GENERATION_KWARGS == {
        "temperature", "top_p", "top_k", "seed", "max_tokens", "max_completion_tokens", "max_output_tokens",
        "frequency_penalty", "presence_penalty", "n", "stop", "stop_sequences", "logit_bias", "reasoning_effort",
        "reasoning", "thinking", "config", "generation_config", "inferenceConfig", "additionalModelRequestFields"}
    ignored = {"timeout": 5, "extra_headers": {"x": "1"}, "extra_body": {"y": 2}, "stream": True,
               "tools": [{"type": "function"}], "max_retries": 2}
    assert key(request_kwargs=ignored) == empty


def test_s11_5_http_options_do_not_count() -> None:
    from google.genai import types

    config = types.GenerateContentConfig(temperature=0.5, http_options=types.HttpOptions(timeout=5))
    assert key(request_kwargs={"config": config}) == key(request_kwargs={"config": {"temperature": 0.5}})
    assert key(request_kwargs={"config": {"temperature": 0.5, "http_options": {"timeout": 5}}}) \
        == key(request_kwargs={"config": {"temperature": 0.5}})
    # a generation_config dict is taken as it is
    assert key(request_kwargs={"generation_config": {"temperature": 0.5, "http_options": {"timeout": 5}}}) \
        != key(request_kwargs={"generation_config": {"temperature": 0.5}})


@pytest.mark.parametrize("opaque", [object(), {1, 2}, Decimal("0.5"), frozenset({"a"})])
def test_s11_5_opaque_values_are_a_type_error(opaque: Any) -> None:
    with pytest.raises(TypeError, match=f"Cannot build a cache key for {type(opaque).__name__}"):
        key(request_kwargs={"temperature": opaque})
    with pytest.raises(TypeError, match="disable caching"):
        key(messages=[{"role": "user", "content": opaque}])


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_s11_5_a_nan_is_a_value_error(value: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        key(request_kwargs={"temperature": value})


# -- the client's own key -----------------------------------------------------------------------
def test_s11_5_the_clients_key_covers_the_whole_request(fake: FakeProvider) -> None:
    fake.always(GOOD)
    cache = AutoCache()
    client = openai_client(fake)
    for timeout in (5, 6, 5):
        client.create(response_model=User, messages=MESSAGES, cache=cache, timeout=timeout)
    assert len(fake.requests) == 2  # timeout=5 vs 6 misses; 5 again hits


# -- cache_namespace ----------------------------------------------------------------------------
BAD_NAMESPACES = [None, "", 123, True]


@pytest.mark.parametrize("namespace", BAD_NAMESPACES)
@pytest.mark.parametrize("with_cache", [True, False])
def test_s11_5_cache_namespace_must_be_a_non_empty_string(fake: FakeProvider, namespace: Any,
                                                          with_cache: bool) -> None:
    fake.always(GOOD)
    client = openai_client(fake)
    extra = {"cache": AutoCache()} if with_cache else {}
    with pytest.raises(ValueError, match="^cache_namespace must be a non-empty string") as raised:
        client.create(response_model=User, messages=MESSAGES, cache_namespace=namespace, **extra)
    assert repr(namespace) in str(raised.value)
    with pytest.raises(ValueError, match="^cache_namespace must be a non-empty string"):
        client.create(response_model=None, messages=MESSAGES, cache_namespace=namespace, **extra)
    assert fake.requests == []  # checked before any request


def test_s11_5_cache_namespace_as_a_client_default_is_checked_too(fake: FakeProvider) -> None:
    client = openai_client(fake, cache=AutoCache(), cache_namespace="")
    with pytest.raises(ValueError, match="cache_namespace"):
        client.create(response_model=User, messages=MESSAGES)
    patched = instructor.patch(create=lambda **kw: pytest.fail("the SDK was called"))
    with pytest.raises(ValueError, match="cache_namespace"):
        patched(response_model=User, messages=MESSAGES, cache_namespace=123)
    assert fake.requests == []


@pytest.mark.parametrize("namespace", BAD_NAMESPACES)
async def test_s11_5_async_cache_namespace_is_checked_when_awaited(fake: FakeProvider, namespace: Any) -> None:
    client = openai_client(fake, async_client=True)
    pending = client.create(response_model=User, messages=MESSAGES, cache=AutoCache(), cache_namespace=namespace)
    assert inspect.iscoroutine(pending)  # building the call raises nothing yet
    with pytest.raises(ValueError, match="^cache_namespace must be a non-empty string"):
        await pending
    assert fake.requests == []
    await client.client.close()


def test_s11_5_clients_of_one_endpoint_and_key_share_entries_without_a_namespace(fake: FakeProvider) -> None:
    """Keep ours: no random per-client namespace, so a shared (disk) cache hits across clients and processes."""
    fake.always(GOOD)
    cache = AutoCache()
    for _ in range(2):
        openai_client(fake).create(response_model=User, messages=MESSAGES, cache=cache)
    assert len(fake.requests) == 1
    other_key = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url,
                                         api_key="sk-other", max_retries=0)
    other_key.create(response_model=User, messages=MESSAGES, cache=cache)
    assert len(fake.requests) == 2  # other credentials: their own entries
    for _ in range(2):
        openai_client(fake).create(response_model=User, messages=MESSAGES, cache=cache, cache_namespace="shared")
    assert len(fake.requests) == 3  # an explicit namespace is shared the same way
    assert "sk-test" not in repr(cache._entries) and "sk-other" not in repr(cache._entries)


@pytest.mark.parametrize("ttl", ["3600", 0, -1, True])
def test_s11_5_a_bad_cache_ttl_is_an_error_not_ignored(fake: FakeProvider, ttl: Any) -> None:
    """Decided: the published release ignores a non-int ttl (the entry then never expires); we say so."""
    fake.always(GOOD)
    with pytest.raises(ValueError, match="cache_ttl must be a positive number"):
        openai_client(fake).create(response_model=User, messages=MESSAGES, cache=AutoCache(), cache_ttl=ttl)
    assert fake.requests == []
    assert openai_client(fake).create(response_model=User, messages=MESSAGES, cache=AutoCache(),
                                      cache_ttl=1.5).age == 25  # floats are seconds too

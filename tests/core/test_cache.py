"""`cache=`: a hit sends nothing; keys, TTLs, backends. Real SDKs against the fake provider."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import types
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from pydantic import BaseModel, ValidationInfo, field_validator

import instructor
from instructor import Mode
from instructor.cache import AutoCache, BaseCache, DiskCache, make_cache_key
from instructor.testing import FakeProvider, Reply

MESSAGES = [{"role": "user", "content": "Jason is 25"}]


class User(BaseModel):
    name: str
    age: int


def openai_client(fake: FakeProvider, **kw: Any) -> instructor.Instructor:
    return instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test",
                                    **kw)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- a hit sends nothing ----------------------------------------------------------------------
def test_a_cached_call_sends_no_second_request(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    cache = AutoCache()
    client = openai_client(fake)
    first = client.create(response_model=User, messages=MESSAGES, cache=cache)
    second, raw = client.create_with_completion(response_model=User, messages=MESSAGES, cache=cache)
    assert len(fake.requests) == 1
    assert "cache" not in fake.requests[0].json  # the options never reach the SDK
    assert second == first == User(name="Jason", age=25)
    assert second is not first
    # the raw completion is restored as the SDK's own type
    assert isinstance(raw, openai.types.chat.ChatCompletion)
    assert raw == first._raw_response  # type: ignore[attr-defined]
    assert second._raw_response.id == first._raw_response.id  # type: ignore[attr-defined]
    assert len(cache) == 1


def test_a_client_default_cache_from_provider(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}), Reply.tool("User", {"name": "Ada", "age": 36}))
    client = openai_client(fake, cache=AutoCache(), cache_namespace="tests")
    assert client.create(response_model=User, messages=MESSAGES).name == "Jason"
    assert client.create(response_model=User, messages=MESSAGES).name == "Jason"
    assert len(fake.requests) == 1
    # cache=False turns the client's cache off for one call
    assert client.create(response_model=User, messages=MESSAGES, cache=False).name == "Ada"
    assert len(fake.requests) == 2
    assert "cache_namespace" not in fake.requests[1].json


def test_the_cache_survives_a_reask_and_stores_only_the_valid_answer(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": "old"}), Reply.tool("User", {"name": "Jason", "age": 25}))
    cache = AutoCache()
    client = openai_client(fake)
    client.create(response_model=User, messages=MESSAGES, cache=cache, max_retries=2)
    assert client.create(response_model=User, messages=MESSAGES, cache=cache, max_retries=2) \
        == User(name="Jason", age=25)
    assert len(fake.requests) == 2  # the two attempts of the first call, none for the second


def test_a_failed_call_stores_nothing(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": "old"}), Reply.tool("User", {"name": "Jason", "age": 25}))
    cache = AutoCache()
    client = openai_client(fake)
    with pytest.raises(instructor.InstructorRetryException):  # max_retries=0: one attempt, no re-ask
        client.create(response_model=User, messages=MESSAGES, cache=cache, max_retries=0)
    assert len(cache) == 0
    assert client.create(response_model=User, messages=MESSAGES, cache=cache).age == 25
    assert len(fake.requests) == 2


def test_only_pydantic_results_are_stored(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Response", {"content": 25}), Reply.tool("Response", {"content": 25}))
    cache = AutoCache()
    client = openai_client(fake)
    assert client.create(response_model=int, messages=MESSAGES, cache=cache) == 25
    assert client.create(response_model=int, messages=MESSAGES, cache=cache) == 25
    assert len(fake.requests) == 2 and len(cache) == 0


def test_streams_are_not_cached_and_the_options_do_not_reach_the_sdk(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}), Reply.tool("User", {"name": "Jason", "age": 25}))
    client = openai_client(fake, cache=AutoCache(), cache_ttl=60)
    for _ in range(2):
        assert list(client.create_partial(response_model=User, messages=MESSAGES))[-1].age == 25
    assert len(fake.requests) == 2
    assert not {"cache", "cache_ttl"} & set(fake.requests[0].json)


def test_a_hit_is_validated_again_with_the_calls_context(fake: FakeProvider) -> None:
    class Checked(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def known(cls, value: str, info: ValidationInfo) -> str:
            if info.context is not None:
                info.context["seen"].append(value)
            return value

    class Seen:  # keyed by its repr, so recording keeps the context's key
        def __init__(self) -> None:
            self.names: list[str] = []

        def append(self, name: str) -> None:
            self.names.append(name)

        def __repr__(self) -> str:
            return "Seen()"

    fake.add(Reply.tool("Checked", {"name": "Jason"}))
    cache, context = AutoCache(), {"seen": Seen()}
    client = openai_client(fake)
    client.create(response_model=Checked, messages=MESSAGES, cache=cache, context=context)
    client.create(response_model=Checked, messages=MESSAGES, cache=cache, context=context)
    assert context["seen"].names == ["Jason", "Jason"] and len(fake.requests) == 1


async def test_async_clients_use_the_cache(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    client = openai_client(fake, async_client=True)
    cache = AutoCache()
    first = await client.create(response_model=User, messages=MESSAGES, cache=cache)
    second, raw = await client.create_with_completion(response_model=User, messages=MESSAGES, cache=cache)
    assert first == second and raw.id == first._raw_response.id  # type: ignore[attr-defined]
    assert len(fake.requests) == 1
    await client.client.close()


def test_anthropic_results_are_cached_too(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    client = instructor.from_provider("anthropic/claude-sonnet-4-6", base_url=fake.anthropic_base_url,
                                      api_key="sk-test", cache=AutoCache())
    first = client.create(response_model=User, messages=MESSAGES, max_tokens=100)
    second = client.create(response_model=User, messages=MESSAGES, max_tokens=100)
    assert first == second and len(fake.requests) == 1
    assert isinstance(second._raw_response, anthropic.types.Message)  # type: ignore[attr-defined]
    assert second._raw_response.usage.output_tokens == 7  # type: ignore[attr-defined]


def test_responses_mode_results_are_cached(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    client = openai_client(fake, mode=Mode.RESPONSES_TOOLS, cache=AutoCache())
    first = client.responses.create(input="Jason is 25", response_model=User)
    second, raw = client.responses.create_with_completion(input="Jason is 25", response_model=User)
    assert first == second and len(fake.requests) == 1
    assert isinstance(raw, openai.types.responses.Response)
    assert raw.output[0].arguments == '{"name": "Jason", "age": 25}'  # type: ignore[union-attr]


# -- what the key covers ----------------------------------------------------------------------
def test_different_messages_options_or_models_are_different_entries(fake: FakeProvider) -> None:
    class OtherUser(BaseModel):  # another schema under the same tool name
        name: str
        age: int
        email: str = ""

    OtherUser.__name__ = "User"
    fake.always(Reply.tool("User", {"name": "Jason", "age": 25}))
    cache = AutoCache()
    client = openai_client(fake)
    client.create(response_model=User, messages=MESSAGES, cache=cache)
    client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 26"}], cache=cache)
    client.create(response_model=User, messages=MESSAGES, cache=cache, temperature=0.5)
    client.create(response_model=OtherUser, messages=MESSAGES, cache=cache)
    client.create(response_model=User, messages=MESSAGES, cache=cache, cache_namespace="other")
    client.create(response_model=User, messages=MESSAGES, cache=cache, strict=False)  # strict=True is the default
    client.create(response_model=User, messages=MESSAGES, cache=cache, context={"a": 1})
    client.create(response_model=User, messages=MESSAGES, cache=cache, model="gpt-4o")
    assert len(fake.requests) == 8 and len(cache) == 8
    client.create(response_model=User, messages=MESSAGES, cache=cache, temperature=0.5)  # seen before
    assert len(fake.requests) == 8


def test_make_cache_key_is_stable_and_sensitive() -> None:
    base: dict[str, Any] = {"messages": MESSAGES, "model": "gpt-4o-mini", "response_model": User, "mode": Mode.TOOLS}
    key = make_cache_key(**base)
    assert key == make_cache_key(**{**base, "messages": [dict(m) for m in MESSAGES]})
    assert len(key) == 64 and int(key, 16) >= 0
    variants = [
        {"messages": [{"role": "user", "content": "other"}]},
        {"model": "gpt-4o"},
        {"mode": Mode.JSON},
        {"provider": "azure_openai"},
        {"options": {"temperature": 0}},
        {"namespace": "x"},
        {"context": {"k": 1}},
        {"strict": True},
        {"endpoint": "http://other"},
        {"response_model": type("User", (BaseModel,), {"__annotations__": {"name": str}})},
    ]
    keys = {make_cache_key(**{**base, **change}) for change in variants}
    assert len(keys) == len(variants) and key not in keys


def test_make_cache_key_is_the_same_in_another_process() -> None:
    code = textwrap.dedent("""
        from pydantic import BaseModel
        from instructor.cache import make_cache_key
        class User(BaseModel):
            name: str
            age: int
        print(make_cache_key(messages=[{"role": "user", "content": "Jason is 25"}], model="m",
                             response_model=User, mode="tool_call", context={"b": 2, "a": b"raw"}))
    """)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    here = make_cache_key(messages=MESSAGES, model="m", response_model=User, mode="tool_call",
                          context={"a": b"raw", "b": 2})
    assert out == here


# -- backends ---------------------------------------------------------------------------------
def test_ttl_expires_entries_on_the_injected_clock(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}), Reply.tool("User", {"name": "Jason", "age": 26}))
    clock = Clock()
    client = openai_client(fake, cache=AutoCache(clock=clock), cache_ttl=10)
    assert client.create(response_model=User, messages=MESSAGES).age == 25
    clock.now += 9.9
    assert client.create(response_model=User, messages=MESSAGES).age == 25
    assert len(fake.requests) == 1
    clock.now += 0.1
    assert client.create(response_model=User, messages=MESSAGES).age == 26
    assert len(fake.requests) == 2


def test_autocache_is_an_lru_of_maxsize() -> None:
    cache = AutoCache(maxsize=2)
    cache.set("a", "1")
    cache.set("b", "2")
    assert cache.get("a") == "1"  # a is now the most recent
    cache.set("c", "3")
    assert cache.get("b") is None and cache.get("a") == "1" and cache.get("c") == "3"
    assert len(cache) == 2 and isinstance(cache, BaseCache)
    cache.clear()
    assert len(cache) == 0


@pytest.mark.parametrize("maxsize", [0, -1, True, 1.5])
def test_autocache_rejects_a_bad_maxsize(maxsize: Any) -> None:
    with pytest.raises(ValueError, match="maxsize must be > 0"):
        AutoCache(maxsize=maxsize)


def test_autocache_is_thread_safe() -> None:
    cache = AutoCache(maxsize=50)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(2000):
                cache.set(f"{n}-{i % 80}", str(i))
                cache.get(f"{(n + 1) % 8}-{i % 80}")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(cache) == 50


def test_disk_cache_is_shared_by_two_processes(fake: FakeProvider, tmp_path: Path,
                                               subprocess_env: dict[str, str]) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    code = textwrap.dedent(f"""
        import sys
        import instructor
        from pydantic import BaseModel
        from instructor.cache import DiskCache
        class User(BaseModel):
            name: str
            age: int
        client = instructor.from_provider("openai/gpt-4o-mini", base_url={fake.openai_base_url!r},
                                          api_key="sk-test", cache=DiskCache({str(tmp_path / "cache")!r}))
        user, raw = client.create_with_completion(response_model=User,
                                                  messages=[{{"role": "user", "content": "Jason is 25"}}])
        print(user.model_dump_json(), type(raw).__name__, raw.id)
    """)
    runs = [subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                           env=subprocess_env).stdout.strip() for _ in range(2)]
    assert runs[0] == runs[1]
    assert runs[0].startswith('{"name":"Jason","age":25} ChatCompletion chatcmpl-fake-')
    assert len(fake.requests) == 1  # the second process read the first one's answer from disk


def test_disk_cache_passes_ttl_and_options(tmp_path: Path) -> None:
    cache = DiskCache(str(tmp_path), size_limit=2**20)
    cache.set("k", "v", ttl=100)
    assert cache.get("k") == "v" and cache.get("missing") is None
    assert cache._cache.size_limit == 2**20
    cache.set("gone", "v", ttl=-1)  # already expired
    assert cache.get("gone") is None
    cache.close()


def test_a_hit_without_the_sdk_loaded_restores_a_namespace() -> None:
    from instructor.cache import _restore_raw

    raw = _restore_raw({"id": "x", "choices": [{"message": {"content": "hi"}}]}, "not_an_sdk.types:Completion")
    assert isinstance(raw, types.SimpleNamespace)
    assert raw.id == "x" and raw.choices[0].message.content == "hi"


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [True, "yes", {"a": 1}, 3])
def test_a_value_that_is_not_a_cache_is_a_type_error(fake: FakeProvider, value: Any) -> None:
    with pytest.raises(TypeError, match="cache= expects an instructor.cache.BaseCache"):
        openai_client(fake).create(response_model=User, messages=MESSAGES, cache=value)
    assert fake.requests == []


@pytest.mark.parametrize("ttl", [0, -5, "10", True])
def test_a_bad_ttl_is_rejected(fake: FakeProvider, ttl: Any) -> None:
    with pytest.raises(ValueError, match="cache_ttl must be a positive number"):
        openai_client(fake).create(response_model=User, messages=MESSAGES, cache=AutoCache(), cache_ttl=ttl)


def test_a_duck_typed_cache_works(fake: FakeProvider) -> None:
    class DictCache:
        def __init__(self) -> None:
            self.data: dict[str, Any] = {}

        def get(self, key: str) -> Any:
            return self.data.get(key)

        def set(self, key: str, value: Any) -> None:  # no ttl parameter: not passed when unset
            self.data[key] = value

    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    cache = DictCache()
    client = openai_client(fake)
    assert client.create(response_model=User, messages=MESSAGES, cache=cache) \
        == client.create(response_model=User, messages=MESSAGES, cache=cache)
    assert len(fake.requests) == 1 and len(cache.data) == 1


# -- lazy -------------------------------------------------------------------------------------
def test_the_cache_module_loads_only_when_touched(subprocess_env: dict[str, str]) -> None:
    code = textwrap.dedent("""
        import sys
        import instructor
        assert "instructor.cache" not in sys.modules
        instructor.from_provider("openai/gpt-4o-mini", api_key="sk-test")
        assert "instructor.cache" not in sys.modules
        cache = instructor.cache.AutoCache()
        assert "instructor.cache" in sys.modules and "diskcache" not in sys.modules
        instructor.cache.DiskCache(sys.argv[1])
        assert "diskcache" in sys.modules
    """)
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        subprocess.run([sys.executable, "-c", code, directory], check=True, env=subprocess_env)


def test_the_docs_page_runs_as_written(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from docs_pages import run_page

    namespace = run_page("caching.md", fake, monkeypatch, tmp_path)
    # first/second share one request; DiskCache, cache=False, DictCache, the ttl/namespace call: one each;
    # the last block is a hit of the first AutoCache entry
    assert len(fake.requests) == 5
    assert (tmp_path / ".instructor_cache").is_dir()
    assert namespace["completion"].id.startswith("chatcmpl-fake-")
    assert capsys.readouterr().out.split()[1] == "18"


def test_a_result_that_cannot_be_serialised_is_returned_uncached(fake: FakeProvider) -> None:
    from pydantic import field_serializer

    class Odd(BaseModel):
        name: str

        @field_serializer("name")
        def refuse(self, value: str) -> str:
            raise ValueError("not serialisable")

    fake.add(Reply.tool("Odd", {"name": "x"}), Reply.tool("Odd", {"name": "x"}))
    cache = AutoCache()
    client = openai_client(fake)
    assert client.create(response_model=Odd, messages=MESSAGES, cache=cache).name == "x"
    assert len(cache) == 0

"""What every provider whose SDK speaks OpenAI's chat format must do, end to end.

Each `tests/test_provider_<x>.py` subclasses `OpenAIFormatContract` with its
provider's facts; pytest collects the inherited tests once per subclass. Every
test drives the provider's real SDK over HTTP against the fake provider.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field

import instructor
from instructor import IncompleteOutputException, InstructorRetryException, Mode
from instructor.testing import FakeProvider, Reply


def as_asked_for_user(sent: dict[str, Any]) -> dict[str, Any]:
    """A streamed model is asked for as `PartialUser` (the published name); the per-mode checks
    speak of `User`: the request with that one name changed back."""
    text = json.dumps(sent)
    assert "PartialUser" in text
    loaded: dict[str, Any] = json.loads(text.replace("PartialUser", "User"))
    return loaded

MESSAGES = [{"role": "user", "content": "Jason is 25"}]


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


def answer(mode: Mode, obj: dict[str, Any], name: str = "User", **kw: Any) -> Reply:
    """The reply a model gives in `mode` when it answers `obj`."""
    if mode in Mode.tool_modes():
        return Reply.tool(name, obj, **kw)
    if mode is Mode.MD_JSON:
        return Reply.text(f"Here it is:\n```json\n{json.dumps(obj)}\n```", **kw)
    return Reply.json(obj, **kw)


def truncated(mode: Mode) -> Reply:
    """An answer cut off by the length limit."""
    if mode in Mode.tool_modes():
        return Reply.tool("User", '{"name": "Ja', stop="length")
    return Reply.text('{"name": "Ja', stop="length")


def check_openai_request(mode: Mode, sent: dict[str, Any]) -> None:
    """The request shape of the OpenAI chat format's handlers for `mode` (COMPAT §4.4)."""
    system = sent["messages"][0]
    if mode in (Mode.TOOLS, Mode.TOOLS_STRICT):
        assert sent["tool_choice"] == {"type": "function", "function": {"name": "User"}}
        assert sent["tools"][0]["function"]["name"] == "User"
    elif mode is Mode.JSON:
        assert sent["response_format"] == {"type": "json_object"}
        assert system["role"] == "system" and '"age"' in system["content"]
    elif mode is Mode.MD_JSON:
        assert "response_format" not in sent
        assert system["role"] == "system" and '"age"' in system["content"]
        # merged into the last user message of the caller's (a re-ask adds turns after it)
        assert sent["messages"][1]["content"].startswith(MESSAGES[0]["content"] + "\n\n")
        assert "```json" in sent["messages"][1]["content"]
    elif mode is Mode.JSON_SCHEMA:
        fmt = sent["response_format"]
        assert fmt["type"] == "json_schema" and "strict" not in fmt["json_schema"]
        assert fmt["json_schema"]["schema"]["required"] == ["name", "age"]
    else:  # pragma: no cover - a new mode needs its expectation here
        raise AssertionError(f"no expectation for {mode!r}")


class OpenAIFormatContract:
    """Shared end-to-end tests; subclasses fill in the provider's facts."""

    provider: ClassVar[str]
    model: ClassVar[str]
    modes: ClassVar[tuple[Mode, ...]]
    path: ClassVar[str]  # the path the SDK posts chat requests to
    env_var: ClassVar[str]
    from_function: ClassVar[str]  # name of the `instructor.from_<x>` function
    sdk_options: ClassVar[dict[str, Any]] = {}  # for SDK clients the tests build themselves

    @pytest.fixture(scope="class")
    @classmethod
    def _server(cls) -> Iterator[FakeProvider]:
        with FakeProvider() as server:
            yield server

    @pytest.fixture
    def fake(self, _server: FakeProvider) -> FakeProvider:
        """One server per provider class, emptied before each test (starting one costs ~50 ms)."""
        _server.reset()
        return _server

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """A test taking `mode` runs once per single-object mode of the provider
        (PARALLEL_TOOLS answers a list: tests/providers/test_provider_compatible.py covers it)."""
        if "mode" in metafunc.fixturenames:
            modes = [m for m in self.modes if m is not Mode.PARALLEL_TOOLS]
            metafunc.parametrize("mode", modes, ids=[m.name for m in modes])

    # -- provider facts a subclass implements --------------------------------------------
    def base_url(self, fake: FakeProvider) -> str:
        return fake.url

    def sdk_types(self) -> tuple[type, type]:
        """The SDK's (sync client, async client) classes."""
        raise NotImplementedError

    def auth_error(self) -> type[Exception]:
        raise NotImplementedError

    def check_request(self, mode: Mode, sent: dict[str, Any]) -> None:
        """Assert what the provider's handler put in the request for `mode` (by default: the
        OpenAI chat format's shapes, §4.4)."""
        check_openai_request(mode, sent)

    # -- helpers --------------------------------------------------------------------------
    @property
    def tool_mode(self) -> Mode:
        return next(m for m in self.modes if m in Mode.tool_modes())

    def client(self, fake: FakeProvider, mode: Mode | None = None, **kw: Any) -> Any:
        kw.setdefault("api_key", "test-key")
        return instructor.from_provider(f"{self.provider}/{self.model}", base_url=self.base_url(fake), mode=mode, **kw)

    def sdk_client(self, fake: FakeProvider, *, async_: bool = False) -> Any:
        sync_cls, async_cls = self.sdk_types()
        cls = async_cls if async_ else sync_cls
        return cls(api_key="test-key", base_url=self.base_url(fake), **self.sdk_options)

    # -- the contract -----------------------------------------------------------------------
    def test_default_mode_is_the_configs(self, fake: FakeProvider) -> None:
        config = instructor.get_registry().get_config(self.provider)
        client = self.client(fake)
        assert client.mode is config.default_mode
        assert set(self.modes) == set(config.supported_modes)
        assert client.provider == self.provider

    def test_extracts_in_every_mode(self, fake: FakeProvider, mode: Mode) -> None:
        fake.add(answer(mode, {"name": "Jason", "age": 25}))
        user = self.client(fake, mode).create(response_model=User, messages=MESSAGES)
        assert user == User(name="Jason", age=25)
        request = fake.requests[0]
        assert request.path.split("?")[0] == self.path
        assert request.json["model"] == self.model
        assert request.headers["authorization"] == "Bearer test-key"
        self.check_request(mode, request.json)
        assert user._raw_response.choices[0].message is not None  # type: ignore[attr-defined]

    async def test_async_extracts_in_every_mode(self, fake: FakeProvider, mode: Mode) -> None:
        fake.add(answer(mode, {"name": "Ada", "age": 36}))
        client = self.client(fake, mode, async_client=True)
        assert isinstance(client, instructor.AsyncInstructor)
        assert isinstance(client.client, self.sdk_types()[1])
        assert await client.create(response_model=User, messages=MESSAGES) == User(name="Ada", age=36)
        self.check_request(mode, fake.requests[0].json)
        await client.client.close()

    def test_reask_feeds_the_validation_error_back(self, fake: FakeProvider, mode: Mode) -> None:
        fake.add(answer(mode, {"name": "Jason", "age": -3}), answer(mode, {"name": "Jason", "age": 25}))
        user = self.client(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=1)
        assert user.age == 25 and len(fake.requests) == 2
        first, second = fake.requests[0].json["messages"], fake.requests[1].json["messages"]
        assert second[: len(first)] == first
        feedback = second[-1]
        assert "greater than or equal to 0" in feedback["content"]
        assert second[-2]["role"] == "assistant"
        if mode in Mode.tool_modes():
            assert feedback["role"] == "tool"
            assert second[-2]["tool_calls"][0]["id"] == feedback["tool_call_id"]
        else:
            assert feedback["role"] == "user"
        self.check_request(mode, fake.requests[1].json)

    async def test_async_reask(self, fake: FakeProvider) -> None:
        mode = self.tool_mode
        fake.add(answer(mode, {"name": "J", "age": -1}), answer(mode, {"name": "J", "age": 1}))
        client = self.client(fake, mode, async_client=True)
        assert (await client.create(response_model=User, messages=MESSAGES, max_retries=1)).age == 1
        assert fake.requests[1].json["messages"][-1]["role"] == "tool"
        await client.client.close()

    def test_answer_without_the_tool_is_reasked(self, fake: FakeProvider) -> None:
        fake.add(Reply.text("I'd rather chat"), answer(self.tool_mode, {"name": "J", "age": 2}))
        user = self.client(fake, self.tool_mode).create(response_model=User, messages=MESSAGES, max_retries=1)
        assert user.age == 2
        assert "User" in fake.requests[1].json["messages"][-1]["content"]
        self.check_request(self.tool_mode, fake.requests[1].json)

    def test_usage_is_summed_over_attempts(self, fake: FakeProvider) -> None:
        mode = self.tool_mode
        fake.add(*[answer(mode, {"name": "J", "age": -i - 1}, usage=(10, 5)) for i in range(3)])
        with pytest.raises(InstructorRetryException) as info:
            self.client(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=2)
        exc = info.value
        assert exc.n_attempts == 3 and len(exc.failed_attempts) == 3
        assert (exc.total_usage.prompt_tokens, exc.total_usage.completion_tokens, exc.total_usage.total_tokens) == (30, 15, 45)
        assert "greater than or equal to 0" in str(exc.failed_attempts[-1].exception)

    def test_length_stop_is_incomplete_output(self, fake: FakeProvider, mode: Mode) -> None:
        fake.add(truncated(mode))
        with pytest.raises(IncompleteOutputException) as info:
            self.client(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=2)
        assert info.value.received == '{"name": "Ja'
        assert info.value.last_completion.choices[0].finish_reason == "length"
        assert len(fake.requests) == 1  # a longer answer needs max_tokens raised, not a re-ask

    async def test_async_length_stop_is_incomplete_output(self, fake: FakeProvider) -> None:
        fake.add(truncated(self.tool_mode))
        client = self.client(fake, self.tool_mode, async_client=True)
        with pytest.raises(IncompleteOutputException):
            await client.create(response_model=User, messages=MESSAGES)
        await client.client.close()

    def test_create_partial_streams_growing_objects(self, fake: FakeProvider, mode: Mode) -> None:
        fake.add(answer(mode, {"name": "Jason Liu", "age": 25}))
        partials = list(self.client(fake, mode).create_partial(response_model=User, messages=MESSAGES))
        assert partials[-1] == User(name="Jason Liu", age=25)
        names = [p.name for p in partials if p.name]
        assert len(set(names)) > 2 and all("Jason Liu".startswith(n) for n in names)  # grew piece by piece
        sent = fake.requests[0].json
        assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
        self.check_request(mode, as_asked_for_user(sent))
        assert partials[-1]._raw_response.usage["total_tokens"] == 18  # type: ignore[attr-defined]

    async def test_async_create_partial(self, fake: FakeProvider) -> None:
        fake.add(answer(self.tool_mode, {"name": "Ada", "age": 36}))
        client = self.client(fake, self.tool_mode, async_client=True)
        partials = [p async for p in client.create_partial(response_model=User, messages=MESSAGES)]
        assert len(partials) > 2 and partials[-1] == User(name="Ada", age=36)
        await client.client.close()

    def test_create_iterable_yields_each_item(self, fake: FakeProvider, mode: Mode) -> None:
        items = [{"name": "Ada", "age": 36}, {"name": "Jason", "age": 25}]
        fake.add(answer(mode, {"tasks": items}, name="IterableUser"))
        users = list(self.client(fake, mode).create_iterable(response_model=User, messages=MESSAGES))
        assert users == [User(**item) for item in items]

    async def test_async_create_iterable(self, fake: FakeProvider) -> None:
        fake.add(answer(self.modes[-1], {"tasks": [{"name": "Ada", "age": 36}]}, name="IterableUser"))
        client = self.client(fake, self.modes[-1], async_client=True)
        assert [u async for u in client.create_iterable(response_model=User, messages=MESSAGES)] == [
            User(name="Ada", age=36)
        ]
        await client.client.close()

    def test_streamed_answer_that_fails_validation_is_reasked(self, fake: FakeProvider, mode: Mode) -> None:
        fake.add(answer(mode, {"name": "J", "age": -1}), answer(mode, {"name": "J", "age": 1}))
        partials = list(self.client(fake, mode).create_partial(response_model=User, messages=MESSAGES,
                                                               max_retries=1))
        assert partials[-1] == User(name="J", age=1) and len(fake.requests) == 2
        feedback = fake.requests[1].json["messages"][-1]
        assert "greater than or equal to 0" in feedback["content"]
        assert fake.requests[1].json["messages"][-2]["role"] == "assistant"
        self.check_request(mode, as_asked_for_user(fake.requests[1].json))

    def test_stream_cut_by_the_length_limit_is_incomplete(self, fake: FakeProvider, mode: Mode) -> None:
        fake.add(truncated(mode))
        with pytest.raises(IncompleteOutputException) as info:
            list(self.client(fake, mode).create_partial(response_model=User, messages=MESSAGES, max_retries=2))
        assert info.value.received == '{"name": "Ja' and len(fake.requests) == 1

    def test_http_errors_are_the_sdks_own(self, fake: FakeProvider) -> None:
        fake.add(Reply.http_error(401, "bad key"))
        with pytest.raises(InstructorRetryException) as info:  # the SDK's error is the cause, never re-sent
            self.client(fake, max_retries=0).create(response_model=User, messages=MESSAGES, max_retries=2)
        assert isinstance(info.value.__cause__, self.auth_error()) and len(fake.requests) == 1

    def test_none_response_model_passes_through(self, fake: FakeProvider) -> None:
        fake.add(Reply.text("hello"))
        completion = self.client(fake).create(response_model=None, messages=MESSAGES, temperature=0)
        assert completion.choices[0].message.content == "hello"
        assert "tools" not in fake.requests[0].json and fake.requests[0].json["temperature"] == 0

    def test_client_options_go_to_the_sdk_and_the_rest_to_create(self, fake: FakeProvider) -> None:
        client = self.client(fake, timeout=12.5, max_retries=0, temperature=0.2)
        assert isinstance(client.client, self.sdk_types()[0])
        assert client.client.timeout == 12.5 and client.client.max_retries == 0
        assert client.default_kwargs == {"model": self.model, "temperature": 0.2}
        fake.add(answer(client.mode, {"name": "J", "age": 1}))
        client.create(response_model=User, messages=MESSAGES, max_tokens=5)
        assert fake.requests[0].json["temperature"] == 0.2 and fake.requests[0].json["max_tokens"] == 5

    def test_key_from_the_environment_and_never_in_repr(
        self, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with pytest.raises(instructor.MissingAPIKeyError, match=self.env_var):
            instructor.from_provider(f"{self.provider}/{self.model}", base_url=self.base_url(fake))
        monkeypatch.setenv(self.env_var, "env-secret")
        client = instructor.from_provider(f"{self.provider}/{self.model}", base_url=self.base_url(fake))
        assert "env-secret" not in repr(client)
        fake.add(answer(client.mode, {"name": "J", "age": 1}))
        client.create(response_model=User, messages=MESSAGES)
        assert fake.requests[0].headers["authorization"] == "Bearer env-secret"

    def test_from_function_wraps_the_sdks_clients(self, fake: FakeProvider) -> None:
        wrap = getattr(instructor, self.from_function)
        sync_client = wrap(self.sdk_client(fake), model=self.model)
        assert isinstance(sync_client, instructor.Instructor) and sync_client.provider == self.provider
        assert sync_client.mode is self.modes[0] and sync_client.default_kwargs == {"model": self.model}
        fake.add(answer(self.modes[-1], {"name": "J", "age": 4}))
        json_client = wrap(self.sdk_client(fake), mode=self.modes[-1], model=self.model)
        assert json_client.create(response_model=User, messages=MESSAGES).age == 4
        assert isinstance(wrap(self.sdk_client(fake, async_=True)), instructor.AsyncInstructor)
        with pytest.raises(TypeError, match=self.sdk_types()[0].__name__):
            wrap(object())
        with pytest.raises(instructor.UnsupportedModeError, match=f"Mode.{self.modes[0].name}"):
            wrap(self.sdk_client(fake), mode=Mode.ANTHROPIC_TOOLS)

    def test_unsupported_mode_lists_the_supported_ones(self, fake: FakeProvider) -> None:
        with pytest.raises(instructor.UnsupportedModeError) as info:
            self.client(fake, Mode.ANTHROPIC_JSON)
        for mode in self.modes:
            assert f"Mode.{mode.name}" in str(info.value)

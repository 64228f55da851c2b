"""COMPAT.md section 10: the create family, streaming names, templating, token_budget, hooks, DSL paths."""

from __future__ import annotations

import enum
import inspect
import typing
from collections.abc import Iterable
from typing import Any

import openai
import pydantic
import pytest

try:  # tests/compat as a plain directory, or as a package
    from core_helpers import BAD, GOOD, MESSAGES, User, openai_client
except ImportError:  # pragma: no cover
    from compat.core_helpers import BAD, GOOD, MESSAGES, User, openai_client
from pydantic import BaseModel

import instructor
from instructor import HookName, Hooks, InstructorRetryException
from instructor.testing import FakeProvider, Reply

PUBLISHED_ORDER = {
    "create": ["response_model", "messages", "max_retries", "context", "strict", "hooks", "token_budget"],
    "create_partial": ["response_model", "messages", "max_retries", "context", "strict", "hooks"],
    "create_iterable": ["messages", "response_model", "max_retries", "context", "strict", "hooks"],
    "create_with_completion": ["messages", "response_model", "max_retries", "context", "strict", "hooks"],
}


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Paint(BaseModel):
    name: str
    color: Color


# -- 10.1 signatures and results --------------------------------------------------------------
@pytest.mark.parametrize("async_client", [False, True])
@pytest.mark.parametrize("method", list(PUBLISHED_ORDER))
def test_s10_1_signatures(fake: FakeProvider, method: str, async_client: bool) -> None:
    parameters = inspect.signature(getattr(openai_client(fake, async_client=async_client), method)).parameters
    names = [n for n, p in parameters.items() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    assert names == PUBLISHED_ORDER[method]
    assert parameters["strict"].default is True and parameters["max_retries"].default == 3


def test_s10_1_create_positional(fake: FakeProvider) -> None:
    fake.add(GOOD)
    assert openai_client(fake).create(User, MESSAGES).age == 25


def test_s10_1_create_with_completion_is_messages_first(fake: FakeProvider) -> None:
    fake.add(GOOD, GOOD)
    client = openai_client(fake)
    user, completion = client.create_with_completion(MESSAGES, User)
    assert user.age == 25 and completion is user._raw_response
    user, _ = client.create_with_completion(response_model=User, messages=MESSAGES)  # keywords still work
    assert user.age == 25


def test_s10_1_create_iterable_is_messages_first(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}]}))
    users = list(openai_client(fake).create_iterable(MESSAGES, User))
    assert [u.name for u in users] == ["Jason", "Sarah"]


def test_s10_1_result_carries_the_raw_response(fake: FakeProvider) -> None:
    fake.add(GOOD)
    user = openai_client(fake).create(response_model=User, messages=MESSAGES)
    assert isinstance(user._raw_response, openai.types.chat.ChatCompletion)  # type: ignore[attr-defined]
    assert user == User(name="Jason", age=25)


def test_s10_1_total_usage_on_results(fake: FakeProvider) -> None:
    fake.add(BAD, GOOD)
    user = openai_client(fake).create(response_model=User, messages=MESSAGES)
    assert user._total_usage.total_tokens == 36  # type: ignore[attr-defined]
    assert user._raw_response.usage.total_tokens == 18  # type: ignore[attr-defined]  # left as received


def test_s10_1_list_results_are_a_list_response(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}]}))
    users = openai_client(fake).create(response_model=Iterable[User], messages=MESSAGES)
    assert isinstance(users, instructor.ListResponse) and isinstance(users, list)
    assert users == [User(name="Jason", age=25), User(name="Sarah", age=30)]
    assert isinstance(users.get_raw_response(), openai.types.chat.ChatCompletion)
    assert users[:1]._raw_response is users._raw_response and isinstance(users[:1], instructor.ListResponse)


def test_s10_1_strict_by_default_lax_on_request(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": "25"}), GOOD, Reply.tool("User", {"name": "J", "age": "25"}))
    client = openai_client(fake)
    assert client.create(response_model=User, messages=MESSAGES).age == 25
    assert len(fake.requests) == 2  # "25" for an int is re-asked under strict=True
    assert client.create(response_model=User, messages=MESSAGES, strict=False).age == 25
    assert len(fake.requests) == 3


def test_s10_1_strict_is_json_strict_enums_from_strings_pass(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Paint", {"name": "sky", "color": "blue"}))
    assert openai_client(fake).create(response_model=Paint, messages=MESSAGES).color is Color.BLUE


# -- 10.2 streaming ------------------------------------------------------------------------------
def test_s10_2_partial_tool_is_named_partial_model(fake: FakeProvider) -> None:
    fake.add(Reply.tool("PartialUser", {"name": "Jason", "age": 25}))
    objects = list(openai_client(fake).create_partial(response_model=User, messages=MESSAGES))
    sent = fake.requests[0].json
    assert sent["tools"][0]["function"]["name"] == "PartialUser" and sent["stream"] is True
    assert objects[-1] == User(name="Jason", age=25) and type(objects[-1]) is User


def test_s10_2_streamed_enum_validates_in_json_strict_mode(fake: FakeProvider) -> None:
    fake.add(Reply.tool("PartialPaint", {"name": "sky", "color": "red"}))
    final = list(openai_client(fake).create_partial(response_model=Paint, messages=MESSAGES))[-1]
    assert final.color is Color.RED and len(fake.requests) == 1  # the published release re-asks here


def test_s10_2_streamed_iterable_enum_validates_in_json_strict_mode(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterablePaint", {"tasks": [{"name": "sky", "color": "blue"}]}))
    paints = list(openai_client(fake).create_iterable(MESSAGES, Paint))
    assert paints == [Paint(name="sky", color=Color.BLUE)]


async def test_s10_2_async_create_with_iterable_is_an_async_generator(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": [{"name": "Jason", "age": 25}]}))
    stream = await openai_client(fake, async_client=True).create(response_model=Iterable[User], messages=MESSAGES)
    assert inspect.isasyncgen(stream)
    assert [u async for u in stream] == [User(name="Jason", age=25)]
    assert fake.requests[0].json["stream"] is True


def test_s10_2_partial_model_naming() -> None:
    partial = instructor.Partial[User]
    assert partial.__name__ == "PartialUser" and partial.model_json_schema()["title"] == "PartialUser"


# -- 10.3 templating --------------------------------------------------------------------------
def test_s10_3_templated_messages_are_dedented(fake: FakeProvider) -> None:
    fake.add(GOOD, GOOD)
    client = openai_client(fake)
    client.create(response_model=User, messages=[{"role": "user", "content": "  Hi {{ who }}"}],
                  context={"who": "Zed"})
    assert fake.requests[0].json["messages"][0]["content"] == "Hi Zed"
    client.create(response_model=User, messages=[{"role": "user", "content": "  {{ x }}"}])
    assert fake.requests[1].json["messages"][0]["content"] == "  {{ x }}"  # no context: verbatim


def test_s10_3_validation_context_is_the_older_name_of_context(fake: FakeProvider) -> None:
    fake.add(GOOD)
    openai_client(fake).create(response_model=User, messages=[{"role": "user", "content": "{{ who }}"}],
                               validation_context={"who": "Zed"})
    assert fake.requests[0].json["messages"][0]["content"] == "Zed"
    assert "validation_context" not in fake.requests[0].json


# -- 10.4 token_budget --------------------------------------------------------------------------
def test_s10_4_token_budget_exceeded_instead_of_reasking(fake: FakeProvider) -> None:
    fake.always(BAD)  # 18 tokens per attempt
    with pytest.raises(instructor.TokenBudgetExceeded) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES, token_budget=30)
    error = info.value
    assert (error.budget, error.n_attempts, len(error.failed_attempts)) == (30, 2, 2)
    assert isinstance(error.__cause__, pydantic.ValidationError) and "36" in str(error)
    assert len(fake.requests) == 2


def test_s10_4_token_budget_without_usage_is_usage_unavailable(fake: FakeProvider) -> None:
    sdk = openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0)

    def local_model(**kwargs: Any) -> Any:  # a local server that reports no usage
        return sdk.chat.completions.create(model="local", **kwargs).model_copy(update={"usage": None})

    create = instructor.patch(create=local_model)
    fake.always(BAD)
    with pytest.raises(instructor.TokenUsageUnavailableError) as info:
        create(response_model=User, messages=MESSAGES, max_retries=3, token_budget=100)
    assert info.value.budget == 100 and isinstance(info.value.__cause__, pydantic.ValidationError)
    assert len(fake.requests) == 1


def test_s10_4_token_budget_not_reached_keeps_reasking(fake: FakeProvider) -> None:
    fake.add(BAD, GOOD)
    assert openai_client(fake).create(response_model=User, messages=MESSAGES, token_budget=1000).age == 25


@pytest.mark.parametrize(("budget", "error"), [(True, TypeError), ("10", TypeError), (1.5, TypeError),
                                                (0, ValueError), (-3, ValueError)])
def test_s10_4_bad_token_budget_values(fake: FakeProvider, budget: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="token_budget"):
        openai_client(fake).create(response_model=User, messages=MESSAGES, token_budget=budget)
    assert fake.requests == []


def test_s10_4_token_budget_needs_a_structured_non_streamed_call(fake: FakeProvider) -> None:
    client = openai_client(fake)
    with pytest.raises(ValueError, match="response_model"):
        client.create(response_model=None, messages=MESSAGES, token_budget=10)
    with pytest.raises(ValueError, match="stream"):
        client.create(response_model=instructor.Partial[User], messages=MESSAGES, token_budget=10)
    assert fake.requests == []


# -- 10.5 hooks --------------------------------------------------------------------------------
def test_s10_5_hook_names() -> None:
    assert {h.name: h.value for h in HookName} == {
        "COMPLETION_KWARGS": "completion:kwargs", "COMPLETION_RESPONSE": "completion:response",
        "COMPLETION_ERROR": "completion:error", "COMPLETION_LAST_ATTEMPT": "completion:last_attempt",
        "COMPLETION_USAGE": "completion:usage", "PARSE_ERROR": "parse:error"}


def test_s10_5_invalid_hook_name(fake: FakeProvider) -> None:
    with pytest.raises(ValueError, match="Invalid hook name: bogus"):
        openai_client(fake).on("bogus", print)


def test_s10_5_metadata_goes_only_to_handlers_that_accept_it(fake: FakeProvider) -> None:
    plain: list[Any] = []
    with_meta: list[Any] = []
    last: list[Any] = []
    client = openai_client(fake)
    client.on("parse:error", plain.append)
    client.on("parse:error", lambda error, attempt_number, max_attempts, is_last_attempt:
              with_meta.append((attempt_number, max_attempts, is_last_attempt)))
    client.on("completion:last_attempt", lambda error, **meta: last.append(meta))
    fake.always(BAD)
    with pytest.raises(InstructorRetryException):
        client.create(response_model=User, messages=MESSAGES, max_retries=1)
    assert len(plain) == 2 and all(isinstance(e, pydantic.ValidationError) for e in plain)
    assert with_meta == [(1, 2, False), (2, 2, True)]
    assert last == [{"attempt_number": 2, "max_attempts": 2, "is_last_attempt": True}]


def test_s10_5_completion_usage_is_cumulative(fake: FakeProvider) -> None:
    seen: list[tuple[int, int]] = []
    client = openai_client(fake)
    client.on("completion:usage", lambda usage, attempt_number: seen.append((attempt_number, usage.total_tokens)))
    fake.add(BAD, GOOD)
    client.create(response_model=User, messages=MESSAGES)
    assert seen == [(1, 18), (2, 36)]


def test_s10_5_completion_kwargs_gets_the_request_as_keywords(fake: FakeProvider) -> None:
    seen: list[dict[str, Any]] = []
    client = openai_client(fake)
    client.on(HookName.COMPLETION_KWARGS, lambda *args, **kw: seen.append({"args": args, **kw}))
    fake.add(GOOD)
    client.create(response_model=User, messages=MESSAGES)
    assert seen[0]["args"] == () and seen[0]["model"] == "gpt-4o-mini" and "tools" in seen[0]


def test_s10_5_per_call_hooks_run_after_the_clients(fake: FakeProvider) -> None:
    order: list[str] = []
    client = openai_client(fake)
    client.on("completion:response", lambda response: order.append("client"))
    call = Hooks()
    call.on("completion:response", lambda response: order.append("call"))
    fake.add(GOOD)
    client.create(response_model=User, messages=MESSAGES, hooks=call)
    assert order == ["client", "call"]


def test_s10_5_hooks_add_iadd_combine_copy_emit() -> None:
    seen: list[str] = []
    a, b = Hooks(), Hooks()
    a.on("completion:response", lambda r: seen.append(f"a{r}"))
    b.on("completion:response", lambda r: seen.append(f"b{r}"))
    (a + b).emit_completion_response(1)
    Hooks.combine(a, b).emit_completion_response(2)
    a.combine(b).emit_completion_response(3)  # the instance form keeps working
    copied = a.copy()
    copied += b
    copied.emit_completion_response(4)
    a.emit_completion_response(5)
    assert seen == ["a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4", "a5"]
    with pytest.raises(TypeError):
        Hooks.combine(a, "not hooks")  # type: ignore[arg-type]
    assert a.get_hook_name("parse:error") is HookName.PARSE_ERROR


def test_s10_5_a_raising_hook_warns_and_the_call_goes_on(fake: FakeProvider) -> None:
    def broken(response: Any) -> None:
        raise RuntimeError("hook bug")

    client = openai_client(fake)
    client.on("completion:response", broken)
    fake.add(GOOD)
    with pytest.warns(UserWarning, match="broken.*RuntimeError"):
        assert client.create(response_model=User, messages=MESSAGES).age == 25


# -- 10.6 DSL paths -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["CitationMixin", "IterableModel", "ListResponse", "Maybe", "ModelAdapter",
                                  "Partial", "ResponseList", "is_simple_type"])
def test_s10_6_instructor_dsl_reexports(name: str) -> None:
    import instructor.dsl

    assert name in instructor.dsl.__all__ and getattr(instructor.dsl, name) is not None


def test_s10_6_is_simple_type_and_model_adapter() -> None:
    from instructor.dsl import ModelAdapter, is_simple_type

    assert is_simple_type(int) and is_simple_type(list[int]) and not is_simple_type(User)
    assert "content" in ModelAdapter[int].model_fields


def test_s10_6_partial_literal_mixin_warns_on_subclassing() -> None:
    from instructor.dsl.partial import PartialLiteralMixin

    with pytest.warns(DeprecationWarning, match="PartialLiteralMixin"):
        class Old(BaseModel, PartialLiteralMixin):
            name: str

    assert Old(name="x").name == "x"


def test_s10_6_instructor_hooks_attribute_and_shim(subprocess_env: dict[str, str]) -> None:
    import subprocess
    import sys

    assert instructor.hooks.Hooks is Hooks  # attribute access: the core module, no warning
    code = ("import warnings, json\nwarnings.simplefilter('always')\nimport instructor.hooks\n"
            "with warnings.catch_warnings(record=True) as w:\n    h = instructor.hooks.Hooks\n"
            "from instructor.core.hooks import Hooks\n"
            "print(json.dumps([h is Hooks, [x.category.__name__ for x in w]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env,
                         timeout=60)
    same, categories = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    assert same and categories == ["DeprecationWarning"]



def test_s10_2_partial_itself_cannot_be_instantiated_or_subclassed() -> None:
    import pytest

    from instructor import Partial

    with pytest.raises(TypeError, match="Cannot instantiate abstract Partial class"):
        Partial()
    with pytest.raises(TypeError, match="cannot subclass Partial"):
        type("Sub", (Partial,), {})


def test_s10_1_unknown_attributes_are_the_sdk_clients(fake: FakeProvider) -> None:
    sdk = openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0)
    client = instructor.from_openai(sdk)
    assert client.models is sdk.models and client.base_url == sdk.base_url
    assert client.chat.completions.create == client.create  # instructor's own names win
    with pytest.raises(AttributeError, match="no_such_thing"):
        client.no_such_thing  # noqa: B018
    with pytest.raises(AttributeError, match="RESPONSES_TOOLS"):  # not the SDK's Responses resource
        client.responses  # noqa: B018


@pytest.mark.parametrize("list_type", [list[User], typing.List[User]])  # noqa: UP006
def test_s10_1_a_list_of_models_is_asked_for_as_iterable_model_with_tasks(fake: FakeProvider, list_type: Any) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}]}))
    users = openai_client(fake).create(response_model=list_type, messages=MESSAGES)
    assert isinstance(users, instructor.ListResponse) and users == [User(name="Jason", age=25), User(name="Sarah", age=30)]
    function = fake.requests[0].json["tools"][0]["function"]
    assert function["name"] == "IterableUser" and list(function["parameters"]["properties"]) == ["tasks"]
    assert fake.requests[0].json["tool_choice"] == {"type": "function", "function": {"name": "IterableUser"}}


async def test_s10_1_async_a_list_of_models_is_still_a_list_response(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": [{"name": "Jason", "age": 25}]}))
    users = await openai_client(fake, async_client=True).create(response_model=list[User], messages=MESSAGES)
    assert isinstance(users, instructor.ListResponse) and users == [User(name="Jason", age=25)]
    assert "stream" not in fake.requests[0].json

"""What a type checker must infer from `instructor`'s public surface (checked, never run)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, assert_type

from pydantic import BaseModel

import instructor
from instructor import AsyncInstructor, Hooks, Instructor, Mode


class User(BaseModel):
    name: str


async def check() -> None:
    client = instructor.from_provider("openai/gpt-4o-mini")
    assert_type(client, Instructor)
    assert_type(instructor.from_provider("openai/gpt-4o-mini", async_client=False), Instructor)
    aclient = instructor.from_provider("openai/gpt-4o-mini", async_client=True)
    assert_type(aclient, AsyncInstructor)
    assert_type(instructor.from_provider("openai/gpt-4o-mini", "key", True), AsyncInstructor)

    messages = [{"role": "user", "content": "Jason is 25"}]
    assert_type(client.create(response_model=User, messages=messages), User)
    assert_type(client.chat.completions.create(response_model=User, messages=messages), User)
    assert_type(client.messages.create(response_model=User, messages=messages), User)
    assert_type(await aclient.create(response_model=User, messages=messages), User)
    assert_type(client.create(response_model=None, messages=messages), Any)
    assert_type(client.create_with_completion(response_model=User, messages=messages), tuple[Any, Any])

    assert_type(client.create_partial(response_model=User, messages=messages), Iterator[User])
    assert_type(client.create_iterable(response_model=User, messages=messages), Iterator[User])
    assert_type(aclient.create_partial(response_model=User, messages=messages), AsyncIterator[User])
    assert_type(aclient.create_iterable(response_model=User, messages=messages), AsyncIterator[User])
    async for item in aclient.create_iterable(response_model=User, messages=messages):
        assert_type(item, User)

    assert_type(Mode("tool_call"), Mode)
    assert_type(instructor.from_openai(object()), Instructor | AsyncInstructor)
    # the OpenAI-compatible providers' factories are made from rows of data: their signatures still check
    assert_type(instructor.from_deepseek("deepseek-chat", Mode.JSON, async_client=True), Instructor | AsyncInstructor)
    assert_type(instructor.from_together(object(), model="m", temperature=0), Instructor | AsyncInstructor)
    assert_type(instructor.from_xai(object(), Mode.TOOLS, "grok-4"), Instructor | AsyncInstructor)
    assert_type(instructor.from_perplexity(object(), mode=Mode.MD_JSON), Instructor | AsyncInstructor)
    hooks = Hooks()
    hooks.on(instructor.HookName.COMPLETION_KWARGS, print)
    client.on("parse:error", print)
    assert_type(instructor.preload("openai"), list[str])
    assert_type(instructor.__version__, str)

    try:
        client.create(response_model=User, messages=messages)
    except instructor.InstructorRetryException as exc:
        assert_type(exc.n_attempts, int)
        assert_type(exc.failed_attempts, list[instructor.FailedAttempt] | None)
    except instructor.IncompleteOutputException as exc:
        assert_type(exc.received, str | None)


class Named(instructor.OpenAISchema):
    name: str


def check_schema_helpers(client: Instructor) -> None:
    from collections.abc import Callable

    assert_type(Named.openai_schema, dict[str, Any])
    assert_type(Named.anthropic_schema, dict[str, Any])
    assert_type(Named.from_response(object()), Named)
    assert_type(instructor.generate_openai_schema(User), dict[str, Any])
    assert_type(instructor.generate_anthropic_schema(User), dict[str, Any])
    assert_type(instructor.response_schema(User), type[User])
    assert_type(instructor.llm_validator("be polite", client), Callable[[str], str])
    assert_type(instructor.openai_moderation(object()), Callable[[str], str])
    assert_type(instructor.Instructions().finetune_format, instructor.FinetuneFormat)

"""COMPAT.md section 3: exceptions, their import paths, constructors and attributes."""

from __future__ import annotations

import json
import subprocess
import sys

import anthropic
import openai
import pydantic
import pytest

try:  # tests/compat as a plain directory, or as a package
    from core_helpers import BAD, MESSAGES, User, anthropic_client, openai_client
except ImportError:  # pragma: no cover
    from compat.core_helpers import BAD, MESSAGES, User, anthropic_client, openai_client

import instructor
from instructor.core import exceptions as exc_module
from instructor.testing import FakeProvider, Reply

PUBLISHED = ["InstructorRetryException", "InstructorError", "ConfigurationError", "IncompleteOutputException",
             "ValidationError", "ProviderError", "ModeError", "ClientError", "AsyncValidationError",
             "ResponseParsingError", "MultimodalError", "FailedAttempt", "TokenBudgetError", "TokenBudgetExceeded",
             "TokenUsageUnavailableError"]


# -- 3.1 hierarchy ---------------------------------------------------------------------------
@pytest.mark.parametrize(("child", "parents"), [
    ("IncompleteOutputException", ["InstructorError"]),
    ("InstructorRetryException", ["InstructorError"]),
    ("TokenBudgetError", ["InstructorRetryException"]),
    ("TokenBudgetExceeded", ["TokenBudgetError"]),
    ("TokenUsageUnavailableError", ["TokenBudgetError"]),
    ("ValidationError", ["InstructorError"]),
    ("ProviderError", ["InstructorError"]),
    ("ConfigurationError", ["InstructorError"]),
    ("RegistryError", ["ConfigurationError"]),
    ("ValidationContextError", ["ConfigurationError"]),
    ("ModeError", ["InstructorError"]),
    ("ClientError", ["InstructorError"]),
    ("AsyncValidationError", ["ValueError", "InstructorError"]),
    ("ResponseParsingError", ["ValueError", "InstructorError"]),
    ("MultimodalError", ["ValueError", "InstructorError"]),
    ("UnsupportedModeError", ["ModeError", "ConfigurationError"]),
    ("StreamInterruptedError", ["IncompleteOutputException", "InstructorRetryException"]),
])
def test_s3_1_hierarchy(child: str, parents: list[str]) -> None:
    cls = getattr(exc_module, child)
    for parent in parents:
        assert issubclass(cls, ValueError if parent == "ValueError" else getattr(exc_module, parent))
    assert not issubclass(exc_module.ValidationError, pydantic.ValidationError)


def test_s3_1_failed_attempt_is_a_named_tuple() -> None:
    attempt = instructor.FailedAttempt(2, ValueError("bad"))
    assert isinstance(attempt, tuple) and attempt._fields == ("attempt_number", "exception", "completion")
    number, error, completion = attempt
    assert (number, str(error), completion) == (2, "bad", None) and attempt.number == 2


# -- 3.2 import paths ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", [*PUBLISHED, "Hooks", "HookName", "patch", "apatch", "Instructor",
                                  "AsyncInstructor"])
def test_s3_2_names_import_from_instructor_core(name: str) -> None:
    import instructor.core

    assert name in instructor.core.__all__
    assert getattr(instructor.core, name) is getattr(instructor, name)


@pytest.mark.parametrize("name", PUBLISHED)
def test_s3_2_names_import_from_instructor_core_exceptions(name: str) -> None:
    assert getattr(exc_module, name) is getattr(instructor, name)


def test_s3_2_instructor_exceptions_warns_at_import(subprocess_env: dict[str, str]) -> None:
    code = ("import warnings, json; warnings.simplefilter('always')\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    import instructor.exceptions as e\n"
            f"print(json.dumps([[str(x.category.__name__) for x in w], all(hasattr(e, n) for n in {PUBLISHED!r})]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env,
                         timeout=60)
    categories, complete = json.loads(out.stdout.strip().splitlines()[-1])
    assert "DeprecationWarning" in categories and complete


def test_s3_2_importing_the_core_package_loads_nothing_more(subprocess_env: dict[str, str]) -> None:
    code = ("import sys, json; before = set(sys.modules); import instructor.core\n"
            "print(json.dumps(sorted(set(sys.modules) - before)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env,
                         timeout=60)
    added = json.loads(out.stdout.strip().splitlines()[-1])
    assert [m for m in added if m.startswith("instructor")] == ["instructor", "instructor._exports",
                                                                  "instructor.core"]


# -- 3.3 constructors and attributes --------------------------------------------------------
def test_s3_3_instructor_error_failed_attempts_and_from_exception() -> None:
    plain = instructor.InstructorError("boom")
    assert plain.failed_attempts is None and str(plain) == "boom"
    attempts = [instructor.FailedAttempt(1, ValueError("first")), instructor.FailedAttempt(2, ValueError("second"))]
    error = instructor.InstructorError.from_exception(RuntimeError("went wrong"), failed_attempts=attempts)
    assert type(error) is instructor.InstructorError and error.failed_attempts == attempts
    text = str(error)
    assert text.startswith("went wrong") and "first" in text and "second" in text


def test_s3_3_retry_exception_needs_n_attempts_and_total_usage() -> None:
    with pytest.raises(TypeError):
        instructor.InstructorRetryException("x")  # type: ignore[call-arg]
    error = instructor.InstructorRetryException("x", n_attempts=2, total_usage=None)
    assert (error.n_attempts, error.last_completion, error.messages, error.create_kwargs) == (2, None, None, None)


def test_s3_3_incomplete_output_defaults() -> None:
    error = instructor.IncompleteOutputException(last_completion="raw")
    assert error.last_completion == "raw" and error.failed_attempts is None and str(error)


def test_s3_3_retry_exception_from_a_call(fake: FakeProvider) -> None:
    fake.always(BAD)  # each reply reports 11 + 7 = 18 tokens
    with pytest.raises(instructor.InstructorRetryException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES)
    error = info.value
    assert error.n_attempts == 4 and [a.attempt_number for a in error.failed_attempts] == [1, 2, 3, 4]
    assert isinstance(error.__cause__, pydantic.ValidationError)
    assert str(error).startswith(str(error.failed_attempts[-1].exception))
    assert len(error.messages) == 9  # the user message + 4 x (assistant echo, re-ask)
    assert error.create_kwargs["messages"] is error.messages
    assert {"model", "tools", "tool_choice"} <= set(error.create_kwargs)
    assert isinstance(error.total_usage, openai.types.CompletionUsage)
    assert (error.total_usage.prompt_tokens, error.total_usage.completion_tokens,
            error.total_usage.total_tokens) == (44, 28, 72)
    assert error.last_completion is error.failed_attempts[-1].completion
    assert len(fake.requests) == 4


def test_s3_3_anthropic_total_usage_is_anthropics_usage(fake: FakeProvider) -> None:
    fake.always(Reply.tool("User", {"name": "J", "age": -1}, usage=(13, 9)))
    with pytest.raises(instructor.InstructorRetryException) as info:
        anthropic_client(fake).create(response_model=User, messages=MESSAGES, max_tokens=100, max_retries=1)
    usage = info.value.total_usage
    assert isinstance(usage, anthropic.types.Usage) and (usage.input_tokens, usage.output_tokens) == (26, 18)


def test_s3_3_provider_error() -> None:
    error = instructor.ProviderError("anthropic", "overloaded")
    assert error.provider == "anthropic" and str(error) == "anthropic: overloaded"


def test_s3_3_mode_error() -> None:
    error = instructor.ModeError("json_mode", "anthropic", ["tool_call", "json_schema_mode"])
    assert (error.mode, error.provider, error.valid_modes) == ("json_mode", "anthropic",
                                                               ["tool_call", "json_schema_mode"])
    assert "json_mode" in str(error) and "anthropic" in str(error) and "tool_call, json_schema_mode" in str(error)


def test_s3_3_unsupported_mode_error_is_a_mode_error_with_its_attributes() -> None:
    error = instructor.UnsupportedModeError("no", mode="json", supported=["tools"], provider="bedrock")
    assert isinstance(error, instructor.ModeError)
    assert (error.mode, error.provider, error.valid_modes) == ("json", "bedrock", ["tools"])


def test_s3_3_async_validation_error() -> None:
    assert instructor.AsyncValidationError("bad").errors == []
    assert instructor.AsyncValidationError("bad", errors=[ValueError("x")]).errors[0].args == ("x",)


def test_s3_3_response_parsing_error() -> None:
    error = instructor.ResponseParsingError("No tool call", mode=instructor.Mode.TOOLS, raw_response={"r": 1})
    assert (error.mode, error.raw_response) == (instructor.Mode.TOOLS, {"r": 1})
    assert str(error) == "No tool call (mode: tool_call)"
    assert str(instructor.ResponseParsingError("plain")) == "plain"


def test_s3_3_multimodal_error() -> None:
    error = instructor.MultimodalError("cannot load", content_type="image", file_path="/a")
    assert str(error) == "cannot load (content_type: image, file: /a)"
    assert (error.content_type, error.file_path) == ("image", "/a")
    assert str(instructor.MultimodalError("cannot load", content_type="image")) == "cannot load (content_type: image)"


def test_s3_3_token_budget_error_has_budget() -> None:
    error = instructor.TokenBudgetExceeded("spent", budget=30, n_attempts=2, total_usage=None)
    assert error.budget == 30 and error.n_attempts == 2
    with pytest.raises(TypeError):
        instructor.TokenBudgetExceeded("spent", n_attempts=2, total_usage=None)  # type: ignore[call-arg]


def test_s3_3_exceptions_survive_pickling() -> None:
    import pickle

    error = instructor.TokenBudgetExceeded("spent", budget=30, n_attempts=2, total_usage=None,
                                           failed_attempts=[instructor.FailedAttempt(1, ValueError("bad"))])
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is instructor.TokenBudgetExceeded and (copy.budget, copy.n_attempts) == (30, 2)
    assert str(copy) == str(error)
    mode = pickle.loads(pickle.dumps(instructor.ModeError("json", "anthropic", ["tools"])))
    assert mode.valid_modes == ["tools"] and str(mode).startswith("Invalid mode 'json' for provider 'anthropic'")


# -- 3.4 which operation raises what ----------------------------------------------------------
@pytest.mark.parametrize("async_client", [False, True])
@pytest.mark.parametrize("method", ["create_partial", "create_iterable"])
def test_s3_4_token_budget_on_a_streamed_call_is_a_value_error(fake: FakeProvider, method: str,
                                                               async_client: bool) -> None:
    # COMPAT 3.4 / 10.4: token_budget with streaming is a ValueError, create_partial and create_iterable
    # included (they take it through **kwargs), before any request
    create = getattr(openai_client(fake, async_client=async_client), method)
    with pytest.raises(ValueError, match="token_budget"):
        create(response_model=User, messages=MESSAGES, token_budget=10)
    assert fake.requests == []

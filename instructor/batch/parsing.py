"""Result lines into `BatchSuccess` / `BatchError`, one line at a time.

A results file is read as a stream: each line is decoded, handed to its
provider's reader (`instructor.batch.openai`, `.anthropic`, `.bedrock`..., which say whether
the provider answered and with what), and the answer is parsed by the mode
handler that parses the same answer outside a batch. Nothing is kept between
lines, so memory stays flat however long the file is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from instructor.batch.models import BatchError, BatchSuccess

if TYPE_CHECKING:
    from instructor.mode import Mode

_CUSTOM_ID = re.compile(r'"custom_id"\s*:\s*"((?:[^"\\]|\\.)*)"')


#: fields the SDKs type as plain objects (dicts), not as models
PLAIN_DICTS = frozenset({"input"})


class AttrView:
    """A JSON object read by attribute, as handlers read SDK objects (`choice.message.content`).

    Missing keys read as None, like the SDKs' optional fields; lists and nested
    objects are wrapped as they are reached, except the values the SDKs keep as
    plain dicts (a tool_use block's `input`). Building the SDK's own types for
    every line would cost a validation pass per line for nothing.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        try:
            value = self._data[name]
        except KeyError:
            return None
        return value if name in PLAIN_DICTS else wrap(value)

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"AttrView({self._data!r})"


def wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return AttrView(value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


class LineAnswer:
    """What a provider reader found on one line: the model's answer, to be parsed."""

    __slots__ = ("custom_id", "response", "mode", "provider")

    def __init__(self, custom_id: str, response: Any, mode: Mode, provider: str) -> None:
        self.custom_id = custom_id
        self.response = response
        self.mode = mode
        self.provider = provider


def read_answer(data: Mapping[str, Any], response_model: type[Any], mode: Mode | None, *,
                provider: str | None = None, lenient: bool = True) -> LineAnswer | BatchError:
    """The line's answer (or the error the provider reported), by its provider's reader.

    `provider` None: told from the line's keys. `lenient`: a lone tool call is read as the
    answer whatever its name (the published `BatchJob.parse_*` do; lines written by other
    tools name theirs `extract_data`...); otherwise a call of a tool that was not offered is
    an invalid answer, as in a live call.
    """
    from instructor.batch.providers import provider_module, provider_of_line

    provider = provider or provider_of_line(data)
    reader = provider_module(provider)
    if mode is not None:
        mode = _core_mode(mode, reader.family_of_line(data))
    answer: LineAnswer | BatchError = reader.read_result_line(data, response_model, mode, lenient=lenient)
    return answer


def _core_mode(mode: Mode, family: str) -> Mode | None:
    """The core mode a (possibly deprecated, provider-named) mode means for `provider`'s lines.

    None for a mode named after the other provider (`Mode.ANTHROPIC_TOOLS` on an
    OpenAI line): such a line is read as what it holds.
    """
    from instructor.mode import DEPRECATED_TO_CORE

    core = DEPRECATED_TO_CORE.get(mode)
    if core is None:
        return mode
    if mode.value.startswith("anthropic") != (family == "anthropic"):
        return None
    return core


def parse_line(
    line: str | bytes,
    response_model: type[Any],
    mode: Mode | None = None,
    *,
    context: Mapping[str, Any] | None = None,
    strict: bool | None = None,
    provider: str | None = None,
    lenient: bool = True,
) -> BatchSuccess[Any] | BatchError:
    """One results line as a `BatchSuccess` (the model) or a `BatchError`.

    Args:
        line: one line of an OpenAI or Anthropic batch results file.
        response_model: the model each answer is validated as.
        mode: the mode the requests were built with; None reads whatever the
            line holds (a tool call's arguments, or JSON in the text).
        context: validation context passed to the model's validators.
        strict: pydantic strict validation (None: the model's own setting).
        provider: the provider that wrote the line (None: told from its keys).
        lenient: read a lone tool call whatever its name (see `read_answer`).
    """
    try:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError(f"a results line is a JSON object, this one is {type(data).__name__}")
    except ValueError as exc:
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        match = _CUSTOM_ID.search(text)
        return BatchError(custom_id=match.group(1) if match else "", error_type="parse_error",
                          error_message=f"Cannot read this results line as JSON: {exc}", raw_data=text,
                          exception=exc)
    answer = read_answer(data, response_model, mode, provider=provider, lenient=lenient)
    if isinstance(answer, BatchError):
        return answer
    return parse_answer(answer, response_model, data, context=context, strict=strict)


def parse_answer(
    answer: LineAnswer,
    response_model: type[Any],
    raw: Any,
    *,
    context: Mapping[str, Any] | None = None,
    strict: bool | None = None,
) -> BatchSuccess[Any] | BatchError:
    """The answer parsed by its mode's handler, or the error that stopped it."""
    from instructor.core.mode_registry import get_handler

    handler = get_handler(answer.mode, provider=answer.provider)
    try:
        result = handler.parse_response(answer.response, response_model, context=context, strict=strict)
    except Exception as exc:  # every failure of one line becomes that line's BatchError
        return BatchError(custom_id=answer.custom_id, error_type=error_type_of(exc), error_message=str(exc),
                          raw_data=raw, exception=exc)
    return BatchSuccess(custom_id=answer.custom_id, result=result)


def error_type_of(exc: Exception) -> str:
    """The `BatchError.error_type` of an exception raised while parsing an answer."""
    from pydantic import ValidationError

    from instructor.core.exceptions import (
        IncompleteOutputException,
        RefusalError,
        ResponseParsingError,
    )

    if isinstance(exc, ValidationError):
        kinds = {e["type"] for e in exc.errors()}
        return "invalid_json" if kinds == {"json_invalid"} else "validation_error"
    if isinstance(exc, IncompleteOutputException):
        return "incomplete_output"
    if isinstance(exc, RefusalError):
        return "refusal"
    if isinstance(exc, ResponseParsingError):
        return "response_parsing_error"
    return "parse_error"


def iter_parsed(
    lines: Iterable[str | bytes],
    response_model: type[Any],
    mode: Mode | None = None,
    *,
    context: Mapping[str, Any] | None = None,
    strict: bool | None = None,
    provider: str | None = None,
    lenient: bool = True,
) -> Iterator[BatchSuccess[Any] | BatchError]:
    """Parse `lines` lazily, skipping blank ones (`parse_line` says what the options mean)."""
    for line in lines:
        if line.strip():
            yield parse_line(line, response_model, mode, context=context, strict=strict, provider=provider,
                             lenient=lenient)

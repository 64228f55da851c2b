"""OpenAI's Responses API (`POST /v1/responses`): `Mode.RESPONSES_TOOLS` and `client.responses`.

The request forces one function call whose parameters are the model's strict
schema (the tool `openai.pydantic_function_tool` would build), and asks for the
same schema as `text.format`; the answer is the first `function_call` output
item's `arguments`. Three pieces live here, each small:

- `ResponsesToolsHandler`: the mode handler (request, parsing, re-ask, usage,
  streaming over `response.*` events);
- `responses_create(client)`: the create function the factory gives the client
  for this mode: `client.responses.create`, with the conversation sent as `input`
  (so hooks, re-asks and errors see `messages` like in every other mode);
- `ResponsesHelper` / `AsyncResponsesHelper`: what `client.responses` returns (the
  handler's `responses_view`), the create family taking `input=` (a string or a list of
  messages) or `messages=`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.core.exceptions import IncompleteOutputException, RefusalError, ResponseParsingError
from instructor.core.handler import (
    REASK_EMPTY_ARGUMENTS,
    REASK_TOOL,
    REASK_TOOL_CALL,
    StreamDelta,
    aread_stream,
    read_stream,
)
from instructor.core.json_text import validate_json_text
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

_FUNCTION_ITEMS = ("function_call", "tool_call")


# -- the request -----------------------------------------------------------------------------
def function_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The strict parameters schema (no extra properties, every property required), title and
    docstring kept, as `openai.pydantic_function_tool` builds it."""
    full = schema.json_schema(model)
    top: dict[str, Any] = {key: full[key] for key in ("title", "description") if key in full}
    return {**top, **schema.strict_schema(model)}


def function_tool(model: type[BaseModel]) -> dict[str, Any]:
    """The Responses API function tool for `model` (flat: name and parameters at the top)."""
    return {
        "type": "function",
        "name": schema.tool_name(model),
        "parameters": function_schema(model),
        "strict": True,
        "description": schema.description(model),
    }


def responses_create(client: Any) -> Callable[..., Any]:
    """The create function of a `Mode.RESPONSES_TOOLS` client: `client.responses.create`.

    The handler shaped the request (`max_tokens` is `max_output_tokens` already);
    the conversation, `messages` in every mode (so hooks, re-asks and errors read it
    there), is the API's `input` argument: only that name changes here. Works for
    sync and async clients alike (an async client's method returns the awaitable).
    """
    create = client.responses.create

    def call(**kwargs: Any) -> Any:
        if "messages" in kwargs:
            messages = kwargs.pop("messages")
            if "input" in kwargs:
                raise TypeError("Pass only one of 'messages' or 'input'")
            kwargs["input"] = messages
        return create(**kwargs)

    return call


# -- reading a response ----------------------------------------------------------------------
def _function_calls(response: Any) -> list[Any]:
    return [item for item in getattr(response, "output", None) or () if getattr(item, "type", None) in _FUNCTION_ITEMS]


def _output_text(response: Any) -> str:
    parts: list[str] = []
    for item in getattr(response, "output", None) or ():
        if getattr(item, "type", None) != "message":
            continue
        for content in getattr(item, "content", None) or ():
            kind = getattr(content, "type", None)
            if kind == "refusal":
                raise RefusalError(f"The model refused to answer: {content.refusal}. A refusal is not re-asked; "
                                   "rephrase the request.")
            if kind == "output_text":
                parts.append(content.text)
    return "".join(parts)


def _check_complete(response: Any) -> None:
    if getattr(response, "status", None) != "incomplete":
        return
    details = getattr(response, "incomplete_details", None)
    reason = getattr(details, "reason", None)
    if reason == "content_filter":
        raise ResponseParsingError(
            "The provider's content filter stopped the answer (incomplete_details.reason="
            "'content_filter'). Rephrase the request.",
            raw_response=response,
        )
    received = "".join(getattr(c, "arguments", "") or "" for c in _function_calls(response)) or None
    raise IncompleteOutputException(
        f"The output is incomplete: the response stopped early (reason={reason!r}). Raise "
        "max_output_tokens (max_tokens), or ask for a smaller object; `received` holds what arrived.",
        last_completion=response,
        received=received,
    )


def _is_empty(arguments: str | None) -> bool:
    return not arguments or arguments.strip() in ("", "{}")


class _EventReader:
    """One stream's state: `response.*` events in, `StreamDelta`s out.

    Function-call arguments stream as deltas, numbered per function call in
    order of appearance. The stream is over only at `response.completed`;
    `response.incomplete` (a length stop) raises `IncompleteOutputException`,
    `response.failed` / `error` events and refusals `ResponseParsingError`.
    """

    __slots__ = ("indexes", "names", "ids", "completed", "refusal", "id", "model", "status")

    def __init__(self) -> None:
        self.indexes: dict[int, int] = {}  # output_index -> delta index
        self.names: dict[int, str | None] = {}
        self.ids: dict[int, str | None] = {}  # delta index -> the call's call_id
        self.completed = False
        self.refusal: list[str] = []
        self.id: str | None = None
        self.model: str | None = None
        self.status: str | None = None

    def feed(self, event: Any) -> list[StreamDelta]:
        kind = getattr(event, "type", None)
        if kind == "response.output_item.added":
            item = event.item
            if getattr(item, "type", None) in _FUNCTION_ITEMS:
                index = self.indexes.setdefault(event.output_index, len(self.indexes))
                self.names[index] = getattr(item, "name", None)
                self.ids[index] = getattr(item, "call_id", None) or getattr(item, "id", None)
                if getattr(item, "arguments", None):
                    return [StreamDelta(item.arguments, index, self.names[index])]
            return []
        if kind == "response.function_call_arguments.delta":
            index = self.indexes.setdefault(event.output_index, len(self.indexes))
            return [StreamDelta(event.delta, index, self.names.get(index))] if event.delta else []
        if kind == "response.refusal.delta":
            self.refusal.append(event.delta)
        elif kind == "response.created":
            self.id, self.model = getattr(event.response, "id", None), getattr(event.response, "model", None)
        elif kind == "response.completed":
            self.completed, self.status = True, getattr(event.response, "status", None) or "completed"
        elif kind == "response.incomplete":
            _check_complete(event.response)
        elif kind == "response.failed":
            error = getattr(event.response, "error", None)
            raise ResponseParsingError(
                f"The response failed: {getattr(error, 'message', None) or 'no reason given'}.",
                raw_response=event.response,
            )
        elif kind == "error":
            raise ResponseParsingError(f"The stream reported an error: {getattr(event, 'message', event)!r}.")
        return []

    def end(self) -> None:
        if self.refusal:
            raise ResponseParsingError(f"The model refused to answer: {''.join(self.refusal)}")
        if not self.completed:
            raise IncompleteOutputException(
                "The stream ended before `response.completed`: the answer may be cut short, so it "
                "is not presented as complete. Retry the call; `received` holds the text that arrived."
            )

    def fill(self, response: Any) -> None:
        """Note in the attempt's `StreamedResponse` the response's id, model, status and call ids."""
        response.id, response.model, response.finish_reason = self.id, self.model, self.status
        response.ids.update(self.ids)


def _calls_of_stream(response: Any) -> list[dict[str, Any]]:
    """The function calls a streamed attempt (`StreamedResponse`) made, for the re-ask."""
    names, ids = response.names, response.ids
    return [{"name": names.get(i), "id": ids.get(i) or f"call_{i}", "arguments": text}
            for i, text in response.texts.items()]


def _calls_of(response: Any) -> list[dict[str, Any]]:
    if hasattr(response, "output"):
        return [{"name": getattr(c, "name", None), "id": getattr(c, "call_id", None) or getattr(c, "id", None),
                 "arguments": getattr(c, "arguments", "")} for c in _function_calls(response)]
    return _calls_of_stream(response)


# -- the handler -----------------------------------------------------------------------------
class ResponsesToolsHandler:
    """`Mode.RESPONSES_TOOLS`: one forced function call on OpenAI's Responses API."""

    tools = True  # its answer is a tool call: a streamed call of a tool nobody offered is re-asked
    output_limit_keys = (("max_output_tokens",),)

    def __init__(self, mode: Mode = Mode.RESPONSES_TOOLS) -> None:
        self.mode = mode

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Mode.{self.mode.name})"

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = dict(kwargs)
        if "max_tokens" in request and "max_output_tokens" not in request:
            request["max_output_tokens"] = request.pop("max_tokens")
        if response_model is None:
            return request
        name = schema.tool_name(response_model)
        parameters = function_schema(response_model)
        # replaces the caller's tools: the answer must be this one function call
        request["tools"] = [function_tool(response_model)]
        request["tool_choice"] = {"type": "function", "name": name}
        text = dict(request.get("text") or {})
        text["format"] = {"type": "json_schema", "name": name, "strict": True, "schema": parameters}
        request["text"] = text
        return request

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        _check_complete(response)
        calls = _function_calls(response)
        # a call of a function nobody offered makes the answer invalid (never read as the model)
        schema.check_calls((getattr(call, "name", None) for call in calls), schema.tool_name(response_model),
                           response)
        for call in calls:
            if not _is_empty(call.arguments):
                return response_model.model_validate_json(call.arguments, context=context, strict=strict)
        if calls:  # called with empty arguments: valid only for a model with nothing required
            return response_model.model_validate_json("{}", context=context, strict=strict)
        text = _output_text(response)
        if text:
            return validate_json_text(response_model, text, context, strict)
        raise ResponseParsingError(
            f"The response has no function call to {schema.tool_name(response_model)!r} and no text.",
            raw_response=response,
        )

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        key = "messages" if "messages" in request or "input" not in request else "input"
        conversation = request.get(key)
        if isinstance(conversation, str):
            conversation = [{"role": "user", "content": conversation}]
        messages = list(conversation or [])
        calls = _calls_of(response)
        for call in calls:
            template = REASK_EMPTY_ARGUMENTS if _is_empty(call["arguments"]) else REASK_TOOL_CALL
            messages.append({"role": "user", "content": template.format(error=error, **call)})
        if not calls:
            messages.append({"role": "user", "content": REASK_TOOL.format(error=error)})
        request[key] = messages
        return request

    def usage(self, response: Any) -> Mapping[str, int]:
        if getattr(response, "type", None) in ("response.completed", "response.incomplete", "response.failed"):
            response = response.response  # a stream event carrying the final Response
        usage = getattr(response, "usage", None)
        if usage is None or not hasattr(usage, "input_tokens"):
            return {}
        counts = {
            "input_tokens": usage.input_tokens or 0,
            "output_tokens": usage.output_tokens or 0,
            "total_tokens": usage.total_tokens or 0,
        }
        # the parts of them read from the prompt cache, or spent on reasoning
        for details, key in (("input_tokens_details", "cached_tokens"), ("output_tokens_details", "reasoning_tokens")):
            value = getattr(getattr(usage, details, None), key, None)
            if type(value) is int and value:
                counts[key] = value
        return counts

    def responses_view(self, client: Any) -> ResponsesHelper:
        """`client.responses` of a client in this mode (the handler contract's optional view)."""
        from instructor.core.client import AsyncInstructor

        return AsyncResponsesHelper(client) if isinstance(client, AsyncInstructor) else ResponsesHelper(client)

    # -- streaming (the contract: instructor.core.handler) -----------------------------------
    def iter_stream(self, stream: Any) -> Iterator[StreamDelta]:
        return read_stream(stream, _EventReader())

    def aiter_stream(self, stream: Any) -> AsyncIterator[StreamDelta]:
        return aread_stream(stream, _EventReader())


RESPONSES_TOOLS = ResponsesToolsHandler()


# -- client.responses ------------------------------------------------------------------------
def _conversation(messages: Any, input: Any) -> Any:
    if messages is not None and input is not None:
        raise TypeError("Pass only one of 'messages' or 'input'")
    if messages is None and input is None:
        raise TypeError("Either 'messages' or 'input' must be provided")
    conversation = messages if messages is not None else input
    if isinstance(conversation, str):
        return [{"role": "user", "content": conversation}]
    return conversation


class ResponsesHelper:
    """`client.responses` of a sync `Mode.RESPONSES_TOOLS` client: the create family, `input=` accepted.

    Each method takes the conversation as `input=` (a string is one user message,
    or a list of messages) or as `messages=`, never both, and otherwise the
    arguments of the client's method of the same name. As in the published
    release, the positional order is `messages, response_model, max_retries,
    context, strict` (and `token_budget` for `create`).

    Raises:
        TypeError: both `messages` and `input` were given, or neither.

    Example:
        >>> client = instructor.from_openai(openai.OpenAI(), mode=instructor.Mode.RESPONSES_TOOLS)
        >>> user = client.responses.create(input="Jason is 25", response_model=User, model="gpt-4o-mini")
    """

    def __init__(self, client: Any) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._client!r})"

    def create(self, messages: Any = None, response_model: Any = None, max_retries: Any = 3,
               context: dict[str, Any] | None = None, strict: bool = True, token_budget: int | None = None,
               *, input: Any = None, **kwargs: Any) -> Any:
        """`client.create` with the conversation as `input=` or `messages=`."""
        return self._client.create(response_model=response_model, messages=_conversation(messages, input),
                                   max_retries=max_retries, context=context, strict=strict,
                                   token_budget=token_budget, **kwargs)

    def create_with_completion(self, messages: Any = None, response_model: Any = None, max_retries: Any = 3,
                               context: dict[str, Any] | None = None, strict: bool = True, *, input: Any = None,
                               **kwargs: Any) -> Any:
        """`client.create_with_completion`: `(result, raw Response)`."""
        return self._client.create_with_completion(
            response_model=response_model, messages=_conversation(messages, input), max_retries=max_retries,
            context=context, strict=strict, **kwargs
        )

    def create_partial(self, messages: Any = None, response_model: Any = None, max_retries: Any = 3,
                       context: dict[str, Any] | None = None, strict: bool = True, *, input: Any = None,
                       **kwargs: Any) -> Any:
        """`client.create_partial`: ever more complete objects, then the validated one."""
        return self._client.create_partial(
            response_model=response_model, messages=_conversation(messages, input), max_retries=max_retries,
            context=context, strict=strict, **kwargs
        )

    def create_iterable(self, messages: Any = None, response_model: Any = None, max_retries: Any = 3,
                        context: dict[str, Any] | None = None, strict: bool = True, *, input: Any = None,
                        **kwargs: Any) -> Any:
        """`client.create_iterable`: each object as soon as it is complete."""
        return self._client.create_iterable(
            response_model=response_model, messages=_conversation(messages, input), max_retries=max_retries,
            context=context, strict=strict, **kwargs
        )


class AsyncResponsesHelper(ResponsesHelper):
    """`client.responses` of an async client: `await client.responses.create(input=...)`."""

    async def create(self, messages: Any = None, response_model: Any = None, max_retries: Any = 3,
                     context: dict[str, Any] | None = None, strict: bool = True, token_budget: int | None = None,
                     *, input: Any = None, **kwargs: Any) -> Any:
        """`await client.create` with the conversation as `input=` or `messages=`."""
        return await self._client.create(
            response_model=response_model, messages=_conversation(messages, input), max_retries=max_retries,
            context=context, strict=strict, token_budget=token_budget, **kwargs
        )

    async def create_with_completion(self, messages: Any = None, response_model: Any = None, max_retries: Any = 3,
                                     context: dict[str, Any] | None = None, strict: bool = True, *,
                                     input: Any = None, **kwargs: Any) -> Any:
        """`await client.create_with_completion`: `(result, raw Response)`."""
        return await self._client.create_with_completion(
            response_model=response_model, messages=_conversation(messages, input), max_retries=max_retries,
            context=context, strict=strict, **kwargs
        )


#: the published release's names (`instructor.core.Response` / `AsyncResponse`)
Response = ResponsesHelper
AsyncResponse = AsyncResponsesHelper

__all__ = [
    "RESPONSES_TOOLS",
    "AsyncResponse",
    "AsyncResponsesHelper",
    "Response",
    "ResponsesHelper",
    "ResponsesToolsHandler",
    "function_tool",
    "responses_create",
]

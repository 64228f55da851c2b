"""Scripted replies of the fake provider, in no provider's format.

A test says *what* the model answers (text, tool calls, a stop reason, an HTTP
error, a broken stream); each wire module renders it in its provider's format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from instructor.testing.auto import AutoReply

_ANY: Any = object()  # "no value given" for Reply.invalid


@dataclass
class ToolCall:
    """One tool call: `arguments` is a dict (serialised) or raw text (sent as is)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    @property
    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass
class ServerToolUse:
    """A tool the provider ran itself within the answer, before the calls it hands to the caller.

    Bedrock Converse renders it as a `toolUse` block of type `server_tool_use` followed by its
    `toolResult` (Nova's code interpreter: `ServerToolUse("nova_code_interpreter", {"code": ...},
    {"stdOut": "42"})`); wires of providers that run no tools server-side leave it out.
    """

    name: str
    input: dict[str, Any] = field(default_factory=dict)
    result: Any = None  # the result's JSON content
    id: str | None = None


@dataclass
class Reply:
    """What the fake model answers to one request.

    Attributes:
        content: the assistant's text.
        tool_calls: tool calls, in order.
        server_tools: tools the provider ran itself, answered before `tool_calls` (see
            `ServerToolUse`; rendered by the Bedrock wire).
        stop: why the model stopped: "stop", "length", "tool_calls", "refusal"
            (None: "tool_calls" when there are calls, else "stop"); each wire
            maps it to its own vocabulary (`stop_reason`, `stopReason`...).
        refusal: refusal text (OpenAI's `message.refusal`).
        thinking: reasoning text, for wires that stream thinking blocks.
        usage: (input tokens, output tokens): everything billed, as OpenAI counts it.
        cached_tokens: how many of the input tokens were read from the prompt cache;
            each wire reports them its provider's way (OpenAI's and Gemini's as a part of
            the input count, Anthropic's and Bedrock's beside a smaller one).
        reasoning_tokens: how many of the output tokens were spent on reasoning
            (OpenAI's and the Responses API's as a part of the output count, Gemini's
            thoughts beside a smaller one; Anthropic and Bedrock report none apart).
        status: HTTP status; a status >= 400 sends `error` in the wire's error shape.
        error: the error message of an error reply.
        headers: extra response headers (e.g. `retry-after`).
        raw_body: bytes sent verbatim instead of a rendered body.
        chunk_size: characters per streamed fragment (small, to split strings,
            escapes and unicode at awkward places).
        cut_stream_after: close the connection after this many stream events.
        malformed_event_at: replace the data of the stream event at this index with
            broken JSON (an SSE `event:` name is kept).
        cut_body_at: send only this many bytes of a whole (non-streamed) body,
            then close the connection (the full length is announced).
        stall_after: after this many stream events, go silent for `delay` seconds with
            the connection open, then close it (a stalled stream).
        delay: seconds to wait before answering (for timeout tests), or, with
            `stall_after`, the length of the stall.
        event_delay: seconds between two stream events (a model writing at its own pace):
            a client that stops reading mid-stream hangs up before the rest is served, so
            the request's `events_served` tells how far it read (without it, the whole
            stream may sit in the socket's buffers before the client reads a byte).
    """

    content: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    server_tools: list[ServerToolUse] = field(default_factory=list)
    stop: str | None = None
    refusal: str | None = None
    thinking: str | None = None
    usage: tuple[int, int] = (11, 7)
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    status: int = 200
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes | None = None
    chunk_size: int = 3
    cut_stream_after: int | None = None
    malformed_event_at: int | None = None
    cut_body_at: int | None = None
    stall_after: int | None = None
    delay: float = 0.0
    event_delay: float = 0.0

    @property
    def stop_reason(self) -> str:
        if self.stop is not None:
            return self.stop
        return "tool_calls" if self.tool_calls else "stop"

    # -- constructors for the common cases ---------------------------------------------
    @classmethod
    def text(cls, content: str, **kw: Any) -> Reply:
        """The model answers with plain text."""
        return cls(content=content, **kw)

    @classmethod
    def json(cls, obj: Any, **kw: Any) -> Reply:
        """The model answers with `obj` serialised as JSON text."""
        return cls(content=json.dumps(obj, ensure_ascii=False), **kw)

    @classmethod
    def tool(cls, name: str, arguments: dict[str, Any] | str, **kw: Any) -> Reply:
        """The model calls one tool."""
        return cls(tool_calls=[ToolCall(name, arguments)], **kw)

    @classmethod
    def tools(cls, *calls: tuple[str, dict[str, Any] | str], **kw: Any) -> Reply:
        """The model calls several tools at once."""
        return cls(tool_calls=[ToolCall(n, a) for n, a in calls], **kw)

    @classmethod
    def http_error(cls, status: int, message: str = "fake provider error", **kw: Any) -> Reply:
        """The API answers with an HTTP error."""
        return cls(status=status, error=message, **kw)

    @classmethod
    def auto(cls, model: type[BaseModel] | None = None, *, seed: int = 0,
             fields: dict[str, Any] | None = None, **kw: Any) -> AutoReply:
        """The model answers with a valid instance of `model`, built from its schema.

        The answer takes the shape the request asked for: a call of the tool named after
        the model (or the one tool offered) in the tool modes, JSON text in the JSON modes,
        in the provider's wire format, streamed when a stream was asked for. The values
        come from polyfactory (the `testing` extra), the same for the same seed. Without
        `model`, each request gets values built from the schema it carries.

        Args:
            model: the pydantic model to build (None: the request's schema).
            seed: the same seed gives the same values.
            fields: values to use for some fields (`{"name": "Jason"}`).
            **kw: options of the `Reply` sent (`chunk_size`, `usage`, `stop`...).

        Raises:
            TypeError: `model` is not a pydantic model class.
            ValueError: the model's validators rejected every generated value.
            MissingDependencyError: polyfactory is not installed (`pip install "instructor[testing]"`).

        Example:
            >>> reply = Reply.auto(User, seed=1)
            >>> fake.add(reply)
            >>> assert extract_user("...") == reply.instance
        """
        from instructor.testing.auto import AutoReply, build_data

        if model is None:
            if fields:
                raise TypeError("Reply.auto(fields=...) needs a model: Reply.auto(User, fields={...}).")
            return AutoReply(None, seed=seed, options=kw)
        return AutoReply(model, seed=seed, data=build_data(model, seed, fields), options=kw)

    @classmethod
    def invalid(cls, model: type[BaseModel], field: str | None = None, *, value: Any = _ANY,
                seed: int = 0, **kw: Any) -> AutoReply:
        """The model answers with an instance of `model` that fails validation in `field`.

        Everything else is valid (as `Reply.auto` builds it), so the failure is the one
        chosen: script it before a good reply to test re-asking (`max_retries`).

        Args:
            model: the pydantic model the answer is meant to be.
            field: the field to break (default: the first required field).
            value: the wrong value to send (default: the first of None, a string, a
                negative number, a list, an object that the field rejects).
            seed: the seed of the valid values around it.
            **kw: options of the `Reply` sent.

        Raises:
            ValueError: `field` is not a field of `model`, or `value` does not break it.
            MissingDependencyError: polyfactory is not installed (`pip install "instructor[testing]"`).

        Example:
            >>> fake.add(Reply.invalid(User, "age"), Reply.auto(User))
            >>> client.create(response_model=User, messages=..., max_retries=1)  # re-asked once
        """
        from instructor.testing.auto import AutoReply, break_field, build_data

        data = break_field(model, build_data(model, seed), field, value)
        reply = AutoReply(model, seed=seed, data=data, options=kw)
        return reply

    def fragments(self, text: str) -> list[str]:
        """`text` cut into `chunk_size` pieces, as a stream would deliver it."""
        size = max(1, self.chunk_size)
        return [text[i : i + size] for i in range(0, len(text), size)] or [""]

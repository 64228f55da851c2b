"""What every Gemini handler shares, whichever Google SDK carries the request.

Gemini answers the same way through google-genai, the Vertex AI SDK and the
generative-ai SDK: candidates whose `content.parts` hold text, thoughts and
function calls, a `finish_reason`, and `usage_metadata`. `GeminiHandler` holds
the reading, the re-asking and the streaming once; a subclass says how its SDK
exposes a response (`view`) and how a request is shaped (`prepare_request`).
No SDK is imported here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from pydantic import BaseModel

from instructor.core import schema
from instructor.core.exceptions import IncompleteOutputException, ResponseParsingError
from instructor.core.handler import (
    REASK_JSON,
    REASK_NO_TOOL,
    REASK_TOOL,
    StreamDelta,
    aread_stream,
    read_stream,
)
from instructor.core.json_text import (
    StateReader,
    partial_object,
    validate_json_text,
    validate_object,
)
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

#: finish reasons that mean the answer was cut off
INCOMPLETE = frozenset({"MAX_TOKENS"})
#: finish reasons that mean Gemini withheld or broke the answer
BLOCKED = frozenset({"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                     "LANGUAGE", "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "OTHER"})
USAGE_KEYS = ("prompt_token_count", "candidates_token_count", "total_token_count", "thoughts_token_count",
              "cached_content_token_count")


class Part(NamedTuple):
    """One part of Gemini's answer, whatever the SDK: text, a thought, or a function call."""

    kind: str  # "text", "thought" or "call"
    text: str = ""
    name: str = ""
    args: Mapping[str, Any] | None = None


class View(NamedTuple):
    """A response (or one stream chunk) as the handlers read it."""

    parts: list[Part]
    finish: str | None  # the finish reason's name ("STOP", "MAX_TOKENS"...), None mid-stream
    blocked: str | None = None  # the prompt's block reason when there is no candidate


def reason_name(reason: Any) -> str | None:
    """An SDK's finish-reason enum (or int, or string) as its upper-case name."""
    if reason is None:
        return None
    name = getattr(reason, "name", None)
    text = name if isinstance(name, str) else str(reason)
    text = text.rsplit(".", 1)[-1].upper()
    return None if text in ("", "0") or text.endswith("_UNSPECIFIED") else text


def whole_numbers(value: Any) -> Any:
    """Function-call args from a protobuf `Struct` (every number a float): 25.0 back to 25."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):  # proto-plus MapComposite too
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):  # and RepeatedComposite
        return [whole_numbers(v) for v in value]
    return value


#: JSON-schema keys the older SDKs' OpenAPI `Schema` has no field for
_UNSUPPORTED = frozenset({"title", "additionalProperties", "default", "$defs", "examples", "const"})


def openapi_schema(json_schema: Mapping[str, Any], keep: frozenset[str] | None = None) -> dict[str, Any]:
    """A JSON schema as the OpenAPI subset older Gemini SDKs accept.

    References are inlined, `Optional[X]` (`anyOf` with null) becomes `nullable`,
    and keys that subset lacks (title, default, additionalProperties) are dropped;
    with `keep`, every key not in it is dropped too.

    Raises:
        ValueError: the schema has a union other than `Optional[X]`, or a recursive model.
    """
    defs = json_schema.get("$defs", {})

    def convert(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [convert(item, seen) for item in node]
        if not isinstance(node, Mapping):
            return node
        if "$ref" in node:
            name = str(node["$ref"]).rsplit("/", 1)[-1]
            if name in seen:
                raise ValueError(f"Recursive model {name!r}: this Gemini SDK's schemas cannot express it. "
                                 "Use the google provider (google-genai), which takes JSON schema.")
            merged = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}
            return convert(merged, (*seen, name))
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _UNSUPPORTED or (keep is not None and key not in keep and key != "anyOf"):
                continue
            if key == "anyOf":
                others = [option for option in value if option.get("type") != "null"]
                if len(others) != 1:
                    raise ValueError(
                        "This Gemini SDK's schemas take no unions other than Optional[X]. "
                        "Use the google provider (google-genai), which takes JSON schema."
                    )
                out.update(convert(others[0], seen))
                out["nullable"] = True
            elif key == "properties":
                out[key] = {name: convert(prop, seen) for name, prop in value.items()}
            else:
                out[key] = convert(value, seen)
        return out

    converted: dict[str, Any] = convert(json_schema, ())
    return converted


@functools.cache
def gemini_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s tool-parameters schema in the older SDKs' OpenAPI subset (cached per model)."""
    return openapi_schema(schema.parameters_schema(model))


def _args_json(part: Part) -> str:
    return json.dumps(dict(part.args or {}), ensure_ascii=False)


def received_text(view: View) -> str:
    """What did arrive of the answer, for `IncompleteOutputException.received`."""
    return "".join(p.text if p.kind == "text" else _args_json(p) for p in view.parts if p.kind != "thought")


def check_finish(view: View, response: Any, *, streaming: bool = False) -> None:
    """Raise when the finish reason says the answer is cut off or withheld.

    In a stream the core fills `received` with everything streamed so far.
    """
    if view.blocked:
        raise ResponseParsingError(
            f"Gemini blocked the prompt (block_reason={view.blocked!r}); no answer was generated. "
            "Rephrase the request or review the safety settings.",
            raw_response=response,
        )
    if view.finish in INCOMPLETE:
        raise IncompleteOutputException(
            f"The output is incomplete: Gemini stopped with finish_reason={view.finish!r} before the "
            "object was complete. Raise max_output_tokens (max_tokens), or ask for a smaller object.",
            last_completion=response,
            received=None if streaming else received_text(view),
        )
    if view.finish in BLOCKED:
        raise ResponseParsingError(
            f"Gemini stopped with finish_reason={view.finish!r} and no usable answer. "
            "Rephrase the request, or review the safety settings.",
            raw_response=response,
        )


def validate(model: type[BaseModel], text: str, context: Mapping[str, Any] | None, strict: bool | None) -> Any:
    return validate_json_text(model, text, context, strict)


def proto_view(response: Any) -> View:
    """A Vertex AI / generative-ai response (proto-plus messages) as the Gemini handlers read it.

    Parts are read field by field: the SDKs' own `to_dict` warns under protobuf 5.
    """
    candidates = getattr(response, "candidates", None)
    if not candidates:
        feedback = getattr(response, "prompt_feedback", None)
        return View([], None, reason_name(getattr(feedback, "block_reason", None)))
    candidate = candidates[0]
    parts: list[Part] = []
    for part in candidate.content.parts:
        raw = getattr(part, "_raw_part", part)  # Vertex AI wraps the proto-plus Part
        if "function_call" in raw:
            call = raw.function_call
            parts.append(Part("call", name=call.name, args=whole_numbers(call.args)))
        elif "text" in raw:
            parts.append(Part("thought" if getattr(raw, "thought", False) else "text", raw.text))
    return View(parts, reason_name(candidate.finish_reason))


class GeminiHandler:
    """Reading, re-asking and streaming shared by every Gemini mode of every Google SDK.

    Subclasses implement `view(response)` and `prepare_request`, and may override
    `model_turn(response)` (the assistant turn sent back on a re-ask).
    """

    tools = False
    parallel = False  # several calls, one object each (a list of models)

    def __init__(self, mode: Mode) -> None:
        self.mode = mode

    @staticmethod
    def models(response_model: type[BaseModel]) -> tuple[type[BaseModel], ...]:
        """The models a request declares as functions (several for a parallel-tools iterable)."""
        return tuple(getattr(response_model, "__instructor_parallel_models__", (response_model,)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Mode.{self.mode.name})"

    # -- SDK specifics ------------------------------------------------------------------
    def view(self, response: Any) -> View:
        raise NotImplementedError

    def model_turn(self, response: Any) -> Any:
        """The model's turn to send back before a re-ask (a content dict by default)."""
        parts: list[dict[str, Any]] = []
        for part in self._answer_parts(response):
            if part.kind == "call":
                parts.append({"function_call": {"name": part.name, "args": dict(part.args or {})}})
            elif part.kind == "text":
                parts.append({"text": part.text})
        return {"role": "model", "parts": parts or [{"text": ""}]}

    def usage(self, response: Any) -> Mapping[str, int]:
        metadata = getattr(response, "usage_metadata", None)
        if metadata is None:
            return {}
        counts = {}
        for key in USAGE_KEYS:
            value = getattr(metadata, key, None)
            if isinstance(value, int) and value:
                counts[key] = value
        return counts

    # -- reading ------------------------------------------------------------------------
    def _answer_parts(self, response: Any) -> list[Part]:
        if hasattr(response, "texts") and not hasattr(response, "candidates"):  # a StreamedResponse
            return self._streamed_parts(response)
        return self.view(response).parts

    def _streamed_parts(self, streamed: Any) -> list[Part]:
        """The parts of a streamed attempt's answer: its text (the JSON of a text answer, or what was
        written beside the calls), then each function call read back from its streamed arguments."""
        if not self.tools:
            return [Part("text", streamed.text)] if streamed.texts else []
        turn = streamed.turn if isinstance(streamed.turn, dict) else {}
        parts = [Part("text", turn["text"])] if turn.get("text") else []
        names = streamed.names
        parts.extend(Part("call", name=names.get(index) or "", args=partial_object(text))
                     for index, text in streamed.texts.items())
        return parts

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        view = self.view(response)
        check_finish(view, response)
        if self.parallel:
            return self._parallel_calls(view, response_model, response, context, strict)
        if self.tools:
            # the call's arguments are an object: validated as the JSON text they were on the wire
            # (pydantic's python strictness, the published release's, refuses every Enum and date)
            call = self._answer_call(view, response_model, response)
            return validate_object(response_model, dict(call.args or {}), context, strict)
        text = "".join(p.text for p in view.parts if p.kind == "text")
        if not text.strip():
            raise ResponseParsingError("Gemini returned no text to read as JSON.", raw_response=response)
        return validate(response_model, text, context, strict)

    def _parallel_calls(self, view: View, response_model: type[BaseModel], response: Any,
                        context: Mapping[str, Any] | None, strict: bool | None) -> list[Any]:
        by_name = {schema.tool_name(m): m for m in self.models(response_model)}
        calls = [p for p in view.parts if p.kind == "call"]
        schema.check_calls((call.name for call in calls), by_name, response)
        return [validate_object(by_name[call.name], dict(call.args or {}), context, strict)
                for call in calls if call.name in by_name]

    @staticmethod
    def _answer_call(view: View, response_model: type[BaseModel], response: Any) -> Part:
        """The answer's function call: the first; none, or a call of a function nobody declared, is invalid."""
        name = schema.tool_name(response_model)
        calls = [p for p in view.parts if p.kind == "call"]
        if not calls:
            raise ResponseParsingError(f"Gemini answered without calling the function {name!r}.",
                                       raw_response=response)
        schema.check_calls((call.name for call in calls), name, response)
        return calls[0]

    # -- re-asking ----------------------------------------------------------------------
    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        contents = list(request.get("contents") or [])
        contents.append(self.model_turn(response))
        calls = [p for p in self._answer_parts(response) if p.kind == "call"] if self.tools else []
        if calls:
            message = REASK_TOOL.format(error=error)
            contents.append({"role": "user", "parts": [
                {"function_response": {"name": call.name, "response": {"error": message}}} for call in calls
            ]})
        elif self.tools:
            contents.append({"role": "user", "parts": [{"text": REASK_NO_TOOL.format(error=error)}]})
        else:
            contents.append({"role": "user", "parts": [{"text": REASK_JSON.format(error=error)}]})
        request["contents"] = contents
        return request

    # -- streaming ----------------------------------------------------------------------
    def _deltas(self, chunk: Any, state: dict[str, Any]) -> Iterator[StreamDelta]:
        view = self.view(chunk)
        if "id" not in state:
            state["id"], state["model"] = getattr(chunk, "response_id", None), getattr(chunk, "model_version", None)
        for part in view.parts:
            if self.tools and part.kind == "call":
                # Gemini sends a function call whole: one delta per call
                yield StreamDelta(_args_json(part), state["calls"], part.name)
                state["calls"] += 1
            elif part.kind == "text":
                if self.tools:  # text beside the calls: kept for the re-ask's turn
                    state.setdefault("text", []).append(part.text)
                else:
                    piece = state["filter"].feed(part.text)
                    if piece:
                        yield StreamDelta(piece)
        if view.finish is not None or view.blocked:
            state["finish"] = view.finish or view.blocked
            check_finish(view, chunk, streaming=True)
            state["finished"] = True

    def _noted(self, state: dict[str, Any], response: Any) -> None:
        """Write what the stream's reading noted into its `StreamedResponse` (`StateReader.fill`)."""
        response.id, response.model = state.get("id"), state.get("model")
        response.finish_reason = state.get("finish")
        if state.get("text"):
            response.turn = {"text": "".join(state["text"])}

    @staticmethod
    def _unfinished() -> IncompleteOutputException:
        return IncompleteOutputException(
            "The output is incomplete: Gemini's stream ended without a finish reason. "
            "Retry the request; raise the timeout if the connection was cut."
        )

    def iter_stream(self, stream: Iterable[Any]) -> Iterator[StreamDelta]:
        return read_stream(stream, StateReader(self._deltas, self._unfinished, self._noted))

    def aiter_stream(self, stream: Any) -> AsyncIterator[StreamDelta]:
        return aread_stream(stream, StateReader(self._deltas, self._unfinished, self._noted))



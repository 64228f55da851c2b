"""Anthropic's Message Batches API: request lines, the batch itself, result lines.

A request line is `{"custom_id", "params": ...}` where `params` is what
`client.create` would send for the same model and mode (the mode handler's
`prepare_request`: the system prompt moved to `system`, the tool and
`tool_choice` set). A result line is `{"custom_id", "result": {"type":
"succeeded" | "errored" | "canceled" | "expired", ...}}`; an `errored` result
keeps Anthropic's error type and message. The anthropic SDK is imported only by
the functions that call the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from instructor.batch.models import BatchError, BatchJobInfo
from instructor.batch.parsing import LineAnswer, wrap
from instructor.mode import Mode

#: a forced tool call, the published release's Anthropic batch request
DEFAULT_MODE = Mode.TOOLS
PROVIDER = "anthropic"
#: one message batch: at most 100,000 requests or 256 MB, whichever comes first (Anthropic's docs,
#: docs.anthropic.com/en/docs/build-with-claude/batch-processing, "Batch limitations"). The SDK sends the
#: requests as one JSON body, which escapes what the JSONL lines keep as UTF-8: 200 MB of lines leaves room
LIMITS = {"max_requests": 100_000, "max_bytes": 200_000_000}


def family(model: str | None = None) -> str:
    """The provider whose mode handlers shape and read this provider's lines."""
    return PROVIDER


def family_of_line(data: Mapping[str, Any]) -> str:
    return PROVIDER


def request_line(custom_id: str, body: dict[str, Any], response_model: type[Any],
                 mode: Mode | None) -> dict[str, Any]:
    """One request of the batch: `body` (model, messages, ...) prepared for `response_model`.

    The system messages become `system` as the published release writes them
    (`hoist_system`); the rest is what `client.create` sends in `mode` (None: the
    default, `DEFAULT_MODE`): the tool named after the model, one call forced.
    Options that are None are left out (Anthropic then uses its defaults).
    """
    from instructor.core.mode_registry import get_handler

    handler = get_handler(mode or DEFAULT_MODE, provider=PROVIDER)
    return line_of(custom_id, handler.prepare_request(response_model, messages_params(body)))


def messages_params(body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` as Messages API parameters: system messages hoisted, options that are None left out."""
    system, messages = hoist_system(body.get("messages") or ())
    params = {k: v for k, v in body.items() if v is not None}
    params["messages"] = messages
    if system:
        params["system"] = system
    return params


def line_of(custom_id: str, kwargs: Mapping[str, Any], model: str | None = None) -> dict[str, Any]:
    """The request of a message batch, shaped by the handler (`model` is in its params already)."""
    return {"custom_id": custom_id, "params": dict(kwargs)}


def request_of(line: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(custom_id, the request as the handler shaped it) of a batch request."""
    return str(line["custom_id"]), dict(line["params"])


def hoist_system(messages: Iterable[Any]) -> tuple[str | list[dict[str, Any]] | None, list[Any]]:
    """(Anthropic's `system`, the other messages) of OpenAI-style messages; `messages` is left as it is.

    Every `role: "system"` message is taken out wherever it stands, empty ones
    dropped. Strings only: one string, joined by blank lines. Any list of blocks:
    a list of blocks (each string a text block, blocks as given, `cache_control`
    kept). None when there is no system text.

    Raises:
        ValueError: a system message's content is neither a string nor a list of blocks.
    """
    parts: list[Any] = []
    rest: list[Any] = []
    for message in messages:
        if not (isinstance(message, Mapping) and message.get("role") == "system"):
            rest.append(message)
            continue
        content = message.get("content")
        if not isinstance(content, (str, list)) and content is not None:
            raise ValueError(
                f"A system message's content must be a string or a list of content blocks, got "
                f"{type(content).__name__}: {content!r}. Write it as \"...\" or [{{\"type\": \"text\", \"text\": \"...\"}}]."
            )
        if content:
            parts.append(content)
    if not parts:
        return None, rest
    if all(isinstance(part, str) for part in parts):
        return "\n\n".join(parts), rest
    blocks = [_block(b) for part in parts for b in ([part] if isinstance(part, str) else part)]
    return blocks, rest


def _block(item: Any) -> dict[str, Any]:
    return dict(item) if isinstance(item, Mapping) else {"type": "text", "text": str(item)}


def read_result_line(data: Mapping[str, Any], response_model: type[Any], mode: Mode | None, *,
                     lenient: bool = True) -> LineAnswer | BatchError:
    """The message on a result line, or why there is none (errored, canceled, expired)."""
    custom_id = str(data.get("custom_id") or "")
    result = data.get("result")
    result = result if isinstance(result, Mapping) else {}
    kind = result.get("type")
    message = result.get("message")
    if kind == "succeeded" and isinstance(message, Mapping):
        return read_message(custom_id, message, response_model, mode, lenient=lenient)
    if kind == "errored":
        error_type, error_message = _error_of(result.get("error"))
    elif kind in ("canceled", "expired"):
        error_type = kind
        error_message = f"Anthropic did not run this request: the batch was {kind} first."
    else:
        error_type, error_message = "parse_error", f"Unknown Anthropic batch result type {kind!r}."
    return BatchError(custom_id=custom_id, error_type=error_type, error_message=error_message,
                      raw_data=dict(data))


def read_message(custom_id: str, message: Mapping[str, Any], response_model: type[Any], mode: Mode | None, *,
                 lenient: bool = True) -> LineAnswer:
    """A Messages API answer (an Anthropic batch result's, or a Bedrock Claude record's) to parse."""
    if mode is None:
        uses_tool = any(isinstance(b, Mapping) and b.get("type") == "tool_use" for b in message.get("content") or ())
        mode = Mode.TOOLS if uses_tool else Mode.JSON
    if mode is Mode.TOOLS and lenient:
        message = _single_call_named(message, _tool_name(response_model))
    return LineAnswer(custom_id, wrap(message), mode, PROVIDER)


def _error_of(error: Any) -> tuple[str, str]:
    """(type, message) of an errored result: `{"type": "error", "error": {"type", "message"}}`."""
    if isinstance(error, Mapping) and isinstance(error.get("error"), Mapping):
        error = error["error"]
    if not isinstance(error, Mapping):
        return "api_error", f"Anthropic reported an error without details: {error!r}."
    return str(error.get("type") or "api_error"), str(error.get("message") or "")


def _tool_name(response_model: type[Any]) -> str:
    from instructor.core.schema import tool_name

    return tool_name(response_model)


def _single_call_named(message: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """A lone tool call is the answer whatever its name (other tools name it `extract_data`...)."""
    content = list(message.get("content") or ())
    calls = [i for i, b in enumerate(content) if isinstance(b, Mapping) and b.get("type") == "tool_use"]
    if len(calls) != 1 or content[calls[0]].get("name") == name:
        return message
    content[calls[0]] = {**content[calls[0]], "name": name}
    return {**message, "content": content}


# -- the API (the anthropic SDK) -----------------------------------------------------------------
def make_client(**kwargs: Any) -> Any:
    """`anthropic.Anthropic(**kwargs)`: key and base URL from ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL."""
    from instructor.core.dependencies import import_sdk

    return import_sdk("anthropic", extra="anthropic", provider="anthropic").Anthropic(**kwargs)


def _requests(source: str | IO[bytes]) -> list[Any]:
    if isinstance(source, str):
        with open(source, "rb") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    source.seek(0)
    return [json.loads(line) for line in source if line.strip()]


def submit(client: Any, source: str | IO[bytes], metadata: dict[str, str] | None = None, *,
           model: str | None = None, token: str | None = None, options: Mapping[str, Any] | None = None,
           **kwargs: Any) -> str:
    """Send the requests of the file (or buffer) as one message batch; return its id.

    Anthropic batches carry no metadata: `metadata` (and `token`) are accepted for the
    same call to work with every provider, and not sent.
    """
    return str(client.messages.batches.create(requests=_requests(source), **kwargs).id)


def find_submitted(client: Any, token: str, since: float, count: int) -> list[str]:
    """The batches that may be a submission whose id was never recorded.

    Anthropic batches carry no metadata to find a token in: the candidates are the
    batches created since `since` (epoch seconds, a minute of clock skew allowed) with
    `count` requests.
    """
    found = []
    for batch in client.messages.batches.list(limit=100):  # newest first; the SDK pages on
        if batch.created_at is not None and batch.created_at.timestamp() < since - 60:
            break
        counts = batch.request_counts
        total = sum(getattr(counts, k, 0) or 0 for k in ("processing", "succeeded", "errored", "canceled", "expired"))
        if total == count:
            found.append(str(batch.id))
    return found


def info(batch: Any) -> BatchJobInfo:
    return BatchJobInfo.from_anthropic(batch)


def adopt_client(client: Any) -> Any:
    """The client a caller passed, as the functions here use it (as it is)."""
    return client


def retrieve(client: Any, batch_id: str) -> Any:
    """The SDK's `MessageBatch` as Anthropic reports it now."""
    return client.messages.batches.retrieve(batch_id)


def status(batch: Any) -> dict[str, Any]:
    """The published status dict: the raw processing status, `created_at` a datetime, the SDK's counts."""
    return {"id": batch.id, "status": batch.processing_status, "created_at": batch.created_at,
            "request_counts": batch.request_counts}


def list_jobs(client: Any, limit: int = 10) -> list[BatchJobInfo]:
    page = client.messages.batches.list(limit=limit)
    return [BatchJobInfo.from_anthropic(batch) for batch in page.data[:limit]]


def cancel(client: Any, batch_id: str) -> dict[str, Any]:
    cancelled: dict[str, Any] = client.messages.batches.cancel(batch_id).model_dump()
    return cancelled


def delete(client: Any, batch_id: str) -> dict[str, Any]:
    """Delete an ended batch (Anthropic refuses one still processing: cancel it first)."""
    deleted = client.messages.batches.delete(batch_id)
    return {"id": deleted.id, "status": "deleted", "message": f"Anthropic batch {deleted.id} deleted."}


def result_lines(client: Any, batch_id: str) -> Iterator[str]:
    """The batch's results file, line by line as it arrives (the SDK's decoder would stop at a bad line)."""
    info = BatchJobInfo.from_anthropic(retrieve(client, batch_id))
    if not info.files.results_url:
        raise ValueError(
            f"Batch {batch_id!r} has no results yet (processing status {info.raw_status!r}). Wait until "
            "get_batch_info(batch_id).is_done, then fetch its results."
        )
    with client.messages.batches.with_streaming_response.results(batch_id) as response:
        yield from response.iter_lines()

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
from collections.abc import Iterator, Mapping
from typing import IO, Any

from instructor.batch.models import BatchError, BatchJobInfo
from instructor.batch.parsing import LineAnswer, wrap
from instructor.mode import Mode

#: a forced tool call, the published release's Anthropic batch request
DEFAULT_MODE = Mode.TOOLS
PROVIDER = "anthropic"


def request_line(custom_id: str, body: dict[str, Any], response_model: type[Any],
                 mode: Mode | None) -> dict[str, Any]:
    """One request of the batch: `body` (model, messages, ...) prepared for `response_model`.

    `mode` None is the default (`DEFAULT_MODE`); the handler is Anthropic's own for the mode.
    """
    from instructor.core.mode_registry import get_handler

    handler = get_handler(mode or DEFAULT_MODE, provider=PROVIDER)
    return {"custom_id": custom_id, "params": handler.prepare_request(response_model, body)}


def read_result_line(data: Mapping[str, Any], response_model: type[Any], mode: Mode | None) -> LineAnswer | BatchError:
    """The message on a result line, or why there is none (errored, canceled, expired)."""
    custom_id = str(data.get("custom_id") or "")
    result = data.get("result")
    result = result if isinstance(result, Mapping) else {}
    kind = result.get("type")
    message = result.get("message")
    if kind != "succeeded" or not isinstance(message, Mapping):
        if kind == "errored":
            error_type, error_message = _error_of(result.get("error"))
        elif kind in ("canceled", "expired"):
            error_type = kind
            error_message = f"Anthropic did not run this request: the batch was {kind} first."
        else:
            error_type, error_message = "parse_error", f"Unknown Anthropic batch result type {kind!r}."
        return BatchError(custom_id=custom_id, error_type=error_type, error_message=error_message,
                          raw_data=dict(data))
    if mode is None:
        uses_tool = any(isinstance(b, Mapping) and b.get("type") == "tool_use" for b in message.get("content") or ())
        mode = Mode.TOOLS if uses_tool else Mode.JSON
    if mode is Mode.TOOLS:
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


def submit(client: Any, source: str | IO[bytes], metadata: dict[str, str] | None = None, **kwargs: Any) -> str:
    """Send the requests of the file (or buffer) as one message batch; return its id.

    Anthropic batches carry no metadata: `metadata` is accepted for the same
    call to work with either provider, and not sent.
    """
    return str(client.messages.batches.create(requests=_requests(source), **kwargs).id)


def retrieve(client: Any, batch_id: str) -> BatchJobInfo:
    return BatchJobInfo.from_anthropic(client.messages.batches.retrieve(batch_id))


def list_jobs(client: Any, limit: int = 10) -> list[BatchJobInfo]:
    page = client.messages.batches.list(limit=limit)
    return [BatchJobInfo.from_anthropic(batch) for batch in page.data[:limit]]


def cancel(client: Any, batch_id: str) -> BatchJobInfo:
    return BatchJobInfo.from_anthropic(client.messages.batches.cancel(batch_id))


def delete(client: Any, batch_id: str) -> bool:
    client.messages.batches.delete(batch_id)
    return True


def result_lines(client: Any, batch_id: str) -> Iterator[str]:
    """The batch's results file, line by line as it arrives (the SDK's decoder would stop at a bad line)."""
    info = retrieve(client, batch_id)
    if not info.files.results_url:
        raise ValueError(
            f"Batch {batch_id!r} has no results yet (processing status {info.raw_status!r}). Wait until "
            "get_batch_status(batch_id).is_done, then fetch its results."
        )
    with client.messages.batches.with_streaming_response.results(batch_id) as response:
        yield from response.iter_lines()

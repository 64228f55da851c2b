"""OpenAI's Batch API: request lines for `/v1/chat/completions`, the file upload, result lines.

A request line is `{"custom_id", "method": "POST", "url": "/v1/chat/completions",
"body": ...}` where the body is what `client.create` would send for the same
model and mode (the mode handler's `prepare_request`). A result line is
`{"custom_id", "response": {"status_code", "body": <chat completion>}, "error"}`;
rejected requests land in the batch's error file with the provider's error.
The openai SDK is imported only by the functions that call the API.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

from instructor.batch.models import BatchError, BatchJobInfo
from instructor.batch.parsing import LineAnswer, wrap
from instructor.mode import Mode

#: the mode of the published release's OpenAI batches: a strict json_schema response_format
DEFAULT_MODE = Mode.JSON_SCHEMA
PROVIDER = "openai"
ENDPOINT = "/v1/chat/completions"
#: one batch: at most 50,000 requests and an input file of at most 200 MB (OpenAI's Batch API guide,
#: platform.openai.com/docs/guides/batch, "Rate limits"); `BatchRun` cuts a round into jobs that fit
LIMITS = {"max_requests": 50_000, "max_bytes": 200_000_000}


def family(model: str | None = None) -> str:
    """The provider whose mode handlers shape and read this provider's lines."""
    return PROVIDER


def family_of_line(data: Mapping[str, Any]) -> str:
    return PROVIDER


def request_line(custom_id: str, body: dict[str, Any], response_model: type[Any],
                 mode: Mode | None) -> dict[str, Any]:
    """One line of the input file: `body` (model, messages, ...) prepared for `response_model`.

    `mode` None is the published batch line: a json_schema response_format marked
    `strict` with the model's strict schema (one OpenAI accepts, optional fields
    included). A mode given is what `client.create` sends in that mode (its
    JSON_SCHEMA carries the model's own schema, not strict). `max_tokens` and
    `temperature` stay in the body when None (`null`: the API's default), as published.
    """
    from instructor.core.mode_registry import get_handler

    handler = _strict_json_schema() if mode is None else get_handler(mode, provider=PROVIDER)
    return line_of(custom_id, handler.prepare_request(response_model, body))


def line_of(custom_id: str, kwargs: Mapping[str, Any], model: str | None = None) -> dict[str, Any]:
    """The input line of a request the handler shaped (`model` is in the body already)."""
    return {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": dict(kwargs)}


def request_of(line: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(custom_id, the request as the handler shaped it) of an input line."""
    return str(line["custom_id"]), dict(line["body"])


def _strict_json_schema() -> Any:
    """The handler of the published batch line (parsed like any JSON_SCHEMA answer)."""
    from instructor.formats.openai_chat import JSONHandler

    return JSONHandler(DEFAULT_MODE, response_format="json_schema", instructions=False, strict=True)


def read_result_line(data: Mapping[str, Any], response_model: type[Any], mode: Mode | None, *,
                     lenient: bool = True, provider: str = PROVIDER) -> LineAnswer | BatchError:
    """The chat completion on a result line, or the error OpenAI reported for that request.

    Mistral's lines have the same shape (`provider="mistral"`: its handlers read them).
    """
    custom_id = str(data.get("custom_id") or "")
    response = data.get("response") or {}
    error = data.get("error")
    status = response.get("status_code", 200) if isinstance(response, Mapping) else 200
    body = response.get("body") if isinstance(response, Mapping) else None
    if error or status >= 400 or not isinstance(body, Mapping):
        if isinstance(error, Mapping):
            detail: Mapping[str, Any] = error
        elif isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
            detail = body["error"]
        else:
            detail = {}
        return BatchError(
            custom_id=custom_id,
            error_type=_error_type(detail.get("type") or detail.get("code") or status),
            error_message=str(detail.get("message") or f"The provider answered this request with HTTP {status}."),
            raw_data=dict(data),
        )
    if mode is None:
        mode = Mode.TOOLS if _tool_calls(body) else Mode.JSON
    if mode is Mode.TOOLS and lenient:
        body = _single_call_named(body, _tool_name(response_model))
    return LineAnswer(custom_id, wrap(body), mode, provider)


def _error_type(kind: Any) -> str:
    """The provider's error type, or `http_<status>` when all it gave is a number."""
    return f"http_{kind}" if isinstance(kind, int) else str(kind)


def _tool_calls(body: Mapping[str, Any]) -> list[Any]:
    choices = body.get("choices") or [{}]
    return list(((choices[0] or {}).get("message") or {}).get("tool_calls") or [])


def _tool_name(response_model: type[Any]) -> str:
    from instructor.core.schema import tool_name

    return tool_name(response_model)


def _single_call_named(body: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """A lone tool call is the answer whatever its name (other tools name it `extract_data`...)."""
    calls = _tool_calls(body)
    if len(calls) != 1 or (calls[0].get("function") or {}).get("name") == name:
        return body
    call = {**calls[0], "function": {**calls[0]["function"], "name": name}}
    choice = body["choices"][0]
    return {**body, "choices": [{**choice, "message": {**choice["message"], "tool_calls": [call]}}]}


# -- the API (the openai SDK) --------------------------------------------------------------------
def make_client(**kwargs: Any) -> Any:
    """`openai.OpenAI(**kwargs)`: key and base URL from OPENAI_API_KEY / OPENAI_BASE_URL by default."""
    from instructor.core.dependencies import import_sdk

    return import_sdk("openai", extra="openai", provider="openai").OpenAI(**kwargs)


#: the metadata key that carries a submission's client-side token (`find_submitted`)
TOKEN_KEY = "instructor_token"


def submit(client: Any, source: str | IO[bytes], metadata: dict[str, str] | None = None, *,
           model: str | None = None, token: str | None = None, options: Mapping[str, Any] | None = None,
           **kwargs: Any) -> str:
    """Upload the input file and start the batch; return its id.

    `token` goes into the batch's metadata, where `find_submitted` looks for it.
    """
    if isinstance(source, str):
        with open(source, "rb") as handle:
            uploaded = client.files.create(file=handle, purpose="batch")
    else:
        source.seek(0)
        uploaded = client.files.create(file=("batch_requests.jsonl", source), purpose="batch")
    create = {"completion_window": "24h", "endpoint": ENDPOINT, **kwargs}
    if token is not None:
        metadata = {**(metadata or {}), TOKEN_KEY: token}
    if metadata is not None:
        create["metadata"] = metadata
    return str(client.batches.create(input_file_id=uploaded.id, **create).id)


def find_submitted(client: Any, token: str, since: float, count: int) -> list[str]:
    """The ids of the batches created since `since` (epoch seconds) whose metadata carries `token`."""
    found = []
    for batch in client.batches.list(limit=100):  # newest first; the SDK pages on
        if batch.created_at is not None and batch.created_at < since - 300:
            break
        if (batch.metadata or {}).get(TOKEN_KEY) == token:
            found.append(str(batch.id))
    return found


def info(batch: Any) -> BatchJobInfo:
    return BatchJobInfo.from_openai(batch)


def adopt_client(client: Any) -> Any:
    """The client a caller passed, as the functions here use it (as it is)."""
    return client


def retrieve(client: Any, batch_id: str) -> Any:
    """The SDK's `Batch` as OpenAI reports it now."""
    return client.batches.retrieve(batch_id)


def status(batch: Any) -> dict[str, Any]:
    """The published status dict: the raw status, `created_at` in epoch seconds, counts as a dict."""
    counts = batch.request_counts
    return {"id": batch.id, "status": batch.status, "created_at": batch.created_at,
            "request_counts": {"total": 0, "completed": 0, "failed": 0} if counts is None else counts.model_dump()}


def list_jobs(client: Any, limit: int = 10) -> list[BatchJobInfo]:
    page = client.batches.list(limit=limit)
    return [BatchJobInfo.from_openai(batch) for batch in page.data[:limit]]


def cancel(client: Any, batch_id: str) -> dict[str, Any]:
    cancelled: dict[str, Any] = client.batches.cancel(batch_id).model_dump()
    return cancelled


def delete(client: Any, batch_id: str) -> dict[str, Any]:
    """OpenAI keeps batches: nothing is deleted, and the answer says so."""
    return {"id": batch_id, "status": "not_deleted",
            "message": "OpenAI does not support batch deletion: stop a running batch with cancel_batch(batch_id); "
                       "its files can be removed with client.files.delete(file_id)."}


def result_lines(client: Any, batch_id: str) -> Iterator[str]:
    """Every line of the batch's output file, then of its error file, read as they arrive."""
    info = BatchJobInfo.from_openai(retrieve(client, batch_id))
    file_ids = [f for f in (info.files.output_file_id, info.files.error_file_id) if f]
    if not file_ids and not info.is_done:
        raise ValueError(
            f"Batch {batch_id!r} has no results yet (status {info.raw_status!r}). Wait until "
            "get_batch_info(batch_id).is_done, then fetch its results."
        )
    for file_id in file_ids:
        with client.files.with_streaming_response.content(file_id) as response:
            yield from response.iter_lines()

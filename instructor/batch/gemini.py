"""The Gemini Batch API through google-genai's `client.batches` (provider `google`).

A line of the input file is the API's own: `{"key", "request": <GenerateContentRequest, REST
JSON>}`, the request being what `client.create` sends for the same mode (the google-genai
handler's `prepare_request`, turned into the API's JSON by google-genai's own converter).
A job takes its requests inline (`src=[...]`, each keyed in its `metadata`) or as that file
uploaded through the Files API (`src="files/..."`): `batch_options={"input": "inline" | "file"}`,
by default inline below 10 MB (the API takes inline requests up to 20 MB). Results come back
inline (`dest.inlined_responses`) or as a file of `{"key", "response" | "error"}` lines
(`dest.file_name`), downloaded to a temporary file and read line by line. Every result line
is read as a google-genai `GenerateContentResponse`, as a live call's answer is. The job's
display name carries the client-side token. google-genai is imported on first use.
"""

from __future__ import annotations

import base64
import enum
import functools
import io
import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from instructor.batch.models import (
    BatchError,
    BatchErrorInfo,
    BatchFiles,
    BatchJobInfo,
    BatchStatus,
    BatchTimestamps,
)
from instructor.batch.parsing import LineAnswer
from instructor.mode import Mode

#: a forced function call, as `from_provider("google/...")` asks by default
DEFAULT_MODE = Mode.TOOLS
PROVIDER = "google"
INLINE_LIMIT = 10 * 1024 * 1024
#: one batch: inline requests under 20 MB in all, an input file of at most 2 GB, no count given (Gemini API
#: docs, ai.google.dev/gemini-api/docs/batch-mode, "Creating a batch job"); 19 MB leaves a margin inline
LIMITS = {"max_requests": None, "max_bytes": 2_000_000_000}
INLINE_LIMITS = {"max_requests": None, "max_bytes": 19_000_000}


def limits(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The job limits for how the requests go: inline (`batch_options["input"] == "inline"`) or as a file."""
    return INLINE_LIMITS if (options or {}).get("input") == "inline" else LIMITS

_STATUS = {
    "JOB_STATE_PENDING": BatchStatus.PENDING,
    "JOB_STATE_QUEUED": BatchStatus.PENDING,
    "JOB_STATE_RUNNING": BatchStatus.PROCESSING,
    "JOB_STATE_SUCCEEDED": BatchStatus.COMPLETED,
    "JOB_STATE_PARTIALLY_SUCCEEDED": BatchStatus.COMPLETED,
    "JOB_STATE_FAILED": BatchStatus.FAILED,
    "JOB_STATE_CANCELLING": BatchStatus.CANCELLED,
    "JOB_STATE_CANCELLED": BatchStatus.CANCELLED,
    "JOB_STATE_EXPIRED": BatchStatus.EXPIRED,
}


def family(model: str | None = None) -> str:
    """The provider whose mode handlers shape and read this provider's lines."""
    return PROVIDER


def family_of_line(data: Mapping[str, Any]) -> str:
    return PROVIDER


@functools.cache
def _api_client() -> Any:
    """A google-genai API client for its request converter (it sends nothing: no key is needed)."""
    from instructor.core.dependencies import import_sdk

    genai = import_sdk("google.genai", extra="google", provider=PROVIDER)
    return genai.Client(api_key="unused-for-conversion")._api_client


def _json(value: Any) -> Any:
    """The API's JSON of a converted request: bytes as base64, enums as their values, SDK objects
    (the converter leaves a few, such as function declarations) by their camelCase names."""
    if hasattr(value, "model_dump"):
        return _json(value.model_dump(mode="json", by_alias=True, exclude_none=True))
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


def request_line(custom_id: str, body: dict[str, Any], response_model: type[Any],
                 mode: Mode | None) -> dict[str, Any]:
    """One line of the input file: `body` (model, messages, ...) prepared for `response_model`."""
    from instructor.core.mode_registry import get_handler

    handler = get_handler(mode or DEFAULT_MODE, provider=PROVIDER)
    params = {k: v for k, v in body.items() if v is not None}
    return line_of(custom_id, handler.prepare_request(response_model, params))


def line_of(custom_id: str, kwargs: Mapping[str, Any], model: str | None = None) -> dict[str, Any]:
    """The line of a request the handler shaped (`contents`, `config`; the model is the job's)."""
    from google.genai.batches import _InlinedRequest_to_mldev  # the SDK's own REST converter

    request = {k: v for k, v in kwargs.items() if k in ("contents", "config")}
    converted = _InlinedRequest_to_mldev(_api_client(), request)
    return {"key": custom_id, "request": _json(converted["request"])}


def request_of(line: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(custom_id, the request as google-genai takes it: `contents` and a `GenerateContentConfig`) of a line."""
    from google.genai import types

    request = dict(line["request"])
    contents = [types.Content.model_validate(c) for c in request.pop("contents", ())]
    config = dict(request.pop("generationConfig", None) or {})
    config.update({k: v for k, v in request.items() if k != "model"})  # systemInstruction, tools, toolConfig...
    return str(line["key"]), {"contents": contents, "config": types.GenerateContentConfig.model_validate(config)}


def read_result_line(data: Mapping[str, Any], response_model: type[Any], mode: Mode | None, *,
                     lenient: bool = True) -> LineAnswer | BatchError:
    """A result line's `GenerateContentResponse` to parse, or the `error` Gemini reported for it."""
    from google.genai import types

    custom_id = str(data.get("key") or "")
    response = data.get("response")
    if not isinstance(response, Mapping):
        error = data.get("error")
        error = error if isinstance(error, Mapping) else {}
        kind = error.get("status") or error.get("code") or "error"
        return BatchError(custom_id=custom_id, error_type=f"http_{kind}" if isinstance(kind, int) else str(kind),
                          error_message=str(error.get("message") or "Gemini gave no response for this request."),
                          raw_data=dict(data))
    parsed = types.GenerateContentResponse.model_validate(response)
    if mode is None:
        parts = (parsed.candidates[0].content.parts or []) if parsed.candidates and parsed.candidates[0].content else []
        mode = Mode.TOOLS if any(p.function_call for p in parts) else Mode.JSON
    if mode is Mode.TOOLS and lenient:
        parsed = _single_call_named(parsed, response_model)
    return LineAnswer(custom_id, parsed, mode, PROVIDER)


def _single_call_named(response: Any, response_model: type[Any]) -> Any:
    """A lone function call is the answer whatever its name (the published leniency of `BatchJob.parse_*`)."""
    from instructor.core.schema import tool_name

    content = response.candidates[0].content if response.candidates else None
    calls = [p for p in (content.parts or []) if p.function_call] if content is not None else []
    if len(calls) == 1:
        calls[0].function_call.name = tool_name(response_model)
    return response


# -- the API (google-genai) ---------------------------------------------------------------------
def make_client(**kwargs: Any) -> Any:
    """`google.genai.Client(**kwargs)`: the key from GEMINI_API_KEY / GOOGLE_API_KEY by default."""
    from instructor.core.dependencies import import_sdk

    return import_sdk("google.genai", extra="google", provider=PROVIDER).Client(**kwargs)


def adopt_client(client: Any) -> Any:
    return client


def _display_name(token: str) -> str:
    return f"instructor-{token}"


def submit(client: Any, source: str | IO[bytes], metadata: dict[str, str] | None = None, *,
           model: str | None = None, token: str | None = None, options: Mapping[str, Any] | None = None,
           **kwargs: Any) -> str:
    """Start a batch of `model` over the file's requests (inline, or uploaded as a file); return its name.

    Gemini batches carry no metadata: the display name is `metadata["display_name"]`,
    else one made from `token` (where `find_submitted` looks for it).
    """
    if isinstance(source, str):
        with open(source, "rb") as handle:
            content = handle.read()
    else:
        source.seek(0)
        content = source.read()
    how = (options or {}).get("input", "auto")
    if how not in ("auto", "inline", "file"):
        raise ValueError(f"batch_options['input'] is 'inline', 'file' or 'auto', got {how!r}.")
    name = (metadata or {}).get("display_name") or (_display_name(token) if token else None)
    config = {"display_name": name} if name else None
    if how == "inline" or (how == "auto" and len(content) < INLINE_LIMIT):
        src: Any = []
        for raw in content.splitlines():
            if raw.strip():
                key, request = request_of(json.loads(raw))
                src.append({**request, "metadata": {"key": key}})
    else:
        uploaded = client.files.upload(file=io.BytesIO(content),
                                       config={"mime_type": "application/jsonl", "display_name": name or "batch"})
        src = uploaded.name
    return str(client.batches.create(model=model, src=src, config=config, **kwargs).name)


def find_submitted(client: Any, token: str, since: float, count: int) -> list[str]:
    """The names of the batches whose display name carries `token`."""
    wanted = _display_name(token)
    return [str(job.name) for job in client.batches.list(config={"page_size": 100}) if job.display_name == wanted]


def retrieve(client: Any, batch_id: str) -> Any:
    """The SDK's `BatchJob` as Gemini reports it now."""
    return client.batches.get(name=batch_id)


def _state(job: Any) -> str:
    state = getattr(job, "state", None)
    return str(getattr(state, "value", state))


def info(job: Any) -> BatchJobInfo:
    """A google-genai `BatchJob` in the common vocabulary."""
    from instructor.batch.models import _timestamp

    raw_status = _state(job)
    status = _STATUS.get(raw_status, BatchStatus.PENDING)
    dest, src, error = getattr(job, "dest", None), getattr(job, "src", None), getattr(job, "error", None)
    ended = _timestamp(getattr(job, "end_time", None))
    return BatchJobInfo(
        id=str(job.name), provider=PROVIDER, status=status, raw_status=raw_status,
        timestamps=BatchTimestamps(created_at=_timestamp(getattr(job, "create_time", None)),
                                   started_at=_timestamp(getattr(job, "start_time", None)),
                                   completed_at=ended if status is BatchStatus.COMPLETED else None,
                                   failed_at=ended if status is BatchStatus.FAILED else None,
                                   cancelled_at=ended if status is BatchStatus.CANCELLED else None),
        files=BatchFiles(input_file_id=getattr(src, "file_name", None), output_file_id=getattr(dest, "file_name", None)),
        error=BatchErrorInfo(error_message=str(getattr(error, "message", error))) if error else None,
        metadata={"display_name": job.display_name} if getattr(job, "display_name", None) else {},
        model=getattr(job, "model", None), raw_data=job.model_dump(mode="json", exclude_none=True),
    )


def status(job: Any) -> dict[str, Any]:
    """The status dict `get_batch_status` gives for every provider: the raw state, `created_at`, counts."""
    stats = getattr(job, "completion_stats", None)
    counts = stats.model_dump(exclude_none=True) if stats is not None else {}
    return {"id": job.name, "status": _state(job), "created_at": job.create_time, "request_counts": counts}


def list_jobs(client: Any, limit: int = 10) -> list[BatchJobInfo]:
    jobs = []
    for job in client.batches.list(config={"page_size": limit}):
        jobs.append(info(job))
        if len(jobs) == limit:
            break
    return jobs


def cancel(client: Any, batch_id: str) -> dict[str, Any]:
    """Cancel the batch; the job as Gemini reports it then."""
    client.batches.cancel(name=batch_id)
    cancelled: dict[str, Any] = retrieve(client, batch_id).model_dump(mode="json", exclude_none=True)
    return cancelled


def delete(client: Any, batch_id: str) -> dict[str, Any]:
    client.batches.delete(name=batch_id)
    return {"id": batch_id, "status": "deleted", "message": f"Gemini batch {batch_id} deleted."}


def result_lines(client: Any, batch_id: str) -> Iterator[str]:
    """The job's results as lines `{"key", "response" | "error"}`: inline ones, or its results file's."""
    job = retrieve(client, batch_id)
    described = info(job)
    if not described.is_done:
        raise ValueError(
            f"Batch {batch_id!r} has no results yet (state {described.raw_status!r}). Wait until "
            "get_batch_info(batch_id).is_done, then fetch its results."
        )
    dest = getattr(job, "dest", None)
    for item in getattr(dest, "inlined_responses", None) or ():
        line: dict[str, Any] = {"key": (item.metadata or {}).get("key", "")}
        if item.response is not None:
            line["response"] = item.response.model_dump(mode="json", exclude_none=True)
        else:
            error = item.error
            line["error"] = error.model_dump(mode="json", exclude_none=True) if hasattr(error, "model_dump") else error
        yield json.dumps(line)
    file_name = getattr(dest, "file_name", None)
    if file_name:
        import tempfile

        with tempfile.TemporaryFile() as spool:  # streamed to disk, then read a line at a time
            client.files.download(file=file_name, destination=spool)
            spool.seek(0)
            for raw in spool:
                yield raw.decode("utf-8").rstrip("\r\n")

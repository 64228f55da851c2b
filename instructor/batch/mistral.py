"""Mistral's batch jobs: request lines for `/v1/chat/completions`, its files API, result lines.

A request line is `{"custom_id", "body": ...}` where the body is what `client.create` sends
for the same mode (the Mistral handler's `prepare_request`) without the model, which the job
names once. The job runs an uploaded JSONL file (`client.files.upload(purpose="batch")`);
its results come back as an output file and an error file whose lines have OpenAI's shape
(`{"custom_id", "response": {"status_code", "body"}, "error"}`), read by the Mistral handlers.
The mistralai SDK is imported only by the functions that call the API.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import IO, Any

from instructor.batch.models import (
    BatchFiles,
    BatchJobInfo,
    BatchRequestCounts,
    BatchStatus,
    BatchTimestamps,
)
from instructor.batch.parsing import LineAnswer
from instructor.mode import Mode

#: a forced tool call, as `from_provider("mistral/...")` asks by default
DEFAULT_MODE = Mode.TOOLS
PROVIDER = "mistral"
ENDPOINT = "/v1/chat/completions"
TOKEN_KEY = "instructor_token"
#: one batch job: at most 100,000 requests and a batch file of at most 512 MB (Mistral's docs,
#: docs.mistral.ai/resources/known-limitations, "Batch processing"); 500 MB leaves a margin
LIMITS = {"max_requests": 100_000, "max_bytes": 500_000_000}

_STATUS = {
    "QUEUED": BatchStatus.PENDING,
    "RUNNING": BatchStatus.PROCESSING,
    "SUCCESS": BatchStatus.COMPLETED,
    "FAILED": BatchStatus.FAILED,
    "TIMEOUT_EXCEEDED": BatchStatus.EXPIRED,
    "CANCELLATION_REQUESTED": BatchStatus.CANCELLED,
    "CANCELLED": BatchStatus.CANCELLED,
}


def family(model: str | None = None) -> str:
    """The provider whose mode handlers shape and read this provider's lines."""
    return PROVIDER


def family_of_line(data: Mapping[str, Any]) -> str:
    return PROVIDER


def request_line(custom_id: str, body: dict[str, Any], response_model: type[Any],
                 mode: Mode | None) -> dict[str, Any]:
    """One line of the input file: `body` prepared for `response_model` in `mode` (None: TOOLS).

    Options that are None are left out (Mistral then uses its defaults).
    """
    from instructor.core.mode_registry import get_handler

    handler = get_handler(mode or DEFAULT_MODE, provider=PROVIDER)
    params = {k: v for k, v in body.items() if v is not None}
    return line_of(custom_id, handler.prepare_request(response_model, params))


def line_of(custom_id: str, kwargs: Mapping[str, Any], model: str | None = None) -> dict[str, Any]:
    """The input line of a request the handler shaped: the model is the job's, not the line's."""
    return {"custom_id": custom_id, "body": {k: v for k, v in kwargs.items() if k != "model"}}


def request_of(line: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(custom_id, the request as the handler shaped it) of an input line."""
    return str(line["custom_id"]), dict(line["body"])


def read_result_line(data: Mapping[str, Any], response_model: type[Any], mode: Mode | None, *,
                     lenient: bool = True) -> LineAnswer | Any:
    """The chat completion on a result line (OpenAI's shape), or the error Mistral reported."""
    from instructor.batch import openai

    return openai.read_result_line(data, response_model, mode, lenient=lenient, provider=PROVIDER)


# -- the API (the mistralai SDK) -----------------------------------------------------------------
def make_client(**kwargs: Any) -> Any:
    """`mistralai.Mistral(**kwargs)`: the key from MISTRAL_API_KEY unless `api_key=` is given."""
    import os

    from instructor.providers.mistral.factory import mistral_client_class

    if "api_key" not in kwargs and os.environ.get("MISTRAL_API_KEY"):
        kwargs["api_key"] = os.environ["MISTRAL_API_KEY"]
    return mistral_client_class()(**kwargs)


def adopt_client(client: Any) -> Any:
    return client


def submit(client: Any, source: str | IO[bytes], metadata: dict[str, str] | None = None, *,
           model: str | None = None, token: str | None = None, options: Mapping[str, Any] | None = None,
           **kwargs: Any) -> str:
    """Upload the input file and start a job of `model` over it; return the job's id.

    `token` goes into the job's metadata, where `find_submitted` looks for it;
    `options["timeout_hours"]` bounds the job (Mistral's default: 24).
    """
    if isinstance(source, str):
        with open(source, "rb") as handle:
            content = handle.read()
    else:
        source.seek(0)
        content = source.read()
    uploaded = client.files.upload(file={"file_name": "batch_requests.jsonl", "content": content}, purpose="batch")
    if token is not None:
        metadata = {**(metadata or {}), TOKEN_KEY: token}
    create: dict[str, Any] = {"input_files": [uploaded.id], "endpoint": ENDPOINT, "model": model, **kwargs}
    if metadata is not None:
        create["metadata"] = metadata
    if (options or {}).get("timeout_hours"):
        create["timeout_hours"] = int(options["timeout_hours"])  # type: ignore[index]
    return str(client.batch.jobs.create(**create).id)


def find_submitted(client: Any, token: str, since: float, count: int) -> list[str]:
    """The ids of the jobs created since `since` (epoch seconds) whose metadata carries `token`."""
    after = datetime.fromtimestamp(since - 300, tz=timezone.utc)
    found: list[str] = []
    page = 0
    while True:
        listed = client.batch.jobs.list(page=page, page_size=100, created_after=after)
        jobs = list(listed.data or [])
        found += [str(job.id) for job in jobs if (job.metadata or {}).get(TOKEN_KEY) == token]
        if len(jobs) < 100:
            return found
        page += 1


def retrieve(client: Any, batch_id: str) -> Any:
    """The SDK's `BatchJob` as Mistral reports it now."""
    return client.batch.jobs.get(job_id=batch_id)


def info(job: Any) -> BatchJobInfo:
    """A Mistral `BatchJob` (the SDK object or its dict) in the common vocabulary."""
    from instructor.batch.models import BatchErrorInfo, _as_dict, _timestamp

    data = _as_dict(job)
    raw_status = str(data.get("status"))
    errors = [e for e in data.get("errors") or () if isinstance(e, Mapping)]
    return BatchJobInfo(
        id=data["id"], provider=PROVIDER, status=_STATUS.get(raw_status, BatchStatus.PENDING), raw_status=raw_status,
        timestamps=BatchTimestamps(created_at=_timestamp(data.get("created_at")),
                                   started_at=_timestamp(data.get("started_at")),
                                   completed_at=_timestamp(data.get("completed_at"))),
        request_counts=BatchRequestCounts(total=data.get("total_requests"), completed=data.get("completed_requests"),
                                          succeeded=data.get("succeeded_requests"),
                                          failed=data.get("failed_requests")),
        files=BatchFiles(input_file_id=(data.get("input_files") or [None])[0], output_file_id=data.get("output_file"),
                         error_file_id=data.get("error_file")),
        error=BatchErrorInfo(error_message=str(errors[0].get("message"))) if errors else None,
        metadata=data.get("metadata") or {}, model=data.get("model"), endpoint=data.get("endpoint"), raw_data=data,
    )


def status(job: Any) -> dict[str, Any]:
    """The status dict `get_batch_status` gives for every provider: the raw status, `created_at`, counts."""
    return {"id": job.id, "status": job.status, "created_at": job.created_at,
            "request_counts": {"total": job.total_requests, "completed": job.completed_requests,
                               "succeeded": job.succeeded_requests, "failed": job.failed_requests}}


def list_jobs(client: Any, limit: int = 10) -> list[BatchJobInfo]:
    listed = client.batch.jobs.list(page=0, page_size=limit)
    return [info(job) for job in list(listed.data or [])[:limit]]


def cancel(client: Any, batch_id: str) -> dict[str, Any]:
    cancelled: dict[str, Any] = client.batch.jobs.cancel(job_id=batch_id).model_dump()
    return cancelled


def delete(client: Any, batch_id: str) -> dict[str, Any]:
    """Mistral keeps batch jobs: nothing is deleted, and the answer says so."""
    return {"id": batch_id, "status": "not_deleted",
            "message": "Mistral does not support deleting batch jobs: stop a running one with "
                       "cancel_batch(batch_id); its files can be removed with client.files.delete(file_id=...)."}


def result_lines(client: Any, batch_id: str) -> Iterator[str]:
    """Every line of the job's output file, then of its error file, read as they arrive."""
    job = info(retrieve(client, batch_id))
    file_ids = [f for f in (job.files.output_file_id, job.files.error_file_id) if f]
    if not file_ids and not job.is_done:
        raise ValueError(
            f"Batch {batch_id!r} has no results yet (status {job.raw_status!r}). Wait until "
            "get_batch_info(batch_id).is_done, then fetch its results."
        )
    for file_id in file_ids:
        response = client.files.download(file_id=file_id)
        try:
            yield from response.iter_lines()
        finally:
            response.close()

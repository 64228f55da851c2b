"""Batch jobs on the fake provider: OpenAI's files and batches, Anthropic's message batches,
and (each in a module of its own) Mistral's batch jobs, Gemini's batches and Bedrock's model
invocation jobs with the S3 calls they need.

The jobs run on the scripted replies: when a batch completes, each of its
request lines goes through the fake's chat wire (OpenAI Chat Completions or
Anthropic Messages) and takes the next scripted `Reply`, in file order, so a
test scripts per line a success, an invalid answer or an HTTP error. Each line
is recorded in `fake.requests` like a direct call.

`complete_after` says how many status polls see the job still running (0: the
first poll sees it done); `cancel` stops a running job, whose unrun requests
then have no result (OpenAI) or a `canceled` one (Anthropic).

`limits` holds each provider's caps on one job as its API enforces them (`Limits`: requests,
bytes, and Bedrock's minimum of records), with the documented defaults; a test sets small ones
(`fake.batches.limits["openai"] = Limits(max_requests=10)`) and a job over them is refused as
the real API refuses it (OpenAI, Anthropic, Mistral: a 400; Anthropic's body too large: a 413;
Bedrock: a `ValidationException`; Gemini: `INVALID_ARGUMENT`).

`after_request`, when set, is called with every request the service answered, after its
state changed and before the answer goes out: a test can kill the client process at that
exact point (a job created whose id the client never received).

Example:
    >>> with FakeProvider() as fake:
    ...     fake.batches.complete_after = 2
    ...     fake.add(*[Reply.json({"name": f"user {i}", "age": i}) for i in range(3)])
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, urlsplit

from instructor.testing.wires import WireResponse, json_response

if TYPE_CHECKING:
    from instructor.testing.server import FakeProvider, RecordedRequest

_ids = itertools.count(1)


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int = field(default_factory=lambda: int(time.time()))

    def info(self) -> dict[str, Any]:
        return {"id": self.id, "object": "file", "bytes": len(self.content), "created_at": self.created_at,
                "filename": self.filename, "purpose": self.purpose, "status": "processed"}


@dataclass
class Limits:
    """What one job may hold at a provider (None: no cap)."""

    max_requests: int | None = None
    max_bytes: int | None = None
    min_requests: int = 1

    def refusal(self, requests: int, size: int, what: str = "requests") -> str | None:
        """Why a job of `requests` lines and `size` bytes is refused, or None when it fits."""
        if self.max_requests is not None and requests > self.max_requests:
            return f"The job has {requests} {what}; a job takes at most {self.max_requests}."
        if requests < self.min_requests:
            return f"The job has {requests} {what}; a job takes at least {self.min_requests}."
        if self.max_bytes is not None and size > self.max_bytes:
            return f"The job's input is {size} bytes; a job takes at most {self.max_bytes}."
        return None


def default_limits() -> dict[str, Limits]:
    """The providers' documented caps (Gemini's inline requests apart from its files; Bedrock's default quotas)."""
    mb = 1024 * 1024
    return {"openai": Limits(50_000, 200 * mb), "anthropic": Limits(100_000, 256 * mb),
            "bedrock": Limits(50_000, 1024 * mb, min_requests=100), "mistral": Limits(100_000, 512 * mb),
            "google": Limits(None, 2048 * mb), "google-inline": Limits(None, 20 * mb)}


@dataclass
class Job:
    """One batch job, of either provider."""

    id: str
    provider: str  # "openai", "anthropic", "mistral", "google" or "bedrock"
    requests: list[dict[str, Any]]
    created_at: float = field(default_factory=time.time)
    polls: int = 0
    state: str = "running"  # -> "cancelling" -> "cancelled", or -> "completed"
    ended_at: float | None = None
    cancelled_at: float | None = None
    results: list[dict[str, Any]] = field(default_factory=list)  # one per request once ended
    openai: dict[str, Any] = field(default_factory=dict)  # endpoint, input_file_id, metadata, files
    details: dict[str, Any] = field(default_factory=dict)  # what the other providers' jobs keep (model, names...)


class ProviderBatches(Protocol):
    """One more provider's batch API on the service: its paths, and how its jobs run and end."""

    def route(self, method: str, parts: list[str], query: dict[str, str],
              request: RecordedRequest) -> WireResponse | None: ...

    def run(self, job: Job) -> list[dict[str, Any]]: ...

    def end(self, job: Job, state: str) -> None: ...


class BatchService:
    """The files and batch endpoints of both providers, bound to one `FakeProvider`."""

    name = "batches"

    def __init__(self, fake: FakeProvider) -> None:
        from instructor.testing.batch_bedrock import BedrockBatches
        from instructor.testing.batch_gemini import GeminiBatches
        from instructor.testing.batch_mistral import MistralBatches

        self.fake = fake
        self.complete_after = 0
        self.files: dict[str, StoredFile] = {}
        self.jobs: dict[str, Job] = {}
        self.after_request: Callable[[RecordedRequest], None] | None = None
        #: provider -> what one of its jobs may hold ("google-inline": Gemini's inline requests)
        self.limits = default_limits()
        self._lock = threading.RLock()
        #: the other providers' batch APIs, by the `Job.provider` of their jobs
        self.apis: dict[str, ProviderBatches] = {
            "mistral": MistralBatches(self), "google": GeminiBatches(self), "bedrock": BedrockBatches(self)}

    @property
    def s3(self) -> Any:
        """The S3 objects Bedrock's jobs read and write (`instructor.testing.batch_bedrock.S3`)."""
        return self.apis["bedrock"].s3  # type: ignore[attr-defined]

    # -- routing -----------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> WireResponse | None:
        response = self._route(request)
        if response is not None and self.after_request is not None:
            self.after_request(request)
        return response

    def _route(self, request: RecordedRequest) -> WireResponse | None:
        url = urlsplit(request.path)
        parts = [p for p in url.path.split("/") if p]
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        method = request.method
        with self._lock:
            for api in self.apis.values():
                answer = api.route(method, parts, query, request)
                if answer is not None:
                    return answer
            if parts[:3] == ["v1", "messages", "batches"]:
                return self._anthropic(method, parts[3:], query, request)
            if parts[:2] == ["v1", "files"]:
                return self._files(method, parts[2:], query, request)
            if parts[:2] == ["v1", "batches"]:
                return self._openai(method, parts[2:], query, request)
        return None

    # -- OpenAI files ------------------------------------------------------------------------
    def _files(self, method: str, rest: list[str], query: dict[str, str],
               request: RecordedRequest) -> WireResponse | None:
        if method == "POST" and not rest:
            fields = multipart_fields(request.headers.get("content-type", ""), request.body)
            upload = fields.get("file")
            if upload is None:
                return _openai_error(400, "fake provider: the upload has no 'file' part")
            created = self._store(upload[0] or "upload.jsonl",
                                  (fields.get("purpose") or (None, b""))[1].decode(), upload[1])
            return json_response(created.info())
        stored = self.files.get(rest[0]) if rest else None
        if stored is None:
            return _openai_error(404, f"No such File object: {rest[0] if rest else ''}")
        if method == "GET" and len(rest) == 1:
            return json_response(stored.info())
        if method == "GET" and rest[1:] == ["content"]:
            return WireResponse(headers={"content-type": "application/octet-stream"}, body=stored.content)
        if method == "DELETE" and len(rest) == 1:
            del self.files[stored.id]
            return json_response({"id": stored.id, "object": "file", "deleted": True})
        return None

    def _store(self, filename: str, purpose: str, content: bytes, file_id: str | None = None) -> StoredFile:
        stored = StoredFile(file_id or f"file-fake{next(_ids)}", filename, purpose, content)
        self.files[stored.id] = stored
        return stored

    # -- OpenAI batches ----------------------------------------------------------------------
    def _openai(self, method: str, rest: list[str], query: dict[str, str],
                request: RecordedRequest) -> WireResponse | None:
        if not rest and method == "POST":
            body = request.json or {}
            source = self.files.get(str(body.get("input_file_id")))
            if source is None:
                return _openai_error(400, f"No such File object: {body.get('input_file_id')}")
            try:
                lines = [json.loads(line) for line in source.content.splitlines() if line.strip()]
            except ValueError as exc:
                return _openai_error(400, f"The input file is not valid JSONL: {exc}")
            refused = self.limits["openai"].refusal(len(lines), len(source.content))
            if refused:
                return _openai_error(400, refused)
            new = Job(f"batch_fake{next(_ids)}", "openai", lines,
                      openai={"endpoint": body.get("endpoint"), "input_file_id": source.id,
                              "metadata": body.get("metadata"), "completion_window": body.get("completion_window")})
            self.jobs[new.id] = new
            return json_response(self._openai_batch(new))
        if not rest and method == "GET":
            jobs = [j for j in reversed(self.jobs.values()) if j.provider == "openai"]
            limit = int(query.get("limit", 20))
            data = [self._openai_batch(j) for j in jobs[:limit]]
            return json_response({"object": "list", "data": data, "has_more": len(jobs) > limit,
                                  "first_id": data[0]["id"] if data else None,
                                  "last_id": data[-1]["id"] if data else None})
        job = self.jobs.get(rest[0]) if rest else None
        if job is None or job.provider != "openai":
            return _openai_error(404, f"No batch found with id '{rest[0] if rest else ''}'.")
        if method == "GET" and len(rest) == 1:
            self._poll(job)
            return json_response(self._openai_batch(job))
        if method == "POST" and rest[1:] == ["cancel"]:
            self._cancel(job)
            return json_response(self._openai_batch(job))
        return None

    def _openai_batch(self, job: Job) -> dict[str, Any]:
        status = {"running": "in_progress", "cancelling": "cancelling", "cancelled": "cancelled",
                  "completed": "completed"}[job.state]
        done = job.state in ("completed", "cancelled")
        failed = sum(1 for r in job.results if r.get("error") or (r.get("response") or {}).get("status_code", 200) >= 400)
        return {
            "id": job.id, "object": "batch", "endpoint": job.openai.get("endpoint"),
            "errors": None, "input_file_id": job.openai.get("input_file_id"),
            "completion_window": job.openai.get("completion_window") or "24h", "status": status,
            "output_file_id": job.openai.get("output_file_id"), "error_file_id": job.openai.get("error_file_id"),
            "created_at": int(job.created_at), "in_progress_at": int(job.created_at),
            "expires_at": int(job.created_at) + 86400, "finalizing_at": None,
            "completed_at": int(job.ended_at) if job.state == "completed" and job.ended_at else None,
            "failed_at": None, "expired_at": None,
            "cancelling_at": int(job.cancelled_at) if job.cancelled_at else None,
            "cancelled_at": int(job.ended_at) if job.state == "cancelled" and job.ended_at else None,
            "request_counts": {"total": len(job.requests), "completed": len(job.results) - failed if done else 0,
                               "failed": failed if done else 0},
            "metadata": job.openai.get("metadata"),
        }

    # -- Anthropic message batches -----------------------------------------------------------
    def _anthropic(self, method: str, rest: list[str], query: dict[str, str],
                   request: RecordedRequest) -> WireResponse | None:
        if not rest and method == "POST":
            requests = (request.json or {}).get("requests") or []
            limits = self.limits["anthropic"]
            if limits.max_bytes is not None and len(request.body) > limits.max_bytes:
                return _anthropic_error(413, "request_too_large", f"The request is {len(request.body)} bytes; "
                                                                  f"a message batch takes at most {limits.max_bytes}.")
            refused = limits.refusal(len(requests), 0)
            if refused:
                return _anthropic_error(400, "invalid_request_error", refused)
            new = Job(f"msgbatch_fake{next(_ids)}", "anthropic", list(requests))
            self.jobs[new.id] = new
            return json_response(self._anthropic_batch(new, request))
        if not rest and method == "GET":
            jobs = [j for j in reversed(self.jobs.values()) if j.provider == "anthropic"]
            limit = int(query.get("limit", 20))
            data = [self._anthropic_batch(j, request) for j in jobs[:limit]]
            return json_response({"data": data, "has_more": len(jobs) > limit,
                                  "first_id": data[0]["id"] if data else None,
                                  "last_id": data[-1]["id"] if data else None})
        job = self.jobs.get(rest[0]) if rest else None
        if job is None or job.provider != "anthropic":
            return _anthropic_error(404, "not_found_error", f"No message batch {rest[0] if rest else ''!r}.")
        if method == "GET" and len(rest) == 1:
            self._poll(job)
            return json_response(self._anthropic_batch(job, request))
        if method == "GET" and rest[1:] == ["results"]:
            if job.state not in ("completed", "cancelled"):
                return _anthropic_error(400, "invalid_request_error", f"Batch {job.id} has not ended yet.")
            body = b"".join(json.dumps(r).encode() + b"\n" for r in job.results)
            return WireResponse(headers={"content-type": "application/binary"}, body=body)
        if method == "POST" and rest[1:] == ["cancel"]:
            self._cancel(job)
            return json_response(self._anthropic_batch(job, request))
        if method == "DELETE" and len(rest) == 1:
            if job.state not in ("completed", "cancelled"):
                return _anthropic_error(400, "invalid_request_error",
                                        f"Batch {job.id} is still processing: cancel it before deleting it.")
            del self.jobs[job.id]
            return json_response({"id": job.id, "type": "message_batch_deleted"})
        return None

    def _anthropic_batch(self, job: Job, request: RecordedRequest) -> dict[str, Any]:
        ended = job.state in ("completed", "cancelled")
        kinds = [r["result"]["type"] for r in job.results]
        host = request.headers.get("host", "127.0.0.1")
        return {
            "id": job.id, "type": "message_batch",
            "processing_status": {"running": "in_progress", "cancelling": "canceling"}.get(job.state, "ended"),
            "request_counts": {
                "processing": 0 if ended else len(job.requests), "succeeded": kinds.count("succeeded"),
                "errored": kinds.count("errored"), "canceled": kinds.count("canceled"),
                "expired": kinds.count("expired"),
            },
            "created_at": iso_time(job.created_at), "expires_at": iso_time(job.created_at + 86400),
            "ended_at": iso_time(job.ended_at) if job.ended_at else None,
            "cancel_initiated_at": iso_time(job.cancelled_at) if job.cancelled_at else None,
            "archived_at": None,
            "results_url": f"http://{host}/v1/messages/batches/{job.id}/results" if ended else None,
        }

    # -- running jobs ------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(_ids)}"

    def _poll(self, job: Job) -> None:
        """A status poll: the job ends (runs its requests) once `complete_after` polls have seen it running."""
        job.polls += 1
        if job.state == "running" and job.polls > self.complete_after:
            self._run(job)
        elif job.state == "cancelling":
            self._end(job, "cancelled")

    def _cancel(self, job: Job) -> None:
        if job.state == "running":
            job.state = "cancelling"
            job.cancelled_at = time.time()

    def _run(self, job: Job) -> None:
        if job.provider in self.apis:
            job.results = self.apis[job.provider].run(job)
        elif job.provider == "openai":
            job.results = [self._openai_line(i, line) for i, line in enumerate(job.requests)]
        else:
            job.results = [self._anthropic_line(line) for line in job.requests]
        self._end(job, "completed")

    def _end(self, job: Job, state: str) -> None:
        job.state = state
        job.ended_at = time.time()
        if job.provider in self.apis:
            self.apis[job.provider].end(job, state)
            return
        if job.provider == "anthropic" and state == "cancelled":
            job.results = [{"custom_id": r.get("custom_id"), "result": {"type": "canceled"}} for r in job.requests]
        if job.provider == "openai":
            ok = [r for r in job.results if not r["error"] and r["response"]["status_code"] < 400]
            bad = [r for r in job.results if r not in ok]
            for key, rows in (("output_file_id", ok), ("error_file_id", bad)):
                if rows:
                    content = b"".join(json.dumps(r).encode() + b"\n" for r in rows)
                    job.openai[key] = self._store(f"{job.id}_{key[:-8]}.jsonl", "batch_output", content).id

    def reply(self, path: str, body: Any) -> tuple[int, Any]:
        """Send one request line through the fake's chat wire: (HTTP status, decoded body)."""
        from instructor.testing.server import RecordedRequest

        payload = json.dumps(body).encode()
        wire = next((w for w in self.fake.wires if w.matches("POST", path)), None)
        line = RecordedRequest("POST", path, {"content-type": "application/json"}, payload,
                               wire.name if wire else "", body)
        reply = self.fake._next(line)
        status, raw = reply.status, reply.raw_body
        if raw is None:
            if wire is None:
                return 404, {"error": {"message": f"fake provider: no wire for {path}"}}
            response = wire.render(reply, line)
            if response.events is not None:
                return 400, {"error": {"message": "batch requests cannot stream", "type": "invalid_request_error"}}
            status, raw = response.status, response.body
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def _openai_line(self, i: int, line: dict[str, Any]) -> dict[str, Any]:
        status, body = self.reply(str(line.get("url") or "/v1/chat/completions"), line.get("body") or {})
        return {"id": f"batch_req_fake{next(_ids)}", "custom_id": line.get("custom_id"),
                "response": {"status_code": status, "request_id": f"req_fake{i}", "body": body}, "error": None}

    def _anthropic_line(self, line: dict[str, Any]) -> dict[str, Any]:
        status, body = self.reply("/v1/messages", line.get("params") or {})
        if status >= 400:
            error = body if isinstance(body, dict) else {"type": "error", "error": {"type": "api_error",
                                                                                      "message": str(body)}}
            return {"custom_id": line.get("custom_id"), "result": {"type": "errored", "error": error}}
        return {"custom_id": line.get("custom_id"), "result": {"type": "succeeded", "message": body}}


def multipart_fields(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart/form-data body: name -> (filename, content)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True)
            fields[str(name)] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields


def iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def _openai_error(status: int, message: str) -> WireResponse:
    return json_response({"error": {"message": message, "type": "invalid_request_error", "param": None,
                                    "code": None}}, status=status)


def _anthropic_error(status: int, kind: str, message: str) -> WireResponse:
    return json_response({"type": "error", "error": {"type": kind, "message": message}}, status=status)


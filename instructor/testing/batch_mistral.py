"""Mistral's files and batch jobs on the fake provider, under its `/mistral` prefix.

`POST /v1/files` (multipart, `purpose=batch`), `GET /v1/files/{id}/content`;
`POST /v1/batch/jobs` over uploaded files (or inline `requests`), `GET /v1/batch/jobs[/{id}]`,
`POST /v1/batch/jobs/{id}/cancel`. A job's lines go through the Mistral chat wire with the
job's model when it completes; its output and error files have OpenAI's line shape.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from instructor.testing.wires import WireResponse, json_response

if TYPE_CHECKING:
    from instructor.testing.batches import BatchService, Job
    from instructor.testing.server import RecordedRequest

PREFIX = "mistral"
_STATUS = {"running": "RUNNING", "cancelling": "CANCELLATION_REQUESTED", "cancelled": "CANCELLED",
           "completed": "SUCCESS"}


class MistralBatches:
    def __init__(self, service: BatchService) -> None:
        self.service = service

    def route(self, method: str, parts: list[str], query: dict[str, str],
              request: RecordedRequest) -> WireResponse | None:
        if parts[:3] == [PREFIX, "v1", "files"]:
            return self._files(method, parts[3:], request)
        if parts[:4] != [PREFIX, "v1", "batch", "jobs"]:
            return None
        rest = parts[4:]
        if not rest and method == "POST":
            return self._create(request.json or {})
        if not rest and method == "GET":
            jobs = [j for j in reversed(self.service.jobs.values()) if j.provider == "mistral"]
            size, page = int(query.get("page_size", 100)), int(query.get("page", 0))
            chosen = jobs[page * size:(page + 1) * size]
            return json_response({"object": "list", "total": len(jobs), "data": [self._job(j) for j in chosen]})
        job = self.service.jobs.get(rest[0]) if rest else None
        if job is None or job.provider != "mistral":
            return _error(404, f"No batch job {rest[0] if rest else ''!r}.")
        if method == "GET" and len(rest) == 1:
            self.service._poll(job)
            return json_response(self._job(job))
        if method == "POST" and rest[1:] == ["cancel"]:
            self.service._cancel(job)
            return json_response(self._job(job))
        return None

    def _files(self, method: str, rest: list[str], request: RecordedRequest) -> WireResponse | None:
        from instructor.testing.batches import multipart_fields

        if method == "POST" and not rest:
            fields = multipart_fields(request.headers.get("content-type", ""), request.body)
            upload = fields.get("file")
            if upload is None:
                return _error(422, "fake provider: the upload has no 'file' part")
            purpose = (fields.get("purpose") or (None, b"batch"))[1].decode()
            stored = self.service._store(upload[0] or "upload.jsonl", purpose, upload[1],
                                         self.service.new_id("mistral-file-"))
            return json_response({"id": stored.id, "object": "file", "bytes": len(stored.content),
                                  "created_at": stored.created_at, "filename": stored.filename,
                                  "purpose": purpose, "sample_type": "batch_request", "source": "upload"})
        found = self.service.files.get(rest[0]) if rest else None
        if found is None:
            return _error(404, f"No file {rest[0] if rest else ''!r}.")
        stored = found
        if method == "GET" and rest[1:] == ["content"]:
            return WireResponse(headers={"content-type": "application/octet-stream"}, body=stored.content)
        return None

    def _create(self, body: dict[str, Any]) -> WireResponse:
        from instructor.testing.batches import Job

        lines: list[dict[str, Any]] = list(body.get("requests") or [])
        for file_id in body.get("input_files") or ():
            stored = self.service.files.get(str(file_id))
            if stored is None:
                return _error(404, f"No file {file_id!r}.")
            try:
                lines += [json.loads(line) for line in stored.content.splitlines() if line.strip()]
            except ValueError as exc:
                return _error(422, f"The input file is not valid JSONL: {exc}")
        size = sum(len(self.service.files[str(f)].content) for f in body.get("input_files") or ())
        refused = self.service.limits["mistral"].refusal(len(lines), size)
        if refused:
            return _error(400, refused)
        job = Job(self.service.new_id("mistral-batch-"), "mistral", lines,
                  details={"model": body.get("model"), "metadata": body.get("metadata"),
                           "input_files": list(body.get("input_files") or []), "endpoint": body.get("endpoint")})
        self.service.jobs[job.id] = job
        return json_response(self._job(job))

    def _job(self, job: Job) -> dict[str, Any]:
        done = job.state in ("completed", "cancelled")
        failed = sum(1 for r in job.results if r["error"] or r["response"]["status_code"] >= 400)
        return {
            "id": job.id, "object": "batch", "input_files": job.details["input_files"],
            "metadata": job.details["metadata"], "endpoint": job.details["endpoint"] or "/v1/chat/completions",
            "model": job.details["model"], "output_file": job.details.get("output_file"),
            "error_file": job.details.get("error_file"), "errors": [],
            "status": _STATUS[job.state], "created_at": int(job.created_at), "total_requests": len(job.requests),
            "completed_requests": len(job.results) if done else 0,
            "succeeded_requests": len(job.results) - failed if done else 0, "failed_requests": failed if done else 0,
            "started_at": int(job.created_at), "completed_at": int(job.ended_at) if job.ended_at else None,
        }

    def run(self, job: Job) -> list[dict[str, Any]]:
        results = []
        for line in job.requests:
            status, body = self.service.reply("/mistral/v1/chat/completions",
                                              {**(line.get("body") or {}), "model": job.details["model"]})
            error = None
            if status >= 400:
                error = {"message": body.get("message") if isinstance(body, dict) else str(body), "code": status}
            results.append({"id": self.service.new_id("mistral-req-"), "custom_id": line.get("custom_id"),
                            "response": {"status_code": status, "body": body}, "error": error})
        return results

    def end(self, job: Job, state: str) -> None:
        ok = [r for r in job.results if not r["error"]]
        bad = [r for r in job.results if r["error"]]
        for key, rows in (("output_file", ok), ("error_file", bad)):
            if rows:
                content = b"".join(json.dumps(r).encode() + b"\n" for r in rows)
                job.details[key] = self.service._store(f"{job.id}_{key}.jsonl", "batch_result", content,
                                                       self.service.new_id("mistral-file-")).id
        job.ended_at = job.ended_at or time.time()


def _error(status: int, message: str) -> WireResponse:
    return json_response({"object": "error", "message": message, "type": "invalid_request_error", "code": None},
                         status=status)

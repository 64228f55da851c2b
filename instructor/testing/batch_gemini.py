"""The Gemini Batch API on the fake provider (google-genai's `client.batches`), under any API version.

`POST .../models/{model}:batchGenerateContent` takes inline requests or a JSONL file uploaded
to the fake's Files API (`instructor.testing.genai_files`) and answers the long-running
operation google-genai reads; `GET .../batches/{id}`, `GET .../batches`, `POST
.../batches/{id}:cancel`, `DELETE .../batches/{id}`. When a job completes, each request goes
through the fake's `generateContent` wire; inline results come back in the operation, file
results as a file (`responsesFile`) of `{"key", "response" | "error"}` lines that
`client.files.download` fetches. `/v1/batches/...` is OpenAI's path too: a request is
Google's when it carries an `x-goog-...` header, as every google-genai request does.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from instructor.testing.wires import WireResponse, json_response

if TYPE_CHECKING:
    from instructor.testing.batches import BatchService, Job
    from instructor.testing.server import RecordedRequest

_VERSION = re.compile(r"^v\d+(?:(?:alpha|beta)\d*)?$")
_STATE = {"running": "BATCH_STATE_RUNNING", "cancelling": "BATCH_STATE_RUNNING", "cancelled": "BATCH_STATE_CANCELLED",
          "completed": "BATCH_STATE_SUCCEEDED"}
_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"


class GeminiBatches:
    def __init__(self, service: BatchService) -> None:
        self.service = service

    def route(self, method: str, parts: list[str], query: dict[str, str],
              request: RecordedRequest) -> WireResponse | None:
        if not any(name.startswith("x-goog-") for name in request.headers):
            return None
        version = parts[0] if parts and _VERSION.match(parts[0]) else ""
        rest = parts[1:] if version else parts
        if rest[:1] == ["models"] and method == "POST" and rest[-1].endswith(":batchGenerateContent"):
            model = "/".join(rest[1:])[: -len(":batchGenerateContent")]
            return self._create(version, model, request.json or {}, len(request.body))
        if rest[:1] != ["batches"]:
            return None
        if len(rest) == 1 and method == "GET":
            jobs = [j for j in reversed(self.service.jobs.values()) if j.provider == "google"]
            size = int(query.get("pageSize", 50))
            start = int(query.get("pageToken") or 0)
            page = jobs[start:start + size]
            answer: dict[str, Any] = {"operations": [self._operation(j) for j in page]}
            if start + size < len(jobs):
                answer["nextPageToken"] = str(start + size)
            return json_response(answer)
        name, _, verb = rest[1].partition(":") if len(rest) > 1 else ("", "", "")
        job = self.service.jobs.get(f"batches/{name}")
        if job is None:
            return _error(404, f"Batch batches/{name} not found.", "NOT_FOUND")
        if method == "GET" and not verb:
            self.service._poll(job)
            return json_response(self._operation(job))
        if method == "POST" and verb == "cancel":
            self.service._cancel(job)
            return json_response({})
        if method == "DELETE" and not verb:
            del self.service.jobs[job.id]
            return json_response({})
        return None

    def _create(self, version: str, model: str, body: dict[str, Any], size: int) -> WireResponse:
        from instructor.testing.batches import Job

        batch = body.get("batch") or {}
        source = batch.get("inputConfig") or {}
        if "fileName" in source:
            stored = self.service.fake.genai_files.files.get(str(source["fileName"]).removeprefix("files/"))
            if stored is None:
                return _error(404, f"File {source['fileName']} does not exist.", "NOT_FOUND")
            try:
                lines = [json.loads(line) for line in stored.content.splitlines() if line.strip()]
            except ValueError as exc:
                return _error(400, f"The input file is not valid JSONL: {exc}", "INVALID_ARGUMENT")
            requests = [{"key": line.get("key"), "request": line.get("request") or {}} for line in lines]
            refused = self.service.limits["google"].refusal(len(requests), len(stored.content))
        else:
            requests = [{"metadata": item.get("metadata"), "request": item.get("request") or {}}
                        for item in ((source.get("requests") or {}).get("requests") or [])]
            refused = self.service.limits["google-inline"].refusal(len(requests), size)
        if refused:
            return _error(400, refused, "INVALID_ARGUMENT")
        name = f"batches/{self.service.new_id('fakebatch')}"
        job = Job(name, "google", requests, details={"model": model if model.startswith("models/") else f"models/{model}",
                                                     "displayName": batch.get("displayName"), "version": version,
                                                     "file": "fileName" in source})
        self.service.jobs[job.id] = job
        return json_response(self._operation(job))

    def _operation(self, job: Job) -> dict[str, Any]:
        from instructor.testing.batches import iso_time

        metadata: dict[str, Any] = {
            "@type": _TYPE, "name": job.id, "model": job.details["model"], "state": _STATE[job.state],
            "createTime": iso_time(job.created_at), "updateTime": iso_time(job.ended_at or job.created_at),
            "batchStats": {"requestCount": str(len(job.requests))},
        }
        if job.details.get("displayName"):
            metadata["displayName"] = job.details["displayName"]
        operation: dict[str, Any] = {"name": job.id, "metadata": metadata}
        if job.state in ("completed", "cancelled"):
            metadata["endTime"] = iso_time(job.ended_at or job.created_at)
            if job.details.get("output_file"):
                output: dict[str, Any] = {"responsesFile": job.details["output_file"]}
            else:
                output = {"inlinedResponses": {"inlinedResponses": job.results}}
            metadata["output"] = output
            operation["done"] = True
            operation["response"] = {"@type": _TYPE, **output}
        return operation

    def run(self, job: Job) -> list[dict[str, Any]]:
        version = job.details["version"]
        path = f"/{version}/{job.details['model']}:generateContent" if version else f"/{job.details['model']}:generateContent"
        results = []
        for item in job.requests:
            status, body = self.service.reply(path, item["request"])
            row: dict[str, Any] = {"key": item["key"]} if job.details["file"] else {"metadata": item.get("metadata")}
            if status >= 400:
                row["error"] = body.get("error") if isinstance(body, dict) else {"code": status, "message": str(body)}
            else:
                row["response"] = body
            results.append(row)
        return results

    def end(self, job: Job, state: str) -> None:
        if job.details["file"] and job.results:
            content = b"".join(json.dumps(row).encode() + b"\n" for row in job.results)
            stored = self.service.fake.genai_files._store(content, "application/jsonl", None,
                                                          f"{job.id}-results", job.details["version"] or "v1beta")
            job.details["output_file"] = stored.name


def _error(status: int, message: str, kind: str) -> WireResponse:
    return json_response({"error": {"code": status, "message": message, "status": kind}}, status=status)

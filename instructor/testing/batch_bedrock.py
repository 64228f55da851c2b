"""Bedrock's model invocation jobs on the fake provider, and the few S3 calls they need.

boto3 reaches both at `FakeProvider.url` (`endpoint_url=`, or `AWS_ENDPOINT_URL`). The control
plane (`bedrock`, REST-JSON): `POST /model-invocation-job` (idempotent on `clientRequestToken`),
`GET /model-invocation-job/{id or ARN}`, `GET /model-invocation-jobs`, `POST .../stop`.
S3 (path-style REST-XML; told apart by its signature's `/s3/aws4_request` scope): PutObject,
GetObject, HeadObject, ListObjectsV2, kept in memory in `S3.objects`.

A job reads its records from its input S3 URI (a `.jsonl` object or every `.jsonl` under a
prefix) when it is created; when it completes each record goes through the fake's wire for
its body (Claude's Messages body: the Anthropic wire; Nova's `messages-v1`: the Converse
wire, whose answer has Nova's shape), and `<output>/<job id>/<input name>.out` plus
`manifest.json.out` are written as Bedrock writes them.
Why not a real S3 stand-in (moto's server): four calls are all a batch needs, and the job
runner must read and write the same objects; one in-process store does both with no extra
packages (moto would add a dozen to the `testing` extra and a second server).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

from instructor.testing.wires import WireResponse, json_response

if TYPE_CHECKING:
    from instructor.testing.batches import BatchService, Job
    from instructor.testing.server import RecordedRequest

ACCOUNT = "123456789012"
_STATUS = {"running": "InProgress", "cancelling": "Stopping", "cancelled": "Stopped", "completed": "Completed"}


@dataclass
class S3:
    """The objects of the fake's S3: (bucket, key) -> bytes."""

    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def put(self, bucket: str, key: str, content: bytes) -> None:
        self.objects[(bucket, key)] = content

    def get(self, uri: str) -> bytes:
        """An object by its `s3://bucket/key` URI (KeyError when absent)."""
        bucket, _, key = uri[len("s3://"):].partition("/")
        return self.objects[(bucket, key)]

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        return sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))

    # -- the REST-XML API ------------------------------------------------------------------
    def handle(self, method: str, parts: list[str], query: dict[str, str], request: RecordedRequest) -> WireResponse:
        if not parts:
            return _s3_error(400, "InvalidRequest", "fake provider: S3 requests name a bucket (path-style)")
        bucket, key = parts[0], unquote("/".join(parts[1:]))
        if not key:
            if method == "GET":
                return self._list(bucket, query)
            return _s3_error(405, "MethodNotAllowed", f"fake provider: {method} on a bucket is not served")
        if method == "PUT":
            self.put(bucket, key, _payload(request))
            return WireResponse(headers={"etag": _etag(self.objects[(bucket, key)])})
        content = self.objects.get((bucket, key))
        if content is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.", head=method == "HEAD")
        headers = {"etag": _etag(content), "content-type": "application/octet-stream",
                   "content-length": str(len(content)), "last-modified": "Thu, 01 Jan 2026 00:00:00 GMT"}
        if method == "HEAD":
            return WireResponse(headers=headers)
        if method == "GET":
            return WireResponse(headers=headers, body=content)
        return _s3_error(405, "MethodNotAllowed", f"fake provider: {method} on an object is not served")

    def _list(self, bucket: str, query: dict[str, str]) -> WireResponse:
        keys = self.keys(bucket, query.get("prefix", ""))
        limit = int(query.get("max-keys", 1000))
        after = query.get("continuation-token") or query.get("start-after") or ""
        keys = [k for k in keys if k > after]
        page, more = keys[:limit], len(keys) > limit
        items = "".join(f"<Contents><Key>{escape(k)}</Key><Size>{len(self.objects[(bucket, k)])}</Size>"
                        f"<ETag>{escape(_etag(self.objects[(bucket, k)]))}</ETag>"
                        "<LastModified>2026-01-01T00:00:00.000Z</LastModified>"
                        "<StorageClass>STANDARD</StorageClass></Contents>" for k in page)
        token = f"<NextContinuationToken>{escape(page[-1])}</NextContinuationToken>" if more else ""
        body = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                f"<Name>{escape(bucket)}</Name><Prefix>{escape(query.get('prefix', ''))}</Prefix>"
                f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{limit}</MaxKeys>"
                f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>{items}{token}</ListBucketResult>")
        return WireResponse(headers={"content-type": "application/xml"}, body=body.encode())


def _payload(request: RecordedRequest) -> bytes:
    """The object's bytes: the body, or its chunks when boto3 sent it `aws-chunked` (a trailing checksum)."""
    if "aws-chunked" not in request.headers.get("content-encoding", ""):
        return request.body
    out, rest = bytearray(), request.body
    while rest:
        head, _, rest = rest.partition(b"\r\n")
        size = int(head.split(b";", 1)[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2:]
    return bytes(out)


def _etag(content: bytes) -> str:
    return f'"{hashlib.md5(content).hexdigest()}"'  # noqa: S324  (S3's ETag is an MD5, not a security hash)


def _s3_error(status: int, code: str, message: str, head: bool = False) -> WireResponse:
    body = b"" if head else (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                             f"<Message>{escape(message)}</Message></Error>").encode()
    return WireResponse(status, {"content-type": "application/xml"}, body)


def is_s3(request: RecordedRequest) -> bool:
    """Whether boto3 signed the request for S3 (its credential scope names the service)."""
    return "/s3/aws4_request" in request.headers.get("authorization", "")


class BedrockBatches:
    def __init__(self, service: BatchService) -> None:
        self.service = service
        self.s3 = S3()

    def route(self, method: str, parts: list[str], query: dict[str, str],
              request: RecordedRequest) -> WireResponse | None:
        if is_s3(request):
            return self.s3.handle(method, parts, query, request)
        if parts == ["model-invocation-jobs"] and method == "GET":
            return self._list(query)
        if parts[:1] != ["model-invocation-job"]:
            return None
        if len(parts) == 1 and method == "POST":
            return self._create(request.json or {})
        job = self._find(unquote("/".join(parts[1:2])))
        if job is None:
            return _error(404, "ResourceNotFoundException", f"The job {unquote(parts[1]) if parts[1:] else ''!r} "
                                                            "does not exist.")
        if method == "GET" and len(parts) == 2:
            self.service._poll(job)
            return json_response(self._job(job))
        if method == "POST" and parts[2:] == ["stop"]:
            self.service._cancel(job)
            return json_response({})
        return None

    def _find(self, identifier: str) -> Job | None:
        short = identifier.rsplit("/", 1)[-1]
        job = self.service.jobs.get(short)
        return job if job is not None and job.provider == "bedrock" else None

    def _create(self, body: dict[str, Any]) -> WireResponse:
        from instructor.testing.batches import Job

        token = body.get("clientRequestToken")
        for job in self.service.jobs.values():
            if token and job.provider == "bedrock" and job.details.get("clientRequestToken") == token:
                return json_response({"jobArn": job.details["jobArn"]})  # idempotent, as Bedrock is
        source = ((body.get("inputDataConfig") or {}).get("s3InputDataConfig") or {}).get("s3Uri", "")
        bucket, _, prefix = source[len("s3://"):].partition("/")
        keys = [prefix] if prefix.endswith(".jsonl") else [k for k in self.s3.keys(bucket, prefix) if k.endswith(".jsonl")]
        records: list[dict[str, Any]] = []
        for key in keys:
            content = self.s3.objects.get((bucket, key))
            if content is None:
                return _error(400, "ValidationException", f"The input S3 object s3://{bucket}/{key} does not exist.")
            try:
                records += [{**json.loads(line), "_file": key.rsplit("/", 1)[-1]}
                            for line in content.splitlines() if line.strip()]
            except ValueError as exc:
                return _error(400, "ValidationException", f"The input file is not valid JSONL: {exc}")
        size = sum(len(self.s3.objects.get((bucket, key), b"")) for key in keys)
        refused = self.service.limits["bedrock"].refusal(len(records), size, "records")
        if refused:
            return _error(400, "ValidationException", refused)
        short = self.service.new_id("fakejob").ljust(12, "0")[:12]
        job = Job(short, "bedrock", records, details={
            **{k: body.get(k) for k in ("jobName", "roleArn", "clientRequestToken", "modelId", "inputDataConfig",
                                        "outputDataConfig", "timeoutDurationInHours")},
            "jobArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-invocation-job/{short}"})
        self.service.jobs[job.id] = job
        return json_response({"jobArn": job.details["jobArn"]})

    def _list(self, query: dict[str, str]) -> WireResponse:
        jobs = [j for j in self.service.jobs.values() if j.provider == "bedrock"
                and query.get("nameContains", "") in str(j.details.get("jobName"))]
        jobs.sort(key=lambda j: j.created_at, reverse=query.get("sortOrder") != "Ascending")
        limit = int(query.get("maxResults", 1000))
        return json_response({"invocationJobSummaries": [self._job(j) for j in jobs[:limit]]})

    def _job(self, job: Job) -> dict[str, Any]:
        from instructor.testing.batches import iso_time

        details = job.details
        done = job.state in ("completed", "cancelled")
        failed = sum(1 for r in job.results if "error" in r)
        answer = {k: details[k] for k in ("jobArn", "jobName", "modelId", "clientRequestToken", "roleArn",
                                          "inputDataConfig", "outputDataConfig") if details.get(k) is not None}
        answer.update({"status": _STATUS[job.state], "submitTime": iso_time(job.created_at),
                       "lastModifiedTime": iso_time(job.ended_at or job.created_at),
                       "jobExpirationTime": iso_time(job.created_at + 86400),
                       "timeoutDurationInHours": details.get("timeoutDurationInHours") or 24,
                       "totalRecordCount": len(job.requests)})
        if done:
            answer.update({"endTime": iso_time(job.ended_at or time.time()), "processedRecordCount": len(job.results),
                           "successRecordCount": len(job.results) - failed, "errorRecordCount": failed})
        return answer

    def run(self, job: Job) -> list[dict[str, Any]]:
        model = str(job.details.get("modelId"))
        results = []
        for record in job.requests:
            body = dict(record.get("modelInput") or {})
            if "anthropic_version" in body:
                body.pop("anthropic_version")
                status, answer = self.service.reply("/v1/messages", {**body, "model": model})
                message = (answer.get("error") or {}).get("message") if isinstance(answer, dict) else answer
            else:
                body.pop("schemaVersion", None)
                status, answer = self.service.reply(f"/model/{quote(model, safe='')}/converse", body)
                message = answer.get("message") if isinstance(answer, dict) else answer
            row = {"recordId": record.get("recordId"), "modelInput": record.get("modelInput"), "_file": record["_file"]}
            if status >= 400:
                row["error"] = {"errorCode": status, "errorMessage": str(message)}
            else:
                row["modelOutput"] = answer
            results.append(row)
        return results

    def end(self, job: Job, state: str) -> None:
        output = ((job.details.get("outputDataConfig") or {}).get("s3OutputDataConfig") or {}).get("s3Uri", "")
        bucket, _, prefix = output[len("s3://"):].partition("/")
        folder = f"{prefix.rstrip('/')}/{job.id}/".lstrip("/")
        files: dict[str, list[bytes]] = {}
        for row in job.results:
            name = row["_file"]
            files.setdefault(name, []).append(json.dumps({k: v for k, v in row.items() if k != "_file"}).encode())
        for name, rows in files.items():
            self.s3.put(bucket, f"{folder}{name}.out", b"\n".join(rows) + b"\n")
        failed = sum(1 for r in job.results if "error" in r)
        manifest = {"totalRecordCount": len(job.requests), "processedRecordCount": len(job.results),
                    "successRecordCount": len(job.results) - failed, "errorRecordCount": failed}
        self.s3.put(bucket, f"{folder}manifest.json.out", json.dumps(manifest).encode())


def _error(status: int, kind: str, message: str) -> WireResponse:
    return json_response({"message": message}, status=status, headers={"x-amzn-errortype": kind})

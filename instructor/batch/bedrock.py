"""AWS Bedrock batch inference: model invocation jobs over JSONL records in S3.

A record is `{"recordId", "modelInput"}` where `modelInput` is the body the model takes from
`InvokeModel`, which depends on the model family (as Bedrock documents it):

- Anthropic Claude: a Messages API body with `anthropic_version: "bedrock-2023-05-31"` (no
  `model`: the job names it), shaped by the Anthropic mode handlers, read back as a message;
- Amazon Nova: the `schemaVersion: "messages-v1"` body, which has Converse's shape (bytes as
  base64), shaped and read by the Bedrock (Converse) handlers.

Other families raise a clear error naming these two. The input file is put at
`<s3_uri>/inputs/<name>.jsonl`; Bedrock writes each record's `modelOutput` (or `error`) to
`<s3_uri>/outputs/<job id>/<name>.jsonl.out`, read back from S3 line by line. The job carries
the client-side token as its `clientRequestToken` (idempotent) and in its name. boto3 is
imported only by the functions that call AWS.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import IO, Any, NamedTuple

from instructor.batch.models import (
    BatchError,
    BatchErrorInfo,
    BatchFiles,
    BatchJobInfo,
    BatchRequestCounts,
    BatchStatus,
    BatchTimestamps,
)
from instructor.batch.parsing import LineAnswer
from instructor.mode import Mode

#: a forced tool call, on both families
DEFAULT_MODE = Mode.TOOLS
PROVIDER = "bedrock"
#: one model invocation job: the account quotas "Records per batch inference job" (default 50,000; lower
#: for some models) and "Minimum number of records per batch inference job" (default 100), and an input
#: file of at most 1 GB ("Batch inference input file size"): Bedrock user guide, "Format and upload your
#: batch inference data" and the Service Quotas console. Quotas: `batch_options` may set any figure
LIMITS = {"max_requests": 50_000, "max_bytes": 1_000_000_000, "min_requests": 100, "quota": True}
ANTHROPIC_VERSION = "bedrock-2023-05-31"
NOVA_SCHEMA = "messages-v1"
#: the model families whose InvokeModel bodies the records are written in: id prefix -> handler family
FAMILIES = {"anthropic.claude": "anthropic", "amazon.nova": "bedrock"}

_STATUS = {
    "Submitted": BatchStatus.PENDING,
    "Validating": BatchStatus.PENDING,
    "Scheduled": BatchStatus.PENDING,
    "InProgress": BatchStatus.PROCESSING,
    "Completed": BatchStatus.COMPLETED,
    "PartiallyCompleted": BatchStatus.COMPLETED,
    "Failed": BatchStatus.FAILED,
    "Stopping": BatchStatus.CANCELLED,
    "Stopped": BatchStatus.CANCELLED,
    "Expired": BatchStatus.EXPIRED,
}


def family(model: str | None = None) -> str:
    """The provider whose handlers shape `model`'s records: `"anthropic"` (Claude) or `"bedrock"` (Nova).

    Raises:
        ConfigurationError: a model family whose records are not written here (a `ValueError`).
    """
    from instructor.providers.bedrock.models import base_model_id

    base = base_model_id(model or "")
    for prefix, name in FAMILIES.items():
        if base.startswith(prefix):
            return name
    from instructor.core.exceptions import ConfigurationError

    raise ConfigurationError(
        f"Bedrock batch records are written for Anthropic Claude ('anthropic.claude-...') and Amazon Nova "
        f"('amazon.nova-...') models, got {model!r}. Use one of those model ids (a cross-region profile such "
        "as 'us.anthropic.claude-...' works too), or run other models with live calls."
    )


def family_of_line(data: Mapping[str, Any]) -> str:
    """The family of a record, from its body: Claude's carries `anthropic_version`."""
    body = data.get("modelInput")
    return "anthropic" if isinstance(body, Mapping) and "anthropic_version" in body else PROVIDER


def request_line(custom_id: str, body: dict[str, Any], response_model: type[Any],
                 mode: Mode | None) -> dict[str, Any]:
    """One record: `body` (model, messages, ...) prepared for `response_model` by the family's handler."""
    from instructor.batch.anthropic import messages_params
    from instructor.core.mode_registry import get_handler

    model = str(body.get("model") or "")
    name = family(model)
    handler = get_handler(mode or DEFAULT_MODE, provider=name)
    params = messages_params(body) if name == "anthropic" else {k: v for k, v in body.items() if v is not None}
    return line_of(custom_id, handler.prepare_request(response_model, params), model)


def line_of(custom_id: str, kwargs: Mapping[str, Any], model: str | None = None) -> dict[str, Any]:
    """The record of a request the handler shaped: the model is the job's, not the record's."""
    if family(model) == "anthropic":
        body = {"anthropic_version": ANTHROPIC_VERSION, **{k: v for k, v in kwargs.items() if k != "model"}}
    else:
        body = {"schemaVersion": NOVA_SCHEMA, **{k: _base64(v) for k, v in kwargs.items() if k != "modelId"}}
    return {"recordId": custom_id, "modelInput": body}


def _base64(value: Any) -> Any:
    """`value` with every bytes value as base64 text, as InvokeModel's JSON carries images and documents."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {k: _base64(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_base64(v) for v in value]
    return value


def request_of(line: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(custom_id, the request as the handler shaped it) of a record."""
    body = {k: v for k, v in line["modelInput"].items() if k not in ("anthropic_version", "schemaVersion")}
    return str(line["recordId"]), body


def read_result_line(data: Mapping[str, Any], response_model: type[Any], mode: Mode | None, *,
                     lenient: bool = True) -> LineAnswer | BatchError:
    """A record's `modelOutput` to parse, or the `error` Bedrock reported for it."""
    from instructor.batch import anthropic

    custom_id = str(data.get("recordId") or "")
    output = data.get("modelOutput")
    if not isinstance(output, Mapping):
        error = data.get("error")
        error = error if isinstance(error, Mapping) else {}
        code = error.get("errorCode")
        return BatchError(custom_id=custom_id, error_type=f"http_{code}" if isinstance(code, int) else str(code or "error"),
                          error_message=str(error.get("errorMessage") or "Bedrock gave no output for this record."),
                          raw_data=dict(data))
    if family_of_line(data) == "anthropic":
        return anthropic.read_message(custom_id, output, response_model, mode, lenient=lenient)
    uses_tool = any(isinstance(b, Mapping) and "toolUse" in b for b in _content(output))
    mode = mode or (Mode.TOOLS if uses_tool else Mode.MD_JSON)
    if mode is Mode.TOOLS and lenient:
        output = _single_call_named(output, response_model)
    return LineAnswer(custom_id, output, mode, PROVIDER)


def _content(output: Mapping[str, Any]) -> list[Any]:
    return list(((output.get("output") or {}).get("message") or {}).get("content") or ())


def _single_call_named(output: Mapping[str, Any], response_model: type[Any]) -> Mapping[str, Any]:
    """A lone tool call is the answer whatever its name (the published leniency of `BatchJob.parse_*`)."""
    from instructor.core.schema import tool_name

    content = _content(output)
    calls = [i for i, b in enumerate(content) if isinstance(b, Mapping) and "toolUse" in b]
    if len(calls) != 1:
        return output
    block = content[calls[0]]
    content[calls[0]] = {**block, "toolUse": {**block["toolUse"], "name": tool_name(response_model)}}
    message = {**output["output"]["message"], "content": content}
    return {**output, "output": {**output["output"], "message": message}}


# -- the API (boto3: the `bedrock` control plane and `s3`) ----------------------------------------
class BedrockClients(NamedTuple):
    """The two boto3 clients a Bedrock batch needs: `bedrock` (jobs) and `s3` (records)."""

    bedrock: Any
    s3: Any


def make_client(**kwargs: Any) -> BedrockClients:
    """Both clients from one boto3 session: credentials and region as `from_provider("bedrock/...")`
    reads them (keywords, else the AWS environment; `us-east-1` with a warning when no region is set);
    `endpoint_url`, `config`, `verify` go to both clients."""
    from instructor.core.dependencies import import_sdk

    boto3 = import_sdk("boto3", extra="bedrock", provider=PROVIDER)
    if "region" in kwargs:
        kwargs.setdefault("region_name", kwargs.pop("region"))
    session_keys = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "region_name",
                    "profile_name", "botocore_session")
    session = boto3.Session(**{k: kwargs.pop(k) for k in session_keys if k in kwargs})
    return adopt_client(session, **kwargs)


def adopt_client(client: Any, **client_kwargs: Any) -> BedrockClients:
    """What a caller passed as `client=`: a `boto3.Session` (both clients made from it), or
    `BedrockClients` / a mapping with `bedrock` and `s3` clients, used as they are."""
    if isinstance(client, BedrockClients):
        return client
    if isinstance(client, Mapping):
        return BedrockClients(client["bedrock"], client["s3"])
    if not callable(getattr(client, "client", None)):
        raise TypeError(
            f"A Bedrock batch takes a boto3.Session (or BedrockClients(bedrock=..., s3=...)) as client=, "
            f"got {type(client).__name__}: {client!r}. Pass boto3.Session(region_name=...), or no client."
        )
    import os

    region = client.region_name or os.environ.get("AWS_REGION")
    if not region:
        import warnings

        from instructor.providers.bedrock.factory import DEFAULT_REGION

        region = DEFAULT_REGION
        warnings.warn(f"No AWS region is configured for the Bedrock batch, so {DEFAULT_REGION!r} is used. Pass "
                      "region_name= or set AWS_REGION.", UserWarning, stacklevel=3)
    return BedrockClients(client.client("bedrock", region_name=region, **client_kwargs),
                          client.client("s3", region_name=region, **client_kwargs))


def _s3_location(options: Mapping[str, Any] | None) -> tuple[str, str, str]:
    """(bucket, key prefix, role ARN) from the batch options, or a clear error."""
    from instructor.core.exceptions import ConfigurationError

    options = options or {}
    uri, role = options.get("s3_uri"), options.get("role_arn")
    if not isinstance(uri, str) or not uri.startswith("s3://") or not isinstance(role, str) or not role:
        raise ConfigurationError(
            "A Bedrock batch needs an S3 location and a service role: pass "
            "batch_options={'s3_uri': 's3://<bucket>/<prefix>', 'role_arn': 'arn:aws:iam::<account>:role/<role>'} "
            f"(got s3_uri={uri!r}, role_arn={role!r}). Bedrock reads the records from, and writes the results "
            "to, that location as that role."
        )
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    return bucket, prefix.strip("/"), role


def _key(prefix: str, *parts: str) -> str:
    return "/".join(p for p in (prefix, *parts) if p)


def submit(client: Any, source: str | IO[bytes], metadata: dict[str, str] | None = None, *,
           model: str | None = None, token: str | None = None, options: Mapping[str, Any] | None = None,
           **kwargs: Any) -> str:
    """Put the records in S3 and start a model invocation job of `model` over them; return its ARN.

    `token` (default: a new one) names the input file and the job and is its
    `clientRequestToken`; `metadata` becomes the job's tags; `options["timeout_hours"]`
    bounds the job.
    """
    import uuid

    clients = adopt_client(client)
    bucket, prefix, role = _s3_location(options)
    token = token or uuid.uuid4().hex
    family(model)  # a clear error before anything is uploaded
    name = f"instructor-{token}"
    key = _key(prefix, "inputs", f"{name}.jsonl")
    if isinstance(source, str):
        with open(source, "rb") as handle:
            clients.s3.put_object(Bucket=bucket, Key=key, Body=handle.read())
    else:
        source.seek(0)
        clients.s3.put_object(Bucket=bucket, Key=key, Body=source.read())
    create: dict[str, Any] = {
        "jobName": name, "roleArn": role, "clientRequestToken": token, "modelId": model,
        "inputDataConfig": {"s3InputDataConfig": {"s3Uri": f"s3://{bucket}/{key}", "s3InputFormat": "JSONL"}},
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": f"s3://{bucket}/{_key(prefix, 'outputs')}/"}},
        **kwargs,
    }
    if (options or {}).get("timeout_hours"):
        create["timeoutDurationInHours"] = int(options["timeout_hours"])  # type: ignore[index]
    if metadata:
        create["tags"] = [{"key": k, "value": str(v)} for k, v in metadata.items()]
    return str(clients.bedrock.create_model_invocation_job(**create)["jobArn"])


def find_submitted(client: Any, token: str, since: float, count: int) -> list[str]:
    """The ARNs of the jobs whose client request token is `token`."""
    listed = adopt_client(client).bedrock.list_model_invocation_jobs(nameContains=token, maxResults=100)
    return [str(job["jobArn"]) for job in listed.get("invocationJobSummaries") or ()
            if job.get("clientRequestToken") == token or token in str(job.get("jobName"))]


def retrieve(client: Any, batch_id: str) -> dict[str, Any]:
    """The job as Bedrock reports it now (`GetModelInvocationJob`, without the response metadata)."""
    job = adopt_client(client).bedrock.get_model_invocation_job(jobIdentifier=batch_id)
    return {k: v for k, v in job.items() if k != "ResponseMetadata"}


def job_id(arn: str) -> str:
    """The job's id: the last part of its ARN (the folder Bedrock writes its output to)."""
    return arn.rsplit("/", 1)[-1]


def info(job: Any) -> BatchJobInfo:
    """A Bedrock job (`GetModelInvocationJob`'s answer, or a summary of `ListModelInvocationJobs`)."""
    from instructor.batch.models import _timestamp

    data = dict(job)
    raw_status = str(data.get("status"))
    status = _STATUS.get(raw_status, BatchStatus.PENDING)
    output = ((data.get("outputDataConfig") or {}).get("s3OutputDataConfig") or {}).get("s3Uri")
    return BatchJobInfo(
        id=data["jobArn"], provider=PROVIDER, status=status, raw_status=raw_status,
        timestamps=BatchTimestamps(created_at=_timestamp(data.get("submitTime")),
                                   completed_at=_timestamp(data.get("endTime")) if status is BatchStatus.COMPLETED else None,
                                   failed_at=_timestamp(data.get("endTime")) if status is BatchStatus.FAILED else None,
                                   cancelled_at=_timestamp(data.get("endTime")) if status is BatchStatus.CANCELLED else None,
                                   expires_at=_timestamp(data.get("jobExpirationTime"))),
        request_counts=BatchRequestCounts(total=data.get("totalRecordCount"),
                                          completed=data.get("processedRecordCount"),
                                          succeeded=data.get("successRecordCount"),
                                          failed=data.get("errorRecordCount")),
        files=BatchFiles(
            input_file_id=((data.get("inputDataConfig") or {}).get("s3InputDataConfig") or {}).get("s3Uri"),
            output_file_id=f"{output.rstrip('/')}/{job_id(data['jobArn'])}/" if output else None),
        error=BatchErrorInfo(error_message=data.get("message")) if status is BatchStatus.FAILED else None,
        metadata={}, model=data.get("modelId"), raw_data=data,
    )


def status(job: Mapping[str, Any]) -> dict[str, Any]:
    """The status dict `get_batch_status` gives for every provider: the raw status, `created_at`, counts."""
    return {"id": job["jobArn"], "status": job.get("status"), "created_at": job.get("submitTime"),
            "request_counts": {"total": job.get("totalRecordCount"), "completed": job.get("processedRecordCount"),
                               "succeeded": job.get("successRecordCount"), "failed": job.get("errorRecordCount")}}


def list_jobs(client: Any, limit: int = 10) -> list[BatchJobInfo]:
    listed = adopt_client(client).bedrock.list_model_invocation_jobs(maxResults=limit, sortOrder="Descending")
    return [info(job) for job in (listed.get("invocationJobSummaries") or [])[:limit]]


def cancel(client: Any, batch_id: str) -> dict[str, Any]:
    """Stop the job (`StopModelInvocationJob`); the job as Bedrock reports it then."""
    adopt_client(client).bedrock.stop_model_invocation_job(jobIdentifier=batch_id)
    return retrieve(client, batch_id)


def delete(client: Any, batch_id: str) -> dict[str, Any]:
    """Bedrock keeps jobs: nothing is deleted, and the answer says so."""
    return {"id": batch_id, "status": "not_deleted",
            "message": "Bedrock does not support deleting model invocation jobs: stop a running one with "
                       "cancel_batch(batch_id); its records and results stay in your S3 bucket."}


def result_lines(client: Any, batch_id: str) -> Iterator[str]:
    """The records of the job's output file in S3 (`<output>/<job id>/<input name>.out`), line by line."""
    clients = adopt_client(client)
    job = retrieve(clients, batch_id)
    described = info(job)
    if not described.is_done:
        raise ValueError(
            f"Batch {batch_id!r} has no results yet (status {described.raw_status!r}). Wait until "
            "get_batch_info(batch_id).is_done, then fetch its results."
        )
    source = described.files.input_file_id or ""
    output = described.files.output_file_id or ""
    bucket, _, prefix = output[len("s3://"):].partition("/")
    key = f"{prefix}{source.rsplit('/', 1)[-1]}.out"
    try:
        body = clients.s3.get_object(Bucket=bucket, Key=key)["Body"]
    except Exception as exc:
        if "NoSuchKey" not in type(exc).__name__ and "NoSuchKey" not in str(exc):
            raise
        return  # a job stopped before it ran any record wrote no output
    try:
        for line in body.iter_lines():
            yield line.decode("utf-8")
    finally:
        body.close()

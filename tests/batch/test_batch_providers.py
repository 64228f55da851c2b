"""Batch jobs on Bedrock, Gemini and Mistral end to end, through boto3, google-genai and mistralai.

Each provider: the request lines are what the mode handlers build, the job is submitted,
polled and read back through the real SDK against the fake provider, and a `BatchRun`
repairs its invalid answers in a second job whose requests carry the re-ask messages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from instructor.batch import BatchJobInfo, BatchProcessor, BatchRun, BatchStatus, BatchSuccess
from instructor.core.billing import Price
from instructor.testing import FakeProvider, Reply

#: an account whose quota lets a job hold a single record (Bedrock's default minimum is 100)
S3_OPTIONS = {"s3_uri": "s3://batch-bucket/jobs", "role_arn": "arn:aws:iam::123456789012:role/bedrock-batch",
              "min_records": 1}
CLAUDE = "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "bedrock/amazon.nova-lite-v1:0"


class User(BaseModel):
    name: str
    age: int


def conversations(n: int) -> list[list[dict[str, str]]]:
    return [[{"role": "system", "content": "Extract the user."},
             {"role": "user", "content": f"user {i} is {i} years old"}] for i in range(n)]


def bedrock_kwargs(fake: FakeProvider) -> dict[str, Any]:
    fake.batches.limits["bedrock"].min_requests = 1  # the account's quota, as S3_OPTIONS says
    return {"endpoint_url": fake.url, "region_name": "us-east-1", "aws_access_key_id": "AKIDFAKE",
            "aws_secret_access_key": "fake-secret", "batch_options": S3_OPTIONS}


def processor_for(fake: FakeProvider, model: str, **kwargs: Any) -> BatchProcessor[User]:
    if model.startswith("bedrock/"):
        return BatchProcessor(model, User, **bedrock_kwargs(fake), **kwargs)
    if model.startswith("google/"):
        from google import genai

        client = genai.Client(api_key="test-key", http_options={"base_url": fake.genai_base_url})
        return BatchProcessor(model, User, client=client, **kwargs)
    from mistralai.client import Mistral

    client = Mistral(api_key="test-key", server_url=fake.mistral_server_url)
    return BatchProcessor(model, User, client=client, **kwargs)


# the google-genai cases run again with google-genai 3.x (scripts/test.sh: the `genai` lane, which has no
# boto3 or mistralai: those are imported by the cases that use them)
MODELS = [CLAUDE, NOVA, pytest.param("google/gemini-2.5-flash", marks=pytest.mark.genai),
          "mistral/mistral-small-latest"]


@pytest.mark.parametrize("model", MODELS)
def test_submit_poll_and_read_back(fake: FakeProvider, model: str) -> None:
    fake.batches.complete_after = 1
    fake.add(Reply.tool("User", {"name": "u0", "age": 0}), Reply.tool("User", {"name": "no age"}),
             Reply.tool("Other", {"name": "x", "age": 1}), Reply.http_error(429, "slow down"))
    processor = processor_for(fake, model)
    batch_id = processor.submit_batch(processor.create_batch_from_messages(conversations(4)))
    assert processor.get_batch_info(batch_id).status in (BatchStatus.PROCESSING, BatchStatus.PENDING)
    assert isinstance(processor.get_batch_status(batch_id)["status"], str)
    info = processor.wait(batch_id, poll_interval=0)
    assert info.status is BatchStatus.COMPLETED and info.is_done
    results = {r.custom_id: r for r in processor.iter_results(batch_id)}
    assert results["request-0"].result == User(name="u0", age=0)  # type: ignore[union-attr]
    assert results["request-1"].error_type == "validation_error"  # type: ignore[union-attr]
    assert results["request-2"].error_type == "response_parsing_error"  # a tool nobody offered
    assert "slow down" in results["request-3"].error_message  # type: ignore[union-attr]
    assert [j.id for j in processor.list_batches(limit=5)][0] == batch_id
    assert all(isinstance(j, BatchJobInfo) for j in processor.list_batches(limit=5))


def test_bedrock_records_per_model_family(fake: FakeProvider) -> None:
    claude = next(processor_for(fake, CLAUDE).request_lines(conversations(1)))
    assert set(claude) == {"recordId", "modelInput"} and claude["recordId"] == "request-0"
    body = claude["modelInput"]
    assert body["anthropic_version"] == "bedrock-2023-05-31" and "model" not in body
    assert body["system"] == "Extract the user." and body["tool_choice"]["name"] == "User"
    nova = next(processor_for(fake, NOVA).request_lines(conversations(1)))["modelInput"]
    assert nova["schemaVersion"] == "messages-v1" and "modelId" not in nova
    assert nova["system"] == [{"text": "Extract the user."}]
    assert nova["inferenceConfig"] == {"maxTokens": 1000, "temperature": 0.1}
    assert nova["toolConfig"]["toolChoice"] == {"tool": {"name": "User"}}
    with pytest.raises(ValueError, match="Claude .* Nova") as other:
        BatchProcessor("bedrock/meta.llama3-1-70b-instruct-v1:0", User)
    assert "meta.llama3" in str(other.value)
    with pytest.raises(ValueError, match="s3_uri"):
        processor = BatchProcessor(CLAUDE, User, endpoint_url=fake.url, region_name="us-east-1",
                                   aws_access_key_id="a", aws_secret_access_key="b")
        processor.submit_batch(processor.create_batch_from_messages(conversations(1)))


def test_bedrock_reads_its_output_from_s3_where_bedrock_writes_it(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "a", "age": 1}))
    processor = processor_for(fake, CLAUDE)
    arn = processor.submit_batch(processor.create_batch_from_messages(conversations(1)), metadata={"team": "x"})
    assert arn.startswith("arn:aws:bedrock:") and ":model-invocation-job/" in arn
    processor.wait(arn, poll_interval=0)
    job_id = arn.rsplit("/", 1)[-1]
    keys = fake.batches.s3.keys("batch-bucket")
    inputs = [k for k in keys if k.startswith("jobs/inputs/")]
    assert len(inputs) == 1
    assert f"jobs/outputs/{job_id}/{inputs[0].rsplit('/', 1)[-1]}.out" in keys
    assert f"jobs/outputs/{job_id}/manifest.json.out" in keys
    created = next(r for r in fake.requests if r.path == "/model-invocation-job")
    assert created.json["clientRequestToken"] and created.json["tags"] == [{"key": "team", "value": "x"}]
    import boto3

    from instructor.batch.bedrock import BedrockClients

    s3 = boto3.client("s3", endpoint_url=fake.url, region_name="us-east-1", aws_access_key_id="a",
                      aws_secret_access_key="b")
    listed = s3.list_objects_v2(Bucket="batch-bucket", Prefix=f"jobs/outputs/{job_id}/")
    assert sorted(o["Key"] for o in listed["Contents"]) == sorted(k for k in keys if job_id in k)
    assert s3.head_object(Bucket="batch-bucket", Key=inputs[0])["ContentLength"] > 0
    # a session works as the client too
    session = boto3.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1")
    clients = BatchProcessor(CLAUDE, User, client=session).client
    assert isinstance(clients, BedrockClients)


@pytest.mark.genai
def test_gemini_inline_and_file_input(fake: FakeProvider) -> None:
    fake.add(*[Reply.tool("User", {"name": f"u{i}", "age": i}) for i in range(4)])
    for how in ("inline", "file"):
        processor = processor_for(fake, "google/gemini-2.5-flash", batch_options={"input": how})
        source = processor.create_batch_from_messages(conversations(2))
        line = json.loads(source.getvalue().splitlines()[0])  # type: ignore[union-attr]
        assert line["key"] == "request-0" and line["request"]["systemInstruction"]["parts"] == [
            {"text": "Extract the user."}]
        assert line["request"]["toolConfig"]["functionCallingConfig"]["allowedFunctionNames"] == ["User"]
        name = processor.submit_batch(source)
        info = processor.wait(name, poll_interval=0)
        assert (info.files.output_file_id is not None) == (how == "file")
        assert [r.success for r in processor.iter_results(name)] == [True, True]
    created = [r.json for r in fake.requests if r.path.endswith(":batchGenerateContent")]
    assert "requests" in created[0]["batch"]["inputConfig"] and "fileName" in created[1]["batch"]["inputConfig"]


@pytest.mark.parametrize("model", MODELS)
def test_a_run_repairs_invalid_answers_with_the_reask_messages(fake: FakeProvider, tmp_path: Path, model: str) -> None:
    fake.add(Reply.tool("User", {"name": "ok", "age": 1}), Reply.tool("User", {"name": "no age"}),
             Reply.tool("User", {"name": "fixed", "age": 2}))
    processor = processor_for(fake, model)
    kwargs: dict[str, Any] = {"client": processor.client} if not model.startswith("bedrock/") else {
        **bedrock_kwargs(fake)}
    run = BatchRun.create(tmp_path / "run.json", model, User, conversations(2), max_repairs=2, **kwargs)
    run.run(poll_interval=0)
    assert run.finished and run.states() == {"succeeded": 1, "repaired": 1}
    assert [(r.custom_id, r.result) for r in run.results() if isinstance(r, BatchSuccess)] == [
        ("request-0", User(name="ok", age=1)), ("request-1", User(name="fixed", age=2))]
    assert len(run.job_ids) == 2 and [r["items"] for r in run.rounds] == [2, 1]
    repaired = (tmp_path / "run.batch" / "round-1.requests.jsonl").read_text()
    assert "age" in repaired and "Field required" in repaired  # the validation error, re-asked
    assert run.usage.input_tokens > 0 and run.item_usage("request-1").output_tokens > run.item_usage(
        "request-0").output_tokens
    assert run.cost(Price(input=1_000_000, output=0)) == run.usage.input_tokens

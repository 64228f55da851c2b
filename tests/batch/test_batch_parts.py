"""A round larger than one provider job: `BatchRun` sends it as several jobs ("parts").

Through each provider's real SDK against the fake provider, whose limits are set small (a job of
at most 10 requests) so 25 items make three jobs: the fake refuses a job over its limits as the
real API does, so a run that did not cut its rounds would fail here. Bedrock's minimum of records
per job stops a run before it sends a job Bedrock would refuse, and the run goes on once the user
has chosen a way. A record written by the previous version (one job per round) resumes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from instructor.batch import BatchProcessor, BatchRun
from instructor.core.exceptions import ConfigurationError
from instructor.testing import FakeProvider, Reply
from instructor.testing.batches import Limits

S3_OPTIONS = {"s3_uri": "s3://batch-bucket/jobs", "role_arn": "arn:aws:iam::123456789012:role/bedrock-batch"}
CLAUDE = "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
#: provider -> the fake's key for its limits, the answer its wire gives
MODELS = {
    "openai/gpt-4o-mini": "openai",
    "anthropic/claude-sonnet-4-6": "anthropic",
    CLAUDE: "bedrock",
    "google/gemini-2.5-flash": "google-inline",
    "mistral/mistral-small-latest": "mistral",
}
PARAMS = [pytest.param(m, marks=pytest.mark.genai) if m.startswith("google/") else m for m in MODELS]


class User(BaseModel):
    name: str
    age: int


def conversations(n: int) -> list[list[dict[str, str]]]:
    return [[{"role": "user", "content": f"user {i} is {i} years old"}] for i in range(n)]


def answer(model: str, **fields: Any) -> Reply:
    return Reply.json(fields) if model.startswith("openai/") else Reply.tool("User", fields)


def client_kwargs(fake: FakeProvider, model: str) -> dict[str, Any]:
    """How the run reaches the fake: the SDK client, or (Bedrock) the keywords boto3 takes."""
    if model.startswith("bedrock/"):
        return {"endpoint_url": fake.url, "region_name": "us-east-1", "aws_access_key_id": "AKIDFAKE",
                "aws_secret_access_key": "fake-secret"}
    if model.startswith("openai/"):
        import openai

        return {"client": openai.OpenAI(base_url=fake.openai_base_url, api_key="test-key")}
    if model.startswith("anthropic/"):
        import anthropic

        return {"client": anthropic.Anthropic(base_url=fake.anthropic_base_url, api_key="test-key")}
    if model.startswith("google/"):
        from google import genai

        return {"client": genai.Client(api_key="test-key", http_options={"base_url": fake.genai_base_url})}
    from mistralai.client import Mistral

    return {"client": Mistral(api_key="test-key", server_url=fake.mistral_server_url)}


def options(model: str, **limits: int) -> dict[str, Any]:
    return {**(S3_OPTIONS if model.startswith("bedrock/") else {}), **limits}


def jobs_created(fake: FakeProvider) -> list[int]:
    """How many requests each job the fake created holds, in order."""
    return [len(job.requests) for job in fake.batches.jobs.values()]


@pytest.mark.parametrize("model", PARAMS)
def test_a_round_larger_than_a_job_goes_as_several_and_its_repair_too(fake: FakeProvider, tmp_path: Path,
                                                                     model: str) -> None:
    fake.batches.limits[MODELS[model]] = Limits(max_requests=10, min_requests=5 if "bedrock" in model else 1)
    # round 0: items 5..16 answer without an age (they span the first two jobs); the repair fixes them
    fake.add(*[answer(model, name=f"u{i}") if 5 <= i <= 16 else answer(model, name=f"u{i}", age=i)
               for i in range(25)],
             *[answer(model, name=f"u{i}", age=i) for i in range(5, 17)])
    lines: list[str] = []
    run = BatchRun.create(tmp_path / "run.json", model, User, conversations(25), max_repairs=1,
                          batch_options=options(model, max_requests=10, **(
                              {"min_records": 5} if "bedrock" in model else {})),
                          **client_kwargs(fake, model))
    run.run(poll_interval=0, progress=lines.append)

    assert run.states() == {"succeeded": 13, "repaired": 12}
    assert [[p["items"] for p in r["parts"]] for r in run.rounds] == [[9, 8, 8], [6, 6]]
    assert jobs_created(fake) == [9, 8, 8, 6, 6]  # each within the fake's 10, none refused
    assert len(run.job_ids) == 5 and len(set(run.job_ids)) == 5
    results = {r.custom_id: r for r in run.results()}
    assert len(results) == 25 and all(r.success for r in results.values())
    assert results["request-16"].result == User(name="u16", age=16)  # type: ignore[union-attr]
    assert any(line.startswith("round 0, part 3/3: submitted 8 requests as job ") for line in lines)
    assert any(line.startswith("round 1, part 2/2: downloaded 6 result lines") for line in lines)
    assert "round 1: 12 requests to repair" in lines
    folder = tmp_path / "run.batch"
    assert sorted(p.name for p in folder.iterdir()) == [
        "round-0.requests.jsonl", "round-0.results.jsonl", "round-1.requests.jsonl", "round-1.results.jsonl"]


def test_the_fake_refuses_a_job_over_its_limits_as_the_api_does(fake: FakeProvider) -> None:
    import botocore.exceptions
    import openai

    fake.batches.limits["openai"] = Limits(max_requests=10)
    processor = BatchProcessor("openai/gpt-4o-mini", User, **client_kwargs(fake, "openai/gpt-4o-mini"))
    with pytest.raises(openai.BadRequestError, match="at most 10"):
        processor.submit_batch(processor.create_batch_from_messages(conversations(11)))  # one file, one job
    bedrock = BatchProcessor(CLAUDE, User, batch_options=S3_OPTIONS, **client_kwargs(fake, CLAUDE))
    with pytest.raises(botocore.exceptions.ClientError, match="ValidationException.*at least 100"):
        bedrock.submit_batch(bedrock.create_batch_from_messages(conversations(3)))


def test_limits_in_batch_options_are_checked(tmp_path: Path) -> None:
    messages = conversations(2)

    def create(model: str, **limits: Any) -> Any:
        return BatchRun.create(tmp_path / "run.json", model, User, messages, batch_options=options(model, **limits))

    for bad in (0, -3, True, "10", 2.5):
        with pytest.raises(ConfigurationError, match=r"batch_options\['max_requests'\] is a whole number") as info:
            create("openai/gpt-4o-mini", max_requests=bad)
        assert repr(bad) in str(info.value)
    with pytest.raises(ConfigurationError, match="60000 is more than a openai batch job takes \\(50,000\\)"):
        create("openai/gpt-4o-mini", max_requests=60_000)
    with pytest.raises(ConfigurationError, match="Bedrock's minimum .* anthropic jobs have none"):
        create("anthropic/claude-sonnet-4-6", min_records=10)
    with pytest.raises(ConfigurationError, match="at least 200 records .* at most 100"):
        create(CLAUDE, max_requests=100, min_records=200)
    assert not (tmp_path / "run.json").exists()
    # Bedrock's figures are account quotas: a raised one is taken
    run = create(CLAUDE, max_requests=80_000, min_records=1)
    assert run.limits.max_requests == 80_000 and run.limits.min_requests == 1


def test_a_run_below_bedrocks_minimum_is_refused_before_anything_is_written(fake: FakeProvider,
                                                                           tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        BatchRun.create(tmp_path / "run.json", CLAUDE, User, conversations(3), batch_options=S3_OPTIONS,
                        **client_kwargs(fake, CLAUDE))
    message = str(info.value)
    assert "has 3 requests" in message and "at least 100" in message and "min_records" in message
    assert not (tmp_path / "run.json").exists() and not list((tmp_path / "run.batch").iterdir())
    assert fake.requests == []


@pytest.mark.parametrize("way", ["lower the minimum", "ask them live"])
def test_a_repair_round_below_bedrocks_minimum_stops_the_run_until_the_user_acts(fake: FakeProvider, tmp_path: Path,
                                                                                 way: str) -> None:
    fake.batches.limits["bedrock"] = Limits(max_requests=50, min_requests=5)
    fake.add(*[answer(CLAUDE, name=f"u{i}") if i in (2, 7, 9) else answer(CLAUDE, name=f"u{i}", age=i)
               for i in range(12)])
    run = BatchRun.create(tmp_path / "run.json", CLAUDE, User, conversations(12), max_repairs=2,
                          batch_options=options(CLAUDE, min_records=5), **client_kwargs(fake, CLAUDE))
    with pytest.raises(ConfigurationError) as info:
        run.run(poll_interval=0)
    message = str(info.value)
    assert "Round 1" in message and "has 3 requests" in message and "at least 5" in message
    assert "'min_records': 3" in message and "run.finish()" in message
    # nothing sent, nothing lost: round 0 is read, its three failures keep their answers
    assert jobs_created(fake) == [12] and run.phase == "classified"
    again = BatchRun.open(tmp_path / "run.json", User, **client_kwargs(fake, CLAUDE))
    assert again.states() == {"succeeded": 9, "failed-validation": 3}
    failed = sorted(r.custom_id for r in again.results() if not r.success)
    assert failed == ["request-2", "request-7", "request-9"]
    with pytest.raises(ConfigurationError, match="has 3 requests"):
        again.step()  # stays stopped until the user acts

    if way == "lower the minimum":  # the account's quota was lowered
        fake.batches.limits["bedrock"].min_requests = 3
        fake.add(*[answer(CLAUDE, name=f"u{i}", age=i) for i in (2, 7, 9)])
        lowered = BatchRun.open(tmp_path / "run.json", User, batch_options={"min_records": 3},
                                **client_kwargs(fake, CLAUDE))
        lowered.run(poll_interval=0)
        assert lowered.states() == {"succeeded": 9, "repaired": 3} and jobs_created(fake) == [12, 3]
        assert BatchRun.open(tmp_path / "run.json", User).processor.batch_options["min_records"] == 3
    else:  # the user asks those three live, and closes the run
        again.finish()
        assert again.finished and again.states() == {"succeeded": 9, "given-up": 3}
        assert sorted(r.custom_id for r in again.results() if not r.success) == failed
        assert jobs_created(fake) == [12]


def test_a_record_of_the_previous_version_resumes(fake: FakeProvider, tmp_path: Path) -> None:
    """Version 1 kept one job per round on the round itself: a round being submitted (its token
    written, its job created, the id never recorded) and the finished rounds before it."""
    model = "openai/gpt-4o-mini"
    fake.add(answer(model, name="u0", age=0), answer(model, name="no age"), answer(model, name="u2", age=2),
             answer(model, name="u1", age=1))
    run = BatchRun.create(tmp_path / "run.json", model, User, conversations(3), **client_kwargs(fake, model))
    token = "f" * 32
    job_id = run.processor.submit_batch(str(tmp_path / "run.batch" / "round-0.requests.jsonl"),
                                        metadata={"instructor_token": token})  # the job v1 created
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["version"] == 2 and "parts" not in record["rounds"][0]  # not submitted yet
    record["version"] = 1
    record["rounds"][0].update(state="submitting", token=token, intent_at=record["created_at"])
    (tmp_path / "run.json").write_text(json.dumps(record))

    lines: list[str] = []
    resumed = BatchRun.open(tmp_path / "run.json", User, **client_kwargs(fake, model))
    resumed.run(poll_interval=0, progress=lines.append)
    assert f"round 0: found job {job_id} submitted before the process stopped" in lines
    assert resumed.states() == {"succeeded": 2, "repaired": 1}
    assert resumed.job_ids[0] == job_id and len(resumed.job_ids) == 2 and jobs_created(fake) == [3, 1]
    saved = json.loads((tmp_path / "run.json").read_text())
    assert saved["version"] == 2 and saved["rounds"][0]["parts"][0]["job_id"] == job_id

    # a version-1 record whose rounds were all read opens as it was, its job ids where they were
    finished = {**saved, "version": 1, "rounds": [
        {"round": r["round"], "state": r["state"], "items": r["items"], "counts": r["counts"],
         "token": r["parts"][0]["token"], "job_id": r["parts"][0]["job_id"]} for r in saved["rounds"]]}
    (tmp_path / "old.json").write_text(json.dumps(finished))
    (tmp_path / "run.batch").rename(tmp_path / "old.batch")
    old = BatchRun.open(tmp_path / "old.json", User)
    assert old.finished and old.job_ids == resumed.job_ids
    assert sorted(r.custom_id for r in old.results() if r.success) == ["request-0", "request-1", "request-2"]


def test_cutting_a_round_by_bytes_keeps_every_part_above_the_minimum(tmp_path: Path) -> None:
    from instructor.batch.limits import JobLimits, plan

    path = tmp_path / "round-0.requests.jsonl"
    path.write_bytes(b"".join(json.dumps({"custom_id": f"r{i}", "pad": "x" * 4}).encode() + b"\n" for i in range(7)))
    size = len(path.read_bytes()) // 7  # every line is this long
    parts = plan(path, JobLimits(max_requests=None, max_bytes=size * 3 + 1, min_requests=2))
    # three lines fit a job: 3, 3, 1 would leave one line, under the minimum: the last two are evened
    assert [p.items for p in parts] == [3, 2, 2]
    assert [(p.offset, p.end) for p in parts] == [(0, 3 * size), (3 * size, 5 * size), (5 * size, 7 * size)]
    assert [p.items for p in plan(path, JobLimits(max_requests=3, max_bytes=None))] == [3, 2, 2]
    assert [p.items for p in plan(path, JobLimits(max_requests=None, max_bytes=None))] == [7]
    with pytest.raises(ConfigurationError, match=f"line 1 .* is {size} bytes"):
        plan(path, JobLimits(max_requests=None, max_bytes=size - 1))
    with pytest.raises(ConfigurationError, match="at least 4 requests"):
        plan(path, JobLimits(max_requests=None, max_bytes=size * 3 + 1, min_requests=4))

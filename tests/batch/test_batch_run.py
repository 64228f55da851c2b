"""`BatchRun` across processes: a process SIGKILLed at each point of a run loses nothing.

The fake provider's batch service calls `after_request` once a request has changed its state
and before the answer goes out: the test kills the running process right there (a file
uploaded, a job created whose id the process never received, a poll, a download...), then a
fresh process opens the record and finishes the run. Each round is submitted once, every
item ends with its answer, and the CLI's run/resume/repair verbs report progress on stderr.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from instructor.batch import BatchRun
from instructor.testing import FakeProvider, Reply
from instructor.testing.server import RecordedRequest

pytestmark = pytest.mark.subprocess

MODELS = "from pydantic import BaseModel\n\nclass User(BaseModel):\n    name: str\n    age: int\n"

CHILD = textwrap.dedent("""
    import json, os, sys
    from instructor.batch import BatchRun
    from models import User
    path, model, options, client_kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
    if not os.path.exists(path):
        messages = [[{"role": "user", "content": f"user {i} is {i}"}] for i in range(3)]
        BatchRun.create(path, model, User, messages, max_repairs=1, batch_options=options, **client_kwargs)
    run = BatchRun.open(path, User, **client_kwargs).run(poll_interval=0, progress=print)
    print("states", json.dumps(run.states(), sort_keys=True))
""")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "child.py").write_text(CHILD)
    return tmp_path


def environment(fake: FakeProvider, subprocess_env: dict[str, str], workdir: Path) -> dict[str, str]:
    return {**subprocess_env, "PYTHONPATH": str(workdir),
            "OPENAI_BASE_URL": fake.openai_base_url, "OPENAI_API_KEY": "sk-test-run",
            "ANTHROPIC_BASE_URL": fake.anthropic_base_url, "ANTHROPIC_API_KEY": "sk-ant-test-run",
            "AWS_ENDPOINT_URL": fake.url, "AWS_ACCESS_KEY_ID": "AKIDFAKE", "AWS_SECRET_ACCESS_KEY": "fake-secret",
            "AWS_REGION": "us-east-1", "GEMINI_API_KEY": "test-key", "MISTRAL_API_KEY": "test-key"}


#: per provider: the model, its batch options, the client keywords the child passes, its answers
PROVIDERS: dict[str, tuple[str, dict[str, Any], Callable[[FakeProvider], dict[str, Any]], Callable[..., Reply]]] = {
    "openai": ("openai/gpt-4o-mini", {}, lambda fake: {}, lambda **a: Reply.json(a)),
    "anthropic": ("anthropic/claude-sonnet-4-6", {}, lambda fake: {}, lambda **a: Reply.tool("User", a)),
    "bedrock": ("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                {"s3_uri": "s3://runs/batch", "role_arn": "arn:aws:iam::123456789012:role/batch", "min_records": 1},
                lambda fake: {}, lambda **a: Reply.tool("User", a)),
    "google": ("google/gemini-2.5-flash", {}, lambda fake: {"http_options": {"base_url": fake.genai_base_url}},
               lambda **a: Reply.tool("User", a)),
    "mistral": ("mistral/mistral-small-latest", {}, lambda fake: {"server_url": fake.mistral_server_url},
                lambda **a: Reply.tool("User", a)),
}


def script(fake: FakeProvider, answer: Callable[..., Reply]) -> None:
    """Round 0: two good answers and one invalid; the repair round: the fixed one."""
    fake.add(answer(name="u0", age=0), answer(name="no age"), answer(name="u2", age=2), answer(name="u1", age=1))


def creates(fake: FakeProvider) -> list[RecordedRequest]:
    """The requests that created a job (of any provider)."""
    paths = ("/v1/batches", "/v1/messages/batches", "/model-invocation-job", "/mistral/v1/batch/jobs")
    return [r for r in fake.requests if r.method == "POST" and
            (r.path.split("?")[0] in paths or r.path.split("?")[0].endswith(":batchGenerateContent"))]


def run_child(workdir: Path, env: dict[str, str], provider: str, fake: FakeProvider, *,
              kill_when: Callable[[RecordedRequest], bool] | None = None,
              more_options: dict[str, Any] | None = None) -> subprocess.CompletedProcess[str]:
    model, options, client_kwargs, _ = PROVIDERS[provider]
    command = [sys.executable, "child.py", str(workdir / "run.json"), model, json.dumps({**options, **(more_options or {})}),
               json.dumps(client_kwargs(fake))]
    child = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    killed: list[RecordedRequest] = []

    def kill(request: RecordedRequest) -> None:
        if not killed and kill_when is not None and kill_when(request):
            killed.append(request)
            os.kill(child.pid, signal.SIGKILL)  # before the answer goes out

    fake.batches.after_request = kill
    fake.batches.limits["bedrock"].min_requests = 1  # as the run's min_records says
    try:
        out, err = child.communicate(timeout=120)
    finally:
        fake.batches.after_request = None
    if kill_when is not None:
        assert killed and child.returncode == -signal.SIGKILL, (out, err)
    else:
        assert child.returncode == 0, err
    return subprocess.CompletedProcess(command, child.returncode, out, err)


def posted(path: str, nth: int = 1) -> Callable[[RecordedRequest], bool]:
    """The `nth` POST to a path ending in `path`."""
    seen = [0]

    def match(request: RecordedRequest) -> bool:
        if request.method == "POST" and request.path.split("?")[0].endswith(path):
            seen[0] += 1
            return seen[0] == nth
        return False

    return match


def got(path_part: str) -> Callable[[RecordedRequest], bool]:
    return lambda request: request.method == "GET" and path_part in request.path


OPENAI_POINTS = {
    "file uploaded, no job yet": posted("/v1/files"),
    "job created, its id never received": posted("/v1/batches"),
    "polling": got("/v1/batches/batch_"),
    "downloading the results": got("/content"),
    "repair job created, its id never received": posted("/v1/batches", nth=2),
}


@pytest.mark.parametrize("point", list(OPENAI_POINTS))
def test_a_kill_at_any_point_loses_nothing(fake: FakeProvider, workdir: Path, subprocess_env: dict[str, str],
                                           point: str) -> None:
    env = environment(fake, subprocess_env, workdir)
    script(fake, PROVIDERS["openai"][3])
    run_child(workdir, env, "openai", fake, kill_when=OPENAI_POINTS[point])
    finished = run_child(workdir, env, "openai", fake)
    assert finished.stdout.splitlines()[-1] == 'states {"repaired": 1, "succeeded": 2}'
    assert len(creates(fake)) == 2  # one job per round: never submitted twice
    run = BatchRun.open(workdir / "run.json", response_model=_user(workdir))
    assert sorted(r.custom_id for r in run.results() if r.success) == ["request-0", "request-1", "request-2"]


@pytest.mark.parametrize("provider", ["anthropic", "bedrock", pytest.param("google", marks=pytest.mark.genai),
                                      "mistral"])
def test_a_kill_after_the_job_is_created_finds_the_job(fake: FakeProvider, workdir: Path,
                                                        subprocess_env: dict[str, str], provider: str) -> None:
    env = environment(fake, subprocess_env, workdir)
    script(fake, PROVIDERS[provider][3])
    point = {"anthropic": posted("/v1/messages/batches"), "bedrock": posted("/model-invocation-job"),
             "google": posted(":batchGenerateContent"), "mistral": posted("/mistral/v1/batch/jobs")}[provider]
    run_child(workdir, env, provider, fake, kill_when=point)
    record = json.loads((workdir / "run.json").read_text())
    part = record["rounds"][0]["parts"][0]
    assert record["rounds"][0]["state"] == "submitting" and part["state"] == "submitting" and part["token"]
    finished = run_child(workdir, env, provider, fake)
    assert "submitted before the process stopped" in finished.stdout
    assert finished.stdout.splitlines()[-1] == 'states {"repaired": 1, "succeeded": 2}'
    assert len(creates(fake)) == 2


def _user(workdir: Path) -> Any:
    sys.path.insert(0, str(workdir))
    try:
        import importlib

        import models  # type: ignore[import-not-found]

        return importlib.reload(models).User
    finally:
        sys.path.remove(str(workdir))


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "instructor", "batch", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=180)


def test_cli_run_resume_repair_and_progress(fake: FakeProvider, workdir: Path, subprocess_env: dict[str, str]) -> None:
    env = environment(fake, subprocess_env, workdir)
    (workdir / "messages.jsonl").write_text("".join(
        json.dumps({"custom_id": f"user-{i}", "messages": [{"role": "user", "content": f"user {i}"}]}) + "\n"
        for i in range(3)))
    fake.batches.complete_after = 2
    fake.add(Reply.json({"name": "a", "age": 1}), Reply.json({"name": "b"}), Reply.json({"name": "c", "age": 3}),
             Reply.json({"name": "still no age"}), Reply.json({"name": "b", "age": 2}))
    started = cli("run", "--record", "users.json", "--model", "openai/gpt-4o-mini", "--response-model",
                  "models:User", "--messages", "messages.jsonl", "--max-repairs", "0", "--no-wait",
                  env=env, cwd=workdir)
    assert started.returncode == 0, started.stderr
    assert "recorded 3 requests" in started.stderr and "submitted 3 requests as job batch_" in started.stderr
    resumed = cli("resume", "users.json", "--poll-interval", "0", env=env, cwd=workdir)
    assert resumed.returncode == 0, resumed.stderr
    progress = resumed.stderr.splitlines()
    assert any("in_progress" in line for line in progress) and any("completed" in line for line in progress)
    assert "round 0: downloaded 3 result lines" in progress
    assert resumed.stdout.strip().endswith("finished  given-up=1, succeeded=2")
    repaired = cli("repair", "users.json", "--rounds", "2", "--poll-interval", "0", env=env, cwd=workdir)
    assert repaired.returncode == 0, repaired.stderr
    # the limit raised by two: round 1 still fails the item, round 2 repairs it
    assert "round 1: 1 requests to repair" in repaired.stderr and "round 2: 1 requests to repair" in repaired.stderr
    assert repaired.stdout.strip().endswith("finished  repaired=1, succeeded=2")
    status = cli("status", "users.json", env=env, cwd=workdir)
    assert "round 2: classified" in status.stdout and "repaired=1" in status.stdout
    results = cli("results", "users.json", env=env, cwd=workdir)
    rows = {row["custom_id"]: row for row in map(json.loads, results.stdout.splitlines())}
    assert rows["user-1"] == {"custom_id": "user-1", "success": True, "result": {"name": "b", "age": 2}}
    assert results.stderr.strip().endswith("3 succeeded, 0 failed")
    assert "sk-test-run" not in (workdir / "users.json").read_text()


def test_a_record_says_what_is_wrong(tmp_path: Path) -> None:
    from pydantic import BaseModel

    class Item(BaseModel):
        name: str

    with pytest.raises(FileNotFoundError, match="No batch record"):
        BatchRun.open(tmp_path / "nothing.json")
    BatchRun.create(tmp_path / "a.json", "openai/gpt-4o-mini", Item, [[{"role": "user", "content": "x"}]])
    with pytest.raises(FileExistsError, match="already exists"):
        BatchRun.create(tmp_path / "a.json", "openai/gpt-4o-mini", Item, [])
    with pytest.raises(ValueError, match="'dup' repeats"):
        BatchRun.create(tmp_path / "b", "openai/gpt-4o-mini", Item, [[], []], custom_ids=["dup", "dup"])
    with pytest.raises(ValueError, match="defined inside a function"):
        BatchRun.open(tmp_path / "a.json")
    assert (tmp_path / "a.batch" / "round-0.requests.jsonl").exists()
    assert BatchRun.open(tmp_path / "a.json", Item).states() == {"pending": 1}


#: the second job of round 0 (each job takes two requests: three items make two jobs)
SECOND_JOB = {
    "openai: its file uploaded, no job yet": ("openai", posted("/v1/files", nth=2)),
    "openai: created, its id never received": ("openai", posted("/v1/batches", nth=2)),
    "anthropic: created, its id never received": ("anthropic", posted("/v1/messages/batches", nth=2)),
    "bedrock: created, its id never received": ("bedrock", posted("/model-invocation-job", nth=2)),
    "google: created, its id never received": ("google", posted(":batchGenerateContent", nth=2)),
    "mistral: created, its id never received": ("mistral", posted("/mistral/v1/batch/jobs", nth=2)),
}


@pytest.mark.parametrize("point", [pytest.param(p, marks=pytest.mark.genai) if p.startswith("google") else p
                                   for p in SECOND_JOB])
def test_a_kill_between_two_jobs_of_a_round_loses_nothing(fake: FakeProvider, workdir: Path,
                                                          subprocess_env: dict[str, str], point: str) -> None:
    from instructor.testing.batches import Limits

    provider, kill_when = SECOND_JOB[point]
    fake.batches.limits["google-inline" if provider == "google" else provider] = Limits(max_requests=2)
    env = environment(fake, subprocess_env, workdir)
    script(fake, PROVIDERS[provider][3])
    run_child(workdir, env, provider, fake, kill_when=kill_when, more_options={"max_requests": 2})
    first = json.loads((workdir / "run.json").read_text())["rounds"][0]
    assert first["state"] == "submitting" and [p["state"] for p in first["parts"]] == ["submitted", "submitting"]
    finished = run_child(workdir, env, provider, fake)  # the record keeps max_requests
    if "never received" in point:
        assert "round 0, part 2/2: found job" in finished.stdout
    assert finished.stdout.splitlines()[-1] == 'states {"repaired": 1, "succeeded": 2}'
    assert [len(job.requests) for job in fake.batches.jobs.values()] == [2, 1, 1]  # nothing sent twice
    run = BatchRun.open(workdir / "run.json", response_model=_user(workdir))
    assert sorted(r.custom_id for r in run.results() if r.success) == ["request-0", "request-1", "request-2"]
    assert len(run.job_ids) == 3


def test_cli_a_run_of_several_jobs_status_and_cancel(fake: FakeProvider, workdir: Path,
                                                     subprocess_env: dict[str, str]) -> None:
    from instructor.testing.batches import Limits

    env = environment(fake, subprocess_env, workdir)
    fake.batches.limits["openai"] = Limits(max_requests=2)
    fake.batches.complete_after = 100  # the jobs keep running
    (workdir / "messages.jsonl").write_text("".join(
        json.dumps([{"role": "user", "content": f"user {i}"}]) + "\n" for i in range(3)))
    started = cli("run", "--record", "users.json", "--model", "openai/gpt-4o-mini", "--response-model",
                  "models:User", "--messages", "messages.jsonl", "--option", "max_requests=2", "--no-wait",
                  env=env, cwd=workdir)
    assert started.returncode == 0, started.stderr
    assert "round 0, part 1/2: submitted 2 requests" in started.stderr
    assert "round 0, part 2/2: submitted 1 requests" in started.stderr
    ids = [job.id for job in fake.batches.jobs.values()]
    status = cli("status", "users.json", env=env, cwd=workdir)
    assert f"round 0: submitted  jobs {ids[0]}, {ids[1]}  3 requests" in status.stdout
    cancelled = cli("cancel", "users.json", env=env, cwd=workdir)
    assert cancelled.returncode == 0, cancelled.stderr
    assert [line.split()[0] for line in cancelled.stdout.splitlines()] == ids
    assert all(job.state == "cancelling" for job in fake.batches.jobs.values())

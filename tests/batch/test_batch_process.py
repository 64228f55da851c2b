"""Batch jobs across processes: resume by id after the submitting process died, the CLI, laziness.

Each test runs fresh interpreters against a FakeProvider in this process; the
SDKs find it through OPENAI_BASE_URL / ANTHROPIC_BASE_URL, as a user's shell would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from instructor.testing import FakeProvider, Reply

pytestmark = pytest.mark.subprocess

MODELS = "from pydantic import BaseModel\n\nclass User(BaseModel):\n    name: str\n    age: int\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "messages.jsonl").write_text("".join(
        json.dumps([{"role": "user", "content": f"user {i} is {i} years old"}]) + "\n" for i in range(3)))
    return tmp_path


def env_for(fake: FakeProvider, subprocess_env: dict[str, str], workdir: Path) -> dict[str, str]:
    return {**subprocess_env, "OPENAI_BASE_URL": fake.openai_base_url, "OPENAI_API_KEY": "sk-test-batch",
            "ANTHROPIC_BASE_URL": fake.anthropic_base_url, "ANTHROPIC_API_KEY": "sk-ant-test-batch",
            "PYTHONPATH": str(workdir)}


def run(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env=env, cwd=cwd, timeout=180)
    assert out.returncode == 0, out.stderr
    return out


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "instructor", "batch", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=180)


@pytest.mark.parametrize(("model", "reply"), [
    ("openai/gpt-4o-mini", lambda i: Reply.json({"name": f"u{i}", "age": i})),
    ("anthropic/claude-sonnet-4-6", lambda i: Reply.tool("User", {"name": f"u{i}", "age": i})),
])
def test_resume_by_id_in_a_fresh_process(fake: FakeProvider, workdir: Path, subprocess_env: dict[str, str],
                                         model: str, reply: object) -> None:
    fake.batches.complete_after = 2
    fake.add(*[reply(i) for i in range(3)])  # type: ignore[operator]
    env = env_for(fake, subprocess_env, workdir)
    submitted = run(f"""
        import json, os
        from instructor.batch import BatchProcessor
        from models import User
        processor = BatchProcessor({model!r}, User)
        messages = [json.loads(line) for line in open("messages.jsonl")]
        batch_id = processor.submit_batch(processor.create_batch_from_messages(messages))
        print(batch_id, processor.get_batch_status(batch_id)["status"], flush=True)
        os._exit(0)  # the process dies without any cleanup
    """, env, workdir)
    batch_id, status = submitted.stdout.split()
    assert status == "in_progress"  # the provider's own word (COMPAT 11.1)
    resumed = run(f"""
        from instructor.batch import BatchJob
        from models import User
        job = BatchJob.retrieve({model!r}, {batch_id!r}, User)
        print(job.wait(poll_interval=0).status.value)
        for result in job.results():
            print(result.custom_id, result.result.model_dump_json())
    """, env, workdir)
    lines = resumed.stdout.splitlines()
    assert lines[0] == "completed"
    assert lines[1:] == [f'request-{i} {{"name":"u{i}","age":{i}}}' for i in range(3)]


def test_cli_create_status_results(fake: FakeProvider, workdir: Path, subprocess_env: dict[str, str]) -> None:
    fake.batches.complete_after = 1
    fake.add(Reply.json({"name": "u0", "age": 0}), Reply.json({"name": "u1"}), Reply.http_error(500, "boom"))
    env = env_for(fake, subprocess_env, workdir)
    created = cli("create", "--model", "openai/gpt-4o-mini", "--response-model", "models:User",
                  "--messages", "messages.jsonl", "--output", "requests.jsonl", "--metadata", "job=cli",
                  env=env, cwd=workdir)
    assert created.returncode == 0, created.stderr
    batch_id = created.stdout.strip()
    assert batch_id.startswith("batch_")
    assert len((workdir / "requests.jsonl").read_text().splitlines()) == 3

    status = cli("status", batch_id, env=env, cwd=workdir)
    assert status.returncode == 0 and "processing (in_progress)" in status.stdout
    waited = cli("status", batch_id, "--wait", "--poll-interval", "0", "--json", env=env, cwd=workdir)
    info = json.loads(waited.stdout)
    assert (info["status"], info["metadata"], info["request_counts"]["total"]) == ("completed", {"job": "cli"}, 3)

    results = cli("results", batch_id, "--response-model", "models:User", env=env, cwd=workdir)
    assert results.returncode == 0, results.stderr
    rows = [json.loads(line) for line in results.stdout.splitlines()]
    assert rows[0] == {"custom_id": "request-0", "success": True, "result": {"name": "u0", "age": 0}}
    assert [(r["custom_id"], r.get("error_type")) for r in rows[1:]] == [
        ("request-1", "validation_error"), ("request-2", "fake_error")]
    assert results.stderr.strip() == "1 succeeded, 2 failed"
    strict = cli("results", batch_id, "--response-model", "models:User", "--strict", env=env, cwd=workdir)
    assert strict.returncode == 1
    raw = cli("results", batch_id, "--raw", env=env, cwd=workdir)
    assert len(raw.stdout.splitlines()) == 3 and "sk-test-batch" not in raw.stdout + raw.stderr

    listed = cli("list", "--provider", "openai", env=env, cwd=workdir)
    assert listed.stdout.startswith(f"{batch_id}  completed")


def test_cli_anthropic_and_cancel(fake: FakeProvider, workdir: Path, subprocess_env: dict[str, str]) -> None:
    fake.batches.complete_after = 5
    env = env_for(fake, subprocess_env, workdir)
    created = cli("create", "--model", "anthropic/claude-sonnet-4-6", "--response-model", "models:User",
                  "--messages", "messages.jsonl", env=env, cwd=workdir)
    batch_id = created.stdout.strip()
    assert batch_id.startswith("msgbatch_"), created.stderr
    cancelled = cli("cancel", batch_id, env=env, cwd=workdir)
    assert cancelled.returncode == 0 and "canceling" in cancelled.stdout
    results = cli("results", batch_id, "--response-model", "models:User", env=env, cwd=workdir)
    assert [json.loads(line)["error_type"] for line in results.stdout.splitlines()] == ["canceled"] * 3


def test_cli_bad_input_is_a_clear_error(fake: FakeProvider, workdir: Path, subprocess_env: dict[str, str]) -> None:
    env = env_for(fake, subprocess_env, workdir)
    bad_model = cli("create", "--model", "openai/gpt-4o-mini", "--response-model", "models:Nobody",
                    "--messages", "messages.jsonl", env=env, cwd=workdir)
    assert bad_model.returncode == 1 and "has no 'Nobody'" in bad_model.stderr
    unknown = cli("status", "job-42", env=env, cwd=workdir)
    assert unknown.returncode == 1 and "--provider" in unknown.stderr
    missing = cli("status", "batch_nope", env=env, cwd=workdir)
    assert missing.returncode == 1 and "batch_nope" in missing.stderr and "Traceback" not in missing.stderr
    helped = subprocess.run([sys.executable, "-m", "instructor", "--help"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert "batch" in helped.stdout


def test_batch_is_lazy(fake: FakeProvider, workdir: Path, subprocess_env: dict[str, str]) -> None:
    """`import instructor.batch` loads nothing heavy; building a file loads no SDK; OpenAI never loads anthropic."""
    env = env_for(fake, subprocess_env, workdir)
    fake.add(Reply.json({"name": "a", "age": 1}))
    out = run("""
        import sys
        def loaded(*names):
            return sorted({m.split(".")[0] for m in sys.modules} & set(names))
        import instructor, instructor.batch
        print(loaded("pydantic", "openai", "anthropic", "httpx"))
        from instructor.batch import BatchProcessor
        from models import User
        processor = BatchProcessor("openai/gpt-4o-mini", User)
        buffer = processor.create_batch_from_messages([[{"role": "user", "content": "hi"}]])
        print(loaded("openai", "anthropic"), sorted(m for m in sys.modules if m.startswith("instructor.batch.")))
        batch_id = processor.submit_batch(buffer)
        print(loaded("openai", "anthropic"))
    """, env, workdir)
    assert out.stdout.splitlines() == [
        "[]",
        "[] ['instructor.batch.models', 'instructor.batch.openai', 'instructor.batch.parsing', "
        "'instructor.batch.processor', 'instructor.batch.providers', 'instructor.batch.request']",
        "['openai']",
    ]

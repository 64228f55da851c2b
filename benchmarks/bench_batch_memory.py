"""Memory of reading batch results: flat however long the results file is.

For a 1,000-line and a 100,000-line OpenAI batch results file (each line a
chat completion whose message is a `User` as JSON), each way of reading it
runs in a fresh process:

- baseline: `for line in file: json.loads(line)`, the least a reader can do;
- instructor: `BatchJob.iter_file(path, User)`, each line decoded, its answer
  parsed by the mode handler and validated into a `User` (what
  `BatchProcessor.iter_results` does with the provider's stream);
- the same with `User` configured `cache_strings="none"`: pydantic-core keeps a
  cache of up to 16,384 short strings it decoded (about 1 MiB here, as every
  name in the file is different); without it, what remains is instructor's own
  footprint;
- instructor, as a list: `BatchJob.parse_from_file(path, User)`, which keeps
  every `User` (it grows with the file by design: shown for scale).

Figures per process, after imports and a warm-up: peak traced Python memory
(tracemalloc, a second pass) and peak RSS growth (ru_maxrss minus the RSS
before reading, the first pass), and the seconds of the first pass. Flat means
the 100k figure is about the 1k one for the streaming ways.

Usage: python benchmarks/bench_batch_memory.py [--sizes 1000,100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _harness import PYTHON, ROOT, bench_env

WAYS = {
    "baseline": "json.loads per line",
    "stream": "instructor BatchJob.iter_file",
    "stream-nocache": "instructor BatchJob.iter_file, cache_strings=none",
    "list": "instructor BatchJob.parse_from_file (keeps all)",
    "bedrock": "instructor processor.parse_lines, Bedrock Claude records",
    "run": "instructor BatchRun: classify + repair (1% fail)",
}

CHILD = r"""
import json, os, resource, sys, time, tracemalloc
from pydantic import BaseModel
from instructor.batch import BatchJob
from instructor.mode import Mode

path, way = sys.argv[1], sys.argv[2]

class User(BaseModel):
    if way == "stream-nocache":
        model_config = {"cache_strings": "none"}
    name: str
    age: int

def read():
    if way == "bedrock":
        from instructor.batch import BatchProcessor
        processor = BatchProcessor("bedrock/anthropic.claude-3-haiku-20240307-v1:0", User)
        with open(path + ".bedrock", encoding="utf-8") as handle:
            return sum(1 for r in processor.parse_lines(handle) if r.success)
    if way == "run":
        import os, shutil
        from instructor.batch import BatchRun
        folder = path + ".run"
        shutil.rmtree(folder, ignore_errors=True)
        n = sum(1 for _ in open(path, encoding="utf-8"))
        run = BatchRun.create(folder, "openai/gpt-4o-mini", User, ([{"role": "user", "content": "x"}] for _ in range(n)))
        shutil.copy(path, os.path.join(folder, "round-0.results.jsonl"))
        run.rounds[0].update(state="downloaded", job_id="batch_bench")
        run.step()   # classify: one pass over the results
        run.step()   # repair: the failed lines only, read at their offsets
        return sum(1 for row in run.data["items"].values() if row[0] == "succeeded")
    if way == "baseline":
        n = 0
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                json.loads(line)
                n += 1
        return n
    if way.startswith("stream"):
        return sum(1 for r in BatchJob.iter_file(path, User, Mode.JSON_SCHEMA) if r.success)
    users, errors = BatchJob.parse_from_file(path, User)
    return len(users)

def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024

# warm-up: every import and cache (handler, schema) a real read needs
first = path + ".warm"
with open(path, encoding="utf-8") as src, open(first, "w", encoding="utf-8") as dst:
    dst.write(src.readline())
import shutil
if os.path.exists(path + ".bedrock"):
    shutil.copy(path + ".bedrock", first + ".bedrock")
saved, path = path, first
read()
path = saved

before = rss_kib()
start = time.perf_counter()
count = read()
seconds = time.perf_counter() - start
peak_rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # KiB on Linux

tracemalloc.start()
read()
_, traced_peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({"count": count, "seconds": seconds, "rss_growth_kib": max(0, peak_rss_growth),
                  "traced_peak_kib": traced_peak / 1024}))
"""


def write_results(path: Path, lines: int) -> None:
    """OpenAI result lines (every 100th answer invalid: no age), and the same answers as Bedrock Claude records."""
    with path.open("w", encoding="utf-8") as handle, open(f"{path}.bedrock", "w", encoding="utf-8") as bedrock:
        for i in range(lines):
            user = {"name": f"user number {i}"} if i % 100 == 99 else {"name": f"user number {i}", "age": i % 90}
            message = {"id": f"msg_{i}", "type": "message", "role": "assistant", "model": "claude",
                       "stop_reason": "tool_use", "usage": {"input_tokens": 40, "output_tokens": 12},
                       "content": [{"type": "tool_use", "id": f"t{i}", "name": "User", "input": user}]}
            bedrock.write(json.dumps({"recordId": f"request-{i}", "modelInput": {"anthropic_version": "x"},
                                      "modelOutput": message}) + "\n")
            body = {"id": f"chatcmpl-{i}", "object": "chat.completion", "created": 0, "model": "gpt-4o-mini",
                    "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                                 "message": {"role": "assistant", "refusal": None,
                                             "content": json.dumps(user)}}],
                    "usage": {"prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52}}
            row = {"id": f"batch_req_{i}", "custom_id": f"request-{i}",
                   "response": {"status_code": 200, "request_id": f"req_{i}", "body": body}, "error": None}
            handle.write(json.dumps(row) + "\n")


def measure(path: Path, way: str) -> dict[str, Any]:
    out = subprocess.run([PYTHON, "-c", CHILD, str(path), way], capture_output=True, text=True, env=bench_env(),
                         cwd=ROOT, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"{way} on {path.name} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated line counts")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"results_{size}.jsonl"
            write_results(path, size)
            mib = path.stat().st_size / 2**20
            for way in WAYS:
                figures = measure(path, way)
                assert figures["count"] == (size if way in ("baseline",) else size - size // 100), (way, figures)
                rows.append((size, mib, way, figures))
    print(f"{'lines':>8} {'file MiB':>9}  {'way':<52} {'traced peak KiB':>16} {'RSS growth KiB':>15} {'seconds':>8}")
    for size, mib, way, f in rows:
        print(f"{size:>8} {mib:>9.1f}  {WAYS[way]:<52} {f['traced_peak_kib']:>16.1f} {f['rss_growth_kib']:>15}"
              f" {f['seconds']:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

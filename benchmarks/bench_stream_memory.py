"""(h) What a finished 20,000-chunk stream keeps, beyond the answer itself, per provider and mode.

One fresh process per case streams a 60 kB object (a report of sections and items) in
3-character pieces, about 20,000 stream events, from the fake provider (in its own process,
so its memory is on neither side) through the provider's real SDK, with `create_partial`,
and keeps only the final object, as an application holding a result does. After a warm-up
call (caches, connection pool), `tracemalloc` traces the second call: the memory still
allocated once it returned (after a full collection) is what the result keeps. The answer
itself is the same object validated from the same JSON (`model_validate_json`), traced the
same way: the difference is what streaming left behind (the `StreamedResponse`: its text,
usage, ids; any SDK chunk kept alive). With `keep_chunks=True` the chunks are kept, which is
what every stream kept before (+55.6 MiB for OpenAI JSON, +26.4 MiB for Anthropic tools).

Usage:
    python benchmarks/bench_stream_memory.py [--quick] [--keep-chunks]

`run(quick=False) -> list[Row]`; the figure is exact to the byte for a given set of package
versions (no timing in it), so one process per case is enough.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from _harness import BenchError, Row, ServerProcess, unavailable

BUDGET_MIB = 1.0
MIB = 1024 * 1024
CHUNK = 3  # characters per stream event: about a token

#: (case id, provider/model, mode name, how the fake answers: "tool" or "text")
CASES: list[tuple[str, str, str, str]] = [
    ("openai-json", "openai/gpt-4o-mini", "JSON", "text"),
    ("openai-tools", "openai/gpt-4o-mini", "TOOLS", "tool"),
    ("openai-md-json", "openai/gpt-4o-mini", "MD_JSON", "text"),
    ("openai-responses", "openai/gpt-4o-mini", "RESPONSES_TOOLS", "tool"),
    ("anthropic-tools", "anthropic/claude-sonnet-4-6", "TOOLS", "tool"),
    ("anthropic-json", "anthropic/claude-sonnet-4-6", "JSON", "text"),
    ("bedrock-tools", "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", "TOOLS", "tool"),
    ("bedrock-md-json", "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", "MD_JSON", "text"),
    ("google-json", "google/gemini-2.5-flash", "JSON", "text"),
    ("mistral-json", "mistral/mistral-large-latest", "JSON_SCHEMA", "text"),
    ("cohere-tools", "cohere/command-a-03-2025", "TOOLS", "tool"),
    ("cohere-json", "cohere/command-a-03-2025", "JSON_SCHEMA", "text"),
]
QUICK = ("openai-json", "anthropic-tools")  # the two the issue measured


def report_json() -> str:
    """About 60 kB of JSON: 50 sections of 8 items (the object of `bench_partial_streaming`)."""
    from bench_partial_streaming import report_json as report

    return report(50)


class _Fake:
    """The addresses `instructor.testing.connect_kwargs` reads, for a fake provider in another process."""

    def __init__(self, openai_base_url: str) -> None:
        self.url = openai_base_url.removesuffix("/v1")
        self.openai_base_url = openai_base_url
        self.anthropic_base_url = self.bedrock_endpoint_url = self.genai_base_url = self.cohere_base_url = self.url
        self.mistral_server_url = f"{self.url}/mistral"


def _child(case: str, keep_chunks: bool) -> dict[str, Any]:
    import gc
    import tracemalloc

    from bench_partial_streaming import Report

    import instructor
    from instructor.testing import connect_kwargs

    _, model, mode, kind = next(c for c in CASES if c[0] == case)
    text = sys.stdin.read()
    answer = 'tool_calls=[ToolCall("PartialReport", {})]' if kind == "tool" else "content={}"
    small = json.dumps({**json.loads(text), "sections": json.loads(text)["sections"][:2]}, ensure_ascii=False)
    setup = (f"fake.add(Reply({answer.format(repr(small))}, chunk_size={CHUNK}))\n"  # the warm-up: a short one
             f"fake.always(Reply({answer.format('data')}, chunk_size={CHUNK}))")
    with ServerProcess(setup, stdin=text) as url:
        fake = _Fake(url)
        client = instructor.from_provider(model, mode=instructor.Mode[mode], **connect_kwargs(model, fake))
        seen: list[Any] = []
        client.on("completion:response", lambda response: seen.append(response.count))

        def call() -> Any:
            *_, last = client.create_partial(response_model=Report, messages=[{"role": "user", "content": "Go."}],
                                             max_tokens=4096, keep_chunks=keep_chunks)
            return last

        assert call() == Report.model_validate_json(small)  # warm-up: caches, connections
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        result = call()
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        answer_alone = Report.model_validate_json(text)
        gc.collect()
        answer = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        assert result == answer_alone
        return {"case": case, "kept": kept, "answer": answer, "beyond": kept - answer, "events": seen[-1],
                "json_bytes": len(text.encode()), "keep_chunks": keep_chunks}


def measure(case: str, keep_chunks: bool = False) -> dict[str, Any]:
    """One case in a fresh process (its JSON figures)."""
    import subprocess

    from _harness import PYTHON, bench_env

    proc = subprocess.run([PYTHON, str(Path(__file__)), "--child", case, str(keep_chunks)], input=report_json(),
                          capture_output=True, text=True, env=bench_env(), timeout=900, cwd=Path(__file__).parent)
    if proc.returncode != 0:
        raise BenchError((proc.stderr.strip().splitlines() or ["no output"])[-1])
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool = False) -> list[Row]:
    """One row: the largest figure over the cases (each case's in the note and the data)."""
    what = (f"memory a finished stream keeps, beyond the answer itself: ~20,000 chunks ({CHUNK} characters "
            "each) of a 60 kB object, every provider and mode that streams in pieces")
    budget = f"< {BUDGET_MIB:.0f} MiB"
    cases = [c[0] for c in CASES if not quick or c[0] in QUICK]
    try:
        results = [measure(case) for case in cases]
        before = [measure(case, keep_chunks=True) for case in QUICK]
    except BenchError as exc:
        return [unavailable("h", what, str(exc), status="error", budget=budget)]
    worst = max(results, key=lambda r: r["beyond"])
    within = worst["beyond"] < BUDGET_MIB * MIB
    per_case = ", ".join(f"{r['case']} {r['beyond'] / MIB:+.2f}" for r in results)
    kept_chunks = ", ".join(f"{r['case']} {r['beyond'] / MIB:+.1f} MiB" for r in before)
    return [Row(key="h", what=what, label="memory a finished stream keeps",
                ours=f"{worst['beyond'] / MIB:+.2f} MiB ({worst['case']})",
                bare=f"answer {worst['answer'] / MIB:.2f} MiB", budget=budget, within=within,
                note=f"MiB beyond the answer, per case: {per_case}; with keep_chunks=True (what every stream "
                     f"kept before): {kept_chunks}; {worst['events']:,} events per stream",
                data={"cases": results, "keep_chunks": before})]


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    print(json.dumps(_child(sys.argv[2], sys.argv[3] == "True")))
elif __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row.what}\n  {row.ours} vs {row.bare}, budget {row.budget}: "
              f"{'within' if row.within else 'OVER'}\n  {row.note}")

"""(b) Cold `from_provider` per provider vs the bare SDK client built the same way, and (f) its memory.

Each side runs in a fresh process from nothing: the bare side imports the SDK
and constructs its client; instructor's side imports instructor and calls
`from_provider`, which imports the same SDK and constructs the same client.
Both sides end holding the SDK function they will call (instructor binds it
when it wraps the client; the bare side looks it up, as its first call would),
so lazily loaded SDK resources are paid on both sides. The ratio is of
in-process times (interpreter start-up, identical on both sides, left out);
the module and memory figures come from the same processes.

A provider whose factory is not built yet (`ProviderNotAvailableError`) or
whose SDK is missing is reported as unavailable, not as a failure.
"""

from __future__ import annotations

import statistics

from _harness import BenchError, Row, compare, interleaved, ratio_row, run_child, unavailable

MIB = 1024 * 1024

# name -> (bare SDK code, instructor code); both build a sync client with the same settings
PROVIDERS = {
    "openai": (
        "import openai\nclient = openai.OpenAI(api_key='sk-bench')\ncreate = client.chat.completions.create",
        "import instructor\nclient = instructor.from_provider('openai/gpt-4o-mini', api_key='sk-bench')",
    ),
    "anthropic": (
        "import anthropic\nclient = anthropic.Anthropic(api_key='sk-ant-bench')\ncreate = client.messages.create",
        "import instructor\n"
        "client = instructor.from_provider('anthropic/claude-3-5-haiku-latest', api_key='sk-ant-bench')",
    ),
    "bedrock": (
        # region and keys from the environment (dummies, see _harness.bench_env)
        "import boto3\nclient = boto3.client('bedrock-runtime')\ncreate = client.converse",
        "import instructor\nclient = instructor.from_provider('bedrock/anthropic.claude-3-5-haiku-20241022-v1:0')",
    ),
}
BUDGET = {"openai": 1.02, "anthropic": 1.03, "bedrock": 1.03}


def _probe(code: str) -> str | None:
    """None if `code` runs; else why not, in one line (also warms the bytecode caches)."""
    try:
        run_child(code)
    except BenchError as exc:
        return str(exc).strip().splitlines()[-1]
    return None


def run(pairs: int = 9, providers: tuple[str, ...] = ("openai", "anthropic", "bedrock")) -> list[Row]:
    rows = []
    for name in providers:
        bare_code, ours_code = PROVIDERS[name]
        what = f"cold `from_provider('{name}/...')` vs bare client, in-process"
        budget = BUDGET[name]
        why = _probe(bare_code) or _probe(ours_code)
        if why:
            rows.append(unavailable("b", what, why, budget=f"≤ {budget:.2f}x"))
            rows.append(unavailable("f", f"memory after `from_provider('{name}/...')` vs bare client", why))
            continue
        ours, bare = interleaved(ours_code, bare_code, pairs, warmup=0)
        elapsed = compare(ours, bare, lambda s: s.elapsed_s)
        cpu = compare(ours, bare, lambda s: s.cpu_s)
        modules = statistics.median(s.modules for s in ours) - statistics.median(s.modules for s in bare)
        rows.append(ratio_row(
            "b", what, elapsed, unit="ms", scale=1000, budget_ratio=budget, label=f"cold from_provider: {name}",
            note=f"{elapsed.delta_median * 1000:+.1f} ms; {modules:+.0f} modules", cpu=cpu,
            data={"delta_ms": elapsed.delta_median * 1000, "modules_added": modules, "cpu_ratio": cpu.ratio},
        ))
        rss = compare(ours, bare, lambda s: s.rss_bytes)
        rows.append(ratio_row(
            "f", f"memory after `from_provider('{name}/...')` vs bare client (RSS)", rss,
            unit="MiB", scale=1 / MIB, digits=1, label=f"memory after from_provider: {name}",
            note=f"{rss.delta_median / MIB:+.2f} MiB", data={"delta_mib": rss.delta_median / MIB},
        ))
    return rows

"""(h) Many warm calls in one process: does memory or the count of open files grow?

One fresh process per side makes `calls` calls, one after the other, over real
HTTP to the fake provider (in its own process, `_harness.ServerProcess`), after
a warm-up of a tenth of them (caches, connection pool, allocator arenas). The
figures are the growth between the end of the warm-up and the end of the run,
after a `gc.collect()`: resident memory (RSS) and open file descriptors. A leak
of one object per call shows here as megabytes; a socket or file left open per
call as hundreds of descriptors. The bare SDK side (the same calls by hand,
`strict=True` validation as ours) says what the SDK itself grows by.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from _harness import BenchError, Row, ServerProcess, child_json, unavailable

BUDGET_MIB = 2.0
MIB = 1024 * 1024
SETUP = "fake.always(Reply.tool('User', {'name': 'Jason', 'age': 25}))"


def _rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _fds() -> int:
    import os

    return len(os.listdir("/proc/self/fd"))


def _child(side: str, calls: int) -> dict[str, Any]:
    import gc

    import openai
    from pydantic import BaseModel

    import instructor

    class User(BaseModel):
        name: str
        age: int

    messages = [{"role": "user", "content": "Jason is 25"}]
    tool = [{"type": "function", "function": {"name": "User", "description": "Correctly extracted `User`",
                                              "parameters": User.model_json_schema()}}]
    choice = {"type": "function", "function": {"name": "User"}}
    with ServerProcess(SETUP) as url:
        sdk = openai.OpenAI(base_url=url, api_key="sk-bench", max_retries=0)
        if side == "ours":
            client = instructor.from_openai(sdk, model="gpt-4o-mini")

            def call() -> Any:
                return client.create(response_model=User, messages=messages, strict=True)
        else:
            def call() -> Any:
                completion = sdk.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tool,
                                                         tool_choice=choice)
                return User.model_validate_json(completion.choices[0].message.tool_calls[0].function.arguments,
                                                strict=True)

        for _ in range(max(1, calls // 10)):
            call()
        gc.collect()
        rss0, fds0 = _rss(), _fds()
        for _ in range(calls):
            call()
        gc.collect()
        return {"rss_growth": _rss() - rss0, "fd_growth": _fds() - fds0, "rss_end": _rss(), "fds_end": _fds()}


def run(calls: int = 20_000) -> list[Row]:
    what = f"{calls:,} warm `create` calls in one process (real HTTP): growth of RSS and open file descriptors"
    budget = f"< {BUDGET_MIB:.0f} MiB, no fd growth"
    if not Path("/proc/self/status").exists():
        return [unavailable("h", what, "needs /proc (Linux)", budget=budget)]
    try:
        ours = child_json(Path(__file__), "ours", str(calls), timeout=1800)
        bare = child_json(Path(__file__), "bare", str(calls), timeout=1800)
    except BenchError as exc:
        return [unavailable("h", what, str(exc), status="error", budget=budget)]

    def shown(d: dict[str, Any]) -> str:
        return f"{d['rss_growth'] / MIB:+.2f} MiB, {d['fd_growth']:+d} fds"

    within = ours["rss_growth"] < BUDGET_MIB * MIB and ours["fd_growth"] <= 0
    return [Row(key="h", what=what, label="", ours=shown(ours), bare=shown(bare), budget=budget, within=within,
                note=f"after a warm-up of {max(1, calls // 10):,} calls; RSS at the end "
                     f"{ours['rss_end'] / MIB:.1f} MiB (bare {bare['rss_end'] / MIB:.1f} MiB)",
                data={"ours": ours, "bare": bare, "calls": calls})]


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    import json

    print(json.dumps(_child(sys.argv[2], int(sys.argv[3]))))

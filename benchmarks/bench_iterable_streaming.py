"""Iterable streaming: cost per item of `create_iterable` over a stream of many small items.

One tool call whose arguments are `{"tasks": [...]}` with `n_items` small
objects (about 50 bytes of JSON each), streamed by the fake provider (in its own
process) in chunks of about one item. instructor (`create_iterable(...,
strict=True)`, every item yielded as soon as it is finished and valid) against
the bare SDK stream plus one `model_validate_json(..., strict=True)` of the
whole list at the end. Same method as `bench_partial_streaming.py`: pairs
alternating which side goes first, and the same SDK chunk objects replayed
through both sides to tell instructor's own cost per item from the SDK's.

Usage:
    python benchmarks/bench_iterable_streaming.py [--items 1000] [--json]
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bench_partial_streaming import REPEATS, per_unit, stream_comparison
from pydantic import BaseModel

BUDGET = 1.15
CHUNK_BYTES = 48


class Task(BaseModel):
    id: int
    title: str
    done: bool


class Tasks(BaseModel):
    tasks: list[Task]


def tasks_json(n_items: int) -> str:
    return json.dumps({"tasks": [{"id": i, "title": f"task number {i}", "done": i % 3 == 0}
                                 for i in range(n_items)]})


def run(n_items: int = 1000, rounds: int = REPEATS) -> dict[str, Any]:
    """Every figure of this benchmark, per item, as a dict."""
    import platform

    from instructor.dsl.iterable import IterableModel

    def iterable(client: Any, messages: list[dict[str, str]]) -> int:
        n = 0
        for item in client.create_iterable(response_model=Task, messages=messages, strict=True):
            assert isinstance(item, Task)
            n += 1
        assert n == n_items, n
        return n

    got = stream_comparison(tasks_json(n_items), CHUNK_BYTES, IterableModel(Task), Tasks, iterable, rounds)
    return {"benchmark": "iterable_streaming", "python": platform.python_version(), "n_items": n_items,
            "end_to_end": per_unit(got, n_items), "budget": f"create_iterable per item <= {BUDGET:.2f}x"}


def main(argv: list[str]) -> int:
    n_items = int(argv[argv.index("--items") + 1]) if "--items" in argv else 1000
    result = run(n_items)
    e = result["end_to_end"]
    if "--json" in argv:
        print(json.dumps(result, indent=2))
    else:
        print(f"create_iterable, {n_items} items in {e['sse_chunks']} chunks: {e['create_partial_us_per_chunk']:.1f} "
              f"vs bare {e['bare_sdk_plus_final_parse_us_per_chunk']:.1f} us per item = {e['ratio']:.2f}x "
              f"(budget <= {BUDGET:.2f}x); ours {e['ours_us_per_unit']:.1f} us per item, "
              f"the SDK's {e['sdk_us_per_unit']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""(g) Many calls at once, over real HTTP: 500 concurrent async calls, 32 threads sharing one client.

The fake provider runs in its own process (`_harness.ServerProcess`), as a real
provider would, answering every request with the same tool call. Both sides use
the same SDK client class and the same connection pool settings; the figure is
the wall time of the whole batch (what a user waits for), per batch:

- async: `asyncio.gather` of `calls` coroutines on one `openai.AsyncOpenAI`,
  the same client object (and connection pool) on both sides, so neither side
  has a pool of its own built or warmed first (in a trial with two clients, a
  second bare client ran 8% slower than the first)
  (bare: `chat.completions.create(..., tools=..., tool_choice=...)` then
  `User.model_validate_json(arguments, strict=True)`; instructor:
  `await client.create(response_model=User, strict=True)`);
- threads: `threads` threads of a `ThreadPoolExecutor` sharing one
  `openai.OpenAI`, the same object on both sides (one `Instructor` around
  it), `calls` calls in all.

`strict=True` on both sides: the figure stays the same whichever default a
release picks. Batches alternate which side goes first; the ratio is the median
of the per-batch ratios. Runs in its own fresh process.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from _harness import (
    BenchError,
    Comparison,
    Row,
    ServerProcess,
    child_json,
    paired_rounds,
    ratio_row,
    unavailable,
)

BUDGET = {"async": 1.05, "threads": 1.05}
# hundreds of connections open at once: on a busy machine connecting alone can take longer than
# the SDK's default 5 s connect timeout, which would end the batch in an error, not a figure
TIMEOUT = 120.0
SETUP = "fake.always(Reply.tool('User', {'name': 'Jason', 'age': 25}))"


def _what(kind: str, calls: int, threads: int) -> str:
    if kind == "async":
        return f"{calls} concurrent async `create` calls (`asyncio.gather`) vs bare SDK calls + parse, wall time"
    return f"{threads} threads sharing one sync client, {calls} calls in all, vs the bare SDK client, wall time"


def _child(kind: str, rounds: int, calls: int, threads: int) -> dict[str, Any]:
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
    expected = User(name="Jason", age=25)
    with ServerProcess(SETUP) as url:
        if kind == "async":
            import asyncio

            async def main() -> tuple[Comparison, Comparison]:
                # one SDK client (one connection pool) for both sides: the pool's state is the same for both
                bare = openai.AsyncOpenAI(base_url=url, api_key="sk-bench", max_retries=0, timeout=TIMEOUT,
                                          http_client=openai.DefaultAsyncHttpxClient(
                                              limits=openai.DEFAULT_CONNECTION_LIMITS))
                ours = instructor.from_openai(bare, model="gpt-4o-mini")

                async def bare_call() -> User:
                    completion = await bare.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                                                    tools=tool, tool_choice=choice)
                    return User.model_validate_json(completion.choices[0].message.tool_calls[0].function.arguments,
                                                    strict=True)

                async def our_call() -> User:
                    result: User = await ours.create(response_model=User, messages=messages, strict=True)
                    return result

                async def batch(fn: Any) -> None:
                    results = await asyncio.gather(*(fn() for _ in range(calls)))
                    assert all(r == expected for r in results)

                await batch(bare_call)  # warm up: connections, caches
                await batch(our_call)
                loop = asyncio.get_running_loop()
                # paired_rounds is synchronous: each side's batch runs to completion on this loop's thread
                return await loop.run_in_executor(None, lambda: paired_rounds(
                    lambda: asyncio.run_coroutine_threadsafe(batch(our_call), loop).result(),
                    lambda: asyncio.run_coroutine_threadsafe(batch(bare_call), loop).result(),
                    rounds))

            wall, cpu = asyncio.run(main())
        else:
            from concurrent.futures import ThreadPoolExecutor

            sdk = openai.OpenAI(base_url=url, api_key="sk-bench", max_retries=0, timeout=TIMEOUT)
            ours_client = instructor.from_openai(sdk, model="gpt-4o-mini")  # one pool, as on the async side

            def bare_call(_: int) -> User:
                completion = sdk.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tool,
                                                         tool_choice=choice)
                return User.model_validate_json(completion.choices[0].message.tool_calls[0].function.arguments,
                                                strict=True)

            def our_call(_: int) -> User:
                result: User = ours_client.create(response_model=User, messages=messages, strict=True)
                return result

            with ThreadPoolExecutor(max_workers=threads) as pool:
                def batch(fn: Any) -> None:
                    assert all(r == expected for r in pool.map(fn, range(calls)))

                batch(bare_call)
                batch(our_call)
                wall, cpu = paired_rounds(lambda: batch(our_call), lambda: batch(bare_call), rounds)
    return {"ours": wall.ours, "bare": wall.bare, "ours_cpu": cpu.ours, "bare_cpu": cpu.bare}


def run(rounds: int = 9, async_calls: int = 500, threads: int = 32, thread_calls: int = 2000) -> list[Row]:
    rows = []
    for kind, calls in (("async", async_calls), ("threads", thread_calls)):
        what = _what(kind, calls, threads)
        try:
            data = child_json(Path(__file__), kind, str(rounds), str(calls), str(threads))
        except BenchError as exc:
            rows.append(unavailable("g", what, str(exc), status="error", budget=f"≤ {BUDGET[kind]:.2f}x"))
            continue
        wall, cpu = Comparison(data["ours"], data["bare"]), Comparison(data["ours_cpu"], data["bare_cpu"])
        rows.append(ratio_row(
            "g", what, wall, unit="ms", scale=1000, budget_ratio=BUDGET[kind], cpu=cpu,
            label=f"{calls} async calls at once" if kind == "async" else f"{threads} threads, one client",
            note=f"{wall.delta_median * 1000:+.0f} ms per batch ({wall.delta_median / calls * 1e6:+.0f} µs per call); "
                 f"{rounds} batches per side",
            data={"calls": calls, "threads": threads if kind == "threads" else None, "cpu_ratio": cpu.ratio},
        ))
    return rows


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    import json

    print(json.dumps(_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))))

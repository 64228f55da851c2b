"""(j) What a fallback that moves on after a 503 costs beyond the SDK's own retry, in microseconds.

The same failure and answer three ways, each per call, on `openai.OpenAI` clients whose
in-process HTTP transport (the SDK's own httpx `MockTransport`, as in (d)) answers without a
socket, so microseconds are not drowned in HTTP noise:

- bare: one SDK client whose transport answers 503, then the tool-call completion, alternately;
  the SDK retries itself (`max_retries=1`), then `User.model_validate_json(arguments, strict=True)`;
- chain: `instructor.fallback(a, b).create(response_model=User, ...)`, where `a`'s transport
  always answers 503 (its SDK retries nothing: `max_retries=0`) and `b`'s always answers;
- single: one instructor client on the alternating transport, its SDK retrying (what a plain
  `create` costs on the same path: the chain's extra is chain - single);
- failed, ours / failed, bare: `a`'s attempt alone, through instructor (`create`, raising
  `InstructorRetryException`) and through the bare SDK with the very request instructor sends
  (raising `InternalServerError`): instructor's own work on a transport failure is their difference.
  The rest of the chain's extra is the SDK's: building and sending a second client's request, which
  a retry inside one client does not redo.

The SDK's wait between its attempts is set to zero on every client (`_calculate_retry_timeout`),
so only work is compared: with its real wait (0.5 s and more, or the `retry-after` header) the
bare retry is slower than the chain, which moves on at once. The budget: the chain adds < 1 ms
per call (`ours - bare`, the median of per-pair differences). Runs in its own fresh process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from _harness import PYTHON, Comparison, Row, bench_env, ratio_row, unavailable

BUDGET_US = 1000.0
WHAT = "a fallback chain moving on after a 503 vs the bare SDK retrying it itself (+ `model_validate_json`)"


def _child(rounds: int, calls: int) -> dict[str, Any]:
    import gc
    import time

    import openai
    from pydantic import BaseModel

    import instructor
    from instructor.testing import RecordedRequest, Reply
    from instructor.testing.wires.openai import OpenAIWire

    class User(BaseModel):
        name: str
        age: int

    http = sys.modules[openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]  # httpx or its successor
    request = RecordedRequest("POST", "/v1/chat/completions", {}, b"", json={"model": "gpt-4o-mini"})
    answer = OpenAIWire().render(Reply.tool("User", {"name": "Jason", "age": 25}), request).body
    unavailable_body = json.dumps({"error": {"message": "overloaded", "type": "server_error"}}).encode()
    headers = {"content-type": "application/json"}

    def ok(_: Any) -> Any:
        return http.Response(200, headers=headers, content=answer)

    def down(_: Any) -> Any:
        return http.Response(503, headers=headers, content=unavailable_body)

    def alternating() -> Any:
        state = {"n": 0}

        def respond(request: Any) -> Any:
            state["n"] += 1
            return down(request) if state["n"] % 2 else ok(request)

        return respond

    def sdk(respond: Any, retries: int) -> openai.OpenAI:
        client = openai.OpenAI(api_key="sk-bench", base_url="http://bench.invalid/v1", max_retries=retries,
                               http_client=openai.DefaultHttpxClient(transport=http.MockTransport(respond)))
        client._calculate_retry_timeout = lambda *args, **kwargs: 0.0  # type: ignore[method-assign]
        return client

    bare = sdk(alternating(), 1)
    chain = instructor.fallback(instructor.from_openai(sdk(down, 0), model="gpt-4o-mini"),
                                instructor.from_openai(sdk(ok, 0), model="gpt-4o-mini"))
    single = instructor.from_openai(sdk(alternating(), 1), model="gpt-4o-mini")
    messages = [{"role": "user", "content": "Extract it."}]
    tool = [{"type": "function", "function": {"name": "User", "description": "Correctly extracted `User`",
                                              "parameters": User.model_json_schema()}}]
    choice = {"type": "function", "function": {"name": "User"}}

    def bare_call() -> User:
        completion = bare.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tool,  # type: ignore[arg-type]
                                                  tool_choice=choice)  # type: ignore[arg-type]
        return User.model_validate_json(completion.choices[0].message.tool_calls[0].function.arguments,  # type: ignore[union-attr]
                                        strict=True)

    def chain_call() -> User:
        user: User = chain.create(response_model=User, messages=messages, strict=True)
        return user

    def single_call() -> User:
        user: User = single.create(response_model=User, messages=messages, strict=True)
        return user

    expected = User(name="Jason", age=25)
    assert bare_call() == chain_call() == single_call() == expected
    failing = chain.clients[0]
    sent = failing._call(User, messages, None, True, None, {}).request  # what instructor sends, shaped once

    def failed_ours() -> None:
        try:
            failing.create(response_model=User, messages=messages, strict=True, max_retries=0)
        except instructor.InstructorRetryException:
            return
        raise AssertionError("the 503 did not fail")

    def failed_bare() -> None:
        try:
            failing.client.chat.completions.create(**sent)
        except openai.InternalServerError:
            return
        raise AssertionError("the 503 did not fail")

    def block(fn: Any, cpu_times: list[float]) -> float:
        gc.collect()
        cpu = time.process_time()
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        cpu_times.append((time.process_time() - cpu) / calls * 1e6)
        return elapsed / calls * 1e6

    sides = {"chain": chain_call, "bare": bare_call, "single": single_call, "failed_ours": failed_ours,
             "failed_bare": failed_bare}
    for _ in range(max(1, calls // 2)):  # warm-up
        for fn in sides.values():
            fn()
    wall: dict[str, list[float]] = {name: [] for name in sides}
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    for i in range(rounds):
        order = list(sides) if i % 2 else list(reversed(sides))
        for name in order:
            wall[name].append(block(sides[name], cpu[name]))
    return {"wall": wall, "cpu": cpu}


def run(rounds: int = 15, calls: int = 40) -> list[Row]:
    proc = subprocess.run([PYTHON, __file__, "--child", str(rounds), str(calls)], capture_output=True, text=True,
                          env=bench_env(), timeout=900, cwd=Path(__file__).parent)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [unavailable("j", WHAT, reason, status="error", budget="< 1 ms added")]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    wall, cpu = result["wall"], result["cpu"]
    comparison = Comparison(wall["chain"], wall["bare"])
    cpu_comparison = Comparison(cpu["chain"], cpu["bare"])
    machinery = Comparison(wall["chain"], wall["single"])
    own = Comparison(wall["failed_ours"], wall["failed_bare"])
    added = comparison.delta_median
    row = ratio_row(
        "j", WHAT, comparison, unit="µs", digits=0, label="fallback after a 503", cpu=cpu_comparison,
        budget="< 1 ms added",
        note=(f"the chain adds {added:+.0f} µs per call ({cpu_comparison.delta_median:+.0f} µs CPU) beyond the "
              f"SDK's own retry ({machinery.delta_median:+.0f} µs beyond a plain instructor call on the SDK's "
              f"retry); instructor's own work on the failed attempt: {own.delta_median:+.0f} µs (failed "
              f"attempt {own.ours_median:.0f} µs vs the bare SDK's {own.bare_median:.0f} µs with the same "
              f"request), the rest is the SDK building a second client's request; the SDK's wait between "
              f"attempts set to 0 on every side; {rounds} rounds of {calls} calls"),
        data={"added_us": added, "cpu_added_us": cpu_comparison.delta_median,
              "added_beyond_single_us": machinery.delta_median, "instructor_failed_attempt_us": own.delta_median,
              "sides": wall},
    )
    row.within = added < BUDGET_US
    return [row]


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    print(json.dumps(_child(int(sys.argv[2]), int(sys.argv[3]))))

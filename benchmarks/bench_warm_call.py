"""(d) Warm per-call overhead of `create(response_model=...)`, in microseconds.

Both sides use the same `openai.OpenAI` client class with the same in-process
HTTP transport (`MockTransport` of the SDK's own httpx), which answers every
request with the same pre-rendered tool-call completion. No socket, no server
thread: HTTP noise would otherwise dominate a difference of tens of
microseconds. The SDK's own work (building the request, parsing the response
into its pydantic types) is on both sides, as it is in real use.

- bare: `client.chat.completions.create(model, messages, tools=TOOL,
  tool_choice=CHOICE)` with the tool schema built once up front (a careful
  user caches it), then `Model.model_validate_json(arguments, strict=True)`;
- instructor: `client.create(response_model=Model, messages=..., strict=True)`.

`strict=True` on both sides: the figure stays the same whichever default a
release picks for `strict`.

Two models: `User` (2 fields) and `Order` (30 fields over 5 nested models,
with lists). Rounds alternate which side goes first; each round times a block
of calls per side. Runs in its own fresh process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from _harness import PYTHON, Comparison, Row, bench_env, ratio_row, unavailable

BUDGET = {"User": 1.05, "Order": 1.10}
LABEL = {"User": "small model (2 fields)", "Order": "30-field nested model"}


def _child(rounds: int, calls: int) -> dict[str, Any]:
    import gc
    import time
    from typing import Literal

    import openai
    from pydantic import BaseModel

    import instructor
    from instructor.testing import RecordedRequest, Reply
    from instructor.testing.wires.openai import OpenAIWire

    class User(BaseModel):
        name: str
        age: int

    class Address(BaseModel):
        street: str
        city: str
        postcode: str
        region: str | None = None
        country: str

    class Contact(BaseModel):
        name: str
        email: str
        phone: str | None = None
        address: Address

    class LineItem(BaseModel):
        sku: str
        description: str
        quantity: int
        unit_price: float
        discount: float = 0.0
        tags: list[str] = []

    class Payment(BaseModel):
        method: Literal["card", "invoice", "transfer"]
        last4: str | None = None
        paid_at: str | None = None
        amount: float

    class Order(BaseModel):
        id: str
        status: Literal["new", "paid", "shipped", "cancelled"]
        created_at: str
        currency: str
        total: float
        notes: str | None = None
        customer: Contact
        shipping: Address
        billing: Address
        items: list[LineItem]
        payment: Payment

    address = {"street": "1 Main St", "city": "Springfield", "postcode": "12345", "region": "IL", "country": "US"}
    answers: dict[str, Any] = {
        "User": {"name": "Jason", "age": 25},
        "Order": {
            "id": "ord_1", "status": "paid", "created_at": "2026-01-02T03:04:05Z", "currency": "EUR",
            "total": 123.5, "notes": "leave at the door",
            "customer": {"name": "Jason", "email": "jason@example.com", "phone": "+1 555 0100", "address": address},
            "shipping": address, "billing": address,
            "items": [{"sku": f"SKU-{i}", "description": f"item {i}", "quantity": i + 1, "unit_price": 9.5,
                       "discount": 0.1, "tags": ["a", "b"]} for i in range(3)],
            "payment": {"method": "card", "last4": "4242", "paid_at": "2026-01-02", "amount": 123.5},
        },
    }
    models: dict[str, type[BaseModel]] = {"User": User, "Order": Order}
    http = sys.modules[openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]  # httpx or its successor
    messages = [{"role": "user", "content": "Extract it."}]

    def client_answering(name: str) -> Any:
        request = RecordedRequest("POST", "/v1/chat/completions", {}, b"", json={"model": "gpt-4o-mini"})
        body = OpenAIWire().render(Reply.tool(name, answers[name]), request).body
        transport = http.MockTransport(
            lambda _: http.Response(200, headers={"content-type": "application/json"}, content=body))
        return openai.DefaultHttpxClient(transport=transport)

    out: dict[str, Any] = {}
    for name, model in models.items():
        bare = openai.OpenAI(api_key="sk-bench", base_url="http://bench.invalid/v1", max_retries=0,
                             http_client=client_answering(name))
        ours = instructor.from_provider("openai/gpt-4o-mini", api_key="sk-bench", base_url="http://bench.invalid/v1",
                                        max_retries=0, http_client=client_answering(name))
        tool = [{"type": "function", "function": {"name": name, "description": f"Correctly extracted `{name}`",
                                                  "parameters": model.model_json_schema()}}]
        choice = {"type": "function", "function": {"name": name}}

        def bare_call(model: type[BaseModel] = model, tool: Any = tool, choice: Any = choice,
                      bare: Any = bare) -> BaseModel:
            completion = bare.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tool,
                                                      tool_choice=choice)
            return model.model_validate_json(completion.choices[0].message.tool_calls[0].function.arguments,
                                             strict=True)

        def our_call(model: type[BaseModel] = model, ours: Any = ours) -> BaseModel:
            result: BaseModel = ours.create(response_model=model, messages=messages, strict=True)
            return result

        assert bare_call() == our_call() == model.model_validate(answers[name])

        def block(fn: Any, cpu_times: list[float]) -> float:
            gc.collect()
            cpu = time.process_time()
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            elapsed = time.perf_counter() - start
            cpu_times.append((time.process_time() - cpu) / calls * 1e6)
            return elapsed / calls * 1e6

        for _ in range(max(1, calls // 2)):  # warm-up: caches, branch predictors, allocator
            bare_call()
            our_call()
        ours_us: list[float] = []
        bare_us: list[float] = []
        ours_cpu: list[float] = []
        bare_cpu: list[float] = []
        for i in range(rounds):
            if i % 2:
                ours_us.append(block(our_call, ours_cpu))
                bare_us.append(block(bare_call, bare_cpu))
            else:
                bare_us.append(block(bare_call, bare_cpu))
                ours_us.append(block(our_call, ours_cpu))
        out[name] = {"ours_us": ours_us, "bare_us": bare_us, "ours_cpu_us": ours_cpu, "bare_cpu_us": bare_cpu}
    return out


def run(rounds: int = 15, calls: int = 40) -> list[Row]:
    proc = subprocess.run([PYTHON, __file__, "--child", str(rounds), str(calls)], capture_output=True, text=True,
                          env=bench_env(), timeout=900, cwd=Path(__file__).parent)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [unavailable("d", f"warm `create(response_model=...)` overhead, {LABEL[n]}", reason, status="error")
                for n in BUDGET]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    rows = []
    for name, data in results.items():
        comparison = Comparison(data["ours_us"], data["bare_us"])
        cpu = Comparison(data["ours_cpu_us"], data["bare_cpu_us"])
        rows.append(ratio_row(
            "d", f"warm `create(response_model=...)` vs bare SDK call + `model_validate_json`, {LABEL[name]}",
            comparison, unit="µs", digits=0, budget_ratio=BUDGET[name], label=f"warm call, {LABEL[name]}",
            note=f"{comparison.delta_median:+.0f} µs per call ({cpu.delta_median:+.0f} µs CPU); "
                 f"{rounds} rounds of {calls} calls per side", cpu=cpu,
            data={"overhead_us": comparison.delta_median, "cpu_ratio": cpu.ratio, "cpu_overhead_us": cpu.delta_median},
        ))
    return rows


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    print(json.dumps(_child(int(sys.argv[2]), int(sys.argv[3]))))

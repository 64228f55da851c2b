"""(c) Time to the first structured result in a fresh process, against the fake provider.

From the first statement to a validated `User`: import, build the client, one
request to `instructor.testing.FakeProvider` (started once by this process, on
127.0.0.1, so its start-up is on neither side), parse and validate. The bare
side does what a careful user would do by hand with the same SDK: build the
tool schema from the model, call with `tools`/`tool_choice`, and
`User.model_validate_json` the tool call's arguments. `strict=True` on both
sides: the figure stays the same whichever default a release picks.
"""

from __future__ import annotations

from _harness import BenchError, Row, compare, interleaved, ratio_row, unavailable

BUDGET = 1.02

MODEL = """
from pydantic import BaseModel


class User(BaseModel):
    name: str
    age: int
"""

BARE = """
import openai
{model}
client = openai.OpenAI(base_url={url!r}, api_key="sk-bench")
tool = {{"type": "function", "function": {{"name": "User", "description": "Correctly extracted `User`",
                                          "parameters": User.model_json_schema()}}}}
completion = client.chat.completions.create(
    model="gpt-4o-mini", messages=[{{"role": "user", "content": "Jason is 25"}}],
    tools=[tool], tool_choice={{"type": "function", "function": {{"name": "User"}}}},
)
user = User.model_validate_json(completion.choices[0].message.tool_calls[0].function.arguments, strict=True)
assert user == User(name="Jason", age=25), user
RESULT = user.age
"""

OURS = """
import instructor
{model}
client = instructor.from_provider("openai/gpt-4o-mini", base_url={url!r}, api_key="sk-bench")
user = client.create(response_model=User, messages=[{{"role": "user", "content": "Jason is 25"}}], strict=True)
assert user == User(name="Jason", age=25), user
RESULT = user.age
"""


def run(pairs: int = 9) -> list[Row]:
    from instructor.testing import FakeProvider, Reply

    what = "first structured result in a fresh process (openai, fake provider), in-process"
    with FakeProvider() as fake:
        fake.always(Reply.tool("User", {"name": "Jason", "age": 25}))
        url = fake.openai_base_url
        try:
            ours, bare = interleaved(OURS.format(model=MODEL, url=url), BARE.format(model=MODEL, url=url), pairs)
        except BenchError as exc:
            return [unavailable("c", what, str(exc).strip().splitlines()[-1], status="error")]
    elapsed = compare(ours, bare, lambda s: s.elapsed_s)
    cpu = compare(ours, bare, lambda s: s.cpu_s)
    return [ratio_row("c", what, elapsed, unit="ms", scale=1000, label="first result, fresh process (openai)",
                      budget_ratio=BUDGET,
                      note=f"{elapsed.delta_median * 1000:+.1f} ms (imports, client, one call, validation)",
                      cpu=cpu,
                      data={"delta_ms": elapsed.delta_median * 1000, "cpu_ratio": cpu.ratio})]

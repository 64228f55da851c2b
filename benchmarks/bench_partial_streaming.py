"""Partial streaming: cost per chunk over a stream of a large nested object, against one final parse.

Two measurements, same object (about 20 kB of JSON: 30 sections of 8 items),
cut into `n_chunks` pieces:

1. The machinery alone (`instructor.core.streaming`): microseconds per chunk to
   turn each piece into a `Partial[Report]`, by quarter of the stream (flat means
   the last quarter costs what the first does), next to the naive way (re-parse
   the whole text with `from_json(allow_partial=...)` and validate the partial
   model on every chunk) and to parsing the final JSON once.
2. End to end through the real openai SDK and the fake provider (running in its
   own process, as a real provider would): `create_partial(..., strict=True)`
   consuming every partial, against bare SDK streaming plus one
   `model_validate_json(..., strict=True)` at the end, in pairs alternating which
   goes first (the ratio is the median of the per-pair ratios, with its IQR):
   at `n_chunks` chunks (200: about 180 bytes each; budget 1.30x) and at
   token-sized chunks (3 characters, a 9.4 kB report; budget 1.20x).
3. What of that is ours: the same SDK chunk objects, received once and kept,
   replayed through instructor (an `Instructor` whose `create` returns them) and
   through the bare loop. The difference is instructor's own work per chunk (its
   handler, the cursor, partial building, bookkeeping, the final validation); the
   rest of the bare end-to-end figure is the SDK's (HTTP, SSE decoding, the
   chunk objects it builds), which no change of ours can reduce.

Usage:
    python benchmarks/bench_partial_streaming.py [--chunks 200] [--json]

`run(n_chunks=200) -> dict` returns the same figures for the benchmark command.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from _harness import ServerProcess, paired_rounds
from pydantic import BaseModel

BUDGET = 1.30  # at 200 chunks of ~180 bytes (the floor: 1.10x)
BUDGET_TOKENS = 1.20  # at token-sized chunks (the floor: 1.07x)
TOKEN_CHUNK = 3  # characters per chunk: about one token of JSON
TOKEN_SECTIONS = 8  # a 9.4 kB report: about 3,100 token-sized chunks per stream
N_SECTIONS = 30
N_ITEMS = 8
REPEATS = 7


class Item(BaseModel):
    sku: str
    title: str
    quantity: int
    price: float
    tags: list[str]


class Section(BaseModel):
    name: str
    summary: str
    items: list[Item]


class Report(BaseModel):
    title: str
    author: str
    sections: list[Section]


class Essay(BaseModel):
    title: str
    body: str


def essay_json(n_bytes: int = 80_000) -> str:
    """One long string field, escapes and non-ASCII included: what "write the article" streams."""
    sentence = 'The "cursor" reads only new text;\n naïve café ☕ and a backslash \\ too. '
    return json.dumps({"title": "On streaming", "body": sentence * (n_bytes // len(sentence))})


def long_string(n_bytes: int = 80_000, chunk: int = 100) -> dict[str, Any]:
    """Per-chunk cost while one long string arrives, by quarter: flat means the string is not
    re-read from its start on every chunk."""
    from instructor.core.mode_registry import StreamDelta
    from instructor.core.streaming import PartialConsumer
    from instructor.dsl.partial import partial_spec

    text = essay_json(n_bytes)
    pieces = [text[i : i + chunk] for i in range(0, len(text), chunk)]
    spec = partial_spec(Essay)

    def ours() -> list[float]:
        consumer = PartialConsumer(spec, None, None)
        times = _time_chunks(lambda piece: consumer.feed(StreamDelta(piece)), pieces)
        assert consumer.finish()[0] == Essay.model_validate_json(text)
        return times

    ours()
    runs = [ours() for _ in range(REPEATS)]
    per_chunk = [statistics.median(run[i] for run in runs) for i in range(len(pieces))]
    q = _quarters(per_chunk)
    return {"chunks": len(pieces), "json_bytes": len(text.encode()),
            "ours_us_per_chunk_by_quarter": [round(x, 1) for x in q],
            "ours_last_over_first_quarter": round(q[3] / q[0], 2)}


def report_json(n_sections: int = N_SECTIONS) -> str:
    sections = [
        {
            "name": f"Section {s}",
            "summary": f"What happened in section {s}: \"quoted\" notes, naïve café ☕ and more." * 2,
            "items": [
                {"sku": f"SKU-{s:03d}-{i:03d}", "title": f"Item {i} of section {s}", "quantity": i * 7,
                 "price": 3.5 * i + s, "tags": ["alpha", "beta", f"tag-{i}"]}
                for i in range(N_ITEMS)
            ],
        }
        for s in range(n_sections)
    ]
    return json.dumps({"title": "Quarterly report", "author": "Ada Lovelace", "sections": sections},
                      ensure_ascii=False)


def pieces_of(text: str, n_chunks: int) -> list[str]:
    size = max(1, -(-len(text) // n_chunks))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _quarters(per_chunk: list[float]) -> list[float]:
    n = len(per_chunk)
    return [statistics.fmean(per_chunk[q * n // 4 : (q + 1) * n // 4]) * 1e6 for q in range(4)]


def _time_chunks(feed: Any, pieces: list[str]) -> list[float]:
    times = []
    clock = time.perf_counter
    for piece in pieces:
        start = clock()
        feed(piece)
        times.append(clock() - start)
    return times


def machinery(text: str, n_chunks: int) -> dict[str, Any]:
    """Per-chunk cost of the streaming machinery alone, by quarter of the stream."""
    from pydantic_core import from_json

    from instructor.core.mode_registry import StreamDelta
    from instructor.core.streaming import PartialConsumer
    from instructor.dsl.partial import partial_model, partial_spec

    pieces = pieces_of(text, n_chunks)
    partial = partial_model(Report)
    spec = partial_spec(Report)

    def ours() -> list[float]:
        consumer = PartialConsumer(spec, None, None)
        times = _time_chunks(lambda piece: consumer.feed(StreamDelta(piece)), pieces)
        assert consumer.finish()[0] == Report.model_validate_json(text)
        return times

    def naive() -> list[float]:
        buffer = [""]

        def feed(piece: str) -> None:
            buffer[0] += piece
            partial.model_validate(from_json(buffer[0], allow_partial="trailing-strings"))

        return _time_chunks(feed, pieces)

    def final_parse() -> float:
        start = time.perf_counter()
        Report.model_validate_json(text)
        return time.perf_counter() - start

    ours()  # warm caches (partial models, shapes)
    naive()
    runs_ours = [ours() for _ in range(REPEATS)]
    runs_naive = [naive() for _ in range(REPEATS)]
    per_chunk_ours = [statistics.median(run[i] for run in runs_ours) for i in range(len(pieces))]
    per_chunk_naive = [statistics.median(run[i] for run in runs_naive) for i in range(len(pieces))]
    final_us = statistics.median(final_parse() for _ in range(REPEATS * 4)) * 1e6
    q_ours, q_naive = _quarters(per_chunk_ours), _quarters(per_chunk_naive)
    total_ours = sum(per_chunk_ours) * 1e6
    return {
        "chunks": len(pieces),
        "json_bytes": len(text.encode()),
        "final_parse_once_us": round(final_us, 1),
        "ours_us_per_chunk": round(total_ours / len(pieces), 1),
        "ours_us_per_chunk_by_quarter": [round(q, 1) for q in q_ours],
        "ours_last_over_first_quarter": round(q_ours[3] / q_ours[0], 2),
        "ours_stream_total_us": round(total_ours, 1),
        "ours_stream_total_over_final_parse": round(total_ours / final_us, 1),
        "ours_per_chunk_over_final_parse": round(total_ours / len(pieces) / final_us, 3),
        "naive_us_per_chunk_by_quarter": [round(q, 1) for q in q_naive],
        "naive_last_over_first_quarter": round(q_naive[3] / q_naive[0], 2),
        "naive_stream_total_us": round(sum(per_chunk_naive) * 1e6, 1),
    }


TOOLS_SETUP = "fake.always(Reply(tool_calls=[ToolCall({name!r}, data)], chunk_size={chunk_size}))"


def stream_comparison(text: str, chunk_size: int, response_model: type[BaseModel], bare_model: type[BaseModel],
                      ours: Callable[[Any, list[dict[str, str]]], int], rounds: int = REPEATS,
                      floor: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """A streamed tool call of `text`, through instructor (`ours(client, messages)`, returning how many
    things it yielded) and through the bare SDK (+ one `bare_model.model_validate_json` at the end).

    Three figures per unit (an SSE chunk, or an item):
    - end to end: the fake provider in its own process, real HTTP, the SDK building its chunk objects;
      `rounds` pairs alternating which side goes first, ratio = median of the per-pair ratios;
    - split: the same SDK chunk objects, received once and kept, replayed through instructor (its
      handler, the streaming machinery, the final validation) and through the bare loop: what is ours;
      the rest of the bare end-to-end figure is the SDK's (HTTP, SSE decoding, chunk objects);
    - with `floor(sdk_stream)`: that, end to end against the same bare loop (see `snapshot_floor`).
    """
    import openai

    import instructor
    from instructor.core import schema

    name = schema.openai_tool(response_model)["function"]["name"]
    messages = [{"role": "user", "content": "Write it."}]
    tools = [schema.openai_tool(response_model)]  # what the bare call sends too: the same request
    setup = TOOLS_SETUP.format(name=name, chunk_size=chunk_size)
    with ServerProcess(setup, stdin=text) as base_url:
        sdk = openai.OpenAI(base_url=base_url, api_key="bench", max_retries=0)
        client = instructor.from_openai(sdk, model="fake-model")

        def bare_over(chunks: Any) -> int:
            parts, n = [], 0
            for chunk in chunks:
                n += 1
                for choice in chunk.choices:
                    for call in choice.delta.tool_calls or ():
                        if call.function and call.function.arguments:
                            parts.append(call.function.arguments)
            bare_model.model_validate_json("".join(parts), strict=True)
            return n

        def sdk_stream() -> Any:
            return sdk.chat.completions.create(model="fake-model", messages=messages, tools=tools, stream=True,
                                               stream_options={"include_usage": True})

        counts: dict[str, int] = {}

        def bare() -> None:
            counts["chunks"] = bare_over(sdk_stream())

        def partial() -> None:
            counts["ours"] = ours(client, messages)

        bare(), partial()  # warm up connections and caches
        wall, cpu = paired_rounds(partial, bare, rounds)
        chunks = list(sdk_stream())  # the SDK's objects, built once
        replay = instructor.Instructor(client=sdk, create=lambda **_: iter(chunks), mode=instructor.Mode.TOOLS,
                                       provider="openai", model="fake-model")
        bare_over(chunks), ours(replay, messages)
        split, split_cpu = paired_rounds(lambda: ours(replay, messages), lambda: bare_over(chunks), rounds)
        floor_wall = paired_rounds(lambda: floor(sdk_stream()), bare, rounds)[0] if floor is not None else None
    n = counts["chunks"]
    return {"sse_chunks": n, "yielded": counts["ours"], "wall": wall, "cpu": cpu, "split": split,
            "split_cpu": split_cpu, "floor": floor_wall}


def end_to_end(text: str, n_chunks: int, rounds: int = REPEATS) -> dict[str, Any]:
    """`create_partial` vs bare SDK streaming + one final parse, and what of it is ours (see `stream_comparison`)."""

    def partial(client: Any, messages: list[dict[str, str]]) -> int:
        last: Any = None
        for item in client.create_partial(response_model=Report, messages=messages, strict=True):
            last = item  # a UI would render each partial here
        assert isinstance(last, Report)
        return last._raw_response.count  # type: ignore[attr-defined,no-any-return]

    chunk_size = max(1, -(-len(text) // n_chunks))
    got = stream_comparison(text, chunk_size, Report, Report, partial, rounds, snapshot_floor(text, chunk_size))
    return per_unit(got, got["sse_chunks"])


def end_to_end_tokens(rounds: int = REPEATS) -> dict[str, Any]:
    """`end_to_end` at token-sized chunks: a smaller report (`TOKEN_SECTIONS`) in `TOKEN_CHUNK`-character
    pieces, so a stream stays about 3,000 chunks (the cost per chunk is flat in the object's size)."""
    text = report_json(TOKEN_SECTIONS)
    return end_to_end(text, -(-len(text) // TOKEN_CHUNK), rounds)


def snapshot_floor(text: str, chunk_size: int) -> Callable[[Any], tuple[int, int]]:
    """The least any `create_partial` of `report_json()` does per chunk, without a cursor: what is left
    of the budget is what finding where values begin and end may cost.

    Per chunk: decode the items that finish in it (their texts known in advance), build them, build a
    fresh snapshot of the open path (report, sections list, open section, its items list, open item) from
    parts the way the streaming machinery does (no validation), and yield it; then one final parse.
    The consumer returns how many snapshots and items it built."""
    from pydantic_core import from_json

    from instructor.dsl.partial import partial_model

    partial_report, partial_section, partial_item = (partial_model(m) for m in (Report, Section, Item))
    new, slots = object.__new__, vars(BaseModel)
    set_fields, set_extra, set_private = (slots[name].__set__ for name in (
        "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"))

    def build(model: type[BaseModel], values: dict[str, Any]) -> Any:
        obj = new(model)
        obj.__dict__ = values
        set_fields(obj, set(values))
        set_extra(obj, None)
        set_private(obj, None)
        return obj

    finishing: dict[int, list[str]] = {}  # by argument piece: the texts of the items that end in it
    at = 0
    for section in json.loads(text)["sections"]:
        for item in section["items"]:
            item_text = json.dumps(item, ensure_ascii=False)
            at = text.index(item_text, at) + len(item_text)
            finishing.setdefault((at - 1) // chunk_size, []).append(item_text)

    built = [0]  # items

    def snapshots(stream: Any) -> Iterator[Any]:
        sections: list[Any] = []
        items: list[Any] = []
        piece = 0
        for chunk in stream:
            for choice in chunk.choices:
                for call in choice.delta.tool_calls or ():
                    if call.function and call.function.arguments:
                        for item_text in finishing.get(piece, ()):
                            items.append(build(partial_item, from_json(item_text)))
                            built[0] += 1
                            if len(items) == N_ITEMS:
                                sections.append(build(partial_section, {"name": "", "summary": "", "items": items}))
                                items = []
                        piece += 1
                        open_item = build(partial_item, {"sku": "", "title": "", "quantity": None, "price": None,
                                                         "tags": None})
                        section = build(partial_section, {"name": "", "summary": "", "items": [*items, open_item]})
                        yield build(partial_report, {"title": "", "author": "", "sections": [*sections, section]})
        Report.model_validate_json(text, strict=True)

    def consume(stream: Any) -> tuple[int, int]:
        built[0] = 0
        return sum(1 for _ in snapshots(stream)), built[0]

    return consume


def per_unit(got: dict[str, Any], units: int) -> dict[str, Any]:
    """The figures of `stream_comparison` per chunk (or per item), in µs."""
    wall, cpu, split, split_cpu = got["wall"], got["cpu"], got["split"], got["split_cpu"]

    def us(seconds: float) -> float:
        return round(seconds / units * 1e6, 1)

    ours_us = us(split.ours_median - split.bare_median)  # instructor's own work per unit
    sdk_us = us(wall.bare_median - split.bare_median)  # HTTP, SSE decoding, the SDK's chunk objects
    return {
        "sse_chunks": got["sse_chunks"],
        "units": units,
        "bare_sdk_plus_final_parse_us_per_chunk": us(wall.bare_median),
        "create_partial_us_per_chunk": us(wall.ours_median),
        "ratio": round(wall.ratio, 3),
        "ratio_iqr": [round(x, 3) for x in wall.ratio_iqr],
        "bare_sdk_plus_final_parse_cpu_us_per_chunk": us(cpu.bare_median),
        "create_partial_cpu_us_per_chunk": us(cpu.ours_median),
        "cpu_ratio": round(cpu.ratio, 3),
        "ours_us_per_unit": ours_us,
        "sdk_us_per_unit": sdk_us,
        "ours_cpu_us_per_unit": us(split_cpu.ours_median - split_cpu.bare_median),
        "bare_loop_us_per_unit": us(split.bare_median),
        "samples": {"ours": wall.ours, "bare": wall.bare, "ours_cpu": cpu.ours, "bare_cpu": cpu.bare,
                    "split_ours": split.ours, "split_bare": split.bare},
        **({"floor_us_per_chunk": us(floor.ours_median), "floor_ratio": round(floor.ratio, 3),
            "floor_ratio_iqr": [round(x, 3) for x in floor.ratio_iqr]} if (floor := got.get("floor")) else {}),
    }


def run(n_chunks: int = 200, rounds: int = REPEATS) -> dict[str, Any]:
    """Every figure of this benchmark, as a dict (see the module docstring)."""
    import platform

    text = report_json()
    bigger = machinery(report_json(N_SECTIONS * 4), n_chunks * 4)  # same chunk length, 4x the object
    return {
        "benchmark": "partial_streaming",
        "python": platform.python_version(),
        "n_chunks": n_chunks,
        "machinery": machinery(text, n_chunks),
        "machinery_4x_object": {k: bigger[k] for k in (
            "chunks", "json_bytes", "ours_us_per_chunk", "ours_us_per_chunk_by_quarter",
            "ours_last_over_first_quarter", "final_parse_once_us")},
        "long_string": long_string(),
        "end_to_end": end_to_end(text, n_chunks, rounds),
        "end_to_end_tokens": end_to_end_tokens(rounds),
        "budget": f"create_partial per chunk <= {BUDGET:.2f}x bare SDK streaming + one final parse at "
                  f"{n_chunks} chunks, <= {BUDGET_TOKENS:.2f}x at token-sized chunks ({TOKEN_CHUNK} characters), flat",
    }


def _report(result: dict[str, Any]) -> str:
    m, e, big = result["machinery"], result["end_to_end"], result["machinery_4x_object"]
    t = result["end_to_end_tokens"]
    q = ", ".join(f"{x:.1f}" for x in m["ours_us_per_chunk_by_quarter"])
    nq = ", ".join(f"{x:.1f}" for x in m["naive_us_per_chunk_by_quarter"])
    return "\n".join([
        f"Partial streaming of a {m['json_bytes']:,}-byte nested object in {m['chunks']} chunks "
        f"(Python {result['python']})",
        "",
        "machinery alone (instructor.core.streaming):",
        f"  per chunk, by quarter of the stream   {q} us   (last/first {m['ours_last_over_first_quarter']}x)",
        f"  per chunk, whole stream               {m['ours_us_per_chunk']:.1f} us "
        f"= {m['ours_per_chunk_over_final_parse']:.3f}x one final parse",
        f"  one final parse (model_validate_json) {m['final_parse_once_us']:.1f} us",
        f"  whole stream                          {m['ours_stream_total_us'] / 1000:.2f} ms "
        f"= {m['ours_stream_total_over_final_parse']}x one final parse",
        f"  naive re-parse, by quarter            {nq} us   (last/first {m['naive_last_over_first_quarter']}x), "
        f"{m['naive_stream_total_us'] / 1000:.2f} ms per stream",
        f"  4x the object ({big['json_bytes']:,} bytes, {big['chunks']} chunks of the same length): "
        f"{big['ours_us_per_chunk']:.1f} us per chunk (last/first quarter {big['ours_last_over_first_quarter']}x)",
        f"  one {result['long_string']['json_bytes']:,}-byte string in {result['long_string']['chunks']} chunks: "
        f"per chunk by quarter {result['long_string']['ours_us_per_chunk_by_quarter']} us "
        f"(last/first {result['long_string']['ours_last_over_first_quarter']}x)",
        "",
        "end to end (openai SDK, fake provider in its own process):",
        f"  bare SDK streaming + one final parse  {e['bare_sdk_plus_final_parse_us_per_chunk']:.1f} us per chunk",
        f"  create_partial, every partial         {e['create_partial_us_per_chunk']:.1f} us per chunk",
        f"  ratio                                 {e['ratio']:.2f}x [{e['ratio_iqr'][0]:.2f}-{e['ratio_iqr'][1]:.2f}]"
        f"   (budget <= {BUDGET:.2f}x)",
        f"  of which ours (same chunk objects)    {e['ours_us_per_unit']:.1f} us per chunk "
        f"({e['ours_cpu_us_per_unit']:.1f} us CPU); the SDK's: {e['sdk_us_per_unit']:.1f} us per chunk",
        f"  client CPU per chunk, bare / partial  {e['bare_sdk_plus_final_parse_cpu_us_per_chunk']:.1f} / "
        f"{e['create_partial_cpu_us_per_chunk']:.1f} us = {e['cpu_ratio']:.2f}x",
        f"  floor, no cursor (snapshot_floor)     {e['floor_us_per_chunk']:.1f} us per chunk = {e['floor_ratio']:.2f}x "
        f"[{e['floor_ratio_iqr'][0]:.2f}-{e['floor_ratio_iqr'][1]:.2f}]",
        "",
        f"end to end at token-sized chunks ({TOKEN_CHUNK} characters, {t['sse_chunks']:,} chunks):",
        f"  bare SDK streaming + one final parse  {t['bare_sdk_plus_final_parse_us_per_chunk']:.1f} us per chunk",
        f"  create_partial, every partial         {t['create_partial_us_per_chunk']:.1f} us per chunk",
        f"  ratio                                 {t['ratio']:.2f}x [{t['ratio_iqr'][0]:.2f}-{t['ratio_iqr'][1]:.2f}]"
        f"   (budget <= {BUDGET_TOKENS:.2f}x); CPU {t['cpu_ratio']:.2f}x",
        f"  of which ours (same chunk objects)    {t['ours_us_per_unit']:.1f} us per chunk "
        f"({t['ours_cpu_us_per_unit']:.1f} us CPU)",
        f"  floor, no cursor (snapshot_floor)     {t['floor_ratio']:.2f}x "
        f"[{t['floor_ratio_iqr'][0]:.2f}-{t['floor_ratio_iqr'][1]:.2f}]",
    ])


def main(argv: list[str]) -> int:
    n_chunks = 200
    if "--chunks" in argv:
        n_chunks = int(argv[argv.index("--chunks") + 1])
    result = run(n_chunks)
    print(json.dumps(result, indent=2) if "--json" in argv else _report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Render OpenTelemetry spans as an SVG waterfall: the picture of a trace on docs/observability.md.

    .venv/bin/python tools/trace_svg.py                     # docs/assets/trace.svg
    .venv/bin/python tools/trace_svg.py /tmp/trace.svg

Without arguments it runs one traced call through the real OpenAI and Anthropic SDKs against
the fake provider (a fallback chain: OpenAI answers 503, Anthropic's first answer does not
validate, its re-ask does), keeps the spans with the SDK's in-memory exporter and draws them.
`render(spans)` draws any finished spans (`ReadableSpan`s). No plotting dependency: a row per
span, indented under its parent, a bar from its start to its end, events as diamonds, in the
style of benchmarks/plot.py.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "docs" / "assets" / "trace.svg"
WIDTH = 960
LABEL_W = 360
ROW_H = 56
BAR_H = 16


def render(spans: Sequence[Any], title: str = "One traced call") -> str:
    """An SVG of `spans` (finished OpenTelemetry spans): a row each, children under their parent."""
    rows = _ordered(spans)
    if not rows:
        raise ValueError("No spans to draw: was telemetry switched on (instructor.instrument()) for the call?")
    start = min(span.start_time for span, _ in rows)
    total = max(max(span.end_time for span, _ in rows) - start, 1)
    plot_w = WIDTH - LABEL_W - 80
    top = 50
    height = top + len(rows) * ROW_H + 30

    def x(ns: int) -> float:
        return LABEL_W + (ns - start) / total * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{html.escape(title)}</text>',
        f'<text x="0" y="36" fill="#555">{len(rows)} spans, {total / 1e6:.0f} ms in all</text>',
    ]
    for i, (span, depth) in enumerate(rows):
        y = top + i * ROW_H
        failed = span.status.status_code.name == "ERROR"
        colour = "#d9822b" if failed else "#1f4e8c" if depth == 0 else "#3c7dd9"
        parts.append(f'<text x="{depth * 16}" y="{y + 12}" font-weight="bold">{html.escape(span.name)}</text>')
        for n, line in enumerate(_summary(span.attributes or {})):
            parts.append(f'<text x="{depth * 16}" y="{y + 27 + 13 * n}" fill="#555" font-size="11">'
                         f'{html.escape(_cut(line, 62 - depth * 3))}</text>')
        left, right = x(span.start_time), max(x(span.end_time), x(span.start_time) + 1.5)
        parts.append(f'<rect x="{left:.1f}" y="{y}" width="{right - left:.1f}" height="{BAR_H}" fill="{colour}" '
                     'rx="2"/>')
        parts.append(f'<text x="{right + 6:.1f}" y="{y + 12}">{(span.end_time - span.start_time) / 1e6:.0f} ms'
                     f'{" · ERROR" if failed else ""}</text>')
        for event in span.events:
            ex, ey = x(event.timestamp), y + BAR_H + 7
            parts.append(f'<path d="M{ex:.1f} {ey - 5} l5 5 l-5 5 l-5 -5 z" fill="#c0392b"/>')
            parts.append(f'<text x="{ex + 8:.1f}" y="{ey + 4}" fill="#c0392b" font-size="11">'
                         f'{html.escape(_event_text(event))}</text>')
    parts.append(f'<text x="0" y="{height - 6}" fill="#555">bar: the span from its start to its end · '
                 'orange: status ERROR · red diamond: an event (re-ask reason, fallback)</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _ordered(spans: Sequence[Any]) -> list[tuple[Any, int]]:
    """Depth-first, children in start order, each with its depth."""
    ids = {span.context.span_id for span in spans}
    children: dict[int | None, list[Any]] = {}
    for span in spans:
        parent = span.parent.span_id if span.parent is not None and span.parent.span_id in ids else None
        children.setdefault(parent, []).append(span)
    rows: list[tuple[Any, int]] = []

    def visit(parent: int | None, depth: int) -> None:
        for span in sorted(children.get(parent, []), key=lambda s: s.start_time):
            rows.append((span, depth))
            visit(span.context.span_id, depth + 1)

    visit(None, 0)
    return rows


def _summary(attributes: Any) -> list[str]:
    """What a row says under its name: who (the provider and attempt; a call's attempts and the client
    that answered), then what it cost and how it ended (tokens, error type)."""
    who, what = [], []
    if "gen_ai.provider.name" in attributes:
        who.append(f"{attributes['gen_ai.provider.name']}, attempt {attributes.get('instructor.attempt', '?')}")
    if "instructor.attempts" in attributes:
        attempts, reasks = attributes["instructor.attempts"], attributes.get("instructor.reasks", 0)
        who.append(f"{attempts} attempt{'s' * (attempts != 1)}, {reasks} re-ask{'s' * (reasks != 1)}")
    if "instructor.fallback.client" in attributes:
        who.append(f"answered by {str(attributes['instructor.fallback.client']).split('/')[0]}")
    for prefix in ("gen_ai.usage.", "instructor.usage."):
        if f"{prefix}input_tokens" in attributes:
            what.append(f"{attributes[f'{prefix}input_tokens']} in / {attributes[f'{prefix}output_tokens']} out tokens")
    if "error.type" in attributes:
        what.append(str(attributes["error.type"]))
    return [line for line in (" · ".join(who), " · ".join(what)) if line]


def _event_text(event: Any) -> str:
    attributes = event.attributes or {}
    if event.name == "instructor.validation_error":
        fields = zip(attributes.get("instructor.validation.paths", ()), attributes.get("instructor.validation.types", ()),
                     strict=False)
        return "invalid: " + ", ".join(f"{path} ({kind})" for path, kind in fields)
    if event.name == "instructor.fallback":
        return f"fallback to {attributes.get('instructor.fallback.to')} ({attributes.get('error.type')})"
    return str(event.name)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def demo_spans() -> list[Any]:
    """The spans of one call along a fallback chain, through the real SDKs against the fake provider."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from pydantic import BaseModel, Field

    import instructor
    from instructor.testing import FakeProvider, Reply, connect_kwargs

    class User(BaseModel):
        name: str
        age: int = Field(ge=0)

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with FakeProvider() as fake:
        fake.add(Reply.http_error(503, "overloaded", delay=0.04),
                 Reply.tool("User", {"name": "Jason", "age": -25}, usage=(412, 38), delay=0.3),
                 Reply.tool("User", {"name": "Jason", "age": 25}, usage=(530, 36), delay=0.25))
        clients = [instructor.from_provider(name, max_retries=0, **connect_kwargs(name, fake)).instrument(
            tracer_provider=provider) for name in ("openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest")]
        chain = instructor.fallback(*clients)
        chain.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}], max_retries=2)
    provider.shutdown()
    return list(exporter.get_finished_spans())


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("usage: tools/trace_svg.py [OUT.svg]  (default: docs/assets/trace.svg)", file=sys.stderr)
        return 2
    out = Path(args[0]) if args else OUT
    out.write_text(render(demo_spans(), "instructor.fallback(openai, anthropic).create(response_model=User)"),
                   encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.path.append(str(OUT.parent.parent.parent))  # a checkout without an install; PYTHONPATH still wins
    sys.exit(main())

"""The results plot: one bar per ratio (instructor / bare SDK), budgets marked, as a hand-written SVG.

No plotting dependency: a few rectangles and lines are all the chart needs,
and an SVG renders on GitHub and in any browser.
"""

from __future__ import annotations

import html
from typing import Any

WIDTH = 900
LABEL_W = 300
BAR_H = 18
GAP = 8


def render(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    bars = [r for r in rows if r.get("ratio") is not None]
    top = 62
    height = top + len(bars) * (BAR_H + GAP) + 46
    limit = max([1.5, *(r["ratio"] for r in bars), *((r.get("budget_ratio") or 0) for r in bars)]) * 1.08
    plot_w = WIDTH - LABEL_W - 70

    def x(value: float) -> float:
        return LABEL_W + value / limit * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        '<text x="0" y="18" font-size="15" font-weight="bold">instructor / bare SDK, same work, same run '
        '(lower is better; 1.0 = no overhead)</text>',
        f'<text x="0" y="38" fill="#555">{html.escape(meta_line(meta))}</text>',
    ]
    for tick in _ticks(limit):
        parts.append(f'<line x1="{x(tick):.1f}" y1="{top - 8}" x2="{x(tick):.1f}" y2="{height - 36}" '
                     'stroke="#e3e3e3"/>')
        parts.append(f'<text x="{x(tick):.1f}" y="{height - 22}" text-anchor="middle" fill="#555">{tick:g}x</text>')
    for i, row in enumerate(bars):
        y = top + i * (BAR_H + GAP)
        over = row.get("within") is False
        colour = "#d9822b" if over else "#3c7dd9"
        label = f"({row['key']}) {row.get('label') or _plain(row['what'])}"
        if len(label) > 46:
            label = label[:45] + "…"
        parts.append(f'<text x="0" y="{y + 13}">{html.escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{x(row["ratio"]) - LABEL_W:.1f}" height="{BAR_H}" '
                     f'fill="{colour}"/>')
        spread = row.get("spread")
        if spread:
            mid = y + BAR_H / 2
            parts.append(f'<line x1="{x(spread[0]):.1f}" y1="{mid}" x2="{x(spread[1]):.1f}" y2="{mid}" '
                         'stroke="#222" stroke-width="1.5"/>')
        if row.get("budget_ratio"):
            bx = x(row["budget_ratio"])
            parts.append(f'<line x1="{bx:.1f}" y1="{y - 3}" x2="{bx:.1f}" y2="{y + BAR_H + 3}" stroke="#c0392b" '
                         'stroke-width="2" stroke-dasharray="3,2"/>')
        if row.get("cpu_ratio") is not None:
            parts.append(f'<circle cx="{x(row["cpu_ratio"]):.1f}" cy="{y + BAR_H / 2}" r="3.5" fill="#fff" '
                         'stroke="#222" stroke-width="1.5"/>')
        right = max(row["ratio"], (spread or (0, 0))[1], row.get("cpu_ratio") or 0, row.get("budget_ratio") or 0, 1.0)
        parts.append(f'<text x="{x(right) + 6:.1f}" y="{y + 13}">{row["ratio"]:.2f}x</text>')
    parts.append(f'<line x1="{x(1):.1f}" y1="{top - 8}" x2="{x(1):.1f}" y2="{height - 36}" stroke="#222" '
                 'stroke-width="1.2"/>')
    parts.append(f'<text x="0" y="{height - 4}" fill="#555">bar: median of the per-pair ratios · line: their '
                 'interquartile range · circle: CPU-time ratio · red dashes: budget · orange: over it</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _ticks(limit: float) -> list[float]:
    step = 0.25 if limit <= 2.5 else 0.5 if limit <= 5 else 1.0
    ticks, value = [], 0.0
    while value <= limit:
        ticks.append(round(value, 2))
        value += step
    return ticks


def _plain(text: str) -> str:
    return text.replace("`", "")


def meta_line(meta: dict[str, Any]) -> str:
    m = meta["machine"]
    load = meta.get("load_start")
    return (f"{meta['date']} · Python {m['python']} ({m['implementation']}) · {m['os']} {m['arch']} · "
            f"{m['cpu']}, {m['cores']} cores" + (f" · load {load:.1f} at start" if load is not None else ""))

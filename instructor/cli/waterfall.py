"""The import waterfall: an icicle chart of one run's `-X importtime` tree, as SVG or HTML.

Each bar is a module; its width is the module's cumulative import time, and
the modules it imported sit below it, left to right in import order. Hover a
bar for its figures. Written by hand (no plotting dependency): the output is
a static file any browser opens.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Iterable
from pathlib import Path

from instructor.cli.importtime import ImportNode, Profile

WIDTH = 1200
ROW = 20
BAR = 18
CHAR_PX = 6.6  # average glyph width of the 11px monospace labels


def _colour(package: str) -> str:
    """A stable pastel colour per top-level package (same package, same colour, every run)."""
    import colorsys

    hue = (zlib.crc32(package.encode()) % 360) / 360
    red, green, blue = colorsys.hls_to_rgb(hue, 0.72, 0.62)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def _bars(roots: list[ImportNode], scale: float) -> Iterable[str]:
    def place(node: ImportNode, x: float, depth: int) -> Iterable[str]:
        width = node.cumulative_us * scale
        if width >= 0.5:
            label = node.name
            room = int((width - 6) / CHAR_PX)
            if room < len(label):
                label = label[: room - 1] + "…" if room > 3 else ""
            tip = (f"{node.name}\nself {node.self_us / 1000:.2f} ms, "
                   f"cumulative {node.cumulative_us / 1000:.2f} ms")
            y = depth * ROW
            yield (f'<g><title>{html.escape(tip)}</title>'
                   f'<rect x="{x:.1f}" y="{y}" width="{max(width - 0.5, 0.5):.1f}" height="{BAR}" '
                   f'fill="{_colour(node.name.split(".")[0])}" stroke="#fff" stroke-width="0.5"/>'
                   + (f'<text x="{x + 3:.1f}" y="{y + 13}">{html.escape(label)}</text>' if label else "")
                   + "</g>")
        child_x = x
        for child in node.children:
            yield from place(child, child_x, depth + 1)
            child_x += child.cumulative_us * scale

    x = 0.0
    for root in roots:
        yield from place(root, x, 0)
        x += root.cumulative_us * scale


def _depth(nodes: list[ImportNode]) -> int:
    return 1 + max((_depth(n.children) for n in nodes), default=0) if nodes else 0


def render_svg(prof: Profile, *, title: str | None = None) -> str:
    """The median run of `prof` as an SVG icicle chart, with a title line."""
    roots = prof.representative.roots
    total_us = sum(r.cumulative_us for r in roots) or 1
    scale = WIDTH / total_us
    top = 44
    height = top + max(1, _depth(roots)) * ROW + 10
    heading = title or (f"{prof.statement}: {total_us / 1000:.1f} ms in imports, "
                        f"{len(prof.added)} modules (median of {len(prof.runs)} fresh processes)")
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="11">',
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(heading)}</text>',
        '<text x="0" y="34" fill="#555">width = cumulative import time; below a module: what it imported, '
        'in order; hover for figures</text>',
        f'<g transform="translate(0,{top})">',
        *_bars(roots, scale),
        "</g>",
        "</svg>",
    ])


def render_html(prof: Profile, *, top: int = 25) -> str:
    """A page with the waterfall, a legend by package and the slowest modules."""
    packages = prof.packages()[:12]
    legend = "".join(
        f'<span class="key"><i style="background:{_colour(p.package)}"></i>{html.escape(p.package)} '
        f'{p.self_ms:.1f} ms</span>' for p in packages
    )
    rows = "".join(
        f"<tr><td>{html.escape(m.name)}</td><td>{m.self_ms:.2f}</td><td>{m.cumulative_ms:.2f}</td></tr>"
        for m in prof.modules()[:top]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>importtime: {html.escape(prof.statement)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; }}
.chart {{ overflow-x: auto; border: 1px solid #ddd; padding: 8px; }}
.key {{ display: inline-block; margin: 0 14px 6px 0; font-size: 13px; }}
.key i {{ display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }}
table {{ border-collapse: collapse; font-size: 13px; margin-top: 16px; }}
td, th {{ padding: 2px 10px; border-bottom: 1px solid #eee; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; font-family: ui-monospace, monospace; }}
svg text {{ pointer-events: none; }}
svg g:hover rect {{ stroke: #000; stroke-width: 1; }}
</style></head><body>
<h1>{html.escape(prof.statement)}</h1>
<p>{len(prof.runs)} fresh processes; median in-process time {prof.median_ms:.1f} ms;
{len(prof.added)} modules added. The chart shows the median run.</p>
<div>{legend}</div>
<div class="chart">{render_svg(prof)}</div>
<table><tr><th>module</th><th>self ms</th><th>cumulative ms</th></tr>{rows}</table>
</body></html>
"""


def write_svg(prof: Profile, path: str | Path) -> None:
    Path(path).write_text(render_svg(prof), encoding="utf-8")


def write_html(prof: Profile, path: str | Path) -> None:
    Path(path).write_text(render_html(prof), encoding="utf-8")

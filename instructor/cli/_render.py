"""Tables in plain text, or with `rich` when it is installed and wanted (never required)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO


def use_rich(choice: str = "auto", stream: TextIO | None = None) -> bool:
    """Whether to draw with rich: `choice` is "plain", "rich" or "auto" (a terminal, no NO_COLOR)."""
    if choice == "plain":
        return False
    stream = stream or sys.stdout
    if choice == "auto" and (os.environ.get("NO_COLOR") or not stream.isatty()):
        return False
    from instructor.core.dependencies import is_installed

    return is_installed("rich")


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, right: Sequence[int] = ()) -> str:
    """A plain-text table: columns padded to their widest cell, `right` columns right-aligned."""
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def print_table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    right: Sequence[int] = (),
    style: str = "auto",
    stream: TextIO | None = None,
) -> None:
    """Print a titled table, with rich when `use_rich(style)` says so."""
    stream = stream or sys.stdout
    if use_rich(style, stream):
        from rich.console import Console  # type: ignore[import-not-found, unused-ignore]
        from rich.table import Table  # type: ignore[import-not-found, unused-ignore]

        table = Table(title=title, title_justify="left")
        for i, header in enumerate(headers):
            table.add_column(header, justify="right" if i in right else "left")
        for row in rows:
            table.add_row(*("" if c is None else str(c) for c in row))
        Console(file=stream).print(table)
        return
    if title:
        stream.write(f"{title}\n")
    stream.write(format_table(headers, rows, right=right) + "\n")

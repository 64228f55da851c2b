"""The regular expressions and small text functions `JsonCursor` reads JSON text with.

Strings and whole runs of a container are stepped over by the regex engine, never decoded here;
`_decode` and `_flat_model` decode what a pattern found finished.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from pydantic_core import from_json

from instructor.core.streaming.shapes import _MISSING, ModelShape

__lazy_modules__ = ["pydantic_core"]  # PEP 810: lazy on Pythons that support it


def _last_comma_slow(text: str, start: int, end: int) -> int:
    """`JsonCursor._last_comma` the slow way: from comma to comma, strings stepped over whole."""
    last = -1
    while start < end:
        match = _TO_COMMA.match(text, start, end)
        if match is None or match.end(1) < 0:
            break
        last = start = match.end()
    return last


def _open_end(text: str, start: int) -> int:
    """How far the body of a string that does not close in `text` is scanned, from `start`: to the end of
    the text, or before an escape cut off by it (`_STRING_REST`, matched only when a backslash is there)."""
    return len(text) if text.find("\\", start) < 0 else _STRING_REST.match(text, start).end()  # type: ignore[union-attr]


def _decode(text: str) -> Any:
    """A finished JSON value; _MISSING when it is not JSON (the final validation reports it)."""
    try:
        return from_json(text)
    except ValueError:
        return _MISSING


_POSSESSIVE = sys.version_info >= (3, 11)


def _possessive(pattern: str) -> str:
    """Every repeat of `pattern` possessive, where the regex engine has them (3.11): a cut string or
    container fails at once, with no backtracking, and a repeated group costs no repeat context
    allocated per match. None of these patterns finds a match by giving back what a repeat took."""
    return pattern.replace("*", "*+") if _POSSESSIVE else pattern


# A whole string (its closing quote in group 1, absent while it is still arriving; a colon after
# it in group 2: a key, read in one step), or one structural character: strings are stepped over
# by the regex engine, never decoded here.
_TOKEN = re.compile(_possessive(r'"[^"\\]*(?:\\.[^"\\]*)*(?:(")(\s*:)?)?|[{}\[\],:]'))
_OPENING = re.compile(r"[{\[]")
# The rest of a string still arriving, from a point between two characters (never inside an escape).
_STRING_REST = re.compile(_possessive(r'[^"\\]*(?:\\.[^"\\]*)*(")?'))
_SPACE = re.compile(r"\s*")
# The inside of a container nothing is kept from, up to its next bracket or unfinished string.
_RUN = r'[^"{}\[\]]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"{}\[\]]*)*'
_RAW_RUN = re.compile(_possessive(_RUN))
# The same, noting where its last comma ends (group 1): where the members of a lazy frame end.
# The text up to and with the next comma outside strings (group 1: the comma), or to the next bracket.
_TO_COMMA = re.compile(_possessive(r'[^"{}\[\],]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"{}\[\],]*)*(,)?'))
# The key before a member's value: `"key": ` (the whole text between a comma and the value).
_MEMBER_KEY = re.compile(_possessive(r'\s*("[^"\\]*(?:\\.[^"\\]*)*")\s*:\s*'))
# A whole container holding containers that hold none (an item with a list of tags, say).
_CLOSED = re.compile(_possessive(rf"[{{\[]{_RUN}(?:[{{\[]{_RUN}[}}\]]{_RUN})*[}}\]]"))
# The rest of such a container from inside it (its own level; or, the second, from inside one it holds), to
# its closing bracket: where a lazy frame that closes in the text at hand ends, without its commas.
_REST = (re.compile(_possessive(rf"{_RUN}(?:[{{\[]{_RUN}[}}\]]{_RUN})*[}}\]]")),
         re.compile(_possessive(rf"{_RUN}[}}\]]{_RUN}(?:[{{\[]{_RUN}[}}\]]{_RUN})*[}}\]]")))
# The beginning of such a container, cut off by the end of the text (perhaps inside a string). It never
# matches text whose brackets all close, so waiting for more text is what stepping over it would do.
# Only where the patterns are possessive: a failing match must not backtrack over the whole item.
_CUT = re.compile(_possessive(rf'[{{\[]{_RUN}(?:[{{\[]{_RUN}(?:[}}\]]{_RUN})?)*(?:"[^"\\]*(?:\\.[^"\\]*)*\\?)?\Z')) \
    if _POSSESSIVE else None
_CUT_ITEM = 2048  # a cut item longer than this is stepped over bracket to bracket, not matched again
# the last character of a lazy frame's text when the member after its last comma may show: a finished
# string or container (or a space, which says nothing)
_MAY_SHOW = frozenset('"]} \t\r\n')
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}$")


def _flat_model(shape: ModelShape, text: str) -> Any:
    """A flat object item (its `text`) as its partial model, validated whole (`shape.whole`) or
    built from its decoded members checked by `shape.take`; _MISSING when it is no object or a
    member is left out (pydantic's check of the whole item, by its parent, says what to keep then)."""
    whole = shape.whole
    if whole is not None:
        value = whole(text)
        if value is not _MISSING:
            return value
    members: dict[str, Any] = {}
    raw = _decode(text)
    if type(raw) is not dict or not shape.take(raw, members):
        return _MISSING
    return shape.build(members, None, _MISSING)

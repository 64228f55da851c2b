"""How `JsonCursor` reads a lazy frame: a flat object below the root (an item of a list, say),
stepped over bracket to bracket and comma to comma, its members decoded a block at a time and
the one still open read from the text after its last comma (see `_Frame`). Lists of such items
are where most of a big object's tokens are, so this is the cursor's hottest path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic_core import from_json

from instructor.core.streaming.scan import (
    _MAY_SHOW,
    _MEMBER_KEY,
    _RAW_RUN,
    _REST,
    _decode,
    _last_comma_slow,
    _open_end,
)
from instructor.core.streaming.shapes import _MISSING, RAW, ListShape

if TYPE_CHECKING:
    from instructor.core.streaming.cursor import _Frame

__lazy_modules__ = ["pydantic_core"]  # PEP 810: lazy on Pythons that support it


class LazyFrames:
    """The part of `JsonCursor` that reads lazy frames (a mixin: the cursor's state is its own)."""

    if TYPE_CHECKING:  # the cursor's state and methods read here
        text: str
        version: int
        _pos: int
        _open_at: int
        _open_scanned: int
        _raw_depth: int
        _member_keys: dict[str, str | None]

        def _open_string(self, at: int) -> str | None: ...

    def _skip_lazy(self, text: str, pos: int, frame: _Frame, cut: bool = False) -> int:
        """`_skip_raw` for a lazy frame: also notes where its members end (its own commas) and where
        the items of its open list member end (that list's commas). `cut`: `_CLOSED` just failed on
        it, so `_REST` would too."""
        depth = self._raw_depth
        if depth <= 2 and not cut:  # it closes in the text at hand: one match says where (its commas matter no more)
            whole = _REST[depth - 1].match(text, pos)
            if whole is not None:
                return whole.end()
        run = _RAW_RUN.match
        size = len(text)
        # where the last comma of its own members ends (its runs read here), and of the items of its open
        # list member: noted run by run (no list of runs kept to search afterwards)
        member_comma = item_comma = -1
        while True:
            start, pos = pos, run(text, pos).end()  # type: ignore[union-attr]  # it matches the empty string
            if depth == 1:
                comma = self._last_comma(text, start, pos)
                if comma > 0:
                    member_comma = comma
            elif depth == 2 and frame.opened == "[":
                comma = self._last_comma(text, start, pos)
                if comma > 0:
                    item_comma = comma
            if pos >= size:
                break
            char = text[pos]
            if char == '"':  # a string still arriving: its rest is scanned next time
                self._open_at = pos
                self._open_scanned = _open_end(text, pos + 1)
                break
            pos += 1
            if char == "{" or char == "[":
                depth += 1
                if depth == 2:
                    frame.opened, frame.value_at = char, pos - 1
                    frame.items, frame.items_upto, frame.item_commit = [], pos, pos
                    item_comma = -1
            else:
                depth -= 1
                if depth == 0:
                    return pos  # closed: where its members end matters no more
        # still open: where its last members end (its last commas), for the next snapshot
        if member_comma > 0:
            frame.commit = member_comma
        if item_comma > 0:
            frame.item_commit = item_comma
        self._raw_depth = depth
        self._pos = pos
        return -1

    @staticmethod
    def _last_comma(text: str, start: int, end: int) -> int:
        """Where the last comma outside strings in `text[start:end]` ends, or -1; the span holds
        whole strings and no brackets, and starts outside a string."""
        comma = text.rfind(",", start, end)
        if comma < 0:
            return -1
        if text.find("\\", start, comma) < 0:  # no escapes: quotes alternate, opening and closing
            return comma + 1 if text.count('"', start, comma) % 2 == 0 else _last_comma_slow(text, start, end)
        return _last_comma_slow(text, start, end)

    def _member_key(self, start: int, end: int) -> str | None:
        """The key of the member whose value starts at `end`, when `text[start:end]` is `"key": `."""
        span = self.text[start:end]
        known = self._member_keys.get(span, _MISSING)  # (the same few spans again and again: no regex call)
        if known is not _MISSING:
            return known  # type: ignore[no-any-return]
        match = _MEMBER_KEY.fullmatch(span)
        key = _decode(match.group(1)) if match is not None else None
        self._member_keys[span] = key = key if isinstance(key, str) else None
        return key

    def _lazy_members(self, frame: _Frame, end: int) -> None:
        """Decode and check the lazy frame's members from `upto` to `end` (after a comma, or its end)."""
        block = _decode("{" + self.text[frame.upto : end - 1] + "}")
        frame.upto = end
        if type(block) is not dict or not frame.shape.take(block, frame.members):  # type: ignore[attr-defined]
            frame.clean = False

    def _lazy_built(self, closed: _Frame, end: int) -> Any:
        """A closed lazy frame's value, as `_built` gives a frame's: built from its members when a
        snapshot showed it (so most of them are checked already) and none was left out."""
        if closed.shown is _MISSING:
            return _MISSING
        whole = closed.shape.whole  # type: ignore[attr-defined]
        built = whole(self.text[closed.start : end]) if whole is not None else _MISSING
        if built is not _MISSING:  # (one call to its validator rather than decoding the rest of its members)
            if built.__dict__ != closed.shown.__dict__:
                self.version += 1
            return built
        self._lazy_members(closed, end)
        if not closed.clean:
            return _MISSING
        built = closed.shape.build(closed.members, None, _MISSING)
        if built.__dict__ != closed.shown.__dict__:  # its last members, settled here, show
            self.version += 1
        return built

    def _lazy_value(self, frame: _Frame) -> Any:
        """What a lazy frame shows: its finished members (decoded and checked once, a block at a time)
        and the one still open: a string (where strings show), a finished container, or an open list
        of its finished items and the string still arriving."""
        text, shape = self.text, frame.shape
        depth = self._raw_depth
        in_string = self._open_at == self._pos and self._open_at >= frame.commit  # the text ends in a string
        if frame.shown is _MISSING and shape.whole_cut is not None:  # type: ignore[attr-defined]
            # shown for the first time (most often, with pieces longer than an item): in one call to its
            # model's validator (`ModelShape.whole_cut`) where that reads the text as the rest of this
            # does: when it ends inside the value of a plain `str` member, or inside an open list of plain
            # strings (its finished items, and the string still arriving); what is valid is kept below
            # when the text does not validate. (Inline: once per chunk, on the hottest path.)
            if depth == 1:
                cut = in_string and shape.names.get(  # type: ignore[attr-defined]
                    self._member_key(frame.commit, self._open_at)) in shape.plain_str  # type: ignore[attr-defined]
            elif depth == 2 and frame.opened == "[":
                list_key = self._member_key(frame.commit, frame.value_at)
                child = shape.child(list_key) if list_key is not None else RAW
                cut = type(child) is ListShape and child.plain_str
            else:
                cut = False
            if cut:
                value = shape.whole_cut(text[frame.start :])  # type: ignore[attr-defined]
                if value is not _MISSING:
                    return value
        # its finished members validated whole (`ModelShape.whole`) on the first snapshot that shows it; then
        # (token-sized pieces show it many times) taken one by one, a block at a time
        prefix = _MISSING
        if frame.commit > frame.upto:
            whole = shape.whole if frame.shown is _MISSING else None  # type: ignore[attr-defined]
            if whole is not None:
                prefix = whole(text[frame.start : frame.commit - 1] + "}")
            if prefix is _MISSING:  # taken one by one from here on
                self._lazy_members(frame, frame.commit)
        key: Any = None
        value = _MISSING
        if depth == 1:
            if in_string:
                key = self._member_key(frame.commit, self._open_at)
                string = self._open_string(self._open_at) if key is not None else None
                if string is not None:
                    ok, value = shape.show_string(key, string)
                    value = value if ok else _MISSING
            elif text[-1] in _MAY_SHOW and text[frame.commit :].strip():  # (else a scalar, or no value yet)
                try:
                    tail = from_json("{" + text[frame.commit :], allow_partial="trailing-strings")
                except ValueError:
                    tail = None
                if type(tail) is dict and len(tail) == 1:
                    key, raw = next(iter(tail.items()))
                    if type(raw) is str:  # finished, but no comma yet: shown where any string is
                        ok, value = shape.show_string(key, raw)
                        value = value if ok else _MISSING
                    elif type(raw) is list or type(raw) is dict:  # a container is finished when it closes
                        kept = shape.accept([(key, raw)])[0]
                        value = kept[1] if kept is not None else _MISSING
                    # a number or literal may still grow
        elif frame.opened == "[":
            key = self._member_key(frame.commit, frame.value_at)
            child = shape.child(key) if key is not None else RAW
            if type(child) is ListShape:
                if frame.item_commit > frame.items_upto:
                    block = _decode("[" + text[frame.items_upto : frame.item_commit - 1] + "]")
                    frame.items_upto = frame.item_commit
                    if type(block) is list:
                        frame.items.extend(kept[1] for kept in child.accept([(None, raw) for raw in block])
                                           if kept is not None)
                item = _MISSING
                if depth == 2:
                    last: Any = None  # the last item, when it is a string
                    if in_string and self._open_at >= frame.item_commit:
                        last = self._open_string(self._open_at)
                    else:
                        rest = text[frame.item_commit :].strip()
                        if len(rest) > 1 and rest[0] == '"' and rest[-1] == '"':
                            last = _decode(rest)
                    if isinstance(last, str):
                        ok, shown = child.show_string(None, last)
                        item = shown if ok else _MISSING
                value = child.build(frame.items, None, item)
        if prefix is not _MISSING:  # ours alone: the open member goes straight in, as `build` puts it
            name = shape.names.get(key) if value is not _MISSING else None  # type: ignore[attr-defined]
            if name is not None:
                prefix.__dict__[name] = value
                prefix.__pydantic_fields_set__.add(name)
            return prefix
        return shape.build(frame.members, key, value)

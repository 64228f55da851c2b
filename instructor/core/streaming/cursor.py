"""`JsonCursor`: where JSON values begin and end, in the new text only.

Why the cost per chunk stays flat as the object grows: re-parsing the whole text
on every chunk costs O(size) per chunk, O(size^2) per stream. Instead `JsonCursor`
looks only at the new text, to find where values begin and end (a regex steps
over whole strings and their escapes; nothing is decoded there). The values that
finished since the last snapshot are decoded by `pydantic_core.from_json` and
checked against their fields in one call per open container (their shape's
`accept`); an unfinished string is decoded by
`from_json(..., allow_partial="trailing-strings")`. A snapshot rebuilds only the
open path (the containers still being written) around the members it holds, so
its cost depends on the nesting depth and the width of the open models, not on
the size of the object. A container nothing is kept from (a `dict` or `Any`
field's value, an `Iterable[...]` item) is stepped over bracket to bracket: only
where it ends matters, and its parent decodes it whole; so is a container that
opens and closes within the text at hand (no snapshot showed it).
`benchmarks/bench_partial_streaming.py` measures it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic_core import from_json

from instructor.core.streaming.lazy import LazyFrames
from instructor.core.streaming.scan import (
    _CLOSED,
    _CUT,
    _CUT_ITEM,
    _HIGH_SURROGATE,
    _OPENING,
    _RAW_RUN,
    _SPACE,
    _STRING_REST,
    _TOKEN,
    _decode,
    _flat_model,
    _open_end,
)
from instructor.core.streaming.shapes import _MISSING, RAW, ItemsShape, ListShape, ModelShape, Shape

__lazy_modules__ = ["pydantic_core"]  # PEP 810: lazy on Pythons that support it


class _Frame:
    """One open container. A lazy frame (a flat object below the root: an item of a list, say) is
    not read token by token: it is stepped over bracket to bracket and comma to comma like a RAW
    container, and a snapshot decodes its finished members a block at a time (`upto` to `commit`)
    and the one still open from the text after its last comma. Lists of such items are where most
    of a big object's tokens are, and the items are small."""

    # No __slots__: the members below that most frames never change are class attributes, so a
    # frame (one per list item) is built with the few that differ (attribute reads cost the same).
    count = 0  # members ended so far (a list item's index)
    key: str | None = None
    value_done = False
    shown: Any = _MISSING  # what the last snapshot showed of this container
    clean = True  # every finished member so far was decoded and kept
    lazy = False
    # a lazy frame: its members up to `upto` are decoded, those up to `commit` (after a comma) are
    # finished; the container member still open opened with `opened` at `value_at`, and (a list)
    # holds `items` (a fresh list once one opens), decoded up to `items_upto`, finished up to `item_commit`
    opened = ""
    value_at = -1
    items: list[Any] = []  # noqa: RUF012 - never changed in place: replaced when a list opens
    items_upto = item_commit = -1

    def __init__(self, shape: Shape, is_object: bool, start: int) -> None:
        self.shape = shape
        self.is_object = is_object
        self.start = start
        self.members: Any = {} if is_object else []
        # finished members not checked yet: (key, start, end, what the last snapshot showed of it,
        # its checked value when it is a container already built from its own members, else _MISSING)
        self.pending: list[tuple[Any, int, int, Any, Any]] = []
        self.value_start = -1 if is_object else start + 1
        self.upto = self.commit = start + 1


class JsonCursor(LazyFrames):
    """Follows a JSON text fed piece by piece, holding the checked value of every finished member.

    Args:
        root: the shape of the top-level container, given its opening character.

    Anything before the first `{` or `[` and after the top-level container closes
    is ignored (prose around the JSON). Finished members wait as text spans and are
    decoded and checked together at the next `snapshot()`, so a container that
    opens and closes between two snapshots is decoded once, as a whole.

    Example:
        >>> cursor = JsonCursor(lambda ch: ModelShape(PartialUser, None))
        >>> cursor.feed('{"name": "Ja')
        True
        >>> cursor.snapshot()
        PartialUser(name='Ja', age=None)
    """

    def __init__(self, root: Callable[[str], Shape]) -> None:
        self.root = root
        self.text = ""
        self.stack: list[_Frame] = []
        self.done = False
        self.end = -1  # where the top-level container closed
        self.start = -1
        self._pos = 0
        # a string still arriving at `_pos`: where its quote is, how far its body was scanned, and the
        # decoded text of its body up to a point where no escape is cut (see `_open_string`)
        self._open_at = -1
        self._open_scanned = -1
        self._open_decoded: tuple[int, int, str] = (-1, -1, "")
        self._keys: dict[str, Any] = {}  # decoded object keys, by their JSON text
        self._member_keys: dict[str, str | None] = {}  # `_member_key`'s answers, by the text it read
        self._raw_depth = 0  # brackets open in the RAW container on top (see `_skip_raw`)
        self.version = 0  # bumped when what a snapshot shows changes (see `signature`)
        self.shown: Any = _MISSING  # the unfinished string the last snapshot showed
        self._shown_in: _Frame | None = None  # ... the container it was shown in
        self._shown_key: Any = None  # ... and its key (or index) there

    @property
    def signature(self) -> int:
        """Equal for two snapshots that show the same thing (cheap: no object comparison).

        It moves when a shown container opens, when a member appears, changes or
        goes (checked once, when the member is kept), and when the unfinished string grows.
        """
        return self.version

    def feed(self, piece: str) -> bool:
        """Read `piece`; True when what `snapshot()` shows may have changed."""
        text, self.text = self.text, ""
        fed = len(text)  # where the new piece starts
        text += piece  # one reference: CPython grows the string in place
        self.text = text
        if self.done:
            return False
        stack = self.stack
        frame = stack[-1] if stack else None
        if frame is None:  # prose before the JSON: only an opening bracket matters, not its quotes
            opening = _OPENING.search(text, self._pos)
            if opening is None:
                self._pos = len(text)
                return False
            self._pos = opening.start()
        elif self._open_at == self._pos:  # inside a long string: scan the new text only
            scanned = self._open_scanned
            quote = text.find('"', scanned)
            # (a quote after no backslash closes it: no need to match, the loop below reads it from its start)
            rest = _STRING_REST.match(text, scanned) if quote < 0 or text[quote - 1] == "\\" else None
            if rest is not None and rest.group(1) is None:
                self._open_scanned = rest.end()
                return frame.lazy or (frame.shape is not RAW and (not frame.is_object or frame.key is not None))
        self._open_at = -1
        changed = False
        pos = self._pos
        cut = -1  # where `_step_list` found an item cut off by the end of the text
        while True:
            if frame is not None and (frame.shape is RAW or frame.lazy):
                end = self._skip_lazy(text, pos, frame, pos == cut) if frame.lazy else self._skip_raw(text, pos)
                if end < 0:
                    return changed or frame.lazy  # still open; the skip kept where to resume
                changed = True
                closed = stack.pop()
                if not stack:
                    self.done = True
                    self.end = self._pos = end
                    return True
                frame = stack[-1]
                if frame.shape.keeps:  # decoded whole by its parent, unless built from its own members
                    built = self._lazy_built(closed, end) if closed.lazy else _MISSING
                    if built is not _MISSING and frame.shape.flat_items and not frame.pending:
                        frame.members.append(built)  # an item of a list of flat objects: what `_settle` does
                    else:
                        frame.pending.append((frame.key if frame.is_object else frame.count, closed.start, end,
                                              closed.shown, built))
                        if frame.shape.eager:
                            self._settle(frame)
                frame.value_done = True
                pos = end
            if frame is not None and frame.shape.items_text:
                pos = self._step_items(text, pos, frame)
                changed = True
                if pos < 0:
                    return True  # an item cut off by the end of the text: `_pos` is its start
                if stack[-1] is not frame:  # an item to step over bracket to bracket
                    frame = stack[-1]
                    continue
            elif frame is not None and frame.shape.flat_items:
                pos = self._step_list(text, pos, frame)
                changed = True
                if stack[-1] is not frame:  # an item cut off by the end of the text, read lazily
                    frame, cut = stack[-1], pos
                    continue
            into_raw = False
            for match in _TOKEN.finditer(text, pos):
                at = match.start()
                char = text[at]
                if char == '"':
                    close = match.end(1)
                    if close < 0:  # a string still arriving: its rest is scanned next time
                        pos = at
                        self._open_at, self._open_scanned = at, match.end()
                        changed = changed or (frame is not None and (not frame.is_object or frame.key is not None))
                        break
                    if frame is None:
                        continue
                    if frame.is_object and frame.key is None:
                        token = text[at:close]
                        key = self._keys.get(token)
                        if key is None:
                            key = self._keys[token] = _decode(token)
                        frame.key = key if isinstance(key, str) else ""
                    elif close - 1 > fed or at >= fed:  # new characters, not just the closing quote
                        changed = True
                    if match.lastindex == 2 and frame.is_object:  # the colon after a key
                        frame.value_start = match.end()
                elif frame is None:
                    if char == "{" or char == "[":
                        self.start = at
                        frame = _Frame(self.root(char), char == "{", at)
                        stack.append(frame)
                        self.version += 1
                        changed = True
                        if frame.shape is RAW:
                            self._raw_depth, pos, into_raw = 1, match.end(), True
                            break
                elif char == ",":
                    end = match.end()
                    start = frame.value_start
                    if frame.value_done:
                        frame.value_done = False
                        frame.count += 1
                    elif start >= 0 and start < at and (not frame.is_object or frame.key is not None) \
                            and not text[start:at].isspace():
                        if frame.shape.keeps:
                            frame.pending.append((frame.key if frame.is_object else frame.count, start, at, _MISSING,
                                                  _MISSING))
                            if frame.shape.eager:
                                self._settle(frame)
                        frame.count += 1
                    frame.key = None
                    frame.value_start = -1 if frame.is_object else end
                    changed = True
                elif char == ":":
                    if frame.is_object and frame.key is not None:
                        frame.value_start = match.end()
                elif char == "{" or char == "[":
                    if char == "{" and frame.shape.items_text:  # an item: read whole by `_step_items`
                        pos, into_raw = at, True
                        break
                    key = frame.key if frame.is_object else frame.count
                    shape = frame.shape.child(key)
                    if shape.opens and shape.opens != char:  # `[` where an object belongs, or `{` for a list
                        shape = RAW  # kept out whole by its parent's check when it closes
                    changed = True
                    if shape.keeps and not shape.eager and frame.shape.keeps and not shape.flat:
                        whole = _CLOSED.match(text, at)
                        if whole is not None:
                            # opened and closed in the text at hand, so never shown: its parent decodes
                            # it whole at the next snapshot, and what is inside matters not
                            self.version += 1  # an object or list appears
                            frame.pending.append((key, at, whole.end(), _MISSING, _MISSING))
                            if frame.shape.eager:
                                self._settle(frame)
                            frame.value_done = True
                            pos, into_raw = whole.end(), True
                            break
                    frame = _Frame(shape, char == "{", at)
                    stack.append(frame)
                    if shape is RAW:  # nothing inside is kept: only its end matters
                        self._raw_depth, pos, into_raw = 1, match.end(), True
                        break
                    if shape.flat and char == "{" and stack[-2].shape.keeps:  # (rather than `_CLOSED`: as cheap
                        # on a whole item, and not a backtracking search to the end of the text on a cut one)
                        frame.lazy = True  # an object appears, read lazily
                        self.version += 1
                        self._raw_depth, pos, into_raw = 1, match.end(), True
                        break
                    if frame.shape.keeps:  # an empty object or list appears
                        self.version += 1
                else:  # "}" or "]"
                    closed = stack.pop()
                    self._end_member(closed, at)
                    changed = True
                    end = match.end()
                    if not stack:
                        self.done = True
                        self.end = end
                        pos = end
                        break
                    frame = stack[-1]
                    if frame.shape.keeps:
                        frame.pending.append((frame.key if frame.is_object else frame.count, closed.start, end,
                                              closed.shown, self._built(closed)))
                        if frame.shape.eager:
                            self._settle(frame)
                    frame.value_done = True
            else:
                pos = len(text)
            if not into_raw:
                break
        self._pos = pos
        return changed

    def _step_items(self, text: str, pos: int, frame: _Frame) -> int:
        """Read the items of an `Iterable[...]` list handed over as text (`ItemsShape.on_text`) from
        `pos`: a whole item per regex match, not token by token. Returns where the token loop goes on
        (at anything but an object item or the comma after one), or -1 when an item is cut off by the
        end of the text (`_pos` is then its start, matched again with the next piece).

        An item that is deeper, longer than `_CUT_ITEM`, or malformed is pushed as a RAW container
        (the caller steps over it); it is handed over when it closes, as any RAW item is.
        """
        on_text = frame.shape.on_text  # type: ignore[attr-defined]
        size = len(text)
        while True:
            at = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches
            if at >= size:
                return at
            char = text[at]
            if char == ",":
                if not frame.value_done:
                    return at  # after a scalar item, or a stray comma: the token loop's
                frame.value_done = False
                frame.count += 1
                frame.value_start = pos = at + 1
                continue
            if char != "{":
                return at
            whole = _CLOSED.match(text, at)
            if whole is not None:
                pos = whole.end()
                frame.clean = False  # (as `_settle` marks it: nothing is kept here)
                on_text(text[at:pos])
                frame.value_done = True
                continue
            if _CUT is not None and size - at <= _CUT_ITEM and _CUT.match(text, at) is not None:
                self._pos = at
                return -1
            self.stack.append(_Frame(RAW, True, at))
            self._raw_depth = 1
            return at + 1

    def _step_list(self, text: str, pos: int, frame: _Frame) -> int:
        """Read the items of a list of flat objects (`ListShape.flat_items`) from `pos`: each item
        finished in the text at hand in one regex match, and built (`_flat_model`); an item cut off by
        the end of the text is pushed as a lazy frame (shown as far as it arrived). Returns where the
        token loop goes on: at anything but an object item or the comma after one, or inside the
        lazy item."""
        size = len(text)
        flat = frame.shape.flat_item  # type: ignore[attr-defined]
        while True:
            if pos >= size:
                return pos
            char = text[pos]
            if char.isspace():  # (what `_SPACE` steps over; most often a single space: no regex call then)
                pos += 1
                if pos < size and text[pos].isspace():
                    pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches
                if pos >= size:
                    return pos
                char = text[pos]
            at = pos
            if char == ",":
                if not frame.value_done:
                    return at  # after a scalar item, or a stray comma: the token loop's
                frame.value_done = False
                frame.count += 1
                frame.value_start = pos = at + 1
                continue
            if char != "{":
                return at
            self.version += 1  # an object appears
            # with no `}` after it, it is cut off by the end of the text: not matched (the match would read
            # it all only to fail; the lazy frame reads it next, and closes it where the match would have:
            # at a `]` too, in text that is not JSON)
            whole = _CLOSED.match(text, at) if text.find("}", at) >= 0 else None
            if whole is None:  # cut off by the end of the text (or deeper than one match reads)
                item = _Frame(flat, True, at)
                item.lazy = True
                self.stack.append(item)
                self._raw_depth = 1
                return at + 1
            pos = whole.end()
            # built now rather than at the next snapshot (what `_settle` does, without its bookkeeping per
            # item), unless items wait before it; an item that does not validate waits for `_settle`
            value = _flat_model(flat, text[at:pos]) if not frame.pending else _MISSING
            if value is not _MISSING:
                frame.members.append(value)  # (`version` moved above: an object appeared)
            else:
                frame.pending.append((frame.count, at, pos, _MISSING, _MISSING))
            frame.value_done = True

    def _skip_raw(self, text: str, pos: int) -> int:
        """Step over the inside of the RAW container on top, from `pos`, bracket to bracket: where it
        closes (after its bracket), or -1 when it is still open (`_pos` is then where to resume)."""
        depth = self._raw_depth
        run = _RAW_RUN.match
        size = len(text)
        while True:
            pos = run(text, pos).end()  # type: ignore[union-attr]  # the pattern matches the empty string
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
            else:
                depth -= 1
                if depth == 0:
                    return pos
        self._raw_depth = depth
        self._pos = pos
        return -1

    def _settle(self, frame: _Frame) -> None:
        """Decode and check the frame's finished members, keeping those that pass.

        `version` moves only if the eye would see a change: a member shown before
        (as an open container, or as the unfinished string) that is now different
        or gone, or a new member (a None in an object is no change: every field
        defaults to None).
        """
        text = self.text
        pending = frame.pending
        frame.pending = []
        if frame is self._shown_in and pending[0][3] is _MISSING:
            key, start, end, _, built = pending[0]
            pending[0] = (key, start, end, self.shown, built)
        shape = frame.shape
        if type(shape) is ListShape and not frame.is_object:
            is_list, plain_list = True, shape.plain  # None: items pydantic must check (unless built)
            flat = shape.flat_item
        elif type(shape) is ModelShape and frame.is_object:
            if shape.guard is not None and not self.done:  # (once the object is whole, the final check is next)
                for key, start, end, _, _ in pending:
                    shape.guard(key, text[start:end])
            names, plain, plain_items = shape.names, shape.plain, shape.plain_items
            is_list, plain_list = False, None
        elif type(shape) is ItemsShape and shape.on_text is not None:
            # `Iterable[...]` items, their text as it is: nothing is decoded or kept here
            on_text = shape.on_text
            frame.clean = False
            for _, start, end, shown, _ in pending:  # (items are RAW containers or scalars: never built)
                on_text(text[start:end])
                if shown is not _MISSING:
                    self.version += 1
            return
        else:
            self._settle_checked(frame, pending, False)
            return
        # the common case inline: members that need no check (what `accept` keeps as they are)
        members = frame.members
        visible = False
        for i, (key, start, end, shown, built) in enumerate(pending):
            if built is not _MISSING:
                if is_list:
                    members.append(built)
                else:
                    members[names.get(key, key)] = built
                visible = visible or shown is _MISSING
                continue
            if is_list and plain_list is None:
                # a flat object item is built from its members, checked as a lazy frame's are; anything
                # else (or an item with a member left out) is checked by pydantic, with the rest
                value = _flat_model(flat, text[start:end]) if flat is not None else _MISSING
                if value is _MISSING:
                    self._settle_checked(frame, pending[i:], visible)
                    return
                members.append(value)
                visible = visible or shown is _MISSING or (value is not shown and value != shown)
                continue
            raw = _decode(text[start:end])
            if raw is _MISSING:
                frame.clean = False
                visible = visible or shown is not _MISSING
                continue
            if not is_list:
                name = names.get(key)
                if name is None:
                    frame.clean = False
                    visible = visible or shown is not _MISSING
                    continue
                if raw is None:
                    members[name] = raw
                    visible = visible or (shown is not _MISSING and raw is not shown and raw != shown)
                    continue
                if type(raw) is not plain.get(name) and not (
                        type(raw) is list and name in plain_items and set(map(type, raw)) <= plain_items[name]):
                    self._settle_checked(frame, pending[i:], visible)
                    return
                members[name] = raw
            elif type(raw) is plain_list:
                members.append(raw)
            else:
                self._settle_checked(frame, pending[i:], visible)
                return
            visible = visible or shown is _MISSING or (raw is not shown and raw != shown)
        if visible:
            self.version += 1

    def _settle_checked(self, frame: _Frame, pending: list[tuple[Any, int, int, Any, Any]], visible: bool) -> None:
        """`_settle` for members the shape's `accept` must check (in one call, where it can)."""
        text = self.text
        # per member: (key, value, what was shown, whether `value` is checked already)
        decoded: list[tuple[Any, Any, Any, bool]] = []
        for key, start, end, shown, built in pending:
            if built is not _MISSING:
                # built from checked members: showing it changed nothing the container's own members
                # did not already (they moved `version` as they settled)
                decoded.append((key, built, _MISSING if shown is _MISSING else built, True))
                continue
            raw = _decode(text[start:end])
            if raw is not _MISSING:
                decoded.append((key, raw, shown, False))
            else:
                frame.clean = False
                if shown is not _MISSING:
                    visible = True
        if not decoded:
            if visible:
                self.version += 1
            return
        to_check = [(key, raw) for key, raw, _, ready in decoded if not ready]
        checked = iter(frame.shape.accept(to_check) if to_check else ())
        name_of = frame.shape.names if isinstance(frame.shape, ModelShape) else None
        for key, value, shown, ready in decoded:
            if ready:
                result: tuple[Any, Any] | None = (name_of.get(key, key) if name_of is not None else None, value)
            else:
                result = next(checked)
            if result is None:
                frame.clean = False
                visible = visible or shown is not _MISSING
                continue
            name, value = result
            if frame.is_object:
                frame.members[name] = value
                if shown is _MISSING and value is None:
                    continue
            else:
                frame.members.append(value)
            visible = visible or shown is _MISSING or (value is not shown and value != shown)
        if visible:
            self.version += 1

    def _end_member(self, frame: _Frame, at: int) -> None:
        """The member before a closing bracket at `at` has ended (a comma is handled inline in `feed`)."""
        start = frame.value_start
        if frame.value_done:
            frame.value_done = False
        elif start >= 0 and start < at and (not frame.is_object or frame.key is not None) \
                and not self.text[start:at].isspace() and frame.shape.keeps:
            frame.pending.append((frame.key if frame.is_object else frame.count, start, at, _MISSING, _MISSING))
            if frame.shape.eager:
                self._settle(frame)

    def _built(self, closed: _Frame) -> Any:
        """A closed container's value, built from the members it holds checked already; _MISSING
        when it must be decoded and checked as a whole by its parent.

        Only for a container a snapshot showed (so its members were checked as they finished)
        and none of whose members was left out: what the parent's check of the whole text would
        give (partial models have no validators), without decoding it again.
        """
        if closed.shown is _MISSING or not closed.shape.keeps:
            return _MISSING
        if closed.pending:
            self._settle(closed)
        if not closed.clean:
            return _MISSING
        return closed.shape.build(closed.members, None, _MISSING)

    def snapshot(self) -> Any:
        """What the text read so far shows: the open containers around their finished members."""
        if not self.stack:
            return _MISSING
        for frame in self.stack:
            if frame.pending:
                self._settle(frame)
        value = _MISSING
        top = self.stack[-1]
        if top.lazy:
            value = self._lazy_value(top)
            if top.shown is _MISSING or value.__dict__ != top.shown.__dict__:  # what `==` compares
                self.version += 1
            top.shown = value
            self.shown, self._shown_in, self._shown_key = _MISSING, None, None
            for frame in self.stack[-2::-1]:
                shape = frame.shape
                if type(shape) is ListShape:  # what its `build` does, without a call (every snapshot, per level)
                    value = [*frame.members, value]
                else:
                    value = shape.build(frame.members, frame.key if frame.is_object else frame.count, value)
                frame.shown = value
            return value
        if top.value_start >= 0 and not top.value_done and (not top.is_object or top.key is not None) \
                and top.shape.keeps:
            at = _SPACE.match(self.text, top.value_start).end()  # type: ignore[union-attr]  # \s* always matches
            if self.text.startswith('"', at):
                text = self._open_string(at) if at == self._open_at else None
                if text is None:
                    try:
                        text = from_json(self.text[at:], allow_partial="trailing-strings")
                    except ValueError:
                        text = None
                if isinstance(text, str):
                    ok, checked = top.shape.show_string(top.key if top.is_object else top.count, text)
                    if ok:
                        value = checked
        key = top.key if top.is_object else top.count
        if value is not _MISSING and (value != self.shown or top is not self._shown_in or key != self._shown_key):
            self.version += 1  # a new string, even one equal to the last shown (`["", "`)
        self.shown, self._shown_in, self._shown_key = value, top, key
        for frame in reversed(self.stack):
            value = frame.shape.build(frame.members, frame.key if frame.is_object else frame.count, value)
            frame.shown = value
        return value

    def _open_string(self, at: int) -> str | None:
        """The text so far of the string still arriving at `at`, decoding only what is new.

        The body is decoded up to a safe point (before the last escape, and before a surrogate
        pair's first half) and kept; only the rest is decoded again on the next snapshot, so a
        long string costs what its new characters cost. None: decode it whole instead.
        """
        text = self.text
        quote, start, done = self._open_decoded
        self._open_decoded = (-1, -1, "")  # `done` is then ours alone: CPython extends it in place
        if quote != at:
            start, done = at + 1, ""
        safe = self._open_scanned
        backslash = text.rfind("\\", max(start, safe - 12), safe)
        if backslash >= 0:  # stop before the last escape, and before the run of backslashes it ends
            while backslash > start and text[backslash - 1] == "\\":
                backslash -= 1
            if _HIGH_SURROGATE.match(text, max(start, backslash - 6), backslash):
                if backslash - 7 >= start and text[backslash - 7] == "\\":
                    return None  # an escaped backslash, or not: the whole decode tells
                backslash -= 6  # keep the two halves of a surrogate pair together
            safe = backslash
        try:
            if safe > start:
                done += from_json('"' + text[start:safe] + '"')
                start = safe
            tail = from_json('"' + text[start:], allow_partial="trailing-strings") if start < len(text) else ""
        except ValueError:
            return None
        self._open_decoded = (at, start, done)
        return done + tail if isinstance(tail, str) else None

    @property
    def json_text(self) -> str:
        """The top-level JSON value's text (the whole text until it is finished)."""
        if self.start < 0:
            return self.text
        return self.text[self.start : self.end] if self.done else self.text[self.start :]

"""The job record of a `BatchRun`: one JSON file, written atomically, and the files beside it.

The record is small: the provider and model, the rounds (the first, then the repairs), each sent
as one provider job or more ("parts", as the provider's limits need) with their client-side tokens
and job ids, and one row per item: its state,
the round it was last in, where its request and result lines are in that round's files, its
token counts and its last error type. The request and result lines themselves live in the
record's folder (`round-<n>.requests.jsonl`, `round-<n>.results.jsonl`), written once each.

Every write goes to a temporary file that is flushed, fsynced and renamed over the record
(`os.replace`), then the folder is fsynced: a process killed at any point leaves the previous
record or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

#: the columns of an item's row in the record
FIELDS = ("state", "round", "request_at", "result_at", "input_tokens", "output_tokens", "cached_tokens",
          "cache_write_tokens", "reasoning_tokens", "error_type")
STATE, ROUND, REQUEST_AT, RESULT_AT, INPUT, OUTPUT, CACHED, CACHE_WRITE, REASONING, ERROR = range(len(FIELDS))
#: 2: a round's jobs are its `parts` (1: one job per round, its token and job id on the round; read by `upgrade`)
VERSION = 2
#: a version-1 round's state -> the state of its one part
_PART_OF_ROUND = {"submitting": "submitting", "submitted": "submitted", "downloaded": "downloaded",
                  "classified": "downloaded"}


def locate(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """(the record file, the folder of its round files) for what a user named.

    A path ending in `.json` is the record itself, its files in `<name>.batch/` beside it;
    any other path is a folder holding `record.json` and the files.
    """
    given = Path(path)
    if given.suffix == ".json":
        return given, given.with_name(given.stem + ".batch")
    return given / "record.json", given


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a platform without directory handles (Windows): the rename is what it has
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json(path: Path, data: Any) -> None:
    """Write `data` to `path` atomically: temporary file, flush, fsync, rename, fsync the folder."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, separators=(",", ":"), default=_plain)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that appears at `path` whole, or not at all (same steps as `write_json`)."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A record of any version in the current shape: a version-1 round's job becomes its one part
    (the whole requests file); a round not yet submitted is cut into parts when it is."""
    if data.get("version", 1) >= VERSION:
        return data
    for entry in data["rounds"]:
        if "parts" in entry or entry["state"] == "prepared":
            continue
        part = {"part": 0, "items": entry["items"], "offset": 0, "end": None,
                "state": _PART_OF_ROUND[entry["state"]]}
        for key in ("token", "intent_at", "job_id", "submitted_at"):
            if key in entry:
                part[key] = entry.pop(key)
        entry["parts"] = [part]
    data["version"] = VERSION
    return data


def line_at(path: Path, offset: int) -> bytes:
    """The line of `path` that starts at byte `offset`."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.readline()


def dumps_line(data: Any) -> bytes:
    """One JSONL line; SDK objects a handler put in a request are written as their JSON."""
    return json.dumps(data, ensure_ascii=False, default=_plain).encode("utf-8") + b"\n"


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(value).decode()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"Cannot write {type(value).__name__} to a batch record: {value!r}")

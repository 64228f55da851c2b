"""How big one provider job may be, and how a round's requests file is cut into jobs ("parts") that fit.

Each provider module declares its caps as data (`LIMITS`, or `limits(options)` where they depend on
the options): `max_requests` and `max_bytes` per job, `min_requests` where there is a minimum
(Bedrock), `quota` when the figures are account quotas a caller may set above the defaults. The
caller overrides them through `batch_options` (`max_requests`, `max_bytes`, and Bedrock's
`min_records`). Cutting reads the requests file one line at a time and keeps only the parts' byte
ranges: memory stays flat whatever the file's size.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

#: the `batch_options` keys that set a limit -> the limit they set
OPTIONS = {"max_requests": "max_requests", "max_bytes": "max_bytes", "min_records": "min_requests"}


class JobLimits(NamedTuple):
    """What one provider job may hold (None: no cap)."""

    max_requests: int | None
    max_bytes: int | None
    min_requests: int = 1
    quota: bool = False


def job_limits(module: Any, options: Mapping[str, Any] | None) -> JobLimits:
    """The limits of a job of `module`'s provider, with the caller's overrides from `options`.

    Raises:
        ConfigurationError: an override is not a whole number of 1 or more, asks more than the
            provider takes, sets a minimum where the provider has none, or a minimum above the maximum.
    """
    from instructor.core.exceptions import ConfigurationError

    declared = module.limits(options) if hasattr(module, "limits") else module.LIMITS
    limits = JobLimits(**declared)
    provider = module.PROVIDER
    for key, field in OPTIONS.items():
        value = (options or {}).get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(f"batch_options[{key!r}] is a whole number of 1 or more, got {value!r}.")
        if field == "min_requests" and limits.min_requests <= 1:
            raise ConfigurationError(
                f"batch_options['min_records'] is Bedrock's minimum of records per job; {provider} jobs have "
                f"none (got {value!r}). Remove it."
            )
        cap = getattr(limits, field)
        if field != "min_requests" and cap is not None and value > cap and not limits.quota:
            raise ConfigurationError(
                f"batch_options[{key!r}] = {value!r} is more than a {provider} batch job takes ({cap:,}). "
                f"Give {cap:,} or less; larger rounds are cut into several jobs."
            )
        limits = JobLimits(**{**limits._asdict(), field: value})
    if limits.max_requests is not None and limits.min_requests > limits.max_requests:
        raise ConfigurationError(
            f"batch_options: a job of at least {limits.min_requests:,} records (min_records) cannot hold at most "
            f"{limits.max_requests:,} (max_requests). Lower min_records or raise max_requests."
        )
    return limits


class Part(NamedTuple):
    """One job's share of a round: `items` request lines, bytes `offset` to `end` of the round's file."""

    items: int
    offset: int
    end: int


def plan(path: Path, limits: JobLimits) -> list[Part]:
    """The parts `path`'s request lines go in: as few as the limits allow, of about equal size.

    Raises:
        ConfigurationError: one line alone is larger than `max_bytes`, or the round cannot be cut
            so that every part has `min_requests` lines.
    """
    from instructor.core.exceptions import ConfigurationError

    count, size = 0, 0
    for _, length in _lines(path):
        if limits.max_bytes is not None and length > limits.max_bytes:
            raise ConfigurationError(
                f"Request line {count + 1} of {str(path)!r} is {length:,} bytes, more than one batch job takes "
                f"({limits.max_bytes:,} bytes, max_bytes). Shorten that request or send it live."
            )
        count, size = count + 1, size + length
    if count == 0:
        return [Part(0, 0, 0)]
    jobs = max(1, math.ceil(count / limits.max_requests) if limits.max_requests else 1,
               math.ceil(size / limits.max_bytes) if limits.max_bytes else 1)
    parts: list[Part] = []
    items, start = 0, 0
    for at, length in _lines(path):
        # equal parts (the first ones a line more): no small last part below a minimum
        share = count // jobs + (len(parts) < count % jobs)
        if items and (items == share or (limits.max_bytes is not None and at + length - start > limits.max_bytes)):
            parts.append(Part(items, start, at))
            items, start = 0, at
        items += 1
    parts.append(Part(items, start, path.stat().st_size))
    if len(parts) > 1 and parts[-1].items < limits.min_requests:
        parts[-2:] = _halve(path, parts[-2], parts[-1], limits)
    if any(part.items < limits.min_requests for part in parts):
        raise ConfigurationError(
            f"The {count:,} request lines of {str(path)!r} cannot be cut into jobs of at least "
            f"{limits.min_requests:,} requests (min_records) and at most {limits.max_bytes:,} bytes each (max_bytes). "
            "Lower min_records if your account's quota allows."
        )
    return parts


def _halve(path: Path, first: Part, last: Part, limits: JobLimits) -> list[Part]:
    """The lines of two neighbouring parts as one, or in two halves (the second was too small alone)."""
    items = first.items + last.items
    if (limits.max_bytes is None or last.end - first.offset <= limits.max_bytes) and (
            limits.max_requests is None or items <= limits.max_requests):
        return [Part(items, first.offset, last.end)]
    keep = math.ceil(items / 2)  # fewer than `first` had: the first half fits where `first` did
    for n, (at, _) in enumerate(_lines(path, first.offset)):
        if n == keep:
            if limits.max_bytes is not None and last.end - at > limits.max_bytes:
                break
            return [Part(keep, first.offset, at), Part(items - keep, at, last.end)]
    return [first, last]


def _lines(path: Path, offset: int = 0) -> Iterator[tuple[int, int]]:
    """(offset, length) of each non-empty line of `path` from `offset`, one line in memory at a time."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        at = offset
        for raw in handle:
            if raw.strip():
                yield at, len(raw)
            at += len(raw)


def copy_range(source: Path, offset: int, end: int, target: Any, chunk: int = 1 << 20) -> None:
    """Bytes `offset` to `end` of `source` into the binary file `target`, a chunk at a time."""
    with open(source, "rb") as handle:
        handle.seek(offset)
        left = end - offset
        while left > 0:
            data = handle.read(min(chunk, left))
            if not data:
                break
            target.write(data)
            left -= len(data)

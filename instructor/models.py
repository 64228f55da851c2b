"""The published release's `instructor.models` path: `KnownModelName`, the type of a model string.

Programs annotate the `from_provider` model string with it (`model: KnownModelName`).
Here it is `str`: any `"<provider>/<model>"` string `from_provider` takes, since
providers add models faster than a list in a library can follow.
"""

from typing import TypeAlias

#: a `from_provider` model string, `"<provider>/<model>"` (e.g. `"openai/gpt-4o-mini"`)
KnownModelName: TypeAlias = str

__all__ = ["KnownModelName"]

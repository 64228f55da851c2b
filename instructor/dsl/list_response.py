"""`ListResponse`: the list a list-shaped answer comes back as, with its raw completion.

A plain `list` subclass (`==` with a list holds), carrying `_raw_response` (the
SDK's completion) and `_total_usage`; slicing keeps both.
"""

from __future__ import annotations

from typing import Any, SupportsIndex, TypeVar, overload

T = TypeVar("T")


class ListResponse(list[T]):
    """A list of results that remembers the completion it came from.

    Example:
        >>> users = client.create(response_model=list[User], messages=[...])
        >>> users.get_raw_response().usage
    """

    _raw_response: Any
    _total_usage: Any

    def __init__(self, items: Any = (), raw_response: Any = None, total_usage: Any = None) -> None:
        super().__init__(items)
        self._raw_response = raw_response
        self._total_usage = total_usage

    @overload
    def __getitem__(self, index: SupportsIndex) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> ListResponse[T]: ...

    def __getitem__(self, index: Any) -> Any:
        item = super().__getitem__(index)
        if isinstance(index, slice):
            return ListResponse(item, self._raw_response, self._total_usage)
        return item

    def get_raw_response(self) -> Any:
        """The SDK's completion this list was read from."""
        return self._raw_response

    def get_total_usage(self) -> Any:
        """The token usage of the call, when known."""
        return self._total_usage


ResponseList = ListResponse

__all__ = ["ListResponse", "ResponseList"]

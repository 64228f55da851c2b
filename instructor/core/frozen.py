"""A frozen record's methods, written once rather than generated for each class."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any, ClassVar


class Frozen:
    """What `@dataclass(frozen=True)` adds, written once: equality, hashing, a repr, immutability.

    A subclass is declared `@dataclass(init=False, repr=False, eq=False)` with an `__init__` of its
    own that calls `self._init(locals())`: it stays a dataclass (`dataclasses.fields`, `replace`,
    `asdict` work) and nothing is compiled when it is created. Generating these methods costs
    0.3-0.8 ms per class, paid by every cold `from_provider` and every first call in a process.
    """

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def _init(self, values: dict[str, Any]) -> None:
        for name in self.__dataclass_fields__:  # the parameters of `__init__` carry the field names
            object.__setattr__(self, name, values[name])

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__dataclass_fields__)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__dataclass_fields__)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

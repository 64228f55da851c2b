"""instructor: structured outputs from LLMs, costing nothing until used.

Every public name resolves on first access (lazy_loader); `__init__.pyi` is the
declaration of the surface and `_exports.py` the table generated from it.
`INSTRUCTOR_EAGER_IMPORT=1` resolves everything at import time instead.
"""

import os as _os

import lazy_loader as _lazy

from instructor._exports import SUBMOD_ATTRS as _SUBMOD_ATTRS
from instructor._exports import SUBMODULES as _SUBMODULES

__version__ = "0.1.0"

_resolve, _, __all__ = _lazy.attach(__name__, _SUBMODULES, _SUBMOD_ATTRS)
__all__ += ["__version__"]


def __dir__() -> list[str]:
    return list(__all__)


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module 'instructor' has no attribute {name!r}")
    return _resolve(name)


if _os.environ.get("INSTRUCTOR_EAGER_IMPORT", "") not in ("", "0"):
    for _name in __all__:
        if _name != "__version__":
            __getattr__(_name)

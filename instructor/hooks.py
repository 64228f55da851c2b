"""Deprecated import path of the hooks: `import instructor.hooks` (use `instructor.core.hooks`).

`instructor.hooks` as an attribute is the module `instructor.core.hooks`, with
no warning; importing this module by name gives this shim, whose attribute
access warns `DeprecationWarning`, as the published release does.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    import warnings

    from instructor.core import hooks

    if not hasattr(hooks, name):
        raise AttributeError(f"module 'instructor.hooks' has no attribute {name!r}")
    warnings.warn(
        "Importing from 'instructor.hooks' is deprecated: use 'from instructor.core.hooks import "
        f"{name}' (or 'from instructor import {name}').",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(hooks, name)

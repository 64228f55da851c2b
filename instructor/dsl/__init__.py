"""The response-model DSL: `Partial`, `Iterable` wrappers, `Maybe`, citations, `ListResponse`.

Each name resolves on first access from its own module (`instructor.dsl.Partial`,
the published release's path, as well as `instructor.Partial`).
"""

_ORIGIN = {
    "CitationMixin": "instructor.dsl.citation",
    "IterableModel": "instructor.dsl.iterable",
    "ListResponse": "instructor.dsl.list_response",
    "ResponseList": "instructor.dsl.list_response",
    "Maybe": "instructor.dsl.maybe",
    "Partial": "instructor.dsl.partial",
    "PartialLiteralMixin": "instructor.dsl.partial",
    "ModelAdapter": "instructor.dsl.simple",
    "is_simple_type": "instructor.dsl.simple",
}

__all__ = sorted(_ORIGIN)


def __getattr__(name: str) -> object:
    module_name = _ORIGIN.get(name)
    if module_name is None:
        raise AttributeError(f"module 'instructor.dsl' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

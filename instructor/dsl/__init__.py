"""The response-model DSL: `Partial`, `Iterable` wrappers, `Maybe`, citations.

Nothing is imported here: `instructor.Partial` and friends resolve lazily from
their own modules (see `instructor/__init__.pyi`).
"""

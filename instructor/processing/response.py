"""`handle_response_model`: what a response model and a mode make of a request, without sending it.

The published release's helper (`instructor.processing.response`, also `from instructor
import handle_response_model`): the same preparation `create` does, through the
mode's handler, for programs that build requests themselves.
"""

from __future__ import annotations

from typing import Any

from instructor.mode import Mode
from instructor.provider import Provider

__all__ = ["handle_response_model"]


def handle_response_model(
    response_model: Any,
    mode: Mode = Mode.TOOLS,
    provider: Provider | str = Provider.OPENAI,
    **kwargs: Any,
) -> tuple[Any, dict[str, Any]]:
    """The schema model and the request kwargs `create` would send for `response_model` in `mode`.

    Args:
        response_model: a pydantic model, a simple type (`int`, `list[str]`...), a DSL
            type (`Iterable[...]`, `Partial[...]`), or None.
        mode: how the model is asked for (a deprecated alias is read as its core mode).
        provider: whose wire format the request takes (`Provider.ANTHROPIC`, "bedrock"...).
        **kwargs: the request (`messages`, `model`, ...); not modified.

    Returns:
        `(schema_model, request)`: a `ResponseSchema` subclass of the model asked for
        (a simple type's is named "Response"), and a new dict with the mode's additions
        (`tools` and `tool_choice`, `response_format`, or a schema system message; the
        provider's own message shape, e.g. Anthropic's `system`). With
        `response_model=None`: `(None, kwargs)`.

    Raises:
        HandlerNotFoundError: no handler serves `mode` for `provider`.

    Example:
        >>> model, request = handle_response_model(User, mode=Mode.TOOLS, messages=[...])
        >>> request["tool_choice"]
        {'type': 'function', 'function': {'name': 'User'}}
    """
    if response_model is None:
        return None, kwargs
    from instructor.core.mode_registry import get_handler
    from instructor.core.response_model import resolve_response_model
    from instructor.function_calls import response_schema
    from instructor.mode import DEPRECATED_TO_CORE

    spec = resolve_response_model(response_model)
    assert spec is not None
    resolved = Mode(mode)
    family = str(getattr(provider, "value", provider))
    handler = get_handler(DEPRECATED_TO_CORE.get(resolved, resolved), provider=family)
    return response_schema(spec.model), handler.prepare_request(spec.model, dict(kwargs))

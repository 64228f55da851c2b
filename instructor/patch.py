"""`instructor.patch`: structured outputs on an OpenAI-shaped `create` function, in place.

`patch(OpenAI())` replaces `client.chat.completions.create` with a function
that also takes `response_model`, `context`, `max_retries`, `strict`, `hooks`
and `token_budget`; `patch(create=fn)` wraps any OpenAI-shaped function
(llama-cpp's `create_chat_completion` and the like). The patched function is an
`Instructor.create` around the original: the same loop, re-asks, hooks and errors.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from instructor.mode import Mode
from instructor.provider import Provider


def _check_mode(mode: Mode | str, provider: Any) -> Mode:
    from instructor.core.exceptions import RegistryError
    from instructor.core.provider_registry import get_registry

    name = str(getattr(provider, "value", provider))
    try:
        resolved = Mode(mode)
        config = get_registry().get_config(name)
    except (ValueError, LookupError) as exc:
        raise RegistryError(f"patch() cannot use mode {mode!r} with provider {name!r}: {exc}") from exc
    supported = config.supported_modes
    if resolved in config.legacy_modes:  # a deprecated alias: its core mode, with the warning, as from_<provider>
        from instructor.core.provider_registry import check_mode

        return check_mode(config, resolved, caller="patch")
    if resolved not in supported:
        listed = ", ".join(f"Mode.{m.name}" for m in supported)
        raise RegistryError(
            f"Mode.{resolved.name} is not registered for provider {name!r}; patch() supports {listed}. "
            "Pass one of these as mode=, or use instructor.from_provider for other providers."
        )
    return resolved


def patch(
    client: Any = None,
    create: Callable[..., Any] | None = None,
    mode: Mode = Mode.TOOLS,
    provider: Provider | str = Provider.OPENAI,
) -> Any:
    """Give an OpenAI-shaped `create` the `response_model=` keyword.

    Args:
        client: an OpenAI-shaped client (`client.chat.completions.create`); patched in
            place and returned.
        create: a `create`-like function to wrap instead; the patched function is returned.
        mode: how the model is asked (default `Mode.TOOLS`).
        provider: whose modes `mode` must be one of (default `Provider.OPENAI`; its name as a
            string works too).

    The patched function takes `response_model=None, context=None, max_retries=1,
    strict=True, hooks=None, token_budget=None` (positionally too, in that order)
    and `validation_context=`; everything else goes to the original. With
    `response_model=None` it returns the original's answer untouched.

    Raises:
        ValueError: neither `client` nor `create` was given.
        AttributeError: `client` has no `chat.completions.create`.
        RegistryError: `mode` is not a mode of `provider` (its deprecated aliases, e.g.
            `Mode.FUNCTIONS` for OpenAI, become their core mode with a `DeprecationWarning`).

    Example:
        >>> client = instructor.patch(OpenAI())
        >>> user = client.chat.completions.create(model="gpt-4o-mini", response_model=User, messages=[...])
    """
    if client is None and create is None:
        raise ValueError("Either client or create must be provided: patch(OpenAI()) or patch(create=fn).")
    resolved = _check_mode(mode, provider)
    original = create if create is not None else client.chat.completions.create
    patched = _patched(original, client, resolved, str(getattr(provider, "value", provider)))
    if create is not None:
        return patched
    client.chat.completions.create = patched
    return client


def apatch(client: Any, mode: Mode = Mode.TOOLS, provider: Provider | str = Provider.OPENAI) -> Any:
    """Deprecated: `patch` handles async clients too."""
    import warnings

    warnings.warn("apatch is deprecated: use instructor.patch, which handles async clients too.",
                  DeprecationWarning, stacklevel=2)
    return patch(client, mode=mode, provider=provider)


def _patched(original: Callable[..., Any], client: Any, mode: Mode, provider: str) -> Callable[..., Any]:
    from instructor.core.client import AsyncInstructor, Instructor

    # SDKs decorate their async create with a sync wrapper returning a coroutine: look beneath it
    if inspect.iscoroutinefunction(original) or inspect.iscoroutinefunction(inspect.unwrap(original)):
        aclient = AsyncInstructor(client, create=original, mode=mode, provider=provider)

        @functools.wraps(original)
        async def new_acreate(response_model: Any = None, context: Any = None, max_retries: Any = 1,
                              strict: bool = True, hooks: Any = None, token_budget: int | None = None,
                              *args: Any, **kwargs: Any) -> Any:
            if response_model is None and token_budget is None:
                kwargs.pop("validation_context", None)
                return await original(*args, **kwargs)
            return await aclient.create(response_model, kwargs.pop("messages", None), max_retries, context,
                                        strict, hooks, token_budget, **kwargs)

        return new_acreate

    sclient = Instructor(client, create=original, mode=mode, provider=provider)

    @functools.wraps(original)
    def new_create(response_model: Any = None, context: Any = None, max_retries: Any = 1, strict: bool = True,
                   hooks: Any = None, token_budget: int | None = None, *args: Any, **kwargs: Any) -> Any:
        if response_model is None and token_budget is None:
            kwargs.pop("validation_context", None)
            return original(*args, **kwargs)
        return sclient.create(response_model, kwargs.pop("messages", None), max_retries, context, strict, hooks,
                              token_budget, **kwargs)

    return new_create


__all__ = ["apatch", "patch"]

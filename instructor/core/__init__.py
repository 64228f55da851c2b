"""The provider-independent core: the client, the call and its retry loops, the handler contract, hooks,
exceptions, registries.

Also the published release's import path for its client and exceptions
(`from instructor.core import InstructorRetryException, Hooks, patch`). Every
name resolves on first access, so `import instructor.core.client` loads nothing
more than before.
"""

_ORIGIN = {
    **dict.fromkeys(("AsyncInstructor", "Instructor"), "instructor.core.client"),
    **dict.fromkeys((
        "AsyncValidationError", "ClientError", "ConfigurationError", "FailedAttempt",
        "IncompleteOutputException", "InstructorError", "InstructorRetryException", "ModeError",
        "MultimodalError", "ProviderError", "ResponseParsingError", "TokenBudgetError", "TokenBudgetExceeded",
        "TokenUsageUnavailableError", "ValidationError",
    ), "instructor.core.exceptions"),
    **dict.fromkeys(("HookName", "Hooks"), "instructor.core.hooks"),
    **dict.fromkeys(("apatch", "patch"), "instructor.patch"),
    "from_openai": "instructor.providers.openai.factory",
    "Response": "instructor.providers.openai.responses",  # the sync `client.responses` helper class
    "from_litellm": "instructor.providers.litellm.factory",
}

__all__ = sorted(_ORIGIN)


def __getattr__(name: str) -> object:
    module_name = _ORIGIN.get(name)
    if name == "hooks":  # `instructor.hooks` resolves to this module (the published path)
        import importlib

        return importlib.import_module("instructor.core.hooks")
    if module_name is None:
        raise AttributeError(f"module 'instructor.core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

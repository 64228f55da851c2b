"""Every exception instructor raises (stdlib only, importable without pydantic).

The hierarchy::

    InstructorError
    ├── ConfigurationError (ValueError)       a client cannot be built as asked
    │   ├── ModelStringError                  "provider/model" is malformed
    │   ├── UnknownProviderError              no provider by that name
    │   ├── MissingDependencyError (ImportError)  the provider's SDK is not installed
    │   ├── MissingAPIKeyError                no key passed and its env var is unset
    │   ├── UnsupportedModeError              the provider does not support that mode
    │   └── HandlerNotFoundError              no handler is registered for a mode
    ├── ProviderNotAvailableError             declared, but its factory is not built yet
    ├── PluginError                           a third-party provider failed to load
    ├── ResponseParsingError (ValueError)     the completion could not be read as the model
    ├── IncompleteOutputException             the output was cut off (length limit, stream end)
    └── InstructorRetryException              every attempt failed validation

Messages follow one rule: what happened, the offending value, what to do.
They never include API keys: only names of environment variables.
"""

from __future__ import annotations

TYPE_CHECKING = False  # spares importing `typing` for users who only catch exceptions
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any


class InstructorError(Exception):
    """Base class of every error raised by instructor."""


class ConfigurationError(InstructorError, ValueError):
    """A client could not be configured as asked."""


class ModelStringError(ConfigurationError):
    """`from_provider` was given a model string not shaped "provider/model"."""


class UnknownProviderError(ConfigurationError):
    """No provider is registered under the requested name."""

    def __init__(self, message: str, *, provider: str, available: Sequence[str]) -> None:
        super().__init__(message)
        self.provider = provider
        self.available = list(available)


class MissingDependencyError(ConfigurationError, ImportError):
    """The SDK a provider needs is not installed; the message names the pip extra."""

    def __init__(self, message: str, *, package: str, extra: str) -> None:
        super().__init__(message)
        self.package = package
        self.extra = extra
        self.name = package


class MissingAPIKeyError(ConfigurationError):
    """No API key was passed and none of the provider's environment variables is set."""

    def __init__(self, message: str, *, provider: str, env_vars: Sequence[str]) -> None:
        super().__init__(message)
        self.provider = provider
        self.env_vars = list(env_vars)


class ModeError(InstructorError):
    """A mode cannot be used with this provider (the published release's name for it)."""


class UnsupportedModeError(ConfigurationError, ModeError):
    """The provider does not support the requested mode; the message lists those it does."""

    def __init__(self, message: str, *, mode: object, supported: Sequence[object]) -> None:
        super().__init__(message)
        self.mode = mode
        self.supported = list(supported)


class HandlerNotFoundError(ConfigurationError):
    """No mode handler is registered (lazily or loaded) for the requested mode."""


class RegistryError(ConfigurationError):
    """A provider or mode lookup in a registry failed (e.g. `patch` with an unregistered mode)."""


class ValidationContextError(ConfigurationError):
    """`context` and `validation_context` were used in a way that cannot be honoured."""


class ClientError(InstructorError, TypeError):
    """The client object passed to a `from_<provider>` factory cannot be used (wrong type)."""


class ProviderError(InstructorError):
    """A provider-specific failure, named after the provider."""


class ValidationError(InstructorError):
    """instructor's own validation failure (not pydantic's `ValidationError`)."""


class AsyncValidationError(ValueError, InstructorError):
    """Async validators of a response model failed."""


class MultimodalError(ValueError, InstructorError):
    """An image, audio or PDF could not be loaded or sent to this provider."""

    def __init__(self, message: str, content_type: str | None = None, file_path: str | None = None) -> None:
        parts = [f"{name}: {value}" for name, value in (("content_type", content_type), ("file", file_path))
                 if value]
        super().__init__(f"{message} ({', '.join(parts)})" if parts else message)
        self.content_type = content_type
        self.file_path = file_path


class RefusalError(InstructorError, AssertionError):
    """The model refused to answer; a refusal is never re-asked."""


class ProviderNotAvailableError(InstructorError, NotImplementedError):
    """The provider is declared but instructor cannot build a client for it yet."""


class PluginError(InstructorError):
    """A third-party provider plugin failed to load; the message names the plugin."""


class ResponseParsingError(InstructorError, ValueError):
    """The completion could not be read as the requested model (no tool call, bad JSON...).

    Carries the raw completion so nothing is lost.
    """

    def __init__(self, message: str, *, raw_response: Any = None) -> None:
        super().__init__(message)
        self.raw_response = raw_response


class IncompleteOutputException(InstructorError):
    """The model stopped before finishing its answer (length limit, truncated stream).

    `last_completion` is the raw completion (or the last stream chunk), and
    `received` the text that did arrive, so a caller can inspect or resume it.
    `failed_attempts` are the attempts before this one that failed validation.
    """

    def __init__(
        self,
        message: str = "The output is incomplete: the model stopped at its length limit. "
        "Raise max_tokens, or ask for a smaller object.",
        *,
        last_completion: Any = None,
        received: str | None = None,
        n_attempts: int = 1,
        failed_attempts: Sequence[FailedAttempt] = (),
    ) -> None:
        super().__init__(message)
        self.last_completion = last_completion
        self.received = received
        self.n_attempts = n_attempts
        self.failed_attempts = list(failed_attempts)


class FailedAttempt:
    """One attempt that did not produce a valid object: its number, error and completion."""

    __slots__ = ("number", "exception", "completion")

    def __init__(self, number: int, exception: BaseException, completion: Any) -> None:
        self.number = number
        self.exception = exception
        self.completion = completion

    def __repr__(self) -> str:
        return f"FailedAttempt(number={self.number}, exception={self.exception!r})"


class InstructorRetryException(InstructorError):
    """Every attempt failed; carries all of them, the last completion and the summed usage."""

    def __init__(
        self,
        message: str,
        *,
        n_attempts: int,
        last_completion: Any,
        failed_attempts: Sequence[FailedAttempt] = (),
        total_usage: Mapping[str, int] | None = None,
        messages: Any = None,
        create_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.n_attempts = n_attempts
        self.last_completion = last_completion
        self.failed_attempts = list(failed_attempts)
        self.total_usage = dict(total_usage or {})
        self.messages = messages
        self.create_kwargs = dict(create_kwargs or {})

    @property
    def errors(self) -> list[BaseException]:
        """The exception of every failed attempt, in order."""
        return [a.exception for a in self.failed_attempts]


class TokenBudgetError(InstructorRetryException):
    """A call's `token_budget` stopped it."""


class TokenBudgetExceeded(TokenBudgetError):
    """The tokens used across attempts reached the call's `token_budget`."""


class TokenUsageUnavailableError(TokenBudgetError):
    """`token_budget` was set but the provider reports no usage to count it against."""

__all__ = [
    "AsyncValidationError",
    "ClientError",
    "ConfigurationError",
    "FailedAttempt",
    "HandlerNotFoundError",
    "IncompleteOutputException",
    "InstructorError",
    "InstructorRetryException",
    "MissingAPIKeyError",
    "MissingDependencyError",
    "ModeError",
    "ModelStringError",
    "MultimodalError",
    "PluginError",
    "ProviderError",
    "ProviderNotAvailableError",
    "RefusalError",
    "RegistryError",
    "ResponseParsingError",
    "TokenBudgetError",
    "TokenBudgetExceeded",
    "TokenUsageUnavailableError",
    "UnknownProviderError",
    "UnsupportedModeError",
    "ValidationContextError",
    "ValidationError",
]

"""Every exception instructor raises (stdlib only, importable without pydantic).

The hierarchy (the published release's classes, and our precise ones beneath them)::

    InstructorError                           failed_attempts, from_exception(), str() lists attempts
    ├── ConfigurationError (ValueError)       a client cannot be built as asked
    │   ├── ModelStringError                  "provider/model" is malformed
    │   ├── UnknownProviderError              no provider by that name
    │   ├── MissingDependencyError (ImportError)  the provider's SDK is not installed
    │   ├── MissingAPIKeyError                no key passed and its env var is unset
    │   ├── UnsupportedModeError (ModeError)  the provider does not support that mode
    │   ├── HandlerNotFoundError              no handler is registered for a mode
    │   ├── RegistryError                     a registry lookup failed (patch with a foreign mode)
    │   └── ValidationContextError            context / validation_context misused
    ├── ModeError                             mode, provider, valid_modes
    ├── ClientError (TypeError)               a client object of the wrong type
    ├── ProviderError                         provider
    ├── ValidationError                       instructor's own (not pydantic's)
    ├── AsyncValidationError (ValueError)     errors
    ├── MultimodalError (ValueError)          content_type, file_path
    ├── RefusalError (AssertionError)         the model refused: never re-asked
    ├── ProviderNotAvailableError             declared, but its factory is not built yet
    ├── PluginError                           a third-party provider failed to load
    ├── ResponseParsingError (ValueError)     the completion could not be read: re-asked
    ├── IncompleteOutputException             the output was cut off (length limit, stream end)
    │   └── StreamInterruptedError            ... because the stream broke off (also a retry exception)
    └── InstructorRetryException              the call gave up (n_attempts, total_usage, ...)
        ├── StreamInterruptedError
        └── TokenBudgetError                  budget, usage, cost
            ├── TokenBudgetExceeded
            │   └── BudgetExceeded            a `budget=Budget(...)` is spent
            └── TokenUsageUnavailableError
    FailedAttempt                             a named tuple (attempt_number, exception, completion)

Messages follow one rule: what happened, the offending value, what to do.
They never include API keys: only names of environment variables.
"""

from __future__ import annotations

TYPE_CHECKING = False  # spares importing `typing` for users who only catch exceptions
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from typing_extensions import Self


class InstructorError(Exception):
    """Base class of every error raised by instructor.

    `failed_attempts` (None, or a list of `FailedAttempt`) is rendered by `str(e)`
    after the message, one line per attempt, when there are any.
    """

    def __init__(self, *args: Any, failed_attempts: list[FailedAttempt] | None = None, **kwargs: Any) -> None:
        super().__init__(*args)
        self.failed_attempts = failed_attempts

    @classmethod
    def from_exception(cls, exception: BaseException, failed_attempts: list[FailedAttempt] | None = None
                       ) -> Self:
        """An instance of this class carrying `str(exception)` as its message."""
        return cls(str(exception), failed_attempts=failed_attempts)

    def __reduce__(self) -> tuple[Any, ...]:
        # pickle by state: the constructors take required keywords that `args` does not hold
        return _rebuild, (type(self), self.args, self.__dict__)

    def __str__(self) -> str:
        message = super().__str__()
        attempts = getattr(self, "failed_attempts", None)
        if not attempts:
            return message
        lines = [message, "", f"Failed attempts ({len(attempts)}):"]
        for attempt in attempts:
            error = attempt.exception
            first = str(error).strip().splitlines()
            lines.append(f"  attempt {attempt.attempt_number}: {type(error).__name__}: "
                         f"{first[0] if first else ''}{' ...' if len(first) > 1 else ''}")
        return "\n".join(lines)


def _rebuild(cls: type[InstructorError], args: tuple[Any, ...], state: dict[str, Any]) -> InstructorError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


if TYPE_CHECKING:
    from typing import NamedTuple

    class _FailedAttemptFields(NamedTuple):
        attempt_number: int
        exception: BaseException
        completion: Any = None
else:  # collections.namedtuple is what typing.NamedTuple builds, without importing typing
    from collections import namedtuple

    _FailedAttemptFields = namedtuple(
        "FailedAttempt", ["attempt_number", "exception", "completion"], defaults=(None,)
    )


class FailedAttempt(_FailedAttemptFields):
    """One attempt that did not produce a valid object: a named tuple
    `(attempt_number, exception, completion)`, `attempt_number` counting from 1 and
    `completion` the raw SDK response of that attempt."""

    __slots__ = ()

    @property
    def number(self) -> int:
        """The older name of `attempt_number`."""
        return self.attempt_number


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


class ClientError(InstructorError, TypeError):
    """The client object passed to a `from_<provider>` factory cannot be used (wrong type, or its SDK
    is not installed: `MissingDependencyError` is one too, as the published factories raise)."""


class MissingDependencyError(ConfigurationError, ClientError, ImportError):
    """The SDK a provider needs is not installed; the message names the pip extra. A
    `ConfigurationError` (what `from_provider` raised in the published release) and a
    `ClientError` (what its `from_<provider>` factories raised)."""

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


def _mode_name(mode: object) -> str:
    return str(getattr(mode, "value", mode))


def invalid_mode_sentence(mode: object, provider: object, valid_modes: Sequence[object]) -> str:
    """The first sentence of every mode error (programs match it): the mode, the provider, the valid modes."""
    supported = ", ".join(_mode_name(m) for m in valid_modes) or "none"
    return f"Invalid mode {_mode_name(mode)!r} for provider {_mode_name(provider)!r}. Valid modes: {supported}."


class ModeError(InstructorError):
    """A mode cannot be used with this provider.

    Attributes:
        mode: the mode asked for.
        provider: the provider's name.
        valid_modes: the modes that provider supports.
    """

    def __init__(self, mode: object, provider: object, valid_modes: Sequence[object] = (), **kwargs: Any) -> None:
        self.mode = mode
        self.provider = provider
        self.valid_modes = list(valid_modes)
        super().__init__(invalid_mode_sentence(mode, provider, self.valid_modes), **kwargs)


class UnsupportedModeError(ConfigurationError, ModeError):
    """The provider does not support the requested mode; the message lists those it does.

    Also a `ModeError`, with its `mode`, `provider` and `valid_modes` (`supported`
    is the same list).
    """

    def __init__(self, message: str, *, mode: object, supported: Sequence[object], provider: object = None
                 ) -> None:
        InstructorError.__init__(self, message)  # ModeError.__init__ builds its own message
        self.mode = mode
        self.provider = provider
        self.supported = list(supported)
        self.valid_modes = self.supported


class HandlerNotFoundError(ConfigurationError):
    """No mode handler is registered (lazily or loaded) for the requested mode."""


class RegistryError(ConfigurationError):
    """A provider or mode lookup in a registry failed (e.g. `patch` with an unregistered mode)."""


class ValidationContextError(ConfigurationError):
    """`context` and `validation_context` were used in a way that cannot be honoured."""


class ProviderError(InstructorError):
    """A provider-specific failure, named after the provider: `str(e)` is "provider: message"."""

    def __init__(self, provider: str, message: str, **kwargs: Any) -> None:
        self.provider = provider
        super().__init__(f"{provider}: {message}", **kwargs)


class ValidationError(InstructorError):
    """instructor's own validation failure (not pydantic's `ValidationError`)."""


class AsyncValidationError(ValueError, InstructorError):
    """Async validators of a response model failed; `errors` lists their failures."""

    def __init__(self, message: str = "", errors: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(message)
        self.failed_attempts = kwargs.get("failed_attempts")
        self.errors = list(errors) if errors is not None else []


class MultimodalError(ValueError, InstructorError):
    """An image, audio or PDF could not be loaded or sent to this provider."""

    def __init__(self, message: str = "", content_type: str | None = None, file_path: str | None = None,
                 **kwargs: Any) -> None:
        details = [f"{label}: {value}" for label, value in (("content_type", content_type), ("file", file_path))
                   if value]
        super().__init__(f"{message} ({', '.join(details)})" if details else message)
        self.failed_attempts = kwargs.get("failed_attempts")
        self.content_type = content_type
        self.file_path = file_path


class RefusalError(InstructorError, AssertionError):
    """The model refused to answer; a refusal is never re-asked."""


class ProviderNotAvailableError(InstructorError, NotImplementedError):
    """The provider is declared but instructor cannot build a client for it yet."""


class PluginError(InstructorError):
    """A third-party provider plugin failed to load; the message names the plugin."""


class ResponseParsingError(InstructorError, ValueError):
    """The completion could not be read as the requested model (no tool call, bad JSON...): re-asked.

    Carries the raw completion so nothing is lost; `str(e)` names the mode when given.
    """

    def __init__(self, message: str = "", mode: object = None, raw_response: Any = None, **kwargs: Any) -> None:
        super().__init__(f"{message} (mode: {_mode_name(mode)})" if mode is not None else message, **kwargs)
        self.mode = mode
        self.raw_response = raw_response


_INCOMPLETE = ("The output is incomplete: the model stopped at its length limit. "
               "Raise max_tokens, or ask for a smaller object.")


class IncompleteOutputException(InstructorError):
    """The model stopped before finishing its answer (length limit, truncated stream). Never re-asked.

    `last_completion` is the raw completion (or what the stream delivered), and
    `received` the text that did arrive, so a caller can inspect or resume it;
    `n_attempts` counts this attempt, `failed_attempts` the earlier ones that failed validation.
    """

    def __init__(
        self,
        *args: Any,
        last_completion: Any = None,
        message: str = _INCOMPLETE,
        received: str | None = None,
        n_attempts: int = 1,
        failed_attempts: Sequence[FailedAttempt] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*(args or (message,)),
                         failed_attempts=list(failed_attempts) if failed_attempts is not None else None)
        self.last_completion = last_completion
        self.received = received
        self.n_attempts = n_attempts


class InstructorRetryException(InstructorError):
    """The call gave up: every attempt failed, or one failed in a way that is not re-asked.

    Attributes:
        n_attempts: attempts made.
        failed_attempts: one `FailedAttempt` per attempt that failed validation or parsing.
        last_completion: the raw completion of the last failed attempt (None if none).
        messages: the messages of the final request state, the last re-ask included.
        create_kwargs: that whole request (messages, model, tools...).
        total_usage: the provider's usage object summed over the attempts (see
            `instructor.core.usage`).
    """

    def __init__(
        self,
        *args: Any,
        n_attempts: int,
        total_usage: Any,
        last_completion: Any = None,
        messages: Any = None,
        create_kwargs: dict[str, Any] | None = None,
        failed_attempts: list[FailedAttempt] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, failed_attempts=failed_attempts, **kwargs)
        self.n_attempts = n_attempts
        self.total_usage = total_usage
        self.last_completion = last_completion
        self.messages = messages
        self.create_kwargs = create_kwargs

    @property
    def errors(self) -> list[BaseException]:
        """The exception of every failed attempt, in order."""
        return [a.exception for a in self.failed_attempts or ()]


class StreamInterruptedError(IncompleteOutputException, InstructorRetryException):
    """A stream broke off mid-way (connection dropped, stream stalled): never re-asked.

    Both an `IncompleteOutputException` (with `received`, the text that arrived)
    and the `InstructorRetryException` the published release raises there (its
    `__cause__` is the transport error).
    """

    def __init__(
        self,
        message: str,
        *,
        last_completion: Any = None,
        received: str | None = None,
        n_attempts: int = 1,
        failed_attempts: Sequence[FailedAttempt] | None = None,
        total_usage: Any = None,
        messages: Any = None,
        create_kwargs: dict[str, Any] | None = None,
    ) -> None:
        InstructorError.__init__(self, message, failed_attempts=list(failed_attempts or ()))
        self.last_completion = last_completion
        self.received = received
        self.n_attempts = n_attempts
        self.total_usage = total_usage
        self.messages = messages
        self.create_kwargs = create_kwargs


class TokenBudgetError(InstructorRetryException):
    """A call's budget stopped it before its next request. Never wrapped.

    Attributes:
        budget: the budget as the caller gave it: the int of `token_budget=`, or the
            `instructor.Budget` of `budget=`.
        usage: what the call spent so far (an `instructor.Usage`: every attempt, on every
            client of a fallback chain, streams included), or None when not counted.
        cost: the cost so far, at the budget's prices (None without prices, or when a
            model had none).
    """

    def __init__(self, *args: Any, budget: Any, usage: Any = None, cost: float | None = None, **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        self.budget = budget
        self.usage = usage
        self.cost = cost


class TokenBudgetExceeded(TokenBudgetError):
    """The tokens used across attempts reached the call's `token_budget`."""


class BudgetExceeded(TokenBudgetExceeded):
    """The call's `budget=instructor.Budget(...)` is spent (tokens or cost); `usage` and `cost` say how."""


class TokenUsageUnavailableError(TokenBudgetError):
    """A budget was set but the provider reported no usage to count it against."""


__all__ = [
    "AsyncValidationError",
    "BudgetExceeded",
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
    "StreamInterruptedError",
    "TokenBudgetError",
    "TokenBudgetExceeded",
    "TokenUsageUnavailableError",
    "UnknownProviderError",
    "UnsupportedModeError",
    "ValidationContextError",
    "ValidationError",
]

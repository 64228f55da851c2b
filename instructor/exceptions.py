"""Deprecated import path of the exceptions: import them from `instructor.core` (or `instructor`).

Kept for programs written for the published release, with the same
`DeprecationWarning` at import. instructor's own code never imports this module.
"""

import warnings as _warnings

_warnings.warn(
    "instructor.exceptions is deprecated: import the exceptions from instructor.core "
    "(from instructor.core import InstructorRetryException) or from instructor itself.",
    DeprecationWarning,
    stacklevel=2,
)

from instructor.core.exceptions import (  # noqa: E402 - after the warning, as in the published release
    AsyncValidationError,
    BudgetExceeded,
    ClientError,
    ConfigurationError,
    FailedAttempt,
    HandlerNotFoundError,
    IncompleteOutputException,
    InstructorError,
    InstructorRetryException,
    MissingAPIKeyError,
    MissingDependencyError,
    ModeError,
    ModelStringError,
    MultimodalError,
    PluginError,
    ProviderError,
    ProviderNotAvailableError,
    RefusalError,
    RegistryError,
    ResponseParsingError,
    TokenBudgetError,
    TokenBudgetExceeded,
    TokenUsageUnavailableError,
    UnknownProviderError,
    UnsupportedModeError,
    ValidationContextError,
    ValidationError,
)

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
    "TokenBudgetError",
    "TokenBudgetExceeded",
    "TokenUsageUnavailableError",
    "UnknownProviderError",
    "UnsupportedModeError",
    "ValidationContextError",
    "ValidationError",
]

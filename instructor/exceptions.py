"""The exceptions, at the path users' code imports them from (`instructor.exceptions`)."""

from instructor.core.exceptions import (
    ConfigurationError,
    FailedAttempt,
    HandlerNotFoundError,
    IncompleteOutputException,
    InstructorError,
    InstructorRetryException,
    MissingAPIKeyError,
    MissingDependencyError,
    ModelStringError,
    PluginError,
    ProviderNotAvailableError,
    ResponseParsingError,
    UnknownProviderError,
    UnsupportedModeError,
)

__all__ = [
    "ConfigurationError",
    "FailedAttempt",
    "HandlerNotFoundError",
    "IncompleteOutputException",
    "InstructorError",
    "InstructorRetryException",
    "MissingAPIKeyError",
    "MissingDependencyError",
    "ModelStringError",
    "PluginError",
    "ProviderNotAvailableError",
    "ResponseParsingError",
    "UnknownProviderError",
    "UnsupportedModeError",
]

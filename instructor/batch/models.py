"""What a batch job gives back: parsed results, typed errors, and the job's status.

One vocabulary for both providers: OpenAI's `Batch` and Anthropic's
`MessageBatch` become a `BatchJobInfo`; every result line becomes a
`BatchSuccess` (the user's model) or a `BatchError` (what went wrong, with the
line kept in `raw_data`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

T = TypeVar("T")


class BatchSuccess(BaseModel, Generic[T]):
    """One request of the batch answered and validated: `result` is the user's model."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    custom_id: str
    result: T
    success: bool = True


class BatchError(BaseModel):
    """One request of the batch that gave no valid object.

    `error_type` says which kind of failure it was: the provider's own error type
    for a request the provider rejected (`invalid_request_error`,
    `rate_limit_exceeded`...), `canceled` / `expired` for a request never run,
    `validation_error` (JSON that does not fit the model), `invalid_json` (an
    answer that is not JSON), `incomplete_output` (cut at the length limit),
    `refusal` (the model refused), `response_parsing_error` (no tool call) and `parse_error` (a
    results line that cannot be read at all). `exception` is the exception
    itself when one was raised (not serialised).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    custom_id: str
    error_type: str
    error_message: str
    success: bool = False
    raw_data: Any = None
    exception: Exception | None = Field(default=None, exclude=True, repr=False)


class BatchStatus(str, Enum):
    """Where a batch job is, in words common to both providers."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class BatchTimestamps(BaseModel):
    """When the job reached each stage (UTC; None until it does)."""

    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    failed_at: datetime | None = None
    cancelled_at: datetime | None = None
    expired_at: datetime | None = None
    expires_at: datetime | None = None


class BatchRequestCounts(BaseModel):
    """How many requests are in each state (providers fill the counts they report)."""

    total: int | None = None
    completed: int | None = None
    failed: int | None = None
    processing: int | None = None
    succeeded: int | None = None
    errored: int | None = None
    cancelled: int | None = None
    expired: int | None = None


class BatchErrorInfo(BaseModel):
    """Why a whole job failed (not one request: those are `BatchError`s)."""

    error_type: str | None = None
    error_message: str | None = None
    error_code: str | None = None


class BatchFiles(BaseModel):
    """Where the job's input and results live at the provider."""

    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    results_url: str | None = None


class BatchJobInfo(BaseModel):
    """A batch job as the provider last reported it, in words common to both providers.

    `status` is the common vocabulary; `raw_status` the provider's own word
    (`in_progress`, `ended`, `canceling`...); `raw_data` what it was built from.
    `BatchProcessor.get_batch_info(batch_id)` returns one; `get_batch_status`
    returns the published four-key dict instead.
    """

    id: str
    provider: str
    status: BatchStatus
    raw_status: str
    timestamps: BatchTimestamps = Field(default_factory=BatchTimestamps)
    request_counts: BatchRequestCounts = Field(default_factory=BatchRequestCounts)
    files: BatchFiles = Field(default_factory=BatchFiles)
    error: BatchErrorInfo | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    model: str | None = None
    endpoint: str | None = None
    completion_window: str | None = None
    raw_data: dict[str, Any] | None = None

    @property
    def is_done(self) -> bool:
        """Whether the job will not change any more (results, if any, can be fetched).

        A job being cancelled already reads CANCELLED, but is not done until the
        provider has stopped it.
        """
        return self.status in _FINAL and self.raw_status not in _STOPPING

    @classmethod
    def from_provider(cls, provider: str, batch: Any) -> BatchJobInfo:
        """From `provider`'s batch object (the SDK object or its dict): "openai", "anthropic",
        "bedrock", "google" or "mistral"."""
        if provider == "anthropic":
            return cls.from_anthropic(batch)
        if provider == "openai":
            return cls.from_openai(batch)
        from instructor.batch.providers import provider_module

        info: BatchJobInfo = provider_module(provider).info(batch)
        return info

    @classmethod
    def from_openai(cls, batch: Any) -> BatchJobInfo:
        """From an OpenAI `Batch`: the SDK object or its dict (`batch.model_dump()`).

        Raises:
            KeyError: the batch has no `id`.
        """
        data = _as_dict(batch)
        counts = _as_dict(data.get("request_counts"))
        raw_status = data.get("status")
        return cls(
            id=data["id"],
            provider="openai",
            status=_OPENAI_STATUS.get(raw_status, BatchStatus.PENDING),  # type: ignore[arg-type]
            raw_status=str(raw_status),
            timestamps=BatchTimestamps(
                created_at=_timestamp(data.get("created_at")),
                started_at=_timestamp(data.get("in_progress_at")),
                completed_at=_timestamp(data.get("completed_at")),
                failed_at=_timestamp(data.get("failed_at")),
                cancelled_at=_timestamp(data.get("cancelled_at")),
                expired_at=_timestamp(data.get("expired_at")),
                expires_at=_timestamp(data.get("expires_at")),
            ),
            request_counts=BatchRequestCounts(
                total=counts.get("total"), completed=counts.get("completed"), failed=counts.get("failed"),
            ),
            files=BatchFiles(input_file_id=data.get("input_file_id"), output_file_id=data.get("output_file_id"),
                             error_file_id=data.get("error_file_id")),
            error=_openai_error(data.get("errors")),
            metadata=data.get("metadata") or {},
            model=data.get("model"),
            endpoint=data.get("endpoint"),
            completion_window=data.get("completion_window"),
            raw_data=data,
        )

    @classmethod
    def from_anthropic(cls, batch: Any) -> BatchJobInfo:
        """From an Anthropic `MessageBatch`: the SDK object or its dict (`batch.model_dump()`).

        Raises:
            KeyError: the batch has no `id`.
        """
        data = _as_dict(batch)
        counts = {k: v for k, v in _as_dict(data.get("request_counts")).items() if isinstance(v, int)}
        raw_status = data.get("processing_status")
        status = _ANTHROPIC_STATUS.get(raw_status, BatchStatus.PENDING)  # type: ignore[arg-type]
        if status is BatchStatus.COMPLETED and data.get("cancel_initiated_at"):
            status = BatchStatus.CANCELLED  # ended because it was cancelled, as OpenAI's "cancelled"
        return cls(
            id=data["id"],
            provider="anthropic",
            status=status,
            raw_status=str(raw_status),
            timestamps=BatchTimestamps(
                created_at=_timestamp(data.get("created_at")),
                started_at=_timestamp(data.get("created_at")),  # Anthropic starts a batch as it is created
                completed_at=_timestamp(data.get("ended_at")),
                cancelled_at=_timestamp(data.get("cancel_initiated_at")),
                expires_at=_timestamp(data.get("expires_at")),
            ),
            request_counts=BatchRequestCounts(
                total=sum(counts.get(k, 0) for k in _ANTHROPIC_COUNTS),
                processing=counts.get("processing"), succeeded=counts.get("succeeded"),
                errored=counts.get("errored"), cancelled=counts.get("canceled"), expired=counts.get("expired"),
            ),
            files=BatchFiles(results_url=data.get("results_url")),
            raw_data=data,
        )


_OPENAI_STATUS = {
    "validating": BatchStatus.PENDING,
    "in_progress": BatchStatus.PROCESSING,
    "finalizing": BatchStatus.PROCESSING,
    "cancelling": BatchStatus.CANCELLED,
    "completed": BatchStatus.COMPLETED,
    "failed": BatchStatus.FAILED,
    "expired": BatchStatus.EXPIRED,
    "cancelled": BatchStatus.CANCELLED,
}
_ANTHROPIC_STATUS = {
    "in_progress": BatchStatus.PROCESSING,
    "canceling": BatchStatus.CANCELLED,
    "ended": BatchStatus.COMPLETED,
    "failed": BatchStatus.FAILED,
    "cancelled": BatchStatus.CANCELLED,
    "expired": BatchStatus.EXPIRED,
}
_ANTHROPIC_COUNTS = ("processing", "succeeded", "errored", "canceled", "expired")
_FINAL = frozenset({BatchStatus.COMPLETED, BatchStatus.FAILED, BatchStatus.CANCELLED, BatchStatus.EXPIRED})
#: the raw statuses of a job the provider is still stopping (CANCELLED, not yet done)
_STOPPING = frozenset({"cancelling", "canceling", "Stopping", "CANCELLATION_REQUESTED"})


def _as_dict(value: Any) -> dict[str, Any]:
    """A provider object (SDK model or dict) as a dict; None as {}."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    dump: dict[str, Any] = value.model_dump()
    return dump


def _timestamp(value: Any) -> datetime | None:
    """A provider timestamp as a datetime: epoch seconds (UTC), an ISO string, or a datetime.

    0 and anything unreadable are None (a provider's "not yet", not 1970).
    """
    if isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc) if value else None
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _openai_error(errors: Any) -> BatchErrorInfo | None:
    """The first error of a failed OpenAI batch: the API's `{"data": [{"code", "message"}]}` or a flat dict."""
    errors = _as_dict(errors)
    entries = errors.get("data")
    first = _as_dict(entries[0]) if isinstance(entries, list) and entries else errors
    if not any(first.get(k) for k in ("code", "message", "type")):
        return None
    return BatchErrorInfo(error_type=first.get("type") or first.get("code"), error_message=first.get("message"),
                          error_code=first.get("code"))


# -- helpers over a list of results ----------------------------------------------------------
def filter_successful(results: Iterable[BatchSuccess[T] | BatchError]) -> list[BatchSuccess[T]]:
    """Only the successes, in order."""
    return [r for r in results if isinstance(r, BatchSuccess)]


def filter_errors(results: Iterable[BatchSuccess[T] | BatchError]) -> list[BatchError]:
    """Only the errors, in order."""
    return [r for r in results if isinstance(r, BatchError)]


def extract_results(results: Iterable[BatchSuccess[T] | BatchError]) -> list[T]:
    """The parsed objects of the successes, in order."""
    return [r.result for r in results if isinstance(r, BatchSuccess)]


def get_results_by_custom_id(results: Iterable[BatchSuccess[T] | BatchError]) -> dict[str, BatchSuccess[T] | BatchError]:
    """Results keyed by their `custom_id` (results can arrive in any order)."""
    return {r.custom_id: r for r in results}

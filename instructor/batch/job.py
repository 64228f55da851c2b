"""`BatchJob`: read a results file, or pick a running job up again by its id.

Results files are read line by line (`iter_file`), so a 100,000-line file
costs the memory of one line. A job lives at the provider, not in the process
that started it: `BatchJob.retrieve(model, batch_id, User)` in a new process
(after a crash, in a cron job) polls and reads it like the one that submitted it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from instructor.batch.models import BatchError, BatchJobInfo, BatchSuccess
from instructor.batch.parsing import iter_parsed

if TYPE_CHECKING:
    from instructor.batch.processor import BatchProcessor
    from instructor.mode import Mode

T = TypeVar("T")

#: the `error` of an unreadable line in `parse_from_*`'s error dicts (programs compare it)
UNREADABLE_LINE = "Failed to parse JSON"


class BatchJob(Generic[T]):
    """One batch job at its provider, known by its id.

    Example:
        >>> job = BatchJob.retrieve("openai/gpt-4o-mini", "batch_abc123", User)  # any process
        >>> job.wait(poll_interval=60)
        >>> users = [r.result for r in job.results() if r.success]
    """

    def __init__(self, batch_id: str, processor: BatchProcessor[T]) -> None:
        self.id = batch_id
        self.processor = processor

    def __repr__(self) -> str:
        return f"BatchJob({self.id!r}, {self.processor!r})"

    @classmethod
    def retrieve(cls, model: str, batch_id: str, response_model: type[T], **kwargs: Any) -> BatchJob[T]:
        """The job `batch_id` of `model`'s provider ("provider/model"); `kwargs` as `BatchProcessor`'s."""
        from instructor.batch.processor import BatchProcessor

        return cls(batch_id, BatchProcessor(model, response_model, **kwargs))

    def status(self) -> BatchJobInfo:
        """The job as the provider reports it now (see `BatchProcessor.get_batch_info`)."""
        return self.processor.get_batch_info(self.id)

    def wait(self, poll_interval: float = 30.0, timeout: float | None = None) -> BatchJobInfo:
        """Poll until the job is done (see `BatchProcessor.wait`)."""
        return self.processor.wait(self.id, poll_interval, timeout)

    def results(self, *, context: Mapping[str, Any] | None = None,
                strict: bool | None = None) -> Iterator[BatchSuccess[T] | BatchError]:
        """Each result as it is read from the provider (`BatchSuccess` or `BatchError`)."""
        return self.processor.iter_results(self.id, context=context, strict=strict)

    def cancel(self) -> BatchJobInfo:
        """Ask the provider to stop the job; its state as the provider answered."""
        return BatchJobInfo.from_provider(self.processor.provider, self.processor.cancel_batch(self.id))

    # -- results files, whoever wrote them ---------------------------------------------------------
    @staticmethod
    def iter_file(file_path: str, response_model: type[T], mode: Mode | None = None, *,
                  context: Mapping[str, Any] | None = None,
                  strict: bool | None = None) -> Iterator[BatchSuccess[T] | BatchError]:
        """Each line of a results file (OpenAI or Anthropic) parsed, one line in memory at a time.

        With `mode=None` each line is read as what it holds: a tool call's
        arguments, or JSON in the answer's text.
        """
        with open(file_path, encoding="utf-8") as handle:
            yield from iter_parsed(handle, response_model, mode, context=context, strict=strict)

    @classmethod
    def parse_from_file(cls, file_path: str, response_model: type[T]) -> tuple[list[T], list[dict[str, Any]]]:
        """(the parsed objects, the lines that gave none) of a results file, OpenAI's or Anthropic's.

        Each error is the results line itself, as a dict, unchanged; a line that is
        not JSON is `{"error": "Failed to parse JSON", "raw_line": <the line>}`.
        """
        with open(file_path, encoding="utf-8") as handle:
            return cls._split(iter_parsed(handle, response_model))

    @classmethod
    def parse_from_string(cls, content: str, response_model: type[T]) -> tuple[list[T], list[dict[str, Any]]]:
        """`parse_from_file` for results already in memory."""
        return cls._split(iter_parsed(content.splitlines(), response_model))

    @staticmethod
    def _split(results: Iterable[BatchSuccess[T] | BatchError]) -> tuple[list[T], list[dict[str, Any]]]:
        parsed: list[T] = []
        errors: list[dict[str, Any]] = []
        for result in results:
            if isinstance(result, BatchSuccess):
                parsed.append(result.result)
            elif isinstance(result.raw_data, dict):
                errors.append(result.raw_data)
            else:  # the line was not a JSON object
                errors.append({"error": UNREADABLE_LINE, "raw_line": str(result.raw_data).rstrip("\r\n")})
        return parsed, errors

"""`BatchProcessor`: a batch job from message lists to validated objects, on OpenAI or Anthropic.

Every method that talks to the provider takes the batch id, so a job started
by one process can be polled, fetched and parsed by another (`python -m
instructor batch status|results` does just that). Results are read as a
stream: `iter_results` holds one line at a time.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, Generic, TypeVar

from instructor.batch.models import BatchError, BatchJobInfo, BatchSuccess
from instructor.batch.parsing import iter_parsed
from instructor.batch.providers import provider_module
from instructor.batch.request import line_body
from instructor.mode import Mode

logger = logging.getLogger("instructor.batch")

T = TypeVar("T")


def _split_model(model: str) -> tuple[str, str]:
    from instructor.core.exceptions import ModelStringError

    provider, sep, name = model.partition("/") if isinstance(model, str) else ("", "", "")
    if not sep or not provider.strip() or not name.strip():
        raise ModelStringError(
            f"Model string must be in format 'provider/model-name', got {model!r}. "
            "Write it as, for example, 'openai/gpt-4o-mini' or 'anthropic/claude-sonnet-4-6'."
        )
    return provider.strip(), name.strip()


class BatchProcessor(Generic[T]):
    """Build, submit, watch and read a provider batch job for one response model.

    Args:
        model: `"provider/model"`; the provider is `openai`, `anthropic`, `bedrock`,
            `google` (the Gemini API) or `mistral`.
        response_model: the pydantic model every answer is validated as.
        mode: how each request asks for the object (default: a strict `json_schema`
            response format on OpenAI, a forced tool call elsewhere); any mode the
            provider supports, and the request body is what `client.create` sends in it.
        client: the provider's SDK client to use (`openai.OpenAI`, `anthropic.Anthropic`,
            `google.genai.Client`, `mistralai.Mistral`; for Bedrock a `boto3.Session`); by
            default one is made on first use from `**client_kwargs` and the environment
            (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `ANTHROPIC_API_KEY`, AWS credentials...).
        batch_options: the provider's job settings that are not the SDK client's. Bedrock
            needs `s3_uri` (where the input goes and the output comes back,
            `s3://bucket/prefix`) and `role_arn` (the service role Bedrock runs the job
            as); `timeout_hours` (Bedrock, Mistral). Kept in a `BatchRun`'s record.

    A tool call naming a tool the request did not offer is an invalid answer here,
    as in a live call (`error_type` `response_parsing_error`); `BatchJob.parse_from_file`
    keeps the published leniency for files written by other tools.

    Raises:
        ModelStringError: `model` is not "provider/model" (a `ValueError`).
        ConfigurationError: the provider has no batch support here (a `ValueError`).
        UnsupportedModeError: the provider does not support `mode`.

    Example:
        >>> processor = BatchProcessor("openai/gpt-4o-mini", User)
        >>> path = processor.create_batch_from_messages(messages_list, file_path="batch.jsonl")
        >>> batch_id = processor.submit_batch(path)
        >>> processor.wait(batch_id)
        >>> users = [r.result for r in processor.iter_results(batch_id) if r.success]
    """

    def __init__(
        self,
        model: str,
        response_model: type[T],
        *,
        mode: Mode | None = None,
        client: Any = None,
        batch_options: Mapping[str, Any] | None = None,
        **client_kwargs: Any,
    ) -> None:
        self.model = model
        self.provider, self.model_name = _split_model(model)
        self._provider = provider_module(self.provider)
        self.response_model = response_model
        self.mode = self._resolve_mode(mode)
        #: the mode the request lines are built in; None: the provider's default line
        self._line_mode = None if mode is None else self.mode
        self._client = None if client is None else self._provider.adopt_client(client)
        self._client_kwargs = client_kwargs
        self.batch_options = dict(batch_options or {})

    def __repr__(self) -> str:
        name = getattr(self.response_model, "__name__", repr(self.response_model))
        return f"BatchProcessor({self.model!r}, {name}, mode=Mode.{self.mode.name})"

    @property
    def family(self) -> str:
        """The provider whose mode handlers shape and read the lines (Bedrock's Claude: `anthropic`)."""
        family: str = self._provider.family(self.model_name)
        return family

    def _resolve_mode(self, mode: Mode | None) -> Mode:
        family = self.family  # raises for a model family the provider's batches do not serve
        if mode is None:
            default: Mode = self._provider.DEFAULT_MODE
            return default
        from instructor.core.provider_registry import provider_registry

        config = provider_registry.get_config(family)
        return provider_registry.resolve_mode(config, self.model_name, mode)

    @property
    def client(self) -> Any:
        """The provider's SDK client (made on first use)."""
        if self._client is None:
            self._client = self._provider.make_client(**self._client_kwargs)
        return self._client

    # -- the input file -------------------------------------------------------------------------
    def request_lines(
        self, messages_list: Iterable[list[dict[str, Any]]], max_tokens: int | None = 1000,
        temperature: float | None = 0.1,
    ) -> Iterator[dict[str, Any]]:
        """One provider request line per message list, with `custom_id` `request-0`, `request-1`, ..."""
        for i, messages in enumerate(messages_list):
            body = line_body(self.model_name, messages, max_tokens, temperature)
            yield self._provider.request_line(f"request-{i}", body, self.response_model, self._line_mode)

    def create_batch_from_messages(
        self,
        messages_list: Iterable[list[dict[str, Any]]],
        file_path: str | None = None,
        max_tokens: int | None = 1000,
        temperature: float | None = 0.1,
    ) -> str | io.BytesIO:
        """Write the batch's JSONL input: to `file_path` (returned), or to a `BytesIO` (returned).

        Args:
            messages_list: one message list per request, in order; request i gets
                the `custom_id` `request-i`.
            file_path: where to write; None builds the file in memory.
            max_tokens, temperature: sent with every request (None: the provider's default).
        """
        buffer: IO[bytes] = open(file_path, "wb") if file_path is not None else io.BytesIO()
        count = 0
        try:
            for line in self.request_lines(messages_list, max_tokens, temperature):
                buffer.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
                count += 1
        finally:
            if file_path is not None:
                buffer.close()
        if file_path is not None:
            logger.debug("Created batch file %s with %d requests", file_path, count)
            return file_path
        assert isinstance(buffer, io.BytesIO)
        buffer.seek(0)
        logger.debug("Created batch buffer with %d requests", count)
        return buffer

    # -- the job ----------------------------------------------------------------------------------
    def submit_batch(self, file_path_or_buffer: str | IO[bytes], metadata: dict[str, str] | None = None,
                     **kwargs: Any) -> str:
        """Start the batch job from an input file (or buffer); return its id.

        `metadata` is attached where the provider supports it (OpenAI, Mistral; Gemini's
        display name); other keywords go to the SDK's batch create call.
        """
        from instructor.core.instrumentation import batch_submission

        with batch_submission(self) as submitted:
            batch_id: str = self._provider.submit(self.client, file_path_or_buffer, metadata, model=self.model_name,
                                                  options=self.batch_options, **kwargs)
            submitted(batch_id)
        return batch_id

    def get_batch_status(self, batch_id: str) -> dict[str, Any]:
        """The job now, as the published release reports it: a dict of `id`, `status`, `created_at`, `request_counts`.

        `status` is the provider's own word (`"in_progress"`, `"completed"`...; Anthropic:
        `"in_progress"`, `"canceling"`, `"ended"`); `created_at` is epoch seconds (OpenAI)
        or a `datetime` (Anthropic); `request_counts` a dict (OpenAI) or Anthropic's
        `MessageBatchRequestCounts`. `get_batch_info` gives the same job normalised.
        """
        status: dict[str, Any] = self._provider.status(self._provider.retrieve(self.client, batch_id))
        return status

    def get_batch_info(self, batch_id: str) -> BatchJobInfo:
        """The job now, in words common to both providers (`status`, `request_counts`, `timestamps`, `is_done`...)."""
        info: BatchJobInfo = self._provider.info(self._provider.retrieve(self.client, batch_id))
        return info

    def wait(self, batch_id: str, poll_interval: float = 30.0, timeout: float | None = None,
             progress: Callable[[str], None] | None = None) -> BatchJobInfo:
        """Poll the job every `poll_interval` seconds until it is done; return its final state.

        `progress`, when given, is called with a line of plain text after each poll.

        Raises:
            TimeoutError: `timeout` seconds passed first (the job keeps running: call again).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            info = self.get_batch_info(batch_id)
            if progress is not None:
                counts = {k: v for k, v in info.request_counts.model_dump().items() if v is not None}
                progress(f"{batch_id}: {info.raw_status}" + ("".join(f", {k} {v}" for k, v in counts.items())))
            if info.is_done:
                return info
            if deadline is not None and time.monotonic() + poll_interval > deadline:
                raise TimeoutError(
                    f"Batch {batch_id!r} is still {info.raw_status!r} after {timeout} s. It keeps running "
                    "at the provider: call wait() or get_batch_info() again later."
                )
            time.sleep(poll_interval)

    def list_batches(self, limit: int = 10) -> list[BatchJobInfo]:
        """The most recent batch jobs of the account, newest first."""
        jobs: list[BatchJobInfo] = self._provider.list_jobs(self.client, limit)
        return jobs

    def cancel_batch(self, batch_id: str) -> dict[str, Any]:
        """Ask the provider to stop the job; return the job as it answered (its SDK object as a dict).

        Results already made stay readable once the job has stopped.
        """
        cancelled: dict[str, Any] = self._provider.cancel(self.client, batch_id)
        return cancelled

    def delete_batch(self, batch_id: str) -> dict[str, Any]:
        """Delete an ended job where the provider can (Anthropic); return `{"id", "status", "message"}`.

        OpenAI keeps batches: nothing is deleted and `status` is `"not_deleted"`.
        """
        deleted: dict[str, Any] = self._provider.delete(self.client, batch_id)
        return deleted

    # -- results ----------------------------------------------------------------------------------
    def result_lines(self, batch_id: str) -> Iterator[str]:
        """The raw lines of the job's results, streamed from the provider."""
        lines: Iterator[str] = self._provider.result_lines(self.client, batch_id)
        return lines

    def iter_results(self, batch_id: str, *, context: Mapping[str, Any] | None = None,
                     strict: bool | None = None) -> Iterator[BatchSuccess[T] | BatchError]:
        """Each result as it is read: a `BatchSuccess` holding the model, or a `BatchError`.

        Memory stays flat however many results there are.
        """
        from instructor.core.instrumentation import batch_results

        return batch_results(self, batch_id, self.parse_lines(self.result_lines(batch_id), context=context,
                                                              strict=strict))

    def parse_lines(self, lines: Iterable[str | bytes], *, context: Mapping[str, Any] | None = None,
                    strict: bool | None = None) -> Iterator[BatchSuccess[T] | BatchError]:
        """Results lines of this processor's provider parsed one at a time, as a live call's answer is."""
        return iter_parsed(lines, self.response_model, self.mode, context=context, strict=strict,
                           provider=self.provider, lenient=False)

    def retrieve_results(self, batch_id: str) -> list[BatchSuccess[T] | BatchError]:
        """Every result of the job, parsed (see `iter_results` to read them one at a time)."""
        return list(self.iter_results(batch_id))

    def get_results(self, batch_id: str, file_path: str | None = None) -> list[BatchSuccess[T] | BatchError]:
        """Every result of the job, parsed; with `file_path`, the provider's raw JSONL is saved there too."""
        if file_path is None:
            return self.retrieve_results(batch_id)
        from instructor.core.instrumentation import batch_results

        with open(file_path, "w", encoding="utf-8") as handle:
            return list(batch_results(self, batch_id, self.parse_lines(_saved(self.result_lines(batch_id), handle))))

    def parse_results(self, results_content: str | bytes | Iterable[str]) -> list[BatchSuccess[T] | BatchError]:
        """Parse results already downloaded (the JSONL text, or its lines)."""
        if isinstance(results_content, bytes):
            results_content = results_content.decode("utf-8")
        lines = results_content.splitlines() if isinstance(results_content, str) else results_content
        return list(self.parse_lines(lines))


def _saved(lines: Iterable[str], handle: IO[str]) -> Iterator[str]:
    """`lines`, each also written to `handle` as it passes."""
    for line in lines:
        handle.write(line + "\n")
        yield line

"""Which providers run batch jobs, and the functions each provider's module offers.

A batch provider is one module in `instructor.batch` (named here by dotted path, imported
on first use), with the same functions:

- `PROVIDER`, `DEFAULT_MODE`; `family(model)`: the provider whose mode handlers shape and
  read its lines (Bedrock's Claude records are Anthropic Messages bodies: `"anthropic"`);
- `request_line(custom_id, body, response_model, mode)`: one line of the input file, its
  request shaped by the family's mode handler (`prepare_request`), as `client.create` sends it;
- `request_of(line)` / `line_of(custom_id, kwargs, model)`: a line's request as the handler
  shaped it, and back (a repair round re-asks with `handler.reask` in between);
- `read_result_line(data, response_model, mode, lenient=...)`: a results line's answer
  (`LineAnswer`, parsed by the handler) or the error the provider reported (`BatchError`);
- `make_client(**kwargs)`, `submit(client, source, metadata, *, model, token, options)`,
  `find_submitted(client, token, since)`, `retrieve`, `status`, `info`, `list_jobs`, `cancel`,
  `delete`, `result_lines`: the provider's API through its own SDK, imported on first call.

`token` is a client-side request token recorded before a job is submitted: the job carries it
(in its metadata, display name or idempotency token), so a process killed between submitting
and recording the job's id finds it again with `find_submitted` instead of submitting twice.
"""

from __future__ import annotations

from typing import Any

#: provider name (as in "provider/model") -> its batch module
BATCH_PROVIDERS: dict[str, str] = {
    "openai": "instructor.batch.openai",
    "anthropic": "instructor.batch.anthropic",
    "bedrock": "instructor.batch.bedrock",
    "google": "instructor.batch.gemini",
    "mistral": "instructor.batch.mistral",
}


def provider_module(provider: str) -> Any:
    """The module that knows `provider`'s batch API (`instructor.batch.openai`, `.bedrock`...).

    Raises:
        ConfigurationError: not a batch provider (a `ValueError`, "Unsupported provider: <name>...").
    """
    import importlib

    from instructor.core.exceptions import ConfigurationError

    path = BATCH_PROVIDERS.get(provider)
    if path is None:
        names = ", ".join(repr(name) for name in BATCH_PROVIDERS)
        raise ConfigurationError(
            f"Unsupported provider: {provider} (batch jobs run on {names}; got {provider!r}). "
            "Write the model as '<provider>/<model>', e.g. 'openai/gpt-4o-mini' or "
            "'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0'."
        )
    return importlib.import_module(path)


def provider_of_line(data: Any) -> str:
    """Which provider wrote a results line, from its keys (for files read without a processor).

    Bedrock's records have `recordId`; Gemini's file lines `key`; Anthropic's `result`;
    OpenAI's (and Mistral's, which share their shape) `response`.
    """
    if "recordId" in data:
        return "bedrock"
    if "key" in data and "custom_id" not in data:
        return "google"
    return "anthropic" if "result" in data else "openai"

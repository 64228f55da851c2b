"""Batch jobs: hand thousands of extractions to a provider's batch service (OpenAI, Anthropic,
Bedrock, Gemini, Mistral), repaired and resumable (`BatchRun`).

Nothing is imported here: each name resolves from its own module on first use,
and a provider's SDK loads only when that provider's API is called.

Example:
    >>> from instructor.batch import BatchProcessor
    >>> processor = BatchProcessor("openai/gpt-4o-mini", User)
    >>> batch_id = processor.submit_batch(processor.create_batch_from_messages(messages_list))
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "job": ["BatchJob"],
        "models": [
            "BatchError", "BatchErrorInfo", "BatchFiles", "BatchJobInfo", "BatchRequestCounts", "BatchStatus",
            "BatchSuccess", "BatchTimestamps", "extract_results", "filter_errors", "filter_successful",
            "get_results_by_custom_id",
        ],
        "processor": ["BatchProcessor"],
        "request": ["BatchRequest"],
        "run": ["BatchRun"],
    },
)

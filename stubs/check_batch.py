"""What a type checker must infer from `instructor.batch` (checked, never run)."""

from __future__ import annotations

from typing import Any, assert_type

from pydantic import BaseModel

import instructor
from instructor.batch import (
    BatchError,
    BatchJob,
    BatchJobInfo,
    BatchProcessor,
    BatchRequest,
    BatchSuccess,
    extract_results,
)


class User(BaseModel):
    name: str


def check() -> None:
    processor = instructor.BatchProcessor("openai/gpt-4o-mini", User)
    assert_type(processor, BatchProcessor[User])
    assert_type(processor.get_batch_status("batch_1"), dict[str, Any])
    assert_type(processor.get_batch_info("batch_1"), BatchJobInfo)
    assert_type(processor.get_results("batch_1"), list[BatchSuccess[User] | BatchError])
    request = BatchRequest[User](custom_id="a", messages=[], response_model=User, model="gpt-4o-mini")
    assert_type(request.response_model, type[User])
    for result in processor.iter_results("batch_1"):
        assert_type(result, BatchSuccess[User] | BatchError)
    assert_type(extract_results(processor.retrieve_results("batch_1")), list[User])
    job = BatchJob.retrieve("openai/gpt-4o-mini", "batch_1", User)
    assert_type(job, BatchJob[User])
    users, errors = BatchJob.parse_from_file("results.jsonl", User)
    assert_type(users, list[User])

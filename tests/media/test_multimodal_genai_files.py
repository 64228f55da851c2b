"""`PDFWithGenaiFile`: a PDF uploaded through google-genai's Files API, sent to Gemini as a file reference.

The fake provider serves the Files API (`instructor.testing.genai_files`: the resumable upload,
`files.get`, list, delete) under whichever API version the SDK puts in its paths (`v1beta` in
google-genai 2.x, `v1` in 3.x); the real google-genai SDK drives it over HTTP.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from google import genai
from media_samples import pdf
from pydantic import BaseModel

import instructor
from instructor import MultimodalError
from instructor.multimodal import PDFWithGenaiFile
from instructor.processing.multimodal import PDFWithGenaiFile as CompatPath
from instructor.testing import FakeProvider, Reply

pytestmark = pytest.mark.genai


class Summary(BaseModel):
    total: float


def sdk_client(fake: FakeProvider, **options: str) -> genai.Client:
    return genai.Client(api_key="test-key", http_options={"base_url": fake.genai_base_url, **options})


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf())
    return path


def test_upload_waits_until_active_and_gemini_gets_a_file_reference(fake: FakeProvider, report: Path) -> None:
    fake.genai_files.processing_checks = 1  # the upload's answer and the first check: PROCESSING
    uploaded = PDFWithGenaiFile.from_new_genai_file(report, retry_delay=0, client=sdk_client(fake))
    [stored] = fake.genai_files.files.values()
    assert stored.content == pdf() and stored.mime_type == "application/pdf"
    assert uploaded.source.startswith(fake.url) and uploaded.source.endswith(f"/{stored.name}")
    assert uploaded.media_type == "application/pdf"
    assert len(fake.requests) == 4  # start, upload, two checks: nothing reached a chat wire
    fake.add(Reply.tool("Summary", {"total": 12.5}))
    client = instructor.from_genai(sdk_client(fake), model="gemini-2.5-flash")
    assert client.create(response_model=Summary, messages=[
        {"role": "user", "content": ["Sum up", uploaded]}]) == Summary(total=12.5)
    parts = fake.requests[-1].json["contents"][0]["parts"]
    # the SDK's own spelling: `fileData` holding snake_case fields
    assert parts == [{"text": "Sum up"}, {"fileData": {"file_uri": uploaded.source, "mime_type": "application/pdf"}}]


@pytest.mark.parametrize("api_version", ["v1beta", "v1", "v1alpha"])
def test_every_api_version_the_sdk_may_use_is_served(fake: FakeProvider, report: Path, api_version: str) -> None:
    """google-genai 2.x defaults to v1beta, 3.x to v1; `http_options.api_version` picks any."""
    sdk = sdk_client(fake, api_version=api_version)
    uploaded = sdk.files.upload(file=str(report), config={"mime_type": "application/pdf", "display_name": "Q3"})
    assert uploaded.state.name == "ACTIVE" and uploaded.display_name == "Q3" and uploaded.size_bytes == len(pdf())
    assert [sdk.files.get(name=uploaded.name).uri] == [f.uri for f in sdk.files.list()] == [uploaded.uri]
    paths = [r.path.split("?")[0] for r in fake.requests]
    # google-genai 2.x uploads through `/upload/v1beta/files` whatever the version; 3.x follows it
    assert paths[0] in (f"/upload/{api_version}/files", "/upload/v1beta/files")
    assert paths[2] == f"/{api_version}/{uploaded.name}" and paths[3] == f"/{api_version}/files"
    sdk.files.delete(name=uploaded.name)
    assert fake.genai_files.files == {}
    with pytest.raises(genai.errors.ClientError, match="404"):
        sdk.files.get(name=uploaded.name)


def test_an_existing_upload_by_name(fake: FakeProvider) -> None:
    fake.genai_files.add(pdf(), name="files/report123")
    existing = CompatPath.from_existing_genai_file("files/report123", client=sdk_client(fake))
    assert existing.source.endswith("/files/report123") and existing.media_type == "application/pdf"
    assert fake.requests[0].path.split("?")[0].endswith("/files/report123")


def test_a_failed_or_slow_upload_is_a_clear_error(fake: FakeProvider, report: Path) -> None:
    fake.genai_files.final_state = "FAILED"
    with pytest.raises(MultimodalError, match="could not process the upload"):
        PDFWithGenaiFile.from_new_genai_file(report, retry_delay=0, client=sdk_client(fake))
    fake.genai_files.final_state, fake.genai_files.processing_checks = "ACTIVE", 5
    with pytest.raises(MultimodalError, match="still PROCESSING after 2 checks"):
        PDFWithGenaiFile.from_new_genai_file(report, retry_delay=0, max_retries=2, client=sdk_client(fake))
    with pytest.raises(FileNotFoundError, match="PDF file not found"):
        PDFWithGenaiFile.from_new_genai_file(report.parent / "missing.pdf")


def test_openai_keeps_its_own_files_path(fake: FakeProvider) -> None:
    """`/v1/files` is both APIs' path: a request without google-genai's header is OpenAI's."""
    import json
    import urllib.request

    request = urllib.request.Request(f"{fake.url}/v1/files/file-none", headers={"authorization": "Bearer k"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert json.loads(info.value.read())["error"]["type"] == "invalid_request_error"  # OpenAI's error shape


def test_other_providers_refuse_an_uploaded_file() -> None:
    uploaded = PDFWithGenaiFile(source="https://generativelanguage.googleapis.com/v1/files/report123")
    assert uploaded.url is None
    with pytest.raises(MultimodalError, match="only the Google GenAI provider reads it"):
        uploaded.to_openai()
    with pytest.raises(MultimodalError, match="only the Google GenAI provider reads it"):
        uploaded.to_anthropic()

"""`PDFWithGenaiFile`: a PDF uploaded through google-genai's Files API, sent to Gemini as a file reference.

The fake provider gets a test wire for the Files API (the resumable upload and `files.get`);
the real google-genai SDK drives it over HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from google import genai
from media_samples import pdf
from pydantic import BaseModel

import instructor
from instructor import MultimodalError
from instructor.multimodal import PDFWithGenaiFile
from instructor.processing.multimodal import PDFWithGenaiFile as CompatPath
from instructor.testing import FakeProvider, Reply
from instructor.testing.wires import WireResponse, default_wires, json_response

URI = "https://generativelanguage.googleapis.com/v1beta/files/report123"


class FilesWire:
    """Google's Files API as far as upload and get go; `states` are served to successive calls."""

    name = "genai-files"

    def __init__(self, states: list[str]) -> None:
        self.states = states

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(("/upload/", "/v1beta/files"))

    def _file(self) -> dict[str, Any]:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"name": "files/report123", "uri": URI, "mimeType": "application/pdf", "state": state}

    def render(self, reply: Reply, request: Any) -> WireResponse:
        if request.path.startswith("/upload/") and request.headers.get("x-goog-upload-command") == "start":
            return WireResponse(200, {"x-goog-upload-url": f"http://{request.headers['host']}/upload/session1"})
        if request.path.startswith("/upload/"):
            return json_response({"file": self._file()}, headers={"x-goog-upload-status": "final"})
        return json_response(self._file())


class Summary(BaseModel):
    total: float


def sdk_client(fake: FakeProvider) -> genai.Client:
    return genai.Client(api_key="test-key", http_options={"base_url": fake.url})


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf())
    return path


def test_upload_waits_until_active_and_gemini_gets_a_file_reference(report: Path) -> None:
    wire = FilesWire(["PROCESSING", "PROCESSING", "ACTIVE"])
    with FakeProvider(wires=[wire, *default_wires()]) as fake:
        fake.always(Reply.text(""))  # the Files API requests use no scripted reply
        uploaded = PDFWithGenaiFile.from_new_genai_file(report, retry_delay=0, client=sdk_client(fake))
        assert uploaded.source == URI and uploaded.media_type == "application/pdf"
        assert [r.wire for r in fake.requests].count("genai-files") == 4  # start, upload, two checks
        fake.always(None)
        fake.add(Reply.tool("Summary", {"total": 12.5}))
        client = instructor.from_genai(sdk_client(fake), model="gemini-2.5-flash")
        assert client.create(response_model=Summary, messages=[
            {"role": "user", "content": ["Sum up", uploaded]}]) == Summary(total=12.5)
        parts = fake.requests[-1].json["contents"][0]["parts"]
    # the SDK's own spelling: `fileData` holding snake_case fields
    assert parts == [{"text": "Sum up"}, {"fileData": {"file_uri": URI, "mime_type": "application/pdf"}}]


def test_an_existing_upload_by_name(report: Path) -> None:
    with FakeProvider(wires=[FilesWire(["ACTIVE"]), *default_wires()]) as fake:
        fake.always(Reply.text(""))
        existing = CompatPath.from_existing_genai_file("files/report123", client=sdk_client(fake))
        assert existing.source == URI and fake.requests[0].path.startswith("/v1beta/files/report123")


def test_a_failed_or_slow_upload_is_a_clear_error(report: Path) -> None:
    with FakeProvider(wires=[FilesWire(["FAILED"]), *default_wires()]) as fake:
        fake.always(Reply.text(""))
        with pytest.raises(MultimodalError, match="could not process the upload"):
            PDFWithGenaiFile.from_new_genai_file(report, retry_delay=0, client=sdk_client(fake))
    with FakeProvider(wires=[FilesWire(["PROCESSING"]), *default_wires()]) as fake:
        fake.always(Reply.text(""))
        with pytest.raises(MultimodalError, match="still PROCESSING after 2 checks"):
            PDFWithGenaiFile.from_new_genai_file(report, retry_delay=0, max_retries=2, client=sdk_client(fake))
    with pytest.raises(FileNotFoundError, match="PDF file not found"):
        PDFWithGenaiFile.from_new_genai_file(report.parent / "missing.pdf")


def test_other_providers_refuse_an_uploaded_file() -> None:
    uploaded = PDFWithGenaiFile(source=URI)
    assert uploaded.url is None
    with pytest.raises(MultimodalError, match="only the Google GenAI provider reads it"):
        uploaded.to_openai()
    with pytest.raises(MultimodalError, match="only the Google GenAI provider reads it"):
        uploaded.to_anthropic()

"""Media in messages, end to end: the real SDKs against the fake provider, asserting the parts sent.

Each test builds a client with `from_provider`, puts `Image` / `Audio` / `PDF` in a
message, and checks the exact content parts the fake provider recorded.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import botocore.config
import pytest
from media_samples import MediaServer, pdf, png, wav
from pydantic import BaseModel

import instructor
from instructor import Mode, MultimodalError
from instructor.multimodal import (
    PDF,
    Audio,
    Image,
    ImageWithCacheControl,
    PDFWithCacheControl,
    allow_loopback_urls,
)
from instructor.testing import FakeProvider, Reply

PNG, WAV, PDF_BYTES = png(), wav(), pdf()
B64_PNG, B64_WAV, B64_PDF = (base64.b64encode(x).decode() for x in (PNG, WAV, PDF_BYTES))
RECEIPT = {"merchant": "Corner Cafe", "total": 12.5}


class Receipt(BaseModel):
    merchant: str
    total: float


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"png": tmp_path / "receipt.png", "wav": tmp_path / "call.wav", "pdf": tmp_path / "invoice.pdf"}
    paths["png"].write_bytes(PNG)
    paths["wav"].write_bytes(WAV)
    paths["pdf"].write_bytes(PDF_BYTES)
    return paths


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def openai_client(fake: FakeProvider, **kw: Any) -> Any:
    return instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test", **kw)


def anthropic_client(fake: FakeProvider, **kw: Any) -> Any:
    return instructor.from_provider("anthropic/claude-sonnet-4-6", base_url=fake.anthropic_base_url,
                                    api_key="sk-ant-test", **kw)


def bedrock_client(fake: FakeProvider, **kw: Any) -> Any:
    return instructor.from_provider(
        "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0", endpoint_url=fake.bedrock_endpoint_url,
        region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="dummy",
        config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}), **kw)


def google_client(fake: FakeProvider, **kw: Any) -> Any:
    return instructor.from_provider("google/gemini-2.5-flash", api_key="test-key", base_url=fake.genai_base_url,
                                    **kw)


def mistral_client(fake: FakeProvider, **kw: Any) -> Any:
    return instructor.from_provider("mistral/mistral-large-latest", api_key="test-key",
                                    server_url=fake.mistral_server_url, **kw)


def ask(client: Any, fake: FakeProvider, content: Any, **kw: Any) -> Receipt:
    fake.add(Reply.tool("Receipt", RECEIPT))
    result: Receipt = client.create(response_model=Receipt, messages=[{"role": "user", "content": content}], **kw)
    assert result == Receipt(**RECEIPT)
    return result


def sent_content(fake: FakeProvider, index: int = -1) -> list[Any]:
    messages = fake.requests[-1].json["messages"]
    return messages[index]["content"]


# -- OpenAI chat ------------------------------------------------------------------------------
def test_openai_image_from_path_is_an_image_url_data_uri(fake: FakeProvider, files: dict[str, Path]) -> None:
    ask(openai_client(fake), fake, ["Read this receipt", Image.from_path(files["png"])])
    assert sent_content(fake) == [
        {"type": "text", "text": "Read this receipt"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64_PNG}"}},
    ]


def test_openai_image_url_stays_a_url_and_nothing_is_fetched(fake: FakeProvider) -> None:
    ask(openai_client(fake), fake, Image.from_url("https://example.com/receipt.jpg"))
    assert sent_content(fake) == [{"type": "image_url", "image_url": {"url": "https://example.com/receipt.jpg"}}]


def test_openai_audio_is_input_audio_and_pdf_is_a_file(fake: FakeProvider, files: dict[str, Path]) -> None:
    ask(openai_client(fake), fake, [Audio.from_path(files["wav"]), PDF.from_path(files["pdf"]),
                                    {"type": "text", "text": "as written"}])
    assert sent_content(fake) == [
        {"type": "input_audio", "input_audio": {"data": B64_WAV, "format": "wav"}},
        {"type": "file", "file": {"filename": "invoice.pdf", "file_data": f"data:application/pdf;base64,{B64_PDF}"}},
        {"type": "text", "text": "as written"},
    ]


def test_openai_takes_only_wav_and_mp3_audio(fake: FakeProvider) -> None:
    flac = Audio.from_bytes(b"fLaC" + b"\x00" * 40)
    with pytest.raises(MultimodalError, match="wav or mp3 audio, not audio/flac") as info:
        ask(openai_client(fake), fake, [flac])
    assert info.value.content_type == "audio" and "'openai'" in str(info.value)
    assert not fake.requests


async def test_openai_async_client_converts_too(fake: FakeProvider) -> None:
    client = openai_client(fake, async_client=True)
    fake.add(Reply.tool("Receipt", RECEIPT))
    result = await client.create(response_model=Receipt, messages=[
        {"role": "user", "content": ["Read", Image.from_bytes(PNG)]}])
    assert result == Receipt(**RECEIPT)
    assert sent_content(fake)[1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_response_model_none_passes_media_converted(fake: FakeProvider) -> None:
    fake.add(Reply.text("a receipt"))
    completion = openai_client(fake).create(response_model=None, messages=[
        {"role": "user", "content": Image.from_bytes(PNG)}])
    assert completion.choices[0].message.content == "a receipt"
    assert sent_content(fake)[0]["type"] == "image_url"


def test_a_provider_without_media_support_refuses_before_any_request(fake: FakeProvider) -> None:
    client = instructor.from_provider("deepseek/deepseek-chat", base_url=fake.openai_base_url, api_key="k")
    with pytest.raises(MultimodalError, match="'deepseek' cannot take images") as info:
        ask(client, fake, ["Read", Image.from_bytes(PNG)])
    assert "openai" in str(info.value)  # names who does take images
    assert not fake.requests


def test_groq_takes_images_but_not_audio(fake: FakeProvider) -> None:
    client = instructor.from_provider("groq/llama-4-scout", base_url=fake.url, api_key="k")
    ask(client, fake, [Image.from_bytes(PNG)])
    assert sent_content(fake)[0]["type"] == "image_url"
    with pytest.raises(MultimodalError, match="'groq' cannot take audio .* it takes images"):
        ask(client, fake, [Audio.from_bytes(WAV)])
    assert len(fake.requests) == 1


# -- Anthropic --------------------------------------------------------------------------------
def test_anthropic_image_and_pdf_blocks(fake: FakeProvider, files: dict[str, Path]) -> None:
    ask(anthropic_client(fake), fake, ["Read this receipt", Image.from_path(files["png"]),
                                       PDF.from_path(files["pdf"])])
    assert sent_content(fake) == [
        {"type": "text", "text": "Read this receipt"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": B64_PNG}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": B64_PDF}},
    ]


def test_anthropic_urls_stay_url_sources_and_cache_control_is_kept(fake: FakeProvider) -> None:
    ask(anthropic_client(fake), fake, [
        ImageWithCacheControl.from_url("https://example.com/r.png"),
        PDFWithCacheControl.from_url("https://example.com/invoice.pdf"),
        ImageWithCacheControl(source="gs://bucket/r.webp", media_type="image/webp",
                              cache_control={"type": "ephemeral", "ttl": "1h"}),
    ])
    assert sent_content(fake) == [
        {"type": "image", "source": {"type": "url", "url": "https://example.com/r.png"},
         "cache_control": {"type": "ephemeral"}},
        {"type": "document", "source": {"type": "url", "url": "https://example.com/invoice.pdf"},
         "cache_control": {"type": "ephemeral"}},
        {"type": "image", "source": {"type": "url", "url": "https://storage.googleapis.com/bucket/r.webp"},
         "cache_control": {"type": "ephemeral", "ttl": "1h"}},
    ]


def test_anthropic_refuses_audio_naming_what_it_takes(fake: FakeProvider) -> None:
    with pytest.raises(MultimodalError) as info:
        ask(anthropic_client(fake), fake, ["Summarise", Audio.from_bytes(WAV)])
    message = str(info.value)
    assert "'anthropic' cannot take audio" in message and "it takes images and PDFs" in message
    assert info.value.content_type == "audio"
    assert not fake.requests


def test_anthropic_system_message_and_media_together(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Receipt", RECEIPT))
    anthropic_client(fake).create(response_model=Receipt, messages=[
        {"role": "system", "content": "You read receipts."},
        {"role": "user", "content": Image.from_bytes(PNG)},
    ])
    sent = fake.requests[0].json
    assert sent["system"] == [{"type": "text", "text": "You read receipts."}]  # the published shape: text blocks
    assert sent["messages"][0]["content"][0]["type"] == "image"


# -- Bedrock ----------------------------------------------------------------------------------
def test_bedrock_image_pdf_and_audio_blocks_as_bytes(fake: FakeProvider, files: dict[str, Path]) -> None:
    ask(bedrock_client(fake), fake, ["Read this receipt", Image.from_path(files["png"]),
                                     PDF.from_path(files["pdf"]), Audio.from_path(files["wav"])])
    assert sent_content(fake) == [
        {"text": "Read this receipt"},
        {"image": {"format": "png", "source": {"bytes": B64_PNG}}},  # boto3 sends bytes as base64
        {"document": {"format": "pdf", "name": "invoice", "source": {"bytes": B64_PDF}}},
        {"audio": {"format": "wav", "source": {"bytes": B64_WAV}}},
    ]


def test_bedrock_s3_sources_stay_s3_locations(fake: FakeProvider) -> None:
    ask(bedrock_client(fake), fake, [Image.from_url("s3://bucket/receipts/r.jpg"),
                                     PDF.from_url("s3://bucket/docs/my invoice (1).pdf")])
    assert sent_content(fake) == [
        {"image": {"format": "jpeg", "source": {"s3Location": {"uri": "s3://bucket/receipts/r.jpg"}}}},
        {"document": {"format": "pdf", "name": "my invoice (1)",
                      "source": {"s3Location": {"uri": "s3://bucket/docs/my invoice (1).pdf"}}}},
    ]


def test_bedrock_fetches_a_web_url_into_bytes(fake: FakeProvider) -> None:
    routes = {"/receipt": (200, {"Content-Type": "application/octet-stream"}, PNG)}
    with MediaServer(routes) as server, allow_loopback_urls():
        image = Image.from_url(server.url("/receipt"))  # no extension: the type comes from the bytes
        assert image.media_type == "" and server.hits == []  # nothing fetched at construction
        ask(bedrock_client(fake), fake, [image])
    assert server.hits == ["/receipt"]
    assert sent_content(fake) == [{"image": {"format": "png", "source": {"bytes": B64_PNG}}}]


def test_bedrock_refuses_a_loopback_url_by_default(fake: FakeProvider) -> None:
    with MediaServer({"/r.png": (200, {}, PNG)}) as server:
        with pytest.raises(MultimodalError, match="loopback address") as info:
            ask(bedrock_client(fake), fake, [Image.from_url(server.url("/r.png"))])
        assert server.hits == []
    assert "allow_loopback_urls" in str(info.value)
    assert not fake.requests


# -- Google GenAI -----------------------------------------------------------------------------
def test_google_media_are_inline_parts(fake: FakeProvider, files: dict[str, Path]) -> None:
    ask(google_client(fake), fake, ["Read this receipt", Image.from_path(files["png"]),
                                    Audio.from_path(files["wav"]), PDF.from_path(files["pdf"])])
    parts = fake.requests[-1].json["contents"][0]["parts"]
    assert parts[0] == {"text": "Read this receipt"}
    # the SDK's own spelling: `inlineData` holding `mime_type` and URL-safe base64 `data`
    inline = [(p["inlineData"]["mime_type"], base64.urlsafe_b64decode(p["inlineData"]["data"])) for p in parts[1:]]
    assert inline == [("image/png", PNG), ("audio/wav", WAV), ("application/pdf", PDF_BYTES)]


# -- Mistral ----------------------------------------------------------------------------------
def test_mistral_image_document_and_audio_chunks(fake: FakeProvider, files: dict[str, Path]) -> None:
    ask(mistral_client(fake), fake, ["Read", Image.from_path(files["png"]), Image.from_url("https://x.io/a.png"),
                                     PDF.from_url("https://x.io/invoice.pdf"), Audio.from_path(files["wav"])])
    assert sent_content(fake) == [
        {"type": "text", "text": "Read"},
        {"type": "image_url", "image_url": f"data:image/png;base64,{B64_PNG}"},
        {"type": "image_url", "image_url": "https://x.io/a.png"},
        {"type": "document_url", "document_url": "https://x.io/invoice.pdf"},
        {"type": "input_audio", "input_audio": B64_WAV},
    ]


def test_mistral_refuses_a_pdf_that_is_not_a_url(fake: FakeProvider, files: dict[str, Path]) -> None:
    with pytest.raises(MultimodalError, match="Mistral reads PDFs from a URL only"):
        ask(mistral_client(fake), fake, [PDF.from_path(files["pdf"])])
    assert not fake.requests


# -- autodetect_images ------------------------------------------------------------------------
def test_autodetect_images_turns_media_strings_into_parts(fake: FakeProvider, files: dict[str, Path]) -> None:
    ask(openai_client(fake), fake, ["What is this?", "https://example.com/cat.png", str(files["wav"]),
                                    f"data:application/pdf;base64,{B64_PDF}", "hello.world"],
        autodetect_images=True)
    assert sent_content(fake) == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "input_audio", "input_audio": {"data": B64_WAV, "format": "wav"}},
        {"type": "file", "file": {"filename": "pdf.pdf", "file_data": f"data:application/pdf;base64,{B64_PDF}"}},
        {"type": "text", "text": "hello.world"},
    ]
    assert "autodetect_images" not in fake.requests[-1].json


def test_without_autodetect_a_url_string_stays_text(fake: FakeProvider) -> None:
    ask(openai_client(fake), fake, "https://example.com/cat.png")
    assert sent_content(fake) == "https://example.com/cat.png"


def test_autodetect_a_whole_string_content(fake: FakeProvider) -> None:
    ask(anthropic_client(fake), fake, f"data:image/png;base64,{B64_PNG}", autodetect_images=True)
    assert sent_content(fake) == [{"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                               "data": B64_PNG}}]


def test_hooks_see_the_converted_request(fake: FakeProvider) -> None:
    seen: list[Any] = []
    client = openai_client(fake)
    client.on("completion:kwargs", lambda **kw: seen.append(json.dumps(kw["messages"])))
    ask(client, fake, [Image.from_bytes(PNG)])
    assert '"image_url"' in seen[0]


def test_every_mode_of_a_provider_sends_its_parts(fake: FakeProvider) -> None:
    fake.add(Reply.json(RECEIPT))
    anthropic_client(fake, mode=Mode.JSON).create(
        response_model=Receipt, messages=[{"role": "user", "content": [Image.from_bytes(PNG)]}])
    assert sent_content(fake)[0]["type"] == "image"


# -- Cohere, re-asks, streams -----------------------------------------------------------------
def test_cohere_takes_openai_shaped_image_parts(fake: FakeProvider) -> None:
    client = instructor.from_provider("cohere/command-a-vision-07-2025", api_key="test-key",
                                      base_url=fake.cohere_base_url)
    ask(client, fake, ["Read", Image.from_url("https://example.com/r.png")])
    assert sent_content(fake) == [{"type": "text", "text": "Read"},
                                  {"type": "image_url", "image_url": {"url": "https://example.com/r.png"}}]
    with pytest.raises(MultimodalError, match="'cohere' cannot take PDFs"):
        ask(client, fake, [PDF.from_bytes(PDF_BYTES)])


def test_a_reask_sends_the_media_again(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Receipt", {"merchant": "Corner Cafe", "total": "twelve"}), Reply.tool("Receipt", RECEIPT))
    result = anthropic_client(fake).create(response_model=Receipt, max_retries=2, messages=[
        {"role": "user", "content": ["Read", Image.from_bytes(PNG)]}])
    assert result == Receipt(**RECEIPT)
    first, second = (r.json["messages"] for r in fake.requests)
    assert first[0] == second[0] and second[0]["content"][1]["source"]["data"] == B64_PNG
    assert len(second) == 3  # the image turn, the model's answer, the error


def test_a_streamed_call_converts_media_too(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Receipt", RECEIPT))
    partials = list(openai_client(fake).create_partial(response_model=Receipt, messages=[
        {"role": "user", "content": [Image.from_bytes(PNG)]}]))
    assert partials[-1] == Receipt(**RECEIPT)
    assert sent_content(fake)[0]["type"] == "image_url" and fake.requests[0].json["stream"] is True


def test_bedrock_document_names_are_unique_in_a_request(fake: FakeProvider, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "invoice.pdf").write_bytes(PDF_BYTES)
    fake.add(Reply.tool("Receipt", RECEIPT))
    bedrock_client(fake).create(response_model=Receipt, messages=[
        {"role": "user", "content": [PDF.from_path(tmp_path / "a" / "invoice.pdf")]},
        {"role": "assistant", "content": "Got it."},
        {"role": "user", "content": [PDF.from_path(tmp_path / "b" / "invoice.pdf"), PDF.from_bytes(PDF_BYTES),
                                     PDF.from_bytes(PDF_BYTES)]},
    ])
    names = [block["document"]["name"] for message in fake.requests[0].json["messages"]
             for block in message["content"] if "document" in block]
    assert names == ["invoice", "invoice (2)", "pdf", "pdf (2)"]

"""The media classes without a provider: constructors, type detection, errors, conversions, laziness."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from media_samples import pdf, png, wav

import instructor
from instructor import InstructorError, Mode, MultimodalError
from instructor.multimodal import (
    PDF,
    Audio,
    Image,
    ImageWithCacheControl,
    PDFWithCacheControl,
    is_base64,
)
from instructor.processing import sniff
from instructor.processing.media_messages import converter_for, render
from instructor.processing.multimodal import convert_messages

PNG, WAV, PDF_BYTES = png(), wav(), pdf()
B64_PNG = base64.b64encode(PNG).decode()
BMP = b"BM" + b"\x00" * 60


def test_import_paths_are_the_same_objects() -> None:
    import instructor.multimodal as mm
    import instructor.processing.multimodal as pm

    assert instructor.Image is mm.Image is pm.Image
    assert instructor.Audio is mm.Audio is pm.Audio and instructor.PDF is mm.PDF is pm.PDF
    assert pm.ImageWithCacheControl is ImageWithCacheControl and pm.PDFWithCacheControl is PDFWithCacheControl
    assert issubclass(ImageWithCacheControl, Image) and issubclass(PDFWithCacheControl, PDF)


def test_multimodal_error_attributes_and_text() -> None:
    error = MultimodalError("Bad file", content_type="image", file_path="/a")
    assert str(error) == "Bad file (content_type: image, file: /a)"
    assert (error.content_type, error.file_path) == ("image", "/a")
    assert str(MultimodalError("plain")) == "plain" and MultimodalError("x").content_type is None
    assert isinstance(error, ValueError) and isinstance(error, InstructorError)


# -- constructors ---------------------------------------------------------------------------
def test_from_url_guesses_the_type_from_the_path_without_fetching() -> None:
    image = Image.from_url("https://example.com/a/cat.JPG?size=large")
    assert (image.source, image.media_type, image.data) == ("https://example.com/a/cat.JPG?size=large",
                                                           "image/jpeg", None)
    assert Image.from_url("https://example.com/photo").media_type == ""  # known once the bytes are read
    assert PDF.from_url("https://example.com/doc").media_type == "application/pdf"
    assert Audio.from_url("https://example.com/a.wav").media_type == "audio/wav"


def test_from_url_refuses_unsupported_formats_and_schemes() -> None:
    with pytest.raises(MultimodalError, match="Unsupported image format: image/bmp"):
        Image.from_url("https://example.com/cat.bmp")
    with pytest.raises(MultimodalError, match="expects an http"):
        Image.from_url("ftp://example.com/cat.png")
    with pytest.raises(MultimodalError, match="gs://bucket/key"):
        Image.from_gs_url("https://example.com/cat.png")


def test_from_path_reads_and_types_from_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"  # a PNG with the wrong extension: the bytes win
    path.write_bytes(PNG)
    image = Image.from_path(path)
    assert image.source == path and isinstance(image.source, Path)
    assert image.media_type == "image/png" and image.data == B64_PNG
    assert Image.from_path(str(path)).source == path


def test_from_path_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="Image file not found: .*nope.png"):
        Image.from_path(tmp_path / "nope.png")
    (tmp_path / "empty.pdf").write_bytes(b"")
    with pytest.raises(MultimodalError, match="PDF file is empty") as info:
        PDF.from_path(tmp_path / "empty.pdf")
    assert info.value.file_path == str(tmp_path / "empty.pdf")
    (tmp_path / "pic.bmp").write_bytes(BMP)
    with pytest.raises(MultimodalError, match="Unsupported image format: image/bmp"):
        Image.from_path(tmp_path / "pic.bmp")
    (tmp_path / "notes.wav").write_bytes(PNG)
    with pytest.raises(MultimodalError, match="Unsupported audio format: image/png"):
        Audio.from_path(tmp_path / "notes.wav")


def test_from_base64_data_uris() -> None:
    image = Image.from_base64(f"data:image/png;base64,{B64_PNG}")
    assert (image.media_type, image.data) == ("image/png", B64_PNG)
    wav_b64 = base64.b64encode(WAV).decode()
    assert Audio.from_base64(f"data:audio/x-wav;base64,{wav_b64}").media_type == "audio/wav"  # normalised
    with pytest.raises(MultimodalError) as info:
        Image.from_base64("data:image/bmp;base64,Qk0=")
    assert str(info.value) == ("Unsupported image format: image/bmp. Supported formats: image/jpeg, image/png, "
                               "image/gif, image/webp (content_type: image)")
    assert info.value.content_type == "image"
    with pytest.raises(MultimodalError, match="Expected a base64 data URI"):
        Image.from_base64(B64_PNG)
    with pytest.raises(MultimodalError, match="not valid base64"):
        Image.from_base64("data:image/png;base64,@@@")


def test_from_raw_base64_reads_the_magic_bytes() -> None:
    assert Image.from_raw_base64(B64_PNG).media_type == "image/png"
    assert PDF.from_raw_base64(base64.b64encode(PDF_BYTES).decode()).media_type == "application/pdf"
    with pytest.raises(MultimodalError, match="Invalid or unsupported base64 image data"):
        Image.from_raw_base64(base64.b64encode(b"just text").decode())
    with pytest.raises(MultimodalError, match="Invalid or unsupported base64 PDF data"):
        PDF.from_raw_base64(B64_PNG)
    with pytest.raises(MultimodalError, match="Invalid or unsupported base64 image data"):
        Image.from_raw_base64("not base64!")


def test_autodetect_every_source(tmp_path: Path) -> None:
    path = tmp_path / "r.png"
    path.write_bytes(PNG)
    assert Image.autodetect(f"data:image/png;base64,{B64_PNG}").data == B64_PNG
    assert Image.autodetect("https://x.io/r.webp").media_type == "image/webp"
    assert Image.autodetect("gs://b/r.gif").url == "https://storage.googleapis.com/b/r.gif"
    assert Image.autodetect("s3://b/r.png").s3_uri == "s3://b/r.png"
    assert Image.autodetect(str(path)).source == path
    assert Image.autodetect(path).source == path
    assert Image.autodetect(PNG).media_type == "image/png"
    assert Image.autodetect(B64_PNG).media_type == "image/png"
    same = Image.from_bytes(PNG)
    assert Image.autodetect(same) is same
    with pytest.raises(MultimodalError, match="Unsupported image source type: int"):
        Image.autodetect(3)
    with pytest.raises(MultimodalError, match="Unable to determine audio source"):
        Audio.autodetect("hello there")
    with pytest.raises(FileNotFoundError):
        Image.autodetect(tmp_path / "missing.png")


def test_autodetect_safely_keeps_text_as_text() -> None:
    assert Image.autodetect_safely("hello world") == "hello world"
    assert Audio.autodetect_safely(42) == "42"
    assert isinstance(PDF.autodetect_safely(PDF_BYTES), PDF)


def test_repr_leaves_out_the_data_and_shortens_long_sources() -> None:
    image = Image.from_raw_base64(base64.b64encode(png(30, 30)).decode())
    text = repr(image)
    assert "data=" not in text and "..." in text and len(text) < 200


def test_is_base64() -> None:
    assert is_base64(B64_PNG) and not is_base64("hello world") and not is_base64("")


@pytest.mark.parametrize(("head", "media_type"), [
    (b"\xff\xd8\xff\xe0", "image/jpeg"), (PNG, "image/png"), (b"GIF89a", "image/gif"),
    (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"), (WAV, "audio/wav"), (PDF_BYTES, "application/pdf"),
    (b"ID3\x03", "audio/mp3"), (b"\xff\xfb\x90", "audio/mp3"), (b"fLaC", "audio/flac"), (b"OggS", "audio/opus"),
    (b"\xff\xf1\x50", "audio/aac"), (b"\0\0\0\x20ftypM4A ", "audio/m4a"), (b"\x1a\x45\xdf\xa3", "audio/webm"),
    (b"hello", None),
])
def test_types_from_magic_bytes(head: bytes, media_type: str | None) -> None:
    assert sniff.from_bytes(head[:64]) == media_type


# -- conversions, directly ------------------------------------------------------------------
def test_published_helpers_give_each_providers_part() -> None:
    image = Image.from_bytes(PNG)
    assert image.to_openai() == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64_PNG}"}}
    assert image.to_anthropic() == {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                                "data": B64_PNG}}
    assert image.to_mistral() == {"type": "image_url", "image_url": f"data:image/png;base64,{B64_PNG}"}
    assert image.to_bedrock() == {"image": {"format": "png", "source": {"bytes": PNG}}}
    assert image.to_genai().inline_data.data == PNG
    assert PDF.from_bytes(PDF_BYTES).to_bedrock(name="Q3 report.pdf")["document"]["name"] == "Q3 report"
    assert PDF.from_url("https://x.io/a.pdf").to_mistral() == {"type": "document_url",
                                                              "document_url": "https://x.io/a.pdf"}


def test_responses_parts() -> None:
    """What the Responses handler sends (it calls the same conversion with a Responses mode)."""
    assert Image.from_url("https://x.io/r.png").to_openai(Mode.RESPONSES_TOOLS) == {
        "type": "input_image", "image_url": "https://x.io/r.png", "detail": "auto"}
    assert Image.from_bytes(PNG).to_openai("responses_tools")["image_url"] == f"data:image/png;base64,{B64_PNG}"
    assert PDF.from_url("https://x.io/a.pdf").to_openai(Mode.RESPONSES_TOOLS) == {
        "type": "input_file", "file_url": "https://x.io/a.pdf"}
    b64_pdf = base64.b64encode(PDF_BYTES).decode()
    assert PDF.from_bytes(PDF_BYTES).to_openai(Mode.RESPONSES_TOOLS) == {
        "type": "input_file", "filename": "pdf.pdf", "file_data": f"data:application/pdf;base64,{b64_pdf}"}
    assert render("Read this", "openai", Mode.RESPONSES_TOOLS) == {"type": "input_text", "text": "Read this"}
    with pytest.raises(MultimodalError, match="Responses API takes images and PDFs, not audio"):
        Audio.from_bytes(WAV).to_openai(Mode.RESPONSES_TOOLS)
    from instructor.providers.openai.media import to_responses_part

    _, target = converter_for("openai", "responses_tools")
    assert to_responses_part(Image.from_url("https://x.io/a.gif"), target)["type"] == "input_image"


def test_convert_messages_picks_the_provider_from_the_mode_and_copies() -> None:
    messages = [{"role": "system", "content": "Be brief"},
                {"role": "user", "content": ["Read", Image.from_bytes(PNG), {"type": "text", "text": "kept"}]}]
    converted = convert_messages(messages, Mode.ANTHROPIC_TOOLS)
    assert converted[0] == messages[0]
    assert converted[1]["content"] == [
        {"type": "text", "text": "Read"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": B64_PNG}},
        {"type": "text", "text": "kept"},
    ]
    assert isinstance(messages[1]["content"][1], Image)  # the caller's list is unchanged
    bedrock = convert_messages(messages, Mode.BEDROCK_TOOLS)
    assert bedrock[1]["content"][1] == {"image": {"format": "png", "source": {"bytes": PNG}}}
    assert convert_messages(messages, Mode.TOOLS)[1]["content"][1]["type"] == "image_url"


def test_a_source_only_bedrock_reads_is_refused_elsewhere() -> None:
    with pytest.raises(MultimodalError, match="Bedrock reads s3:// URIs"):
        Image.from_url("s3://bucket/r.png").to_openai()
    with pytest.raises(MultimodalError, match="cannot take audio"):
        Audio.from_bytes(WAV).to_anthropic()


def test_an_unknown_provider_is_sent_the_openai_format() -> None:
    from instructor.providers.openai.media import to_part

    convert, target = converter_for("my-own-gateway", "tool_call")
    assert convert is to_part and target.kinds == {"image", "audio", "pdf"}


def test_every_builtin_config_names_a_loadable_converter() -> None:
    from instructor.core.provider_registry import load_object, provider_registry
    from instructor.providers._catalog import BUILTIN_PROVIDERS

    for name in BUILTIN_PROVIDERS:
        config = provider_registry.get_config(name)
        assert config.media is not None, name
        assert callable(load_object(config.media)) and set(config.media_kinds) <= {"image", "audio", "pdf"}
        convert, target = converter_for(name, "tool_call")
        assert convert is load_object(config.media) and target.kinds == frozenset(config.media_kinds)


def test_the_published_provider_ids_find_their_providers_media() -> None:
    from instructor.providers.google.media import to_part

    assert converter_for("genai", "genai_tools")[0] is to_part  # Provider.GENAI: google-genai's parts
    assert converter_for("gemini", "gemini_json")[1].kinds == frozenset()  # the deprecated SDK: no media


def test_a_registered_provider_names_its_own_media_converter() -> None:
    from instructor.core.provider_registry import ProviderConfig, provider_registry
    from instructor.providers.anthropic.media import to_part

    config = ProviderConfig(name="media-plugin-test", package="openai", extra="openai", factory="x:y",
                            default_mode=Mode.TOOLS, supported_modes=(Mode.TOOLS,),
                            media="instructor.providers.anthropic.media:to_part", media_kinds=("image",))
    instructor.register_provider(config)
    try:
        assert render(Image.from_bytes(PNG), "media-plugin-test", "tool_call") == to_part(
            Image.from_bytes(PNG), converter_for("anthropic", "tool_call")[1])
        with pytest.raises(MultimodalError, match="'media-plugin-test' cannot take audio"):
            render(Audio.from_bytes(WAV), "media-plugin-test", "tool_call")
    finally:
        provider_registry.unregister("media-plugin-test")
        converter_for.cache_clear()


def test_a_config_refuses_media_kinds_it_cannot_mean() -> None:
    from instructor.core.provider_registry import ProviderConfig

    with pytest.raises(ValueError, match=r"media_kinds='image' is not a tuple"):
        ProviderConfig(name="x", package="x", extra="x", factory="x:y", default_mode=Mode.TOOLS,
                       supported_modes=(Mode.TOOLS,), media_kinds="image")  # type: ignore[arg-type]


# -- laziness -------------------------------------------------------------------------------
LAZY_PROBE = r"""
import json, sys
import instructor
after_import = sorted(m for m in sys.modules if m.startswith("instructor.") and "multimodal" in m or
                      m.startswith("instructor.processing"))
from pydantic import BaseModel  # pydantic's own imports (its plugin scan...) are not ours to count

class Warm(BaseModel):
    x: int = 0

before = set(sys.modules)
instructor.Image
touched = sorted(set(sys.modules) - before)
print(json.dumps({"after_import": after_import, "touched": touched}))
"""


@pytest.mark.subprocess
def test_import_loads_no_media_and_image_loads_only_the_media_modules(subprocess_env: dict[str, str]) -> None:
    out = subprocess.run([sys.executable, "-c", LAZY_PROBE], capture_output=True, text=True, timeout=120,
                         env=subprocess_env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["after_import"] == []
    ours = {m for m in report["touched"] if m.startswith("instructor")}
    assert ours == {"instructor.multimodal", "instructor.processing", "instructor.processing.fetch",
                    "instructor.processing.sniff", "instructor.core", "instructor.core.exceptions"}
    others = {m.split(".")[0] for m in report["touched"]} - {"instructor"}
    assert not others & {"PIL", "requests", "httpx", "openai", "anthropic", "boto3", "botocore", "google",
                         "urllib3", "ssl", "http"}
    assert "urllib.request" not in report["touched"] and "socket" not in report["touched"]


CALL_PROBE = r"""
import json, sys
import instructor
from pydantic import BaseModel
from instructor.testing import FakeProvider, Reply

class User(BaseModel):
    name: str

with FakeProvider() as fake:
    fake.add(Reply.tool("User", {"name": "Ada"}))
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k")
    client.create(response_model=User, messages=[{"role": "user", "content": ["Ada", "is here"]}])
print(json.dumps(sorted(m for m in sys.modules if "multimodal" in m or m.startswith("instructor.processing"))))
"""


@pytest.mark.subprocess
def test_a_call_without_media_never_loads_the_media_code(subprocess_env: dict[str, str]) -> None:
    out = subprocess.run([sys.executable, "-c", CALL_PROBE], capture_output=True, text=True, timeout=120,
                         env=subprocess_env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_a_media_object_built_by_hand_from_a_path_reads_it_when_sent(tmp_path: Path) -> None:
    path = tmp_path / "r.png"
    path.write_bytes(PNG)
    assert Image(source=path, media_type="image/png").to_anthropic()["source"]["data"] == B64_PNG
    assert Image(source=str(path)).load() == (PNG, "image/png")


@pytest.mark.parametrize("provider", ["generative-ai", "vertexai", "cerebras", "writer"])
def test_providers_that_take_no_media_say_so(provider: str) -> None:
    with pytest.raises(MultimodalError, match=f"'{provider}' cannot take images .* no media through instructor"):
        render(Image.from_bytes(PNG), provider, "tool_call")
    assert render("text stays text", provider, "tool_call") == {"type": "text", "text": "text stays text"}


def test_convert_messages_in_a_responses_mode_gives_input_parts() -> None:
    messages = [{"role": "user", "content": ["Read", Image.from_url("https://x.io/r.png")]}]
    assert convert_messages(messages, Mode.RESPONSES_TOOLS)[0]["content"] == [
        {"type": "input_text", "text": "Read"},
        {"type": "input_image", "image_url": "https://x.io/r.png", "detail": "auto"},
    ]


def test_bedrock_numbers_repeated_document_names_without_touching_the_callers_dicts() -> None:
    own = {"document": {"format": "pdf", "name": "pdf", "source": {"bytes": PDF_BYTES}}}
    messages = [{"role": "user", "content": [own, PDF.from_bytes(PDF_BYTES), own]}]
    content = convert_messages(messages, Mode.BEDROCK_TOOLS)[0]["content"]
    assert [part["document"]["name"] for part in content] == ["pdf", "pdf (2)", "pdf (3)"]
    assert own["document"]["name"] == "pdf" and messages[0]["content"][2] is own

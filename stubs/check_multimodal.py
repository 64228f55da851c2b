"""What a type checker must infer from the media classes (checked, never run)."""

from __future__ import annotations

from typing import assert_type

import instructor
from instructor.multimodal import PDFWithCacheControl
from instructor.processing.multimodal import ImageWithCacheControl


def check() -> None:
    assert_type(instructor.Image.from_path("receipt.png"), instructor.Image)
    assert_type(instructor.Audio.from_url("https://example.com/call.wav"), instructor.Audio)
    assert_type(instructor.PDF.from_base64("data:application/pdf;base64,JVBERi0="), instructor.PDF)
    assert_type(PDFWithCacheControl.from_url("https://example.com/a.pdf"), PDFWithCacheControl)
    assert_type(ImageWithCacheControl.autodetect(b"\x89PNG"), ImageWithCacheControl)
    assert_type(instructor.Image.autodetect_safely("hello"), instructor.Image | str)
    assert_type(instructor.Image.from_bytes(b"").media_type, str)

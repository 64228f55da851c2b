"""Bedrock's pure parts: request conversion, the mode selector, and the fake's event-stream framing."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.eventstream import EventStreamBuffer

from instructor import Mode
from instructor.providers.bedrock.models import base_model_id, forces_tools, select_mode
from instructor.providers.bedrock.request import to_converse
from instructor.testing.wires.bedrock import event, exception_event, frame


def test_to_converse_maps_openai_spellings() -> None:
    request = to_converse({
        "model": "m", "max_tokens": 10, "top_p": 0.9, "temperature": None, "stop_sequences": ["x"],
        "system": "S", "messages": [{"role": "system", "content": [{"type": "text", "text": "T"}]},
                                    {"role": "user", "content": "hi", "name": "ignored"}],
    })
    assert request == {"modelId": "m", "inferenceConfig": {"maxTokens": 10, "topP": 0.9, "stopSequences": ["x"]},
                       "system": [{"text": "S"}, {"text": "T"}],
                       "messages": [{"role": "user", "content": [{"text": "hi"}]}]}


def test_to_converse_is_idempotent_and_keeps_unknown_keys() -> None:
    once = to_converse({"model": "m", "messages": [{"role": "user", "content": "a"},
                                                   {"role": "assistant", "content": "b"},
                                                   {"role": "assistant", "content": [{"text": "c"}]}],
                        "stream": True, "additionalModelRequestFields": {"top_k": 5}})
    assert once["messages"][1] == {"role": "assistant", "content": [{"text": "b"}, {"text": "c"}]}
    assert once["stream"] is True and once["additionalModelRequestFields"] == {"top_k": 5}
    assert to_converse(once) == once


@pytest.mark.parametrize(("url", "fmt"), [("data:image/jpeg;base64,", "jpeg"), ("data:image/webp;base64,", "webp"),
                                          ("data:image/gif;base64,", "gif")])
def test_data_urls_become_image_bytes(url: str, fmt: str) -> None:
    data = base64.b64encode(b"img").decode()
    (message,) = to_converse({"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": url + data}}]}]})["messages"]
    assert message["content"] == [{"image": {"format": fmt, "source": {"bytes": b"img"}}}]


def test_anthropic_style_images_and_s3_uris_are_converted() -> None:
    (message,) = to_converse({"messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                     "data": base64.b64encode(b"png").decode()}},
        {"type": "image_url", "image_url": "s3://bucket/photo.JPG"},
    ]}]})["messages"]
    assert message["content"] == [
        {"image": {"format": "png", "source": {"bytes": b"png"}}},
        {"image": {"format": "jpeg", "source": {"s3Location": {"uri": "s3://bucket/photo.JPG"}}}},
    ]


def test_unconvertible_parts_say_what_to_write_instead() -> None:
    with pytest.raises(ValueError, match="png, jpeg, gif or webp"):
        to_converse({"messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/tiff;base64,AAAA"}}]}]})
    with pytest.raises(ValueError, match="'input_audio'.*Converse block"):
        to_converse({"messages": [{"role": "user", "content": [{"type": "input_audio"}]}]})


@pytest.mark.parametrize(("model_id", "base"), [
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0"),
    ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ("arn:aws:bedrock:eu-west-1:1:inference-profile/eu.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0"),
    ("Meta.Llama3-1-8B-Instruct-v1:0", "meta.llama3-1-8b-instruct-v1:0"),
])
def test_base_model_id_drops_arns_and_region_prefixes(model_id: str, base: str) -> None:
    assert base_model_id(model_id) == base


@pytest.mark.parametrize(("model_id", "mode", "forced"), [
    ("anthropic.claude-3-haiku-20240307-v1:0", Mode.TOOLS, True),
    ("us.amazon.nova-micro-v1:0", Mode.TOOLS, True),
    ("mistral.mistral-large-2407-v1:0", Mode.TOOLS, False),
    ("cohere.command-r-plus-v1:0", Mode.TOOLS, False),
    ("some-new-vendor.model-v1:0", Mode.TOOLS, False),
    ("anthropic.claude-v2:1", Mode.MD_JSON, True),
    ("amazon.titan-text-express-v1", Mode.MD_JSON, False),
    ("meta.llama3-8b-instruct-v1:0", Mode.MD_JSON, False),
    ("us.deepseek.r1-v1:0", Mode.MD_JSON, False),
])
def test_mode_and_tool_choice_by_model_family(model_id: str, mode: Mode, forced: bool) -> None:
    assert select_mode(model_id) is mode
    assert forces_tools(model_id) is forced


def _decode(data: bytes) -> list[tuple[dict, bytes]]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return [(message.headers, message.payload) for message in buffer]


def test_event_frames_decode_with_botocores_parser() -> None:
    data = event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "é\"}"}}) \
        + exception_event("modelStreamErrorException", "boom")
    (headers, payload), (error_headers, error_payload) = _decode(data)
    assert headers == {":event-type": "contentBlockDelta", ":content-type": "application/json",
                       ":message-type": "event"}
    assert json.loads(payload) == {"contentBlockIndex": 0, "delta": {"text": "é\"}"}}
    assert error_headers[":exception-type"] == "modelStreamErrorException"
    assert json.loads(error_payload) == {"message": "boom"}


def test_a_flipped_byte_fails_the_checksum() -> None:
    data = bytearray(frame({":message-type": "event"}, b"{}"))
    data[-5] ^= 0xFF
    with pytest.raises(Exception, match="Checksum mismatch"):
        _decode(bytes(data))

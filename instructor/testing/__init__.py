"""Test helpers for instructor and its users: a fake provider on 127.0.0.1.

`FakeProvider` serves scripted `Reply`s in the wire format of each provider
(OpenAI Chat Completions, Anthropic Messages, Bedrock Converse...), so tests
drive the real SDKs over real HTTP with no network and no API key.
"""

from instructor.testing.replies import Reply, ToolCall
from instructor.testing.server import FakeProvider, RecordedRequest

__all__ = ["FakeProvider", "RecordedRequest", "Reply", "ToolCall"]

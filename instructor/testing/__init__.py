"""Test helpers for instructor and its users: a fake provider on 127.0.0.1.

`FakeProvider` serves scripted `Reply`s in the wire format of each provider
(OpenAI Chat Completions, Anthropic Messages, Bedrock Converse...), so tests
drive the real SDKs over real HTTP with no network and no API key.

The public surface (each name loads its module on first access, so the pytest
plugin that pytest imports at start-up costs nothing until a fixture is used):

- `FakeProvider`, `RecordedRequest`: the server and what it received.
- `Reply`, `ToolCall`, `ServerToolUse`: scripted answers; `Reply.auto(Model)` / `Reply.invalid(Model, field)`
  build them from the response model (`AutoReply`).
- `Sent`: a request read independently of its wire (messages, tools, schema, mode).
- `connect_kwargs`, `fake_env`, `PROVIDERS`: point a provider's SDK at the fake, by
  keyword arguments or by environment variables.
- `vcr_config`, `cassette`: record real exchanges once, replay them offline, keys scrubbed.
- `instructor.testing.pytest_plugin` (not an attribute: it needs pytest): the fixtures
  `fake_provider` and `fake_client`, registered through the `pytest11` entry point.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "replies": ["Reply", "ServerToolUse", "ToolCall"],
        "server": ["FakeProvider", "RecordedRequest"],
        "auto": ["AutoReply"],
        "sent": ["Sent"],
        "connect": ["connect_kwargs", "fake_env", "PROVIDERS"],
        "recording": ["vcr_config", "cassette"],
    },
)

from .auto import AutoReply as AutoReply
from .connect import PROVIDERS as PROVIDERS
from .connect import connect_kwargs as connect_kwargs
from .connect import fake_env as fake_env
from .recording import cassette as cassette
from .recording import vcr_config as vcr_config
from .replies import Reply as Reply
from .replies import ServerToolUse as ServerToolUse
from .replies import ToolCall as ToolCall
from .sent import Sent as Sent
from .server import FakeProvider as FakeProvider
from .server import RecordedRequest as RecordedRequest

__all__ = [
    "AutoReply", "FakeProvider", "PROVIDERS", "RecordedRequest", "Reply", "Sent", "ServerToolUse", "ToolCall",
    "cassette", "connect_kwargs", "fake_env", "vcr_config",
]

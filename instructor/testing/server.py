"""The fake provider: a real HTTP server on 127.0.0.1 that replays scripted replies.

Point the real SDK at it (`base_url=fake.openai_base_url`, `endpoint_url=fake.url`)
and the whole SDK path runs: request building, HTTP, response parsing, streams.
Every request is recorded, so a test can check what the SDK actually sent.

Example:
    >>> with FakeProvider() as fake:
    ...     fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    ...     client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url,
    ...                                       api_key="test")
    ...     client.create(response_model=User, messages=[...])
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from instructor.testing.replies import Reply

if TYPE_CHECKING:
    from instructor.testing.sent import Sent

Script = Reply | Callable[["RecordedRequest"], Reply]


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    wire: str = ""
    json: Any = field(default=None)
    #: stream events written to the client (None: the answer was not streamed); counted just after each
    #: write, from the server's thread: read as soon as the client stops, it may be one behind
    events_served: int | None = None
    #: how many events the stream had in all (None: not streamed)
    events_total: int | None = None

    @property
    def hung_up(self) -> bool:
        """Whether the client closed a streamed answer before its last event was served."""
        return self.events_served is not None and self.events_total is not None \
            and self.events_served < self.events_total

    @property
    def messages(self) -> Any:
        """The request's `messages` (OpenAI, Anthropic, Bedrock all use that key)."""
        return (self.json or {}).get("messages")

    @property
    def sent(self) -> Sent:
        """The request read independently of its wire: messages, tools, schema, mode (`testing.sent.Sent`)."""
        from instructor.testing.sent import Sent

        return Sent.of(self)


class FakeProvider:
    """A scripted provider server on an ephemeral loopback port.

    Replies are served in the order they were added, whatever the endpoint;
    `always(reply)` sets what to answer once the script is used up (by default
    an HTTP 400 that says no reply was scripted, so a test fails clearly).
    """

    def __init__(self, wires: Iterable[Any] | None = None, host: str = "127.0.0.1") -> None:
        from instructor.testing.routes import default_routes
        from instructor.testing.wires import default_wires

        self.wires = list(wires) if wires is not None else default_wires()
        self.routes = default_routes(self)  # stateful endpoints (files, batch jobs): testing/routes.py
        self.requests: list[RecordedRequest] = []
        self.served: list[Reply] = []  # the replies answered, in order (scripts resolved)
        self._script: deque[Script] = deque()
        self._default: Script | None = None
        self._lock = threading.Lock()
        self._server = _Server((host, 0), _handler_for(self))
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeProvider:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name="fake-provider",
                                            kwargs={"poll_interval": 0.005}, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://{host}:{port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def bedrock_endpoint_url(self) -> str:
        return self.url

    @property
    def genai_base_url(self) -> str:
        """For google-genai's `http_options={"base_url": ...}` (Gemini API and Vertex AI paths)."""
        return self.url

    @property
    def mistral_server_url(self) -> str:
        """For mistralai's `server_url=`: a prefix keeps it apart from OpenAI's identical path."""
        return f"{self.url}/mistral"

    @property
    def cohere_base_url(self) -> str:
        """For cohere's `base_url=`."""
        return self.url

    @property
    def batches(self) -> Any:
        """The batch service (`instructor.testing.batches.BatchService`): files, jobs, `complete_after`."""
        return next(route for route in self.routes if route.name == "batches")

    @property
    def genai_files(self) -> Any:
        """Google's Files API (`instructor.testing.genai_files.GenAIFiles`): uploads, `processing_checks`."""
        return next(route for route in self.routes if route.name == "genai-files")

    # -- scripting ------------------------------------------------------------------------
    def add(self, *replies: Script) -> FakeProvider:
        """Queue replies (or functions of the request returning one), served in order."""
        with self._lock:
            self._script.extend(replies)
        return self

    def always(self, reply: Script | None) -> FakeProvider:
        """Answer `reply` whenever the script is used up."""
        self._default = reply
        return self

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.served.clear()
            self._default = None

    @property
    def pending(self) -> int:
        """Replies queued and not served yet."""
        return len(self._script)

    def _next(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            script = self._script.popleft() if self._script else self._default
        if script is None:
            reply = Reply.http_error(
                400, f"fake provider: no scripted reply left for {request.method} {request.path}"
            )
        else:
            reply = script(request) if callable(script) else script
        with self._lock:
            self.served.append(reply)
        return reply

    # -- what happened (for assertions) ----------------------------------------------------
    @property
    def sent(self) -> list[Sent]:
        """Every request a wire answered, read independently of its wire (`testing.sent.Sent`)."""
        return [request.sent for request in self.requests if request.wire]

    @property
    def attempts(self) -> int:
        """How many requests a wire answered: the attempts of the calls since the last `reset`."""
        return sum(1 for request in self.requests if request.wire)

    @property
    def usage(self) -> tuple[int, int]:
        """(input, output) tokens reported by the successful replies answered so far."""
        done = [reply.usage for reply in self.served if reply.status < 400 and reply.raw_body is None]
        return sum(u[0] for u in done), sum(u[1] for u in done)


def _malformed(event: bytes) -> bytes:
    """`event` with broken JSON as its data; an SSE `event:` name is kept, so the client
    reads a known event whose payload fails (a nameless event some SDKs skip silently)."""
    names = [line for line in event.split(b"\n") if line.startswith(b"event:")]
    return b"\n".join([*names, b"data: {this is not json"]) + b"\n\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # hundreds of concurrent async calls connect at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client hung up first (a timeout, a cut stream): expected, not worth a traceback
        super().handle_error(request, client_address)


def _handler_for(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read requests instead
            return

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            wire = next((w for w in fake.wires if w.matches(self.command, path)), None)
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = None
            request = RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                      body, wire.name if wire else "", parsed)
            if wire is None:
                fake.requests.append(request)
                routed = next((r for r in (route.handle(request) for route in fake.routes) if r is not None), None)
                if routed is not None:
                    self._send(routed.status, routed.headers, routed.body)
                    return
                self._send(404, {"content-type": "application/json"},
                           json.dumps({"error": {"message": f"fake provider: no wire for {path}"}}).encode())
                return
            reply = fake._next(request)
            if reply.delay and reply.stall_after is None:
                time.sleep(reply.delay)
            if reply.raw_body is not None:
                self._send(reply.status, {"content-type": "application/json", **reply.headers}, reply.raw_body,
                           reply.cut_body_at)
                return
            response = wire.render(reply, request)
            if response.events is None:
                self._send(response.status, response.headers, response.body, reply.cut_body_at)
            else:
                self._stream(response.status, response.headers, response.events, reply, request)

        do_POST = do_GET = do_DELETE = do_PUT = do_HEAD = _handle  # PUT, HEAD: S3 (testing/batch_bedrock.py)

        def _send(self, status: int, headers: dict[str, str], body: bytes, cut_at: int | None = None) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if "content-length" not in headers:  # a HEAD answer names its object's length
                self.send_header("content-length", str(len(body)))
            self.end_headers()
            if cut_at is not None:  # announce the whole body, send part, hang up
                self.close_connection = True
                body = body[:cut_at]
            self.wfile.write(body)

        def _stream(self, status: int, headers: dict[str, str], events: Iterable[bytes], reply: Reply,
                    request: RecordedRequest) -> None:
            events = list(events)
            request.events_total, request.events_served = len(events), 0
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("transfer-encoding", "chunked")
            self.send_header("cache-control", "no-cache")
            self.end_headers()
            try:
                for i, event in enumerate(events):
                    if reply.stall_after == i:
                        time.sleep(reply.delay)  # silent, connection open: the client's read timeout decides
                        self.close_connection = True
                        return
                    if reply.cut_stream_after is not None and i >= reply.cut_stream_after:
                        self.close_connection = True
                        self.wfile.flush()
                        return  # no terminating chunk: the client sees a broken stream
                    if reply.malformed_event_at == i:
                        event = _malformed(event)
                    if i and reply.event_delay:
                        time.sleep(reply.event_delay)
                    self.wfile.write(f"{len(event):X}\r\n".encode() + event + b"\r\n")
                    self.wfile.flush()
                    request.events_served = i + 1
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except ConnectionError:  # the client hung up mid-stream (`events_served` says when)
                self.close_connection = True

    return Handler

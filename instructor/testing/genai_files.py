"""Google's Files API on the fake provider: the resumable upload, get, list and delete.

google-genai uploads in two requests (`x-goog-upload-command: start`, answered with an upload
URL in `x-goog-upload-url`; then the bytes, `upload, finalize`) and reads a file back by name;
Gemini then gets a reference to the file's `uri`. The SDK puts its API version in each path:
`v1beta` up to google-genai 2.x, `v1` from 3.0, whatever `http_options.api_version` says
otherwise (or nothing), so every path is served under any version. `/v1/files/...` is also
OpenAI's path: a request there is Google's when it carries an `x-goog-...` header (the API key,
the client's name), as every google-genai request to it does.

`download/.../files/{id}:download` serves a file's bytes (the Batch API's results files).

`processing_checks` says how many `files.get` of a new upload still see it `PROCESSING`
(its upload answer too, when above 0) before it takes `final_state` (`ACTIVE`; `FAILED` to
test a failed upload).

Example:
    >>> with FakeProvider() as fake:
    ...     fake.genai_files.processing_checks = 1
    ...     sdk = genai.Client(api_key="k", http_options={"base_url": fake.genai_base_url})
    ...     uploaded = sdk.files.upload(file="report.pdf")        # PROCESSING
    ...     assert sdk.files.get(name=uploaded.name).state.name == "PROCESSING"
    ...     assert sdk.files.get(name=uploaded.name).state.name == "ACTIVE"
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from instructor.testing.wires import WireResponse, json_response

if TYPE_CHECKING:
    from instructor.testing.server import RecordedRequest

_VERSION = re.compile(r"^v\d+(?:(?:alpha|beta)\d*)?$")
_ids = itertools.count(1)


@dataclass
class GenAIFile:
    """One uploaded file, as the Files API describes it."""

    id: str
    content: bytes
    mime_type: str
    display_name: str | None = None
    version: str = "v1beta"  # of the path it was uploaded through: its `uri` keeps it
    checks: int = 0  # `files.get` answered so far
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def name(self) -> str:
        return f"files/{self.id}"

    def info(self, host: str, state: str) -> dict[str, Any]:
        stamp = _rfc3339(self.created)
        info = {
            "name": self.name, "mimeType": self.mime_type, "sizeBytes": str(len(self.content)),
            "createTime": stamp, "updateTime": stamp, "expirationTime": _rfc3339(self.created + timedelta(hours=48)),
            "sha256Hash": base64.b64encode(hashlib.sha256(self.content).digest()).decode(),
            "uri": f"http://{host}{_prefix(self.version)}/{self.name}", "state": state, "source": "UPLOADED",
        }
        if self.display_name:
            info["displayName"] = self.display_name
        return info


class GenAIFiles:
    """The Files API of the Gemini API (google-genai's `client.files`), bound to one `FakeProvider`."""

    name = "genai-files"

    def __init__(self) -> None:
        self.files: dict[str, GenAIFile] = {}
        self.processing_checks = 0
        self.final_state = "ACTIVE"
        self._uploads: dict[str, tuple[dict[str, Any], bytearray]] = {}  # upload id -> (metadata, bytes so far)
        self._lock = threading.Lock()

    def add(self, content: bytes, *, mime_type: str = "application/pdf", name: str | None = None,
            display_name: str | None = None) -> GenAIFile:
        """A file uploaded and processed already (for `client.files.get(name=...)`): `name` as `files/abc` or `abc`."""
        stored = self._store(content, mime_type, name, display_name)
        stored.checks = self.processing_checks
        return stored

    def _store(self, content: bytes, mime_type: str, name: str | None, display_name: str | None,
               version: str = "v1beta") -> GenAIFile:
        file_id = (name or f"fake{next(_ids)}").removeprefix("files/")
        stored = self.files[file_id] = GenAIFile(file_id, content, mime_type, display_name, version)
        return stored

    # -- routing -----------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> WireResponse | None:
        url = urlsplit(request.path)
        parts = [p for p in url.path.split("/") if p]
        upload = parts[:1] == ["upload"]
        rest = parts[1:] if upload or parts[:1] == ["download"] else parts
        version = rest[0] if rest and _VERSION.match(rest[0]) else ""
        rest = rest[1:] if version else rest
        google = upload or any(name.startswith("x-goog-") for name in request.headers)
        if rest[:1] != ["files"] or not google:
            return None
        host = request.headers.get("host", "127.0.0.1")
        with self._lock:
            if upload:
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                return self._upload(request, host, version, query.get("upload_id"))
            return self._files(request.method, rest[1:], host)

    def _upload(self, request: RecordedRequest, host: str, version: str, upload_id: str | None) -> WireResponse:
        command = request.headers.get("x-goog-upload-command", "").lower()
        if "start" in command:
            upload_id = f"upload{next(_ids)}"
            sent = (request.json or {}).get("file") or {}  # the SDK spells its fields in snake_case, the API either way
            metadata = {key: sent.get(key, sent.get(snake)) for key, snake in
                        (("name", "name"), ("displayName", "display_name"), ("mimeType", "mime_type"))}
            metadata["mimeType"] = metadata["mimeType"] or request.headers.get("x-goog-upload-header-content-type")
            self._uploads[upload_id] = (metadata, bytearray())
            where = f"http://{host}/upload{_prefix(version)}/files?upload_id={upload_id}"
            return WireResponse(200, {"x-goog-upload-url": where, "x-goog-upload-status": "active",
                                      "content-type": "application/json"}, b"")
        if upload_id not in self._uploads:
            return _error(404, f"fake provider: no upload {upload_id!r} was started", "NOT_FOUND")
        metadata, content = self._uploads[upload_id]
        content.extend(request.body)
        if "finalize" not in command:
            return WireResponse(200, {"x-goog-upload-status": "active", "content-type": "application/json"}, b"")
        del self._uploads[upload_id]
        stored = self._store(bytes(content), metadata.get("mimeType") or "application/octet-stream",
                             metadata.get("name"), metadata.get("displayName"), version)
        return json_response({"file": stored.info(host, self._state(stored, count=False))},
                             headers={"x-goog-upload-status": "final"})

    def _files(self, method: str, rest: list[str], host: str) -> WireResponse | None:
        if method == "GET" and not rest:
            return json_response({"files": [f.info(host, self._state(f, count=False)) for f in self.files.values()]})
        if not rest:
            return None
        stored = self.files.get(rest[0].split(":", 1)[0])
        if stored is None:
            return _error(404, f"File files/{rest[0]} does not exist.", "NOT_FOUND")
        if method == "GET" and rest[0].endswith(":download"):  # `files.download` (the batch API's results)
            return WireResponse(200, {"content-type": stored.mime_type}, stored.content)
        if method == "GET":
            return json_response(stored.info(host, self._state(stored, count=True)))
        if method == "DELETE":
            del self.files[stored.id]
            return json_response({})
        return None

    def _state(self, stored: GenAIFile, *, count: bool) -> str:
        processing = stored.checks < self.processing_checks
        if count:
            stored.checks += 1
        return "PROCESSING" if processing else self.final_state


def _prefix(version: str) -> str:
    return f"/{version}" if version else ""


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _error(status: int, message: str, kind: str) -> WireResponse:
    return json_response({"error": {"code": status, "message": message, "status": kind}}, status=status)

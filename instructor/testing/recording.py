"""Record real exchanges once, replay them offline: vcrpy cassettes with every secret scrubbed.

Record with your key against the real API once; the cassette (a YAML file) then
replays the same answers in CI, with no key and no network. The recording is
vcrpy's (`pip install "instructor[testing]"`, and `pytest-recording` for the
`@pytest.mark.vcr` marker); what this module adds is the configuration that keeps
credentials out of the file: every header that carries a key, a token, a signature
or a cookie is replaced by `REDACTED`, key-like query parameters too, and any value
of those (or of an `*_API_KEY` / `*_TOKEN` / `*_SECRET*` environment variable) is
cut out of the URL and of both bodies as well.

Example (pytest-recording), in `conftest.py`:
    >>> @pytest.fixture(scope="module")
    ... def vcr_config():
    ...     return instructor.testing.vcr_config()

then `@pytest.mark.vcr` on a test, `pytest --record-mode=once` to record, plain
`pytest` to replay. Without pytest-recording:
    >>> with instructor.testing.cassette("tests/cassettes/extract.yaml"):
    ...     user = extract_user("Jason is 25")
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

REDACTED = "REDACTED"

#: header names that carry credentials (compared lower-case, as substrings)
SECRET_HEADER_PARTS = ("authorization", "api-key", "apikey", "x-api-key", "token", "secret", "cookie",
                       "signature", "credential", "x-goog-api-key", "organization", "project")
#: query parameters that carry credentials (Gemini's `?key=...`)
SECRET_QUERY_PARAMETERS = ("key", "api_key", "api-key", "apikey", "access_token", "token", "sig",
                           "signature", "x-amz-signature", "x-amz-credential", "x-amz-security-token")
_SECRET_ENV = re.compile(r"(API_KEY|APIKEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)", re.IGNORECASE)
_BEARER = re.compile(r"^(?:bearer|basic|token)\s+", re.IGNORECASE)
_AWS_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)")


def _is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in SECRET_HEADER_PARTS)


def _env_secrets() -> set[str]:
    return {value for name, value in os.environ.items() if _SECRET_ENV.search(name) and len(value) >= 8}


def _header_secrets(value: str) -> set[str]:
    """The secret parts of a credential header's value (the token after "Bearer", an AWS key id)."""
    found = {value, _BEARER.sub("", value)}
    found.update(_AWS_CREDENTIAL.findall(value))
    return {s for s in found if len(s) >= 8}


def _scrub_text(data: Any, secrets: set[str]) -> Any:
    if not secrets or data is None:
        return data
    is_bytes = isinstance(data, bytes)
    text = data.decode("utf-8", "replace") if is_bytes else str(data)
    if not any(secret in text for secret in secrets):
        return data
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text.encode() if is_bytes else text


def scrub_request(request: Any) -> Any:
    """A vcrpy `before_record_request`: credentials out of headers, URL and body."""
    secrets = _env_secrets()
    for name in list(request.headers):
        if _is_secret_header(name):
            secrets |= _header_secrets(str(request.headers[name]))
            request.headers[name] = REDACTED
    request.uri = _scrub_text(request.uri, secrets)
    request.body = _scrub_text(request.body, secrets)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """A vcrpy `before_record_response`: cookies and account ids out of headers, secrets out of the body."""
    secrets = _env_secrets()
    headers = response.get("headers") or {}
    for name in list(headers):
        if _is_secret_header(name):
            headers[name] = [REDACTED]
    body = response.get("body") or {}
    if "string" in body:
        body["string"] = _scrub_text(body["string"], secrets)
    return response


def vcr_config(**overrides: Any) -> dict[str, Any]:
    """vcrpy options that keep every credential out of a cassette.

    Use it as pytest-recording's `vcr_config` fixture, or as `vcr.VCR(**vcr_config())`.

    Args:
        **overrides: other vcrpy options (`match_on`, `record_mode`...), applied on top.

    Example:
        >>> @pytest.fixture(scope="module")
        ... def vcr_config():
        ...     return instructor.testing.vcr_config(match_on=["method", "path", "body"])
    """
    return {
        "filter_query_parameters": [(name, REDACTED) for name in SECRET_QUERY_PARAMETERS],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        **overrides,
    }


@contextmanager
def cassette(path: str | os.PathLike[str], record_mode: str = "once", **options: Any) -> Iterator[Any]:
    """Record the HTTP exchanges inside the block to `path`, or replay them if it exists.

    Args:
        path: the cassette file (YAML).
        record_mode: vcrpy's: "once" (record when the file is missing, else replay and
            refuse new requests), "none" (replay only: CI), "new_episodes", "all".
        **options: other vcrpy options, on top of `vcr_config()`.

    Raises:
        ImportError: vcrpy is not installed (`pip install "instructor[testing]"`).

    Example:
        >>> with cassette("tests/cassettes/user.yaml", record_mode="none"):
        ...     user = client.create(response_model=User, messages=[...])
    """
    try:
        import vcr
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            'Recording needs vcrpy, which is not installed: `pip install "instructor[testing]"`.'
        ) from exc
    recorder = vcr.VCR(**vcr_config(record_mode=record_mode, **options))
    with recorder.use_cassette(os.fspath(path)) as tape:
        yield tape

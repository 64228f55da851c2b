"""Fetching media from a URL, only when a provider needs the bytes (stdlib `urllib` only).

A URL in a message can make instructor open a connection on the caller's behalf,
so the fetch is fenced: http(s) only, at most `MAX_REDIRECTS` redirects, a size
limit per kind of media (`LIMITS`), a timeout, and public addresses only (every
hop's connected address is checked, so a name that resolves to a private or
loopback address is refused even after a redirect). Through a proxy from the
environment, the target host's resolved addresses are checked instead.

Tests that serve media from 127.0.0.1 opt in explicitly with `allow_loopback_urls()`;
loopback is never allowed by default.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from instructor.core.exceptions import MultimodalError

# socket, http.client and urllib are imported by the functions that fetch: building a
# media object (which imports this module for `allow_loopback_urls`) never pays for them

MIB = 1024 * 1024
#: the most bytes read for one URL, per kind of media
LIMITS = {"image": 20 * MIB, "audio": 25 * MIB, "pdf": 50 * MIB}
MAX_REDIRECTS = 5
TIMEOUT = 30.0

_ALLOW_LOOPBACK: contextvars.ContextVar[bool] = contextvars.ContextVar("instructor_media_loopback", default=False)


@contextlib.contextmanager
def allow_loopback_urls() -> Iterator[None]:
    """Within this block, media URLs may point at loopback addresses (127.0.0.0/8, ::1).

    For tests that serve media from a local HTTP server. Private networks stay refused.

    Example:
        >>> with allow_loopback_urls():
        ...     client.create(response_model=Receipt, messages=[{"role": "user", "content": [
        ...         Image.from_url(f"http://127.0.0.1:{port}/receipt.png")]}])
    """
    token = _ALLOW_LOOPBACK.set(True)
    try:
        yield
    finally:
        _ALLOW_LOOPBACK.reset(token)


def _refusal(address: str) -> str | None:
    """Why `address` may not be fetched from (None: it may)."""
    import ipaddress

    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    if ip.is_loopback:
        return None if _ALLOW_LOOPBACK.get() else "a loopback address"
    if ip.is_global and not ip.is_multicast:
        return None
    return "a private or reserved address"


def _refuse(url: str, host: str, address: str, reason: str, kind: str) -> MultimodalError:
    hint = (" Tests serving media locally can wrap the call in "
            "instructor.multimodal.allow_loopback_urls()." if reason == "a loopback address" else "")
    return MultimodalError(
        f"Refusing to fetch {url!r}: {host!r} is {address}, {reason}; instructor fetches media only "
        f"from public addresses. Read the file yourself and pass it with from_path() or from_base64().{hint}",
        content_type=kind,
    )


def _check_resolved(url: str, kind: str, host: str | None = None) -> None:
    """Every address `host` (by default `url`'s host) resolves to must be public."""
    import socket
    from urllib.parse import urlsplit

    host = host or urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise MultimodalError(f"Could not fetch {url!r}: cannot resolve {host!r} ({exc}).",
                              content_type=kind) from exc
    for info in infos:
        address = str(info[4][0])
        reason = _refusal(address)
        if reason:
            raise _refuse(url, host, address, reason, kind)


def _checked_connect(host: str, url: str, kind: str) -> Any:
    import socket

    def connect(address: Any, timeout: Any = None, source_address: Any = None) -> socket.socket:
        # every address the name resolves to is checked before connecting (no packet to a
        # private host), and the connected peer after (a name re-resolved in between)
        _check_resolved(url, kind, host)
        sock = socket.create_connection(address, timeout, source_address)
        peer = str(sock.getpeername()[0])
        reason = _refusal(peer)
        if reason:
            sock.close()
            raise _refuse(url, host, peer, reason, kind)
        return sock

    return connect


def _handlers(url: str, kind: str, proxied: bool) -> list[Any]:
    """urllib handlers whose connections check the peer address before a byte is sent."""
    import http.client
    import urllib.request
    from urllib.parse import urlsplit

    class CheckedHTTP(http.client.HTTPConnection):
        def __init__(self, host: str, *args: Any, **kwargs: Any) -> None:
            super().__init__(host, *args, **kwargs)
            if not proxied:
                self._create_connection = _checked_connect(self.host, url, kind)  # type: ignore[assignment]

    class CheckedHTTPS(http.client.HTTPSConnection):
        def __init__(self, host: str, *args: Any, **kwargs: Any) -> None:
            super().__init__(host, *args, **kwargs)
            if not proxied:
                self._create_connection = _checked_connect(self.host, url, kind)  # type: ignore[assignment]

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(CheckedHTTP, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(CheckedHTTPS, req, context=self._context)  # type: ignore[attr-defined]

    class RedirectHandler(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            hops = getattr(req, "instructor_hops", 0) + 1
            if hops > MAX_REDIRECTS:
                raise MultimodalError(
                    f"Could not fetch {url!r}: more than {MAX_REDIRECTS} redirects (the last to {newurl!r}). "
                    "Pass the final URL, or download the file and use from_path().",
                    content_type=kind,
                )
            if urlsplit(newurl).scheme not in ("http", "https"):
                raise MultimodalError(f"Could not fetch {url!r}: it redirects to {newurl!r}, which is not "
                                      "http(s).", content_type=kind)
            if proxied:
                _check_resolved(newurl, kind)
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
            if new is not None:
                setattr(new, "instructor_hops", hops)  # noqa: B010 (urllib Requests take attributes)
            return new

    return [HTTPHandler(), HTTPSHandler(), RedirectHandler()]


def _uses_proxy(url: str) -> bool:
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return bool(urllib.request.getproxies().get(parts.scheme)) and not urllib.request.proxy_bypass(
        parts.hostname or "")


def fetch(url: str, kind: str) -> tuple[bytes, str | None]:
    """The body of `url` and its Content-Type header, within the limits of `kind`.

    Raises:
        MultimodalError: not http(s), a refused address, too many redirects, an HTTP
            error, a network error or timeout, or a body over `LIMITS[kind]`.
    """
    import http.client
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    if urlsplit(url).scheme not in ("http", "https"):
        raise MultimodalError(f"Cannot fetch {url!r}: only http and https URLs are fetched.", content_type=kind)
    limit = LIMITS[kind]
    proxied = _uses_proxy(url)
    if proxied:
        _check_resolved(url, kind)
    opener = urllib.request.build_opener(*_handlers(url, kind, proxied))
    request = urllib.request.Request(url, headers={"User-Agent": "instructor", "Accept": "*/*"})
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise _too_large(url, kind, limit, int(declared))
            body = response.read(limit + 1)
            if len(body) > limit:
                raise _too_large(url, kind, limit, None)
            return body, response.headers.get("Content-Type")
    except MultimodalError:
        raise
    except urllib.error.HTTPError as exc:
        raise MultimodalError(f"Could not fetch {url!r}: the server answered HTTP {exc.code} {exc.reason}.",
                              content_type=kind) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, MultimodalError):
            raise exc.reason from None
        raise MultimodalError(f"Could not fetch {url!r}: {exc.reason}.", content_type=kind) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise MultimodalError(f"Could not fetch {url!r}: {exc!r}.", content_type=kind) from exc


def _size(n: int) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n} bytes"


def _too_large(url: str, kind: str, limit: int, size: int | None) -> MultimodalError:
    got = _size(size) if size is not None else f"more than {_size(limit)}"
    return MultimodalError(
        f"Could not fetch {url!r}: it is {got}, over the {_size(limit)} limit for {kind} media. "
        "Send a smaller file, or pass a URL to a provider that reads URLs itself.",
        content_type=kind,
    )

"""Fetching media URLs: only when a provider needs the bytes, and within the published limits.

A local HTTP server on 127.0.0.1 plays the web; loopback is allowed only inside
`allow_loopback_urls()`, the explicit switch for tests. Nothing reaches the internet:
private and reserved addresses are refused before a connection is opened.
"""

from __future__ import annotations

import pytest
from media_samples import MediaServer, pdf, png, wav

from instructor import MultimodalError
from instructor.multimodal import PDF, Audio, Image, allow_loopback_urls
from instructor.processing import fetch

PNG = png()


def test_a_url_is_fetched_once_and_typed_from_its_bytes() -> None:
    routes = {"/photo": (200, {"Content-Type": "text/plain"}, PNG)}  # a lying header: the bytes win
    with MediaServer(routes) as server, allow_loopback_urls():
        image = Image.from_url(server.url("/photo"))
        assert server.hits == []
        assert image.load() == (PNG, "image/png")
        assert image.data_uri().startswith("data:image/png;base64,")
        image.load()
    assert server.hits == ["/photo"]  # cached on the object
    assert image.data is None  # the public fields are left as built


def test_the_content_type_header_types_bytes_without_a_signature() -> None:
    routes = {"/clip": (200, {"Content-Type": "audio/pcm"}, b"\x01\x02" * 50)}
    with MediaServer(routes) as server, allow_loopback_urls():
        assert Audio.from_url(server.url("/clip")).load()[1] == "audio/pcm"


def test_a_page_that_is_not_media_is_refused() -> None:
    routes = {"/r.png": (200, {"Content-Type": "text/html"}, b"<html>login</html>")}
    with MediaServer(routes) as server, allow_loopback_urls():
        with pytest.raises(MultimodalError, match="Unsupported image format: text/html"):
            Image.from_url(server.url("/r.png")).load()


def test_http_errors_name_the_status() -> None:
    with MediaServer({}) as server, allow_loopback_urls():
        with pytest.raises(MultimodalError, match="HTTP 404") as info:
            PDF.from_url(server.url("/missing.pdf")).load()
    assert info.value.content_type == "pdf"


def test_the_size_limit_per_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(fetch.LIMITS, "audio", 100)
    routes = {"/big.wav": (200, {}, wav(400)), "/small.wav": (200, {}, wav(10))}
    with MediaServer(routes) as server, allow_loopback_urls():
        with pytest.raises(MultimodalError, match="over the 100 bytes limit for audio media"):
            Audio.from_url(server.url("/big.wav")).load()
        assert Audio.from_url(server.url("/small.wav")).load()[1] == "audio/wav"
    assert fetch.LIMITS["image"] == 20 * 1024 * 1024 and fetch.LIMITS["pdf"] == 50 * 1024 * 1024


def _chain(hops: int) -> dict[str, tuple[int, dict[str, str], bytes]]:
    routes = {f"/hop{i}": (302, {"Location": f"/hop{i + 1}"}, b"") for i in range(hops)}
    routes[f"/hop{hops}"] = (200, {}, pdf())
    return routes


def test_five_redirects_are_followed_a_sixth_is_refused() -> None:
    with MediaServer(_chain(5)) as server, allow_loopback_urls():
        assert PDF.from_url(server.url("/hop0")).load()[1] == "application/pdf"
    with MediaServer(_chain(6)) as server, allow_loopback_urls():
        with pytest.raises(MultimodalError, match="more than 5 redirects"):
            PDF.from_url(server.url("/hop0")).load()
        assert "/hop6" not in server.hits


def test_a_redirect_to_another_scheme_is_refused() -> None:
    routes = {"/r.png": (302, {"Location": "ftp://example.com/r.png"}, b""),
              "/s.png": (302, {"Location": "file:///etc/passwd"}, b"")}
    with MediaServer(routes) as server, allow_loopback_urls():
        with pytest.raises(MultimodalError, match="which is not http"):
            Image.from_url(server.url("/r.png")).load()
        with pytest.raises(MultimodalError, match="HTTP 302.*not allowed"):  # urllib's own refusal
            Image.from_url(server.url("/s.png")).load()


def test_loopback_is_refused_unless_the_switch_is_on() -> None:
    with MediaServer({"/r.png": (200, {}, PNG)}) as server:
        with pytest.raises(MultimodalError, match="127.0.0.1.*loopback address"):
            Image.from_url(server.url("/r.png")).load()
        with allow_loopback_urls():
            assert Image.from_url(server.url("/r.png")).load()[0] == PNG
        with pytest.raises(MultimodalError, match="loopback"):  # the switch ends with its block
            Image.from_url(server.url("/r.png")).load()
    assert server.hits == ["/r.png"]


@pytest.mark.parametrize("url", ["http://10.1.2.3/r.png", "http://192.168.0.7/r.png", "http://169.254.169.254/r.png",
                                 "http://[fd00::1]/r.png", "http://0.0.0.0/r.png"])
def test_private_and_reserved_addresses_are_refused_even_with_the_switch(url: str) -> None:
    with allow_loopback_urls(), pytest.raises(MultimodalError, match="private or reserved address"):
        Image.from_url(url).load()


def test_a_redirect_into_a_private_network_is_refused() -> None:
    routes = {"/r.png": (302, {"Location": "http://10.0.0.8/admin.png"}, b"")}
    with MediaServer(routes) as server, allow_loopback_urls():
        with pytest.raises(MultimodalError, match="10.0.0.8.*private or reserved"):
            Image.from_url(server.url("/r.png")).load()


def test_only_http_urls_are_fetched() -> None:
    with pytest.raises(MultimodalError, match="only http and https"):
        fetch.fetch("ftp://example.com/r.png", "image")
    with pytest.raises(MultimodalError, match=r"Bedrock reads s3:// URIs"):
        Image.from_url("s3://bucket/r.png").load()


def test_a_gs_url_is_read_through_its_public_https_form() -> None:
    image = Image.from_gs_url("gs://bucket/receipts/r.png")
    assert image.url == "https://storage.googleapis.com/bucket/receipts/r.png"
    assert image.source == "gs://bucket/receipts/r.png" and image.media_type == "image/png"

"""The HTTP contract of the service endpoint, row by row (Flask test client)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import flask
import pytest

import dash_file_cache as dfc

from .conftest import served

ERROR_KEYS = {"code", "message", "error"}
PAYLOAD = bytes(range(256)) * 40  # 10,240 bytes


def uid_of(address: str) -> str:
    return address.split("uid=")[1].split("&")[0]


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == status
    assert body["error"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return body


# -- 200 -----------------------------------------------------------------------------


def test_get_streams_the_bytes_with_exact_headers(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.BytesIO(PAYLOAD), mime_type="application/octet-stream")
    response = client.get(address)
    assert response.status_code == 200
    assert response.data == PAYLOAD
    assert response.headers["Content-Length"] == str(len(PAYLOAD))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_path_items_stream_from_disk_as_they_are_now(
    path_service: dfc.ServiceData, tmp_path: Path
) -> None:
    service, client = path_service, served(path_service).test_client()
    path = tmp_path / "picture.svg"
    path.write_bytes(b"<svg/>")
    address = service.register(path, mime_type="image/svg+xml")
    first = client.get(address)
    assert first.data == b"<svg/>"
    path.write_bytes(b"<svg>changed</svg>")
    os.utime(path, ns=(1, 1))
    second = client.get(address)
    assert second.data == b"<svg>changed</svg>"
    assert second.headers["Content-Length"] == str(len(b"<svg>changed</svg>"))
    assert second.headers["ETag"] != first.headers["ETag"]
    path.unlink()
    assert_json_error(client.get(address), 404)


def test_default_mime_type_and_content_type(service: dfc.ServiceData, client: Any) -> None:
    assert client.get(service.register(io.BytesIO(b"x"))).mimetype == "image/jpeg"
    address = service.register(io.BytesIO(b"x"), content_type="text/csv; charset=latin-1")
    assert client.get(address).headers["Content-Type"] == "text/csv; charset=latin-1"


def test_chunk_size_sets_the_pieces_streamed(service: dfc.ServiceData, app: flask.Flask) -> None:
    service.chunk_size = 1
    payload = os.urandom(2 * 1024 * 1024 + 10)
    address = service.register(io.BytesIO(payload))
    with app.test_request_context(address):
        response = service.stream(uid_of(address))
        pieces = list(response.response)
        response.close()
    assert [len(p) for p in pieces] == [1024 * 1024, 1024 * 1024, 10]
    assert b"".join(pieces) == payload


def test_files_are_streamed_in_chunks_not_through_the_file_wrapper(
    path_service: dfc.ServiceData, tmp_path: Path
) -> None:
    """Measured: 1 MiB reads and writes beat the server's sendfile (see _body's docstring)."""
    service, client = path_service, served(path_service).test_client()
    path = tmp_path / "big.bin"
    big = os.urandom(2 * 1024 * 1024 + 10)
    path.write_bytes(big)
    wrapped: list[Any] = []

    def file_wrapper(filelike: Any, block_size: int = 8192) -> Any:
        wrapped.append(filelike)
        return iter(lambda: filelike.read(block_size), b"")

    response = client.get(
        service.register(path), environ_overrides={"wsgi.file_wrapper": file_wrapper}
    )
    assert response.data == big
    assert wrapped == []


def test_redis_serves_a_copy_of_a_path_after_the_file_is_gone(
    redis_server: str, tmp_path: Path
) -> None:
    service = dfc.ServiceData(dfc.CacheRedis(redis_server, key_prefix="copy-test:"))
    path = tmp_path / "gone.bin"
    path.write_bytes(PAYLOAD)
    address = service.register(path, download=True)
    path.unlink()
    response = served(service).test_client().get(address, headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.data == PAYLOAD[100:200]
    assert 'filename="gone.bin"' in response.headers["Content-Disposition"]


def test_unreadable_file_is_a_logged_500_without_traceback(
    path_service: dfc.ServiceData,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Tests run as root here, where chmod cannot make a file unreadable: inject the fault.
    path = tmp_path / "locked.bin"
    path.write_bytes(b"secret")
    address = path_service.register(path)

    def refuse(data: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("dash_file_cache.services.respond._open", refuse)
    response = served(path_service).test_client().get(address)
    body = assert_json_error(response, 500)
    assert "Traceback" not in response.get_data(as_text=True)
    assert str(path) not in body["error"]
    assert "could not read" in caplog.text


# -- HEAD ------------------------------------------------------------------------------


def test_head_sends_headers_only_and_keeps_one_time_items(
    service: dfc.ServiceData, client: Any
) -> None:
    address = service.register(io.BytesIO(PAYLOAD), one_time_service=True)
    head = client.head(address)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(PAYLOAD))
    assert head.headers["ETag"]
    assert uid_of(address) in service.cache
    assert client.get(address).data == PAYLOAD


# -- Range -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [("bytes=10-19", 10, 20), ("bytes=-100", 10140, 10240), ("bytes=10000-", 10000, 10240)],
)
def test_ranges_answer_206(
    service: dfc.ServiceData, client: Any, header: str, start: int, stop: int
) -> None:
    address = service.register(io.BytesIO(PAYLOAD))
    response = client.get(address, headers={"Range": header})
    assert response.status_code == 206
    assert response.data == PAYLOAD[start:stop]
    assert response.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{len(PAYLOAD)}"
    assert response.headers["Content-Length"] == str(stop - start)


def test_ranges_of_path_items(service: dfc.ServiceData, client: Any, tmp_path: Path) -> None:
    path = tmp_path / "video.bin"
    path.write_bytes(PAYLOAD)
    response = client.get(service.register(path), headers={"Range": "bytes=5000-5009"})
    assert response.status_code == 206
    assert response.data == PAYLOAD[5000:5010]


@pytest.mark.parametrize("header", ["bytes=20000-", "bytes=20000-20010", "bytes=abc"])
def test_unsatisfiable_range_answers_416(
    service: dfc.ServiceData, client: Any, header: str
) -> None:
    address = service.register(io.BytesIO(PAYLOAD))
    response = client.get(address, headers={"Range": header})
    assert_json_error(response, 416)
    assert response.headers["Content-Range"] == f"bytes */{len(PAYLOAD)}"


def test_multiple_ranges_get_the_whole_body(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.BytesIO(PAYLOAD))
    response = client.get(address, headers={"Range": "bytes=0-1,5-6"})
    assert response.status_code == 200
    assert response.data == PAYLOAD


def test_if_range_with_an_old_etag_gets_the_whole_body(
    service: dfc.ServiceData, client: Any
) -> None:
    address = service.register(io.BytesIO(PAYLOAD))
    response = client.get(address, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert response.status_code == 200
    assert response.data == PAYLOAD


# -- ETag ------------------------------------------------------------------------------


def test_matching_if_none_match_answers_304(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.BytesIO(PAYLOAD))
    etag = client.get(address).headers["ETag"]
    response = client.get(address, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert client.get(address, headers={"If-None-Match": '"other"'}).status_code == 200


# -- 400 / 404 / 405 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["", "?uid=", "?uid=xyz", "?uid=../../etc/passwd", "?uid=" + "A" * 32, "?uid=" + "0" * 33],
)
def test_missing_or_malformed_uid_answers_400(client: Any, query: str) -> None:
    assert "uid" in assert_json_error(client.get("/cached-data" + query), 400)["error"]


def test_unknown_uid_answers_404(client: Any) -> None:
    assert_json_error(client.get("/cached-data?uid=" + "0" * 32), 404)


def test_expired_uid_answers_404(tmp_path: Path, clock: Any) -> None:
    for cache in (dfc.CachePlain(4, ttl=30), dfc.CacheFile(tmp_path, ttl=30)):
        service = dfc.ServiceData(cache)
        app = served(service)
        address = service.register(io.BytesIO(b"soon gone"))
        client = app.test_client()
        assert client.get(address).status_code == 200
        clock.advance(31)
        assert_json_error(client.get(address), 404)


def test_evicted_uid_answers_404() -> None:
    service = dfc.ServiceData(dfc.CachePlain(1))
    app = served(service)
    first = service.register(io.BytesIO(b"1"))
    second = service.register(io.BytesIO(b"2"))
    client = app.test_client()
    assert_json_error(client.get(first), 404)
    assert client.get(second).data == b"2"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_answer_405(service: dfc.ServiceData, client: Any, method: str) -> None:
    address = service.register(io.BytesIO(b"x"))
    response = client.open(address, method=method)
    assert_json_error(response, 405)
    assert response.headers["Allow"] == "GET, HEAD"
    assert uid_of(address) in service.cache


# -- one-time ----------------------------------------------------------------------------------


def test_one_time_item_is_served_once(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.BytesIO(PAYLOAD), one_time_service=True)
    first = client.get(address)
    assert first.data == PAYLOAD
    assert first.headers["Cache-Control"] == "no-store"
    assert uid_of(address) not in service.cache
    assert_json_error(client.get(address), 404)


def test_one_time_item_ignores_range_and_sends_everything(
    service: dfc.ServiceData, client: Any
) -> None:
    address = service.register(io.BytesIO(PAYLOAD), one_time_service=True)
    response = client.get(address, headers={"Range": "bytes=0-9"})
    assert response.status_code == 200
    assert response.headers["Accept-Ranges"] == "none"
    assert response.data == PAYLOAD


# -- regressions (issue 11) -------------------------------------------------------------


def test_if_match_mismatch_is_a_412_json_whose_length_matches(
    service: dfc.ServiceData, client: Any
) -> None:
    address = service.register(io.BytesIO(PAYLOAD))
    response = client.get(address, headers={"If-Match": '"not-this-one"'})
    assert_json_error(response, 412)
    assert int(response.headers["Content-Length"]) == len(response.data)
    etag = client.head(address).headers["ETag"]
    assert client.get(address, headers={"If-Match": etag}).data == PAYLOAD


def test_weak_if_range_never_matches(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.BytesIO(PAYLOAD))
    etag = client.head(address).headers["ETag"]
    strong = client.get(address, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert strong.status_code == 206
    weak = client.get(address, headers={"Range": "bytes=0-9", "If-Range": "W/" + etag})
    assert weak.status_code == 200
    assert weak.data == PAYLOAD


@pytest.mark.parametrize(
    ("name", "fallback"),
    [("日本語.csv", "download.csv"), ("😀.png", "download.png"), ("数据", "download")],
)
def test_non_ascii_only_names_fall_back_to_download(
    service: dfc.ServiceData, client: Any, name: str, fallback: str
) -> None:
    address = service.register(io.BytesIO(b"x"), file_name=name, download=True)
    disposition = client.get(address).headers["Content-Disposition"]
    assert disposition.split('filename="')[1].split('"')[0] == fallback
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == name


def test_path_described_by_the_open_handle_not_an_earlier_stat(
    path_service: dfc.ServiceData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is replaced between the look-up and the open: B is sent under B's headers."""
    service, client = path_service, served(path_service).test_client()
    path = tmp_path / "report.bin"
    path.write_bytes(b"A" * 1000)
    address = service.register(path)
    etag_a = client.head(address).headers["ETag"]
    import dash_file_cache.services.respond as respond

    real_open = respond._open

    def replace_then_open(data: Any) -> Any:
        if isinstance(data, str):
            swap = tmp_path / "swap.bin"
            swap.write_bytes(b"B" * 1500)
            os.replace(swap, path)
        return real_open(data)

    monkeypatch.setattr(respond, "_open", replace_then_open)
    response = client.get(address)
    assert response.data == b"B" * 1500
    assert response.headers["Content-Length"] == "1500"
    assert response.headers["ETag"] != etag_a
    resumed = client.get(address, headers={"Range": "bytes=10-", "If-Range": etag_a})
    assert resumed.status_code == 200 and resumed.data == b"B" * 1500


def test_unreachable_redis_is_a_503_json_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        url = f"redis://127.0.0.1:{port}/0?socket_connect_timeout=1"
        with dfc.CacheRedis(url) as cache:
            service = dfc.ServiceData(cache)
            client = served(service).test_client()
            with pytest.raises(dfc.caches.BackendUnavailable):
                service.register(io.BytesIO(b"x"))
            with caplog.at_level("WARNING", logger="dash_file_cache.services"):
                for _ in range(3):
                    response = client.get("/cached-data?uid=" + "a" * 32)
                    assert_json_error(response, 503)
                    assert response.headers["Retry-After"] == "5"
    assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1


def test_raw_non_utf8_query_bytes_are_a_json_400(client: Any) -> None:
    """Some WSGI servers pass undecodable bytes through in QUERY_STRING."""
    response = client.get("/cached-data", environ_overrides={"QUERY_STRING": "uid=\xff&x=\xfe"})
    assert "UTF-8" in assert_json_error(response, 400)["error"]


def test_a_file_body_reads_cached_bytes_without_a_thread(tmp_path: Path) -> None:
    """``next_cached`` reads what the page cache holds at once (the ASGI adapter calls it
    on the event loop); mixed with ``__next__`` (the thread path) the body is still the
    file's range, in order, and ``None`` at its end leaves the end to ``__next__``."""
    from dash_file_cache.services.http import _RWF_NOWAIT, ByteRangeStream

    data = os.urandom(300_000)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    path.read_bytes()  # in the page cache now
    body = ByteRangeStream(open(path, "rb"), 1000, 250_000, 64 * 1024)
    parts = []
    cached = body.next_cached()
    if _RWF_NOWAIT is None:  # not Linux: always the thread path
        assert cached is None
    else:
        assert cached == data[1000 : 1000 + 64 * 1024]
        parts.append(cached)
    parts.append(next(body))
    while (piece := body.next_cached()) is not None:
        parts.append(piece)
    parts.extend(body)
    assert b"".join(parts) == data[1000:251_000]
    assert body.next_cached() is None


def test_a_stream_that_is_not_a_file_never_reads_on_the_loop() -> None:
    from dash_file_cache.services.http import ByteRangeStream

    body = ByteRangeStream(io.BytesIO(b"abcdef"), 1, 4, 2)
    assert body.next_cached() is None
    assert list(body) == [b"bc", b"de"]


# -- reuse=1 (CachedImage's requests) ------------------------------------------------


@pytest.mark.parametrize("query", ["&reuse=1", "&download=false&reuse=1", "&reuse=1&download=0"])
def test_reuse_lets_the_browser_keep_the_answer_briefly(
    service: dfc.ServiceData, client: Any, query: str
) -> None:
    address = service.register(io.BytesIO(PAYLOAD))
    response = client.get(address + query)  # the plain query and the parsed one
    assert (response.status_code, response.data) == (200, PAYLOAD)
    assert response.headers["Cache-Control"] == "private, max-age=10"
    etag = response.headers["ETag"]
    again = client.get(address + query, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "private, max-age=10"
    assert client.get(address).headers["Cache-Control"] == "private, no-cache"


def test_reuse_keeps_one_time_items_and_errors_unkept(
    service: dfc.ServiceData, client: Any
) -> None:
    address = service.register(io.BytesIO(PAYLOAD), one_time_service=True)
    response = client.get(address + "&reuse=1")
    assert response.headers["Cache-Control"] == "no-store" and response.data == PAYLOAD
    missing = client.get(address + "&reuse=1")
    assert_json_error(missing, 404)
    assert "max-age" not in missing.headers.get("Cache-Control", "")


@pytest.mark.parametrize("value", ["0", "true", ""])
def test_a_bad_reuse_value_answers_400(service: dfc.ServiceData, client: Any, value: str) -> None:
    address = service.register(io.BytesIO(b"x")) + f"&reuse={value}"
    assert "reuse" in assert_json_error(client.get(address), 400)["error"]

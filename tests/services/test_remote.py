"""Remote items (``register_request``): a real HTTP server's file, streamed through."""

from __future__ import annotations

import base64
import inspect
import io
import json
import math
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import flask
import pytest
from werkzeug.serving import make_server

import dash_file_cache as dfc
from tests.helpers import live_server, wait_until

from .conftest import served

PAYLOAD = bytes(range(256)) * 64  # 16 KiB
FIRST = b"first chunk "
UNKNOWN = "/cached-data?uid=" + "0" * 32


class Remote:
    """A remote file server on 127.0.0.1, with what it saw and gates for the tests."""

    def __init__(self) -> None:
        self.url = ""
        self.app = flask.Flask("remote")
        self._routes()
        self.reset()

    def reset(self) -> None:
        """Forget what was seen; new gates (a test sets its own when done)."""
        self.seen: list[dict[str, str]] = []  # headers of each request, in order
        self.gate = threading.Event()  # lets /slow and /stream go on
        self.arrived = threading.Event()  # /slow was reached
        self.aborted = threading.Event()  # /stream was cut off by its client

    def _routes(self) -> None:
        app = self.app

        @app.before_request
        def record() -> None:
            self.seen.append({"path": flask.request.path, **flask.request.headers})

        @app.get("/files/report.bin")
        def ranged() -> flask.Response:
            data = io.BytesIO(PAYLOAD)
            sent = flask.send_file(data, "application/x-test", conditional=True, etag="v1")
            # Werkzeug < 3.1 (the oldest Dash's) says so only on a range request.
            sent.headers["Accept-Ranges"] = "bytes"
            return sent

        @app.get("/plain/norange.bin")
        def whole() -> flask.Response:
            return flask.Response(PAYLOAD, mimetype="application/x-test")

        @app.get("/chunked")
        def chunked() -> flask.Response:
            return flask.Response(iter([PAYLOAD[:100], PAYLOAD[100:]]), mimetype="text/plain")

        @app.get("/named")
        def named() -> flask.Response:
            response = flask.Response(b"%PDF-1.4", mimetype="application/pdf")
            response.headers["Content-Disposition"] = (
                "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
            )
            return response

        @app.get("/odd")
        def odd() -> flask.Response:
            response = flask.Response(b"odd")
            response.headers["Content-Type"] = "not a media type"
            response.headers["ETag"] = 'W/"weak"'
            response.headers["Accept-Ranges"] = "none"
            return response

        @app.get("/folder/")
        def folder() -> flask.Response:
            return flask.Response(b"index", mimetype="application/octet-stream")

        @app.get("/echo")
        def echo() -> flask.Response:
            return flask.Response(json.dumps(dict(flask.request.headers)), mimetype="text/plain")

        @app.get("/status/<int:code>")
        def status(code: int) -> flask.Response:
            return flask.Response("<html>remote secret page</html>", status=code)

        @app.get("/redirect")
        def redirect() -> flask.Response:
            target = flask.request.args["to"]
            return flask.redirect(target.replace("{port}", self.url.rsplit(":", 1)[1]))

        @app.get("/slow")
        def slow() -> flask.Response:
            self.arrived.set()
            self.gate.wait(10)
            return flask.Response(b"late")

        @app.get("/stream")
        def stream() -> flask.Response:
            count = int(flask.request.args.get("n", "2"))

            def body() -> Iterator[bytes]:
                try:
                    yield FIRST
                    self.gate.wait(10)
                    for _ in range(count):
                        yield b"z" * 65536
                except GeneratorExit:
                    self.aborted.set()
                    raise

            return flask.Response(body(), mimetype="application/octet-stream")

        @app.get("/short")
        def short() -> flask.Response:
            return flask.Response([b"x" * 50], headers={"Content-Length": "100"})

    def hits(self, path: str) -> int:
        return sum(1 for seen in self.seen if seen["path"] == path)


@pytest.fixture(scope="module")
def remote_server() -> Iterator[Remote]:
    server = Remote()
    with live_server(server.app) as url:
        server.url = url
        yield server


@pytest.fixture
def remote(remote_server: Remote) -> Iterator[Remote]:
    remote_server.reset()
    try:
        yield remote_server
    finally:
        remote_server.gate.set()  # no handler stays blocked


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:pw".encode()).decode()}


def assert_json_error(response: Any, status: int, *fragments: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    body: dict[str, Any] = json.loads(response.data)
    assert body["code"] == status
    for fragment in fragments:
        assert fragment in body["error"]
    assert "secret" not in response.get_data(as_text=True)
    assert "127.0.0.1" not in response.get_data(as_text=True)  # no URL in errors
    return body


# -- relaying the remote's file ----------------------------------------------------------


def test_the_positional_parameters_are_those_of_0_2_0(remote: Remote) -> None:
    signature = inspect.signature(dfc.ServiceData.register_request)
    positional = [
        (p.name, p.default)
        for p in signature.parameters.values()
        if p.name != "self" and p.kind is not inspect.Parameter.KEYWORD_ONLY
    ]
    empty = inspect.Parameter.empty
    expected = [("url", empty), ("headers", None), ("file_name_fallback", ""), ("download", True)]
    assert positional == expected
    service = dfc.ServiceData(dfc.CachePlain(8))
    address = service.register_request(remote.url + "/folder/", {"X-A": "1"}, "a.txt", False)
    answer = served(service).test_client().get(address)
    assert answer.headers["Content-Disposition"].startswith('inline; filename="a.txt"')
    assert remote.seen[-1]["X-A"] == "1"


def test_get_head_and_range_are_relayed(cache: dfc.CacheAbstract, remote: Remote) -> None:
    service = dfc.ServiceData(cache)
    client = served(service).test_client()
    address = service.register_request(remote.url + "/files/report.bin", download=False)
    assert "&download=true" not in address
    got = client.get(address)
    assert got.status_code == 200 and got.data == PAYLOAD
    assert got.headers["Content-Length"] == str(len(PAYLOAD))
    assert got.headers["Content-Type"] == "application/x-test"
    assert got.headers["Accept-Ranges"] == "bytes"
    assert got.headers["ETag"] == '"v1"'
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Cache-Control"] == "private, no-cache"
    assert got.headers["Content-Security-Policy"] == dfc.services.policy.ITEM_POLICY
    assert got.headers["Content-Disposition"].startswith('inline; filename="report.bin"')
    head = client.head(address)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(PAYLOAD))
    assert remote.seen[-1]["path"] == "/files/report.bin" and remote.hits("/files/report.bin") == 2
    part = client.get(address, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == PAYLOAD[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(PAYLOAD)}"
    assert part.headers["Content-Length"] == "10"
    suffix = client.get(address, headers={"Range": "bytes=-5", "If-Range": '"v1"'})
    assert suffix.status_code == 206 and suffix.data == PAYLOAD[-5:]
    stale = client.get(address, headers={"Range": "bytes=0-9", "If-Range": '"v0"'})
    assert stale.status_code == 200 and stale.data == PAYLOAD
    several = client.get(address, headers={"Range": "bytes=0-1,5-6"})  # not forwarded
    assert several.status_code == 200 and several.data == PAYLOAD
    assert "Range" not in remote.seen[-1]
    refused = client.get(address, headers={"Range": f"bytes={len(PAYLOAD) + 10}-"})
    assert_json_error(refused, 416, "not satisfiable")
    assert refused.headers["Content-Range"] == f"bytes */{len(PAYLOAD)}"
    info, _ = cache.load(address.split("uid=")[1])
    assert info["kind"] == "remote"


def test_a_remote_without_ranges_answers_whole(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + "/plain/norange.bin")
    got = client.get(address, headers={"Range": "bytes=10-19"})
    assert remote.seen[-1]["Range"] == "bytes=10-19"  # asked for, and ignored
    assert got.status_code == 200 and got.data == PAYLOAD
    assert got.headers["Content-Length"] == str(len(PAYLOAD))
    assert "Accept-Ranges" not in got.headers and "Content-Range" not in got.headers


def test_a_remote_without_length_is_sent_chunked(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + "/chunked")
    got = client.get(address)
    assert got.status_code == 200 and got.data == PAYLOAD
    assert "Content-Length" not in got.headers
    assert got.headers["Content-Type"] == "text/plain; charset=utf-8"
    head = client.head(address)
    assert head.status_code == 200 and "Content-Length" not in head.headers


def test_weak_etags_and_malformed_types_are_not_relayed(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    got = client.get(service.register_request(remote.url + "/odd"))
    assert got.data == b"odd" and "ETag" not in got.headers
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Accept-Ranges"] == "none"


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ('attachment; filename="a.txt"', "a.txt"),
        ("attachment; filename=plain.csv", "plain.csv"),
        ("attachment; filename*=UTF-8''%E6%97%A5.txt; filename=\"x.txt\"", "\u65e5.txt"),
        ("attachment; filename=\"x.txt\"; filename*=utf-8'en'%C3%A9.txt", "\u00e9.txt"),
        ('attachment; filename="semi;colon \\"q\\".txt"', 'semi;colon "q".txt'),
        ("attachment; filename*=nope''%E6.txt; filename=ok.txt", "ok.txt"),
        ("attachment", ""),
        ("", ""),
    ],
)
def test_remote_file_names_are_read_from_content_disposition(value: str, name: str) -> None:
    assert dfc.services.http.disposition_file_name(value) == name


def test_offload_never_applies_to_remote_items(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CacheFile())
    app = flask.Flask(__name__)
    service.serve(app, offload="x-accel-redirect")
    address = service.register_request(remote.url + "/files/report.bin")
    with app.test_client() as client:
        got = client.get(address)
        assert got.data == PAYLOAD and "X-Accel-Redirect" not in got.headers
    service.cache.close()


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [404, 410])
def test_a_missing_remote_file_is_a_404(remote: Remote, code: int) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + f"/status/{code}")
    assert_json_error(client.get(address), 404, str(code))
    assert_json_error(client.get(address, headers={"Range": "bytes=0-1"}), 404)
    assert client.head(address).status_code == 404


@pytest.mark.parametrize("code", [500, 503, 401, 403, 418])
def test_other_remote_errors_are_a_502(remote: Remote, code: int) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + f"/status/{code}")
    assert_json_error(client.get(address), 502, f"answered {code}")
    assert client.head(address).status_code == 502


def test_a_refused_connection_is_a_502() -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(f"http://127.0.0.1:{free_port()}/file.bin")
    assert_json_error(client.get(address), 502, "could not be reached")


def test_an_unknown_host_is_a_502(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request("http://files.example.invalid/file.bin")
    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no real DNS in tests
    assert_json_error(client.get(address), 502, "could not be reached (gaierror)")


def test_an_untrusted_certificate_is_a_502() -> None:
    pytest.importorskip("cryptography")  # Werkzeug's ad-hoc certificate
    app = flask.Flask("tls")
    app.get("/file.bin")(lambda: PAYLOAD)
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context="adhoc")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        service = dfc.ServiceData(dfc.CachePlain(8))
        client = served(service).test_client()
        address = service.register_request(f"https://127.0.0.1:{server.server_port}/file.bin")
        assert_json_error(client.get(address), 502, "SSLCertVerificationError")
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def test_a_slow_remote_is_a_504(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + "/slow", timeout=0.3)
    answer = client.get(address)
    assert remote.arrived.is_set() and not remote.gate.is_set()
    assert_json_error(answer, 504, "did not answer within 0.3 s")


def test_a_remote_stalling_mid_body_cuts_the_connection(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + "/stream", timeout=0.3)
    response = client.get(address, buffered=False)
    try:
        chunks = iter(response.response)
        assert next(chunks) == FIRST
        with pytest.raises(TimeoutError):  # an OSError: the server cuts the connection
            next(chunks)
    finally:
        response.close()


def test_a_remote_ending_short_cuts_the_connection(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + "/short")
    with pytest.raises(OSError, match="50 bytes short"):
        client.get(address)


# -- the registered request -------------------------------------------------------------


def test_registered_headers_reach_the_remote(cache: dfc.CacheAbstract, remote: Remote) -> None:
    service = dfc.ServiceData(cache)
    client = served(service).test_client()
    headers = {"Authorization": "Bearer t0k3n", "X-Custom": "yes"}
    address = service.register_request(remote.url + "/echo", headers)
    seen = json.loads(client.get(address, headers={"Range": "bytes=0-"}).data)
    assert seen["Authorization"] == "Bearer t0k3n" and seen["X-Custom"] == "yes"
    assert seen["Range"] == "bytes=0-" and seen["Connection"] == "close"


def test_headers_follow_redirects_on_the_same_origin_only(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    headers = {"Authorization": "Bearer t0k3n"}
    same = service.register_request(remote.url + "/redirect?to=/echo", headers)
    assert json.loads(client.get(same).data)["Authorization"] == "Bearer t0k3n"
    other = remote.url + "/redirect?to=http://localhost:{port}/echo"  # another host name
    seen = json.loads(client.get(service.register_request(other, headers)).data)
    assert "Authorization" not in seen and seen["Host"].startswith("localhost:")
    twice = service.register_request(remote.url + "/redirect?to=/redirect?to=/echo")
    assert client.get(twice).status_code == 200
    endless = remote.url + "/redirect?to=" * 6 + "/echo"
    assert_json_error(client.get(service.register_request(endless)), 502, "more than 5 times")
    ftp = service.register_request(remote.url + "/redirect?to=ftp://127.0.0.1/file")
    assert_json_error(client.get(ftp), 502, "not http(s)")


def test_remote_hosts_limit_registrations_and_redirects(remote: Remote) -> None:
    port = remote.url.rsplit(":", 1)[1]
    for allowed in (["127.0.0.1"], [f"127.0.0.1:{port}"], ["example.com", "127.0.0.1."]):
        service = dfc.ServiceData(dfc.CachePlain(8), remote_hosts=allowed)
        address = service.register_request(remote.url + "/files/report.bin")
        assert served(service).test_client().get(address).data == PAYLOAD
    for refused in (["example.com"], ["127.0.0.1:1"], ["localhost"], []):
        service = dfc.ServiceData(dfc.CachePlain(8), remote_hosts=refused)
        with pytest.raises(ValueError, match="not in the service's remote_hosts"):
            service.register_request(remote.url + "/files/report.bin")
    service = dfc.ServiceData(dfc.CachePlain(8), remote_hosts=["127.0.0.1"])
    away = service.register_request(remote.url + "/redirect?to=http://localhost:{port}/echo")
    assert_json_error(served(service).test_client().get(away), 502, "not in remote_hosts")
    assert remote.hits("/echo") == 0


@pytest.mark.parametrize(
    ("hosts", "error"),
    [
        ("example.com", TypeError),
        ([b"example.com"], TypeError),
        (["https://example.com"], ValueError),
        (["example.com/files"], ValueError),
        ([""], ValueError),
        (["exa mple.com"], ValueError),
    ],
)
def test_remote_hosts_are_checked(hosts: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="remote_hosts"):
        dfc.ServiceData(dfc.CachePlain(8), remote_hosts=hosts)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"url": b"http://127.0.0.1/"}, TypeError, "url must be a str"),
        ({"url": "ftp://127.0.0.1/file"}, ValueError, "http:// or https://"),
        ({"url": "file:///etc/passwd"}, ValueError, "http:// or https://"),
        ({"url": "/relative/file"}, ValueError, "http:// or https://"),
        ({"url": "http:///no-host"}, ValueError, "must name a host"),
        ({"url": "http://user:pw@127.0.0.1/"}, ValueError, "credentials"),
        ({"url": "http://127.0.0.1:99999/"}, ValueError, "malformed"),
        ({"url": "http://127.0.0.1/a b"}, ValueError, "spaces"),
        ({"url": "http://127.0.0.1/\r\nX: y"}, ValueError, "control"),
        ({"headers": [("Authorization", "x")]}, TypeError, "headers must be a mapping"),
        ({"headers": {"Authorization": 1}}, TypeError, "headers must map str to str"),
        ({"headers": {"X-A": "1\r\nX-B: 2"}}, ValueError, "CR, LF"),
        ({"headers": {"X A": "1"}}, ValueError, "not a valid header name"),
        ({"headers": {"Host": "evil"}}, ValueError, "set by the service"),
        ({"headers": {"range": "bytes=0-"}}, ValueError, "set by the service"),
        ({"headers": {"X-A": "1", "x-a": "2"}}, ValueError, "given twice"),
        ({"headers": {"X-A": "\u20ac"}}, ValueError, "Latin-1"),
        ({"file_name_fallback": None}, TypeError, "file_name_fallback must be a str"),
        ({"download": "yes"}, TypeError, "download must be a bool"),
        ({"one_time_service": 1}, TypeError, "one_time_service must be a bool"),
        ({"timeout": 0}, ValueError, "timeout must be a positive"),
        ({"timeout": -1.0}, ValueError, "timeout must be a positive"),
        ({"timeout": math.inf}, ValueError, "timeout must be a positive"),
        ({"timeout": "5"}, TypeError, "timeout must be a number"),
        ({"timeout": True}, TypeError, "timeout must be a number"),
        ({"ttl": 0}, ValueError, "ttl"),
        ({"owner": ""}, ValueError, "owner"),
    ],
)
def test_registration_errors_name_the_argument(
    kwargs: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    arguments = {"url": "http://127.0.0.1/file.bin", **kwargs}
    with pytest.raises(error, match=fragment.replace("(", r"\(")):
        service.register_request(**arguments)
    assert len(service.cache) == 0


# -- owners, one-time items, names, CORS ------------------------------------------------


def test_owner_binding(cache: dfc.CacheAbstract, remote: Remote) -> None:
    owners = dfc.owners.basic_auth({"alice": "pw", "bob": "pw"})
    service = dfc.ServiceData(cache, resolve_owner=owners)
    app = served(service)
    client = app.test_client()
    with app.test_request_context("/", headers=basic("alice")):
        address = service.register_request(remote.url + "/files/report.bin")
    with pytest.raises(RuntimeError, match="owner="):
        service.register_request(remote.url + "/files/report.bin")  # outside a request
    unknown = client.get(UNKNOWN, headers=basic("bob"))
    for headers in (basic("bob"), {}):
        refused = client.get(address, headers=headers)
        assert refused.status_code == 404 and refused.data == unknown.data
        assert client.head(address, headers=headers).status_code == 404
    assert remote.hits("/files/report.bin") == 0  # nobody else makes the server fetch
    assert client.get(address, headers=basic("alice")).data == PAYLOAD
    background = service.register_request(remote.url + "/files/report.bin", owner="basic:bob")
    assert client.get(background, headers=basic("bob")).data == PAYLOAD
    assert client.get(background, headers=basic("alice")).status_code == 404


def test_one_time_items_are_claimed_by_one_get(cache: dfc.CacheAbstract, remote: Remote) -> None:
    service = dfc.ServiceData(cache)
    client = served(service).test_client()
    address = service.register_request(remote.url + "/files/report.bin", one_time_service=True)
    head = client.head(address)
    assert head.status_code == 200 and head.headers["Accept-Ranges"] == "none"
    assert head.headers["Cache-Control"] == "no-store"
    got = client.get(address, headers={"Range": "bytes=0-9"})  # sent whole, once
    assert got.status_code == 200 and got.data == PAYLOAD
    assert "Range" not in remote.seen[-1]
    assert_json_error(client.get(address), 404, "no cached item")
    assert client.head(address).status_code == 404
    assert remote.hits("/files/report.bin") == 2


def test_a_failed_fetch_does_not_claim_a_one_time_item(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + "/status/503", one_time_service=True)
    assert client.get(address).status_code == 502
    assert client.get(address).status_code == 502  # still there: the user may retry


def test_a_download_takes_the_remote_file_name(cache: dfc.CacheAbstract, remote: Remote) -> None:
    service = dfc.ServiceData(cache)
    client = served(service).test_client()
    address = service.register_request(remote.url + "/named", file_name_fallback="x.bin")
    assert address.endswith("&download=true")
    got = client.get(address.replace("&download=true", ""))  # the item's own choice holds
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
    )
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Security-Policy"] == dfc.services.policy.ITEM_POLICY
    inline = service.register_request(remote.url + "/named", download=False)
    assert client.get(inline).headers["Content-Disposition"].startswith("inline;")
    fallback = service.register_request(remote.url + "/folder/", file_name_fallback="idx.txt")
    assert 'filename="idx.txt"' in client.get(fallback).headers["Content-Disposition"]
    made_up = client.get(service.register_request(remote.url + "/folder/"))
    pattern = r'attachment; filename="file-[0-9a-f]{8}\.bin"; .*'
    assert re.fullmatch(pattern, made_up.headers["Content-Disposition"])


def test_cors_headers_on_every_answer(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    app = flask.Flask(__name__)
    service.serve(app, allowed_cross_origin="*")
    origin = {"Origin": "https://other.example"}
    with app.test_client() as client:
        for path in ("/files/report.bin", "/status/500", "/status/404"):
            answer = client.get(service.register_request(remote.url + path), headers=origin)
            assert answer.headers["Access-Control-Allow-Origin"] == "*"
            assert answer.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
            assert "Content-Disposition" in answer.headers["Access-Control-Expose-Headers"]


# -- streaming ------------------------------------------------------------------------------


def test_the_first_chunk_arrives_before_the_remote_is_done(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + "/stream?n=3")
    response = client.get(address, buffered=False)
    try:
        assert response.status_code == 200 and "Content-Length" not in response.headers
        chunks = iter(response.response)
        assert next(chunks) == FIRST
        assert not remote.gate.is_set()  # the remote has not sent the rest
        remote.gate.set()
        assert b"".join(chunks) == b"z" * 65536 * 3
    finally:
        response.close()


def test_closing_the_response_closes_the_remote_connection(remote: Remote) -> None:
    service = dfc.ServiceData(dfc.CachePlain(8))
    client = served(service).test_client()
    address = service.register_request(remote.url + "/stream?n=400")
    response = client.get(address, buffered=False)
    assert next(iter(response.response)) == FIRST
    response.close()  # the client went away
    remote.gate.set()
    wait_until(remote.aborted.is_set, what="the remote to see its client gone")

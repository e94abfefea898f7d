"""Raw sockets against a real server: a keep-alive connection stays in step, and
pipelined requests on one socket are answered in order."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import flask
from werkzeug.serving import WSGIRequestHandler, make_server

from .target import ERROR_KEYS, SERVICE, Target


class KeepAliveHandler(WSGIRequestHandler):
    """Werkzeug's handler speaking HTTP/1.1 with connections kept alive.

    Werkzeug 3.1 sends ``Connection: close`` on every response, and after each one it
    discards whatever the client sent within 10 ms (``run_wsgi``'s drain), which would
    swallow a next request. These requests have no body, so the header is dropped, and
    ``waiting`` tells the client when the handler is past the drain, reading the next
    request line: the connection really is reused, with no race.
    """

    protocol_version = "HTTP/1.1"
    waiting = threading.Event()

    def handle_one_request(self) -> None:
        type(self).waiting.set()
        super().handle_one_request()

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close":
            return
        super().send_header(keyword, value)


@contextlib.contextmanager
def real_server(app: flask.Flask) -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 in a thread; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=KeepAliveHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_keep_alive_connection_stays_in_step(target: Target) -> None:
    """Refusals, HEAD and a full GET in a row on ONE connection are each framed exactly."""
    item = target.items["bytes"]
    address = f"{SERVICE}?uid={item.uid}"
    with real_server(target.app) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        sockets: list[Any] = []

        def exchange(method: str, headers: dict[str, str]) -> tuple[Any, bytes]:
            assert KeepAliveHandler.waiting.wait(10)
            KeepAliveHandler.waiting.clear()
            connection.request(method, address, headers=headers)
            response = connection.getresponse()
            body = response.read()
            assert not response.will_close, response.getheaders()
            sockets.append(connection.sock)
            assert sockets[0] is not None and connection.sock is sockets[0]  # one connection
            return response, body

        try:
            KeepAliveHandler.waiting.clear()
            connection.connect()
            refused, body = exchange("GET", {"If-Match": '"not-the-etag"'})
            assert refused.status == 412
            assert refused.getheader("Content-Type") == "application/json"
            assert len(body) == int(refused.getheader("Content-Length"))
            error = json.loads(body)
            assert set(error) == ERROR_KEYS and error["code"] == 412

            garbage, body = exchange("GET", {"Range": "bytes=abc"})
            assert garbage.status in (200, 416)
            assert len(body) == int(garbage.getheader("Content-Length"))
            assert body == item.data if garbage.status == 200 else json.loads(body)["code"] == 416

            head, body = exchange("HEAD", {})
            assert head.status == 200 and body == b""
            assert head.getheader("Content-Length") == str(len(item.data))

            full, body = exchange("GET", {})
            assert full.status == 200
            assert full.getheader("Content-Length") == str(len(item.data))
            assert body == item.data
        finally:
            connection.close()


def read_response(stream: Any, method: str) -> tuple[int, dict[str, str], bytes]:
    """One response off a buffered socket stream, framed by its Content-Length only."""
    status_line = stream.readline()
    assert status_line.startswith(b"HTTP/1.1 "), status_line
    headers: dict[str, str] = {}
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(status_line.split()[1])
    length = 0 if method == "HEAD" or status == 304 else int(headers["content-length"])
    body = stream.read(length)
    assert len(body) == length
    return status, headers, body


def test_pipelined_requests_on_one_socket(target: Target) -> None:
    """The same four requests written at once on one raw socket come back one by one."""
    item = target.items["path"]
    address = f"{SERVICE}?uid={item.uid}"
    requests_ = [
        ("GET", 'If-Match: "nope"\r\n'),
        ("GET", "Range: bytes=zz-\r\n"),
        ("HEAD", ""),
        ("GET", ""),
    ]
    raw = "".join(
        f"{method} {address} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n"
        for method, extra in requests_
    )
    with real_server(target.app) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(raw.encode("latin-1"))
            with sock.makefile("rb") as stream:
                answers = [read_response(stream, method) for method, _ in requests_]
    (s412, h412, b412), (s_range, _, b_range), (s_head, h_head, b_head), last = answers
    assert s412 == 412 and h412["content-type"] == "application/json"
    assert json.loads(b412)["code"] == 412
    assert s_range in (200, 416) and (s_range == 200 or json.loads(b_range)["code"] == 416)
    assert s_head == 200 and b_head == b"" and h_head["content-length"] == str(len(item.data))
    assert last[0] == 200 and last[2] == item.data

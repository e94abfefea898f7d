"""Hypothesis fuzzing of the service endpoint, on every kind of cache (Flask test client).

Each test binds one :class:`ServiceData` to a fresh Flask app, registers a few items
(bytes, non-ASCII text, a path, an empty item and a one-time item, under non-ASCII
names), then sends generated requests: any method, a raw query string (real, unknown
and malformed uids, duplicates, percent-encoded garbage, ``download`` values) and the
``Range``/conditional headers. Every response is checked against the HTTP contract.

``DFC_FUZZ_EXAMPLES`` sets the number of examples per cache (default 300).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

import flask
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from werkzeug.http import http_date
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.test import create_environ
from werkzeug.wrappers import Request

import dash_file_cache as dfc
from dash_file_cache.services.http import parse_bool

SERVICE = "/cached-data"
ERROR_KEYS = {"code", "message", "error"}
HEX = "0123456789abcdef"
ROUTED = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}
KEYS = ("bytes", "text", "path", "empty", "once")
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")

FUZZ = settings(
    max_examples=int(os.environ.get("DFC_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

#: Requests sent per cache kind, and their statuses, printed at the end of each fuzz test.
REQUESTS: Counter[str] = Counter()
STATUSES: dict[str, Counter[str]] = {}


# -- the service under test --------------------------------------------------------------


class Item:
    """A registered item and what the service must send for it."""

    def __init__(self, uid: str, data: bytes, etag: str, one_time: bool = False) -> None:
        self.uid, self.data, self.etag, self.one_time = uid, data, etag, one_time


class Target:
    """A service on ``cache`` bound to a fresh Flask app, with a set of registered items."""

    def __init__(self, cache: dfc.CacheAbstract, tmp_path: Path) -> None:
        self.cache = cache
        self.service = dfc.ServiceData(cache)
        self.app = flask.Flask(__name__)
        self.service.serve(self.app)
        self.client = self.app.test_client()
        self.items: dict[str, Item] = {}
        blob = os.urandom(3000)
        self.add("bytes", io.BytesIO(blob), blob, file_name="données brutes.bin")
        text = "Grüße, 世界! ½ € — ünïcödé\n" * 20
        self.add(
            "text",
            io.StringIO(text),
            text.encode(),
            file_name="текст.txt",
            content_type="text/plain",
        )
        on_disk = tmp_path / "fichier-é.bin"
        on_disk.write_bytes(os.urandom(5000))
        self.add("path", on_disk, on_disk.read_bytes())
        self.add("empty", io.BytesIO(b""), b"", file_name="vide.bin")
        self.once_data = os.urandom(1500)
        self.register_once()

    def add(self, key: str, source: Any, data: bytes, one_time: bool = False, **kw: Any) -> None:
        address = self.service.register(source, one_time_service=one_time, **kw)
        uid = address.split("uid=")[1]
        head = self.client.head(address)
        head.close()
        assert head.status_code == 200, head.status_code
        assert head.headers["Content-Length"] == str(len(data))
        self.items[key] = Item(uid, data, head.headers["ETag"], one_time)

    def register_once(self) -> None:
        data = self.once_data
        self.add("once", io.BytesIO(data), data, one_time=True, file_name="一度.bin")

    def by_uid(self, uid: str | None) -> Item | None:
        for item in self.items.values():
            if item.uid == uid:
                return item
        return None


@pytest.fixture
def target(cache: dfc.CacheAbstract, tmp_path: Path) -> Target:
    return Target(cache, tmp_path)


# -- generated requests ------------------------------------------------------------------


class Ref(NamedTuple):
    """A placeholder for a value known only once the items are registered."""

    kind: str  # uid, UID (upper case), uidpct (percent-encoded), etag, weak, bare
    item: str  # a key of Target.items, or "same": the item the query names first


Part = bytes | str | Ref


class Req(NamedTuple):
    method: str
    query: tuple[Part, ...]
    headers: tuple[tuple[str, tuple[Part, ...]], ...]


def render(target: Target, part: Part, query: tuple[Part, ...] = ()) -> str:
    if isinstance(part, bytes):
        return part.decode("utf-8")
    if isinstance(part, str):
        return part
    key = part.item
    if key == "same":
        key = next((p.item for p in query if isinstance(p, Ref)), "bytes")
    item = target.items[key]
    return {
        "uid": item.uid,
        "UID": item.uid.upper(),
        "uidpct": "".join(f"%{ord(ch):02x}" for ch in item.uid),
        "etag": item.etag,
        "weak": f"W/{item.etag}",
        "bare": item.etag.strip('"'),
    }[part.kind]


def pct(data: bytes) -> bytes:
    return "".join(f"%{b:02x}" for b in data).encode()


def ref(kind: str) -> st.SearchStrategy[Ref]:
    return st.sampled_from(KEYS).map(lambda key: Ref(kind, key))


def header_ref(kind: str) -> st.SearchStrategy[Ref]:
    """Mostly the ETag of the item the query names, sometimes that of another one."""
    return st.sampled_from(("same", "same", "same", *KEYS)).map(lambda key: Ref(kind, key))


def hex_text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[bytes]:
    return st.text(HEX, min_size=min_size, max_size=max_size).map(str.encode)


utf8 = st.text(max_size=20).map(str.encode)
latin1 = st.text(
    st.characters(min_codepoint=0, max_codepoint=255, exclude_characters="\r\n"), max_size=40
)

uid_values: st.SearchStrategy[tuple[Part, ...]] = st.one_of(
    ref("uid").map(lambda r: (r,)),
    ref("uidpct").map(lambda r: (r,)),
    ref("UID").map(lambda r: (r,)),  # upper case
    hex_text(32, 32).map(lambda v: (v,)),  # unknown but valid-looking
    hex_text(0, 31).map(lambda v: (v,)),  # short
    hex_text(33, 64).map(lambda v: (v,)),  # long
    st.tuples(ref("uid"), st.sampled_from([b"0", b"%00", b"%20", b" ", b"+", b"\xc3\xa9"])),
    st.tuples(st.sampled_from([b" ", b"+", b"%20", b"0"]), ref("uid")),
    st.text("ghijklmnopqrstuvwxyzABCDEF-_.~", min_size=32, max_size=32).map(lambda v: (v,)),
    st.just((b"0" * 10240,)),  # a 10 KB value
    st.tuples(ref("uid"), st.just(b"a" * 10240)),
    st.binary(max_size=30).map(lambda v: (pct(v),)),  # percent-encoded garbage
    st.sampled_from([b"%ff%fe", b"%ff", b"%", b"%g0", b"%2", b"%00", b"%C3%A9"]).map(
        lambda v: (v,)
    ),
    utf8.map(lambda v: (v,)),
)
download_values = st.one_of(
    st.sampled_from(
        [b"true", b"false", b"1", b"0", b"yes", b"no", b"on", b"off", b"", b"TRUE", b"%20true"]
    ),
    st.sampled_from([b"garbage", b"2", b"-1", b"tru", b"%ff", b"true%00", b"\xc3\xa9"]),
    st.binary(max_size=8).map(pct),
    utf8,
)
keys = st.sampled_from([b"uid", b"uid", b"uid", b"%75id", b"UID", b"uid[]", b"x", b""])


@st.composite
def params(draw: st.DrawFn) -> tuple[Part, ...]:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return (b"uid=", *draw(uid_values))
    if choice == 1:
        return (b"download=", draw(download_values))
    key = draw(keys)
    if draw(st.booleans()):
        return (key,)  # no '=' at all
    value = draw(st.one_of(uid_values, download_values.map(lambda v: (v,))))
    return (key, b"=", *value)


@st.composite
def queries(draw: st.DrawFn) -> tuple[Part, ...]:
    shape = draw(st.integers(-2, 3))
    if shape <= 0:  # the address register() returns, maybe with a download flag
        query: tuple[Part, ...] = (b"uid=", draw(ref("uid")))
        if draw(st.booleans()):
            query += (b"&download=", draw(st.sampled_from([b"true", b"false", b"1", b"0"])))
        return query
    pieces = draw(st.lists(params(), max_size=3))
    if shape == 1:  # starts with a real uid (duplicates later are ignored)
        pieces.insert(0, (b"uid=", draw(ref("uid"))))
    if shape == 2:  # starts with any uid value, maybe a download flag next
        if draw(st.booleans()):
            pieces.insert(0, (b"download=", draw(download_values)))
        pieces.insert(0, (b"uid=", *draw(uid_values)))
    separator = draw(st.sampled_from([b"&", b"&", b"&", b";", b"&&"]))
    query = ()
    for i, piece in enumerate(pieces):
        query += ((separator,) if i else ()) + piece
    return query


numbers = st.integers(0, 6000)
huge = st.sampled_from(["99999999999999999999", str(2**63), str(2**64 + 1), "1" * 40])


def one_range(pair: tuple[int, int]) -> str:
    return f"{min(pair)}-{max(pair)}"


range_values = st.one_of(
    st.tuples(numbers, numbers).map(lambda p: f"bytes={one_range(p)}"),  # valid single
    numbers.map(lambda n: f"bytes=-{n}"),  # suffix
    numbers.map(lambda a: f"bytes={a}-"),  # open
    st.lists(st.tuples(numbers, numbers).map(one_range), min_size=2, max_size=4).map(
        lambda rs: "bytes=" + ",".join(rs)
    ),  # several
    st.tuples(numbers, numbers)
    .filter(lambda p: p[0] != p[1])
    .map(lambda p: f"bytes={max(p)}-{min(p)}"),  # reversed
    huge.map(lambda h: f"bytes=0-{h}"),
    huge.map(lambda h: f"bytes={h}-"),
    huge.map(lambda h: f"bytes=-{h}"),
    huge.map(lambda h: f"bytes={h}-{h}"),
    st.sampled_from(
        [
            "bytes=",
            "bytes=-",
            "bytes=-0",
            "bytes=0-0",
            "items=0-1",
            "bytes = 0-1",
            "BYTES=0-1",
            "bytes=0-1 ",
            "bytes=1-2,",
            "bytes=,0-1",
            "bytes=0x10-0x20",
            "bytes=1.5-2",
            "bytes=-1-2",
            "bytes=+1-2",
            "bytes=1_0-20",
            "bytes=²-³",
            "bytes=0-¹",
            "bytes=0-0,-1",
        ]
    ),
    latin1,  # garbage
    latin1.map(lambda t: "bytes=" + t),
)
other_etags = st.one_of(
    hex_text(1, 32).map(lambda v: f'"{v.decode()}"'),
    st.just('""'),
    latin1.map(lambda t: '"' + t.replace('"', "") + '"'),
)
dates = st.one_of(
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(timezone.utc),
    ).map(http_date),
    st.sampled_from(["Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "0"]),
    st.just(http_date(datetime.now(timezone.utc))),
)
entity_tag: st.SearchStrategy[Part] = st.one_of(
    header_ref("etag"),
    header_ref("weak"),
    header_ref("bare"),
    other_etags,
    other_etags.map(lambda e: "W/" + e),
)


@st.composite
def tag_lists(draw: st.DrawFn) -> tuple[Part, ...]:
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return (draw(entity_tag),)
    if shape == 1:
        return (draw(st.sampled_from(["*", " * ", "*, *", "W/*"])),)
    if shape == 2:
        return (draw(latin1),)
    tags = draw(st.lists(entity_tag, min_size=2, max_size=4))
    separator = draw(st.sampled_from([", ", ",", " , ", ",,"]))
    joined: tuple[Part, ...] = ()
    for i, tag in enumerate(tags):
        joined += ((separator,) if i else ()) + (tag,)
    return joined


header_values: dict[str, st.SearchStrategy[tuple[Part, ...]]] = {
    "Range": range_values.map(lambda v: (v,)),
    "If-Range": st.one_of(entity_tag, dates, latin1).map(lambda v: (v,)),
    "If-Match": tag_lists(),
    "If-None-Match": tag_lists(),
    "If-Modified-Since": st.one_of(dates, latin1).map(lambda v: (v,)),
    "If-Unmodified-Since": st.one_of(dates, latin1).map(lambda v: (v,)),
    "Origin": st.one_of(st.just("http://example.com"), latin1).map(lambda v: (v,)),
}
methods = st.one_of(
    st.just("GET"),
    st.just("GET"),
    st.just("HEAD"),
    st.sampled_from(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO", "TRACE", "get", "M-X"]),
)


@st.composite
def header_sets(draw: st.DrawFn) -> tuple[tuple[str, tuple[Part, ...]], ...]:
    names = ["Range", "Range", *header_values]
    chosen = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    return tuple((name, draw(header_values[name])) for name in chosen)


requests = st.builds(Req, method=methods, query=queries(), headers=header_sets())


# -- sending and checking ----------------------------------------------------------------


def send(target: Target, kind: str, req: Req) -> tuple[str, dict[str, str], Any]:
    query = "".join(render(target, part) for part in req.query)
    headers = {
        name: "".join(render(target, p, req.query) for p in value) for name, value in req.headers
    }
    note(f"{req.method} {SERVICE}?{query[:300]!r} headers={headers!r}")
    response = target.client.open(
        SERVICE, method=req.method, query_string=query, headers=headers, buffered=True
    )
    REQUESTS[kind] += 1
    STATUSES.setdefault(kind, Counter())[f"{req.method.upper()} {response.status_code}"] += 1
    response.close()
    return query, headers, response


def requested_args(query: str) -> tuple[str | None, str | None]:
    """``uid`` and ``download`` as the service reads them from this query string."""
    args = Request(create_environ(SERVICE, query_string=query)).args
    return args.get("uid"), args.get("download")


def check_error(method: str, status: int, response: Any) -> None:
    assert response.mimetype == "application/json", response.headers
    length = response.headers.get("Content-Length")
    assert length is not None
    if method == "GET":
        body = json.loads(response.data)
        assert set(body) == ERROR_KEYS, body
        assert body["code"] == status, body
        assert len(response.data) == int(length)


def check(target: Target, req: Req, query: str, headers: dict[str, str], response: Any) -> None:
    method, status, body = req.method.upper(), response.status_code, response.data
    note(f"-> {status} {dict(response.headers)!r} body[:80]={body[:80]!r}")
    assert status < 500
    for name, value in response.headers.items():
        assert not set("\r\n") & set(name + value), (name, value)
    length = response.headers.get("Content-Length")
    if method == "GET" and length is not None:
        assert len(body) == int(length)
    if method == "HEAD":
        assert body == b""
    if status == 304:
        assert body == b""
        assert length in (None, "0")

    if 400 <= status < 500:
        check_error(method, status, response)
    if method == "OPTIONS":
        assert status == 204
        return
    if method not in ("GET", "HEAD"):
        assert status == 405
        return
    # What the request asks for, read the way werkzeug reads it.
    uid, download = requested_args(query)
    try:
        attachment = parse_bool(download)
    except ValueError:
        attachment = None
    if not uid or not re.fullmatch(r"[0-9a-f]{32}", uid) or attachment is None:
        assert status == 400
        return
    item = target.by_uid(uid)
    if item is None:
        assert status == 404
        return
    assert status in (200, 206, 304, 412, 416), status
    if status != 416:
        assert response.headers["ETag"] == item.etag
    if status == 416:
        assert response.headers["Content-Range"] == f"bytes */{len(item.data)}"
    if status in (200, 206):
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;" if attachment else "inline;")
    if status == 200:
        assert length == str(len(item.data))
        if method == "GET":
            assert body == item.data
    if status == 206:
        assert not item.one_time
        assert "Range" in headers and "," not in headers["Range"]
        match = CONTENT_RANGE.fullmatch(response.headers["Content-Range"])
        assert match is not None, response.headers["Content-Range"]
        first, last, size = (int(g) for g in match.groups())
        assert size == len(item.data)
        assert first <= last < size
        assert length == str(last - first + 1)
        if method == "GET":
            assert body == item.data[first : last + 1]


def check_one_time(target: Target, req: Req, response: Any) -> None:
    """The one-time item goes only with a 200 GET of it; then a new one is registered."""
    once = target.items["once"]
    served = (
        req.method.upper() == "GET"
        and response.status_code == 200
        and response.headers.get("ETag") == once.etag
    )
    assert target.cache.is_in(once.uid) is not served, (served, response.status_code)
    if served:
        target.register_once()


def test_endpoint_fuzz(target: Target, cache_kind: str) -> None:
    @FUZZ
    @given(req=requests)
    def fuzz(req: Req) -> None:
        query, headers, response = send(target, cache_kind, req)
        check(target, req, query, headers, response)
        check_one_time(target, req, response)

    try:
        fuzz()
    finally:
        tally = ", ".join(f"{k}: {n}" for k, n in sorted(STATUSES.get(cache_kind, {}).items()))
        print(f"fuzz {cache_kind}: {REQUESTS[cache_kind]} requests ({tally})")


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "FOO"])
def test_unrouted_methods_get_the_json_405(target: Target, method: str) -> None:
    item = target.items["bytes"]
    response = target.client.open(
        SERVICE, method=method, query_string=f"uid={item.uid}", buffered=True
    )
    response.close()
    assert response.status_code == 405
    check_error("GET", 405, response)


# -- one keep-alive connection to a real server ------------------------------------------


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

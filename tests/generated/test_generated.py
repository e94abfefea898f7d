"""Generated items (``register()`` given an iterable, an async iterable or a callable),
served by a real server: Werkzeug's for Flask, uvicorn for Dash's FastAPI backend."""

from __future__ import annotations

import functools
import http.client
import io
import json
import logging
import os
import pickle
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import dash
import flask
import pytest

import dash_file_cache as dfc

from ..asgi.apps import DASH_BACKENDS
from ..asgi.conftest import uvicorn_serving
from ..helpers import live_server, wait_until

ROWS = [f"{n},{n * n},ünïcödé\n" for n in range(2000)]
CSV = "".join(ROWS).encode()


@contextmanager
def served(
    backend: str, cache: dfc.CacheAbstract | None = None
) -> Iterator[tuple[dfc.ServiceData, str]]:
    """A service on ``cache`` (``CachePlain`` by default) on a Flask app (Werkzeug) or
    Dash's FastAPI backend (uvicorn); yields it and the base URL."""
    service = dfc.ServiceData(cache if cache is not None else dfc.CachePlain(16))
    if backend == "flask":
        app = flask.Flask(__name__)
        service.serve(app)
        with live_server(app) as base:
            yield service, base
    else:
        if not DASH_BACKENDS:
            pytest.skip(f"Dash {dash.__version__} has no backend= (4.2+)")
        dash_app = dash.Dash(__name__, backend="fastapi")
        dash_app.layout = dash.html.Div()
        service.serve(dash_app)
        with uvicorn_serving(dash_app.server) as base:
            yield service, base


def connect(base: str) -> http.client.HTTPConnection:
    host, port = base.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


def get(
    base: str, address: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = connect(base)
    try:
        conn.request(method, address, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def get_cut(base: str, address: str) -> dict[str, str]:
    """GET ``address``: a 200 whose body is cut (never a clean, short end); its headers."""
    conn = connect(base)
    try:
        conn.request("GET", address)
        response = conn.getresponse()
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        return {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


BACKENDS = pytest.mark.parametrize("backend", ["flask", "fastapi"])


@BACKENDS
def test_a_generator_streams_then_is_served_as_a_file(backend: str) -> None:
    with served(backend) as (service, base):
        address = service.register(iter(ROWS), file_name="squares.csv", content_type="text/csv")
        status, headers, body = get(base, address)
        assert (status, body) == (200, CSV)
        assert "content-length" not in headers and "etag" not in headers  # chunked
        assert headers["content-type"] == "text/csv; charset=utf-8"
        assert "squares.csv" in headers["content-disposition"]
        status, headers, body = get(base, address)  # complete: the stored copy
        assert (status, body) == (200, CSV)
        assert headers["content-length"] == str(len(CSV)) and headers["etag"].startswith('"')
        status, headers, body = get(base, address, headers={"Range": "bytes=10-19"})
        assert (status, body) == (206, CSV[10:20])
        assert headers["content-range"] == f"bytes 10-19/{len(CSV)}"
        resumed = get(base, address, headers={"Range": "bytes=100-", "If-Range": headers["etag"]})
        assert resumed[0] == 206 and resumed[2] == CSV[100:]


def csv_rows(count: int) -> Iterator[str]:
    """A module-level source: it pickles, for the shared caches."""
    yield from ROWS[:count]


@BACKENDS
def test_a_shared_cache_runs_a_picklable_callable_then_stores_it(
    backend: str, tmp_path: Any
) -> None:
    """On ``CacheFile(directory)`` the source is stored pickled, run by the first GET
    (made while sent, chunked), then published as an ordinary item of the cache."""
    cache = dfc.CacheFile(tmp_path / "cache")
    with served(backend, cache) as (service, base):
        address = service.register(functools.partial(csv_rows, len(ROWS)), file_name="s.csv")
        uid = address.split("uid=")[1]
        assert cache.load(uid)[0]["kind"] == "generated"
        status, headers, body = get(base, address)
        assert (status, body) == (200, CSV)
        assert "content-length" not in headers and "etag" not in headers
        assert cache.load(uid)[0]["kind"] == "bytes"  # published
        status, headers, body = get(base, address, headers={"Range": "bytes=10-19"})
        assert (status, body) == (206, CSV[10:20])
        assert headers["content-range"] == f"bytes 10-19/{len(CSV)}" and headers["etag"]


@BACKENDS
@pytest.mark.parametrize("where", ["plain", "file", "one-time"])
def test_generated_items_are_kept_data_like_every_item(
    backend: str, where: str, tmp_path: Any
) -> None:
    """An HTML page made by a source gets the sandbox policy, ``nosniff`` and CORP while
    it is made, and a request to install it as a service worker is refused before the
    source runs (nothing consumed, nothing run)."""
    from dash_file_cache.services.policy import ITEM_POLICY

    cache = dfc.CacheFile(tmp_path / "cache") if where == "file" else None
    with served(backend, cache) as (service, base):
        address = service.register(
            functools.partial(html_page, "<script>alert(1)</script>"),
            content_type="text/html",
            one_time_service=where == "one-time",
        )
        status, _, body = get(base, address, headers={"Service-Worker": "script"})
        assert status == 403 and "service worker" in json.loads(body)["error"]
        status, headers, body = get(base, address)
        assert (status, body) == (200, b"<html><script>alert(1)</script></html>")
        assert headers["content-security-policy"] == ITEM_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cross-origin-resource-policy"] == "same-origin"


def html_page(script: str) -> Iterator[str]:
    yield "<html>"
    yield script
    yield "</html>"


@BACKENDS
def test_a_callable_runs_when_the_browser_asks_and_once(backend: str) -> None:
    calls: list[int] = []

    def export() -> Iterator[bytes]:
        calls.append(1)
        yield from (row.encode() for row in ROWS)

    with served(backend) as (service, base):
        address = service.register(export, file_name="export.csv", size=len(CSV))
        assert calls == []  # not in the callback that registered it
        status, headers, _ = get(base, address, "HEAD")
        assert status == 200 and headers["content-length"] == str(len(CSV)) and calls == []
        status, headers, body = get(base, address)
        assert (status, body, calls) == (200, CSV, [1])
        assert headers["content-length"] == str(len(CSV))  # size= known from the first byte
        assert get(base, address)[2] == CSV and calls == [1]


@BACKENDS
def test_an_async_generator(backend: str) -> None:
    async def rows() -> AsyncIterator[str]:
        for row in ROWS:
            yield row

    with served(backend) as (service, base):
        address = service.register(rows(), content_type="text/csv")
        assert get(base, address)[2] == CSV


@BACKENDS
def test_a_failing_source_cuts_the_transfer_and_fails_the_item(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Iterator[bytes]:
        yield b"x" * 300_000
        raise ValueError("the database went away")

    with served(backend) as (service, base), caplog.at_level(logging.ERROR):
        address = service.register(broken())
        get_cut(base, address)
        status, headers, body = get(base, address)
        assert status == 500 and headers["content-type"] == "application/json"
        assert "ValueError: the database went away" in json.loads(body)["error"]
    failures = [r for r in caplog.records if "source of a generated item failed" in r.message]
    assert len(failures) == 1 and failures[0].exc_info is not None


@BACKENDS
def test_a_size_the_source_does_not_keep_fails_the_item(backend: str) -> None:
    with served(backend) as (service, base):
        address = service.register(iter([b"12345"]), size=10)
        assert get_cut(base, address)["content-length"] == "10"
        status, _, body = get(base, address)
        assert status == 500 and "not size=10" in json.loads(body)["error"]


@BACKENDS
def test_a_second_reader_follows_the_first(backend: str) -> None:
    """Two readers while the source runs: both get every byte; the source runs once."""
    release = threading.Event()
    runs: list[int] = []

    def slow() -> Iterator[bytes]:
        runs.append(1)
        yield CSV[:1000]
        assert release.wait(30)
        yield CSV[1000:]

    with served(backend) as (service, base):
        address = service.register(slow)
        first, second = connect(base), connect(base)
        try:
            first.request("GET", address)
            one = first.getresponse()
            assert one.read(1000) == CSV[:1000]  # the source is mid-way
            second.request("GET", address)
            two = second.getresponse()
            assert two.read(1000) == CSV[:1000]
            release.set()
            assert one.read() == CSV[1000:] and two.read() == CSV[1000:]
        finally:
            first.close()
            second.close()
        assert runs == [1]


@BACKENDS
def test_the_last_reader_leaving_stops_the_source(backend: str) -> None:
    closed = threading.Event()

    def endless() -> Iterator[bytes]:
        try:
            while True:
                yield b"y" * 65536
        finally:
            closed.set()

    with served(backend) as (service, base):
        address = service.register(endless())
        conn = connect(base)
        conn.request("GET", address)
        response = conn.getresponse()
        assert len(response.read(200_000)) == 200_000
        response.close()
        conn.close()
        wait_until(closed.is_set, timeout=20, what="the generator to be closed")
        status, _, body = get(base, address)  # a generator cannot run again
        assert status == 410 and "register it again" in json.loads(body)["error"]


@BACKENDS
@pytest.mark.parametrize("one_time", [False, True])
def test_the_source_runs_only_a_bounded_lead_ahead_of_its_reader(
    backend: str, one_time: bool
) -> None:
    """Back-pressure: a fast source (200 MiB) whose one reader takes 1 MiB and leaves is
    stopped within ``LEAD`` (one-time: ``AHEAD``), plus what the sockets held, of that
    reader, not run to its end (into the spool)."""
    from dash_file_cache.services.generated import LEAD
    from dash_file_cache.services.sources import AHEAD

    made: list[int] = []
    closed = threading.Event()

    def fast() -> Iterator[bytes]:
        try:
            for _ in range(200):
                made.append(1)
                yield b"z" * (1 << 20)
        finally:
            closed.set()

    with served(backend) as (service, base):
        address = service.register(fast(), one_time_service=one_time)
        conn = connect(base)
        conn.request("GET", address)
        response = conn.getresponse()
        assert len(response.read(1 << 20)) == 1 << 20
        response.close()
        conn.close()
        wait_until(closed.is_set, timeout=20, what="the generator to be closed")
    assert len(made) < 200
    lead = AHEAD if one_time else LEAD
    assert len(made) <= lead // (1 << 20) + 64, len(made)  # the lead, plus socket buffers


@BACKENDS
def test_one_time_generated_items_stream_one_pass(backend: str) -> None:
    calls: list[int] = []

    def once() -> Iterator[bytes]:
        calls.append(1)
        yield CSV

    with served(backend) as (service, base):
        address = service.register(once, one_time_service=True)
        assert get(base, address, "HEAD")[0] == 200 and calls == []  # HEAD takes nothing
        status, headers, body = get(base, address)
        assert (status, body, calls) == (200, CSV, [1])
        assert headers["cache-control"] == "no-store"
        assert get(base, address)[0] == 404
        assert os.listdir(service._producers.folder) == []  # nothing was stored


@BACKENDS
def test_a_one_time_source_that_fails_cuts_its_reader(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    closed = threading.Event()

    def broken() -> Iterator[bytes]:
        try:
            yield b"x" * 300_000
            raise ValueError("the database went away")
        finally:
            closed.set()

    with served(backend) as (service, base), caplog.at_level(logging.ERROR):
        address = service.register(broken(), one_time_service=True)
        get_cut(base, address)
        assert closed.is_set()
    failures = [r for r in caplog.records if "one-time generated item failed" in r.message]
    assert len(failures) == 1 and failures[0].exc_info is not None


def _lines() -> Iterator[bytes]:
    yield b"x"


def test_generated_content_needs_a_cache_that_can_run_it(tmp_path: Any) -> None:
    queue = dfc.CacheQueue(2)
    try:
        with pytest.raises(ValueError, match="needs a cache that can run it"):
            dfc.ServiceData(queue).register(iter([b"x"]))
    finally:
        queue.close()
    shared = dfc.ServiceData(dfc.CacheFile(tmp_path / "cache"))
    with pytest.raises(ValueError, match="register a callable that pickles"):
        shared.register(_lines())  # a generator cannot travel to another worker
    plain = dfc.ServiceData(dfc.CachePlain(2))
    with pytest.raises(TypeError, match="size= is for generated content"):
        plain.register(io.BytesIO(b"x"), size=1)
    with pytest.raises(TypeError, match="size must be an int"):
        plain.register(iter([b"x"]), size="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fobj must be a path"):
        plain.register(b"raw bytes")  # type: ignore[arg-type]


def assert_cut_then_failed(app: flask.Flask, address: str, reason: str) -> None:
    """The first GET of ``address`` is cut (never a clean short end); the next gets the
    JSON 500 naming ``reason``."""
    with live_server(app) as base:
        get_cut(base, address)
        status, _, body = get(base, address)
    assert status == 500 and reason in json.loads(body)["error"]


def test_a_wrong_chunk_type_fails_the_item() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    app = flask.Flask(__name__)
    service.serve(app)
    address = service.register(iter([b"ok", 42]))  # type: ignore[list-item]
    assert_cut_then_failed(app, address, "yielded a int; yield bytes or str")


def test_a_generated_item_larger_than_max_bytes_fails() -> None:
    """Its spool counts against the cache's ``max_bytes``: beyond it the item fails."""
    service = dfc.ServiceData(dfc.CachePlain(2, max_bytes=1000))
    app = flask.Flask(__name__)
    service.serve(app)
    address = service.register(iter([b"x" * 600, b"y" * 600]))
    assert_cut_then_failed(app, address, "more bytes than max_bytes=1000")


def test_a_service_with_generated_items_pickles_without_them() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    service.register(iter([b"x"]))
    copy: dfc.ServiceData = pickle.loads(pickle.dumps(service))
    assert copy._producers is None


def test_items_that_leave_the_cache_lose_their_spool() -> None:
    service = dfc.ServiceData(dfc.CachePlain(1))  # room for one item
    app = flask.Flask(__name__)
    service.serve(app)
    client = app.test_client()
    first = service.register(iter([CSV]))
    assert client.get(first).data == CSV
    folder = service._producers.folder  # type: ignore[union-attr]
    assert len(os.listdir(folder)) == 1
    service.register(iter([b"next"]))  # evicts the first, whose spool is deleted
    assert os.listdir(folder) == []
    assert client.get(first).status_code == 404


def test_a_callable_stopped_early_runs_again_without_leaving_files() -> None:
    """The last reader leaves before the end: the callable runs again on the next
    request, and the first run's spool file is gone."""
    runs: list[int] = []

    def endless_then_done() -> Iterator[bytes]:
        runs.append(1)
        if len(runs) == 1:
            while True:
                yield b"z" * 65536
        yield b"second run"

    with served("flask") as (service, base):
        address = service.register(endless_then_done)
        conn = connect(base)
        conn.request("GET", address)
        response = conn.getresponse()
        assert len(response.read(300_000)) == 300_000
        response.close()
        conn.close()
        producer = service._producers.get(address.split("uid=")[1])  # type: ignore[union-attr]
        wait_until(lambda: producer.state == "stopped", timeout=20, what="the run to stop")
        assert get(base, address)[2] == b"second run" and runs == [1, 1]
        assert len(os.listdir(service._producers.folder)) == 1  # type: ignore[union-attr]

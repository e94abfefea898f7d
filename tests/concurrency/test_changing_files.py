"""Registered paths that change while they are served, behind real HTTP servers.

Werkzeug's threaded server (the one ``app.run`` uses) has no ``wsgi.file_wrapper``, so
the service's own capped body is what keeps a growing file from overrunning
``Content-Length``; gunicorn's ``sendfile`` is capped by the server itself.
"""

from __future__ import annotations

import http.client
import os
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler

import dash_file_cache as dfc

from ..helpers import live_server
from ..services.conftest import served

MIB = 1024 * 1024


class KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"


@pytest.fixture(params=["plain", "file"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dfc.ServiceData]:
    cache: dfc.CacheAbstract = (
        dfc.CachePlain(8) if request.param == "plain" else dfc.CacheFile(tmp_path / "cache")
    )
    with cache:
        yield dfc.ServiceData(cache)


def connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def test_a_file_replaced_while_served_is_never_mixed(
    service: dfc.ServiceData, tmp_path: Path
) -> None:
    """A replacer swaps two versions by ``os.replace`` while clients GET and resume."""
    versions = {b"A": b"A" * 150_000, b"B": b"B" * 90_000}
    path = tmp_path / "report.bin"
    path.write_bytes(versions[b"A"])
    address = service.register(path)
    stop = threading.Event()
    problems: list[str] = []
    seen_etags: dict[str, bytes] = {}
    counts = {"full": 0, "206": 0, "resumed-full": 0}

    def replace() -> None:
        n = 0
        while not stop.is_set():
            tag = b"AB"[n % 2 : n % 2 + 1]
            swap = tmp_path / f"swap-{n}.bin"
            swap.write_bytes(versions[tag])
            os.replace(swap, path)
            n += 1
            stop.wait(0.02)  # pacing, not synchronisation: let some resumes match

    def client(url: str, seed: int) -> None:
        rng = random.Random(seed)
        conn = connect(url)
        try:
            for _ in range(150):
                etags = list(seen_etags)
                if etags and rng.random() < 0.4:
                    etag = rng.choice(etags)
                    start = rng.randrange(1, 80_000)
                    conn.request(
                        "GET", address, headers={"Range": f"bytes={start}-", "If-Range": etag}
                    )
                    response = conn.getresponse()
                    body = response.read()
                    if response.status == 206:
                        counts["206"] += 1
                        expected = seen_etags[etag][start:]
                        if body != expected or response.getheader("ETag") != etag:
                            problems.append(f"206 under {etag} spliced another version")
                        continue
                    counts["resumed-full"] += 1
                else:
                    conn.request("GET", address)
                    response = conn.getresponse()
                    body = response.read()
                    counts["full"] += 1
                if response.status != 200:
                    problems.append(f"status {response.status}")
                    continue
                if int(response.getheader("Content-Length")) != len(body):
                    problems.append("length differs from Content-Length")
                if body not in versions.values():
                    problems.append(f"mixed body of {len(body)} bytes")
                    continue
                etag = response.getheader("ETag")
                if seen_etags.setdefault(etag, body) != body:
                    problems.append(f"one ETag {etag} for two versions")
        finally:
            conn.close()

    with live_server(served(service), request_handler=KeepAliveHandler) as url:
        replacer = threading.Thread(target=replace)
        replacer.start()
        clients = [threading.Thread(target=client, args=(url, seed)) for seed in range(4)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(120)
        stop.set()
        replacer.join(30)
    assert problems == []
    assert counts["full"] > 100 and counts["206"] > 0 and len(seen_etags) > 2
    print(f"\nreplaced-file requests: {counts}, versions seen: {len(seen_etags)}")


def test_a_file_that_grows_while_served_sends_what_was_declared(
    service: dfc.ServiceData, tmp_path: Path
) -> None:
    original = os.urandom(8 * MIB)
    path = tmp_path / "growing.log"
    path.write_bytes(original)
    address = service.register(path)
    with live_server(served(service), request_handler=KeepAliveHandler) as url:
        conn = connect(url)
        try:
            conn.request("GET", address)
            response = conn.getresponse()
            assert response.getheader("Content-Length") == str(8 * MIB)
            first = response.read(MIB)
            with open(path, "ab") as log:
                log.write(os.urandom(MIB))
            body = first + response.read()
            assert body == original
            # the connection is still in step: the next answer is read correctly
            conn.request("HEAD", address)
            again = conn.getresponse()
            again.read()
            assert again.status == 200 and again.getheader("Content-Length") == str(9 * MIB)
        finally:
            conn.close()


def test_a_file_truncated_while_served_cuts_the_connection(
    service: dfc.ServiceData, tmp_path: Path
) -> None:
    path = tmp_path / "shrinking.bin"
    path.write_bytes(os.urandom(16 * MIB))
    address = service.register(path)
    with live_server(served(service), request_handler=KeepAliveHandler) as url:
        conn = connect(url)
        try:
            conn.request("GET", address)
            response = conn.getresponse()
            response.read(MIB)
            os.truncate(path, 2 * MIB)
            with pytest.raises(http.client.IncompleteRead):
                response.read()
        finally:
            conn.close()
        fresh = connect(url)
        try:
            fresh.request("GET", address)
            after = fresh.getresponse()
            assert after.status == 200 and len(after.read()) == 2 * MIB
        finally:
            fresh.close()

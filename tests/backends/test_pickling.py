"""Services and caches pickle (``pickle`` and ``dill``, as Dash does for background
callbacks under ``spawn``) and keep working in a process started with ``spawn``: the
unpickled service registers into the same shared cache and its addresses are served by
the original process. Nothing process-local travels."""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import dill
import flask
import pytest

import dash_file_cache as dfc

from . import spawn_helpers

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = os.urandom(70_000)  # above the single-piece body size: streamed in chunks
LIBRARIES = {"pickle": pickle, "dill": dill}


@pytest.fixture(params=["queue", "file", "redis"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dfc.CacheAbstract]:
    """A cache shared across processes."""
    if request.param == "queue":
        cache: dfc.CacheAbstract = dfc.CacheQueue(8)
    elif request.param == "file":
        cache = dfc.CacheFile(tmp_path / "cache")
    else:
        url = request.getfixturevalue("redis_server")
        cache = dfc.CacheRedis(url, key_prefix=f"{request.node.name}:")
    with cache:
        yield cache


@pytest.fixture(scope="module")
def spawned() -> Iterator[Any]:
    """A pool of one process started with ``spawn`` (a fresh interpreter)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        yield pool


def dash_app(service: dfc.ServiceData, prefix: str = "/") -> dash.Dash:
    app = dash.Dash(__name__, url_base_pathname=prefix)
    app.layout = dash.html.Div()
    service.serve(app)
    return app


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_served_service_pickles_and_registers_from_a_spawned_process(
    shared: dfc.CacheAbstract, library: str, spawned: Any
) -> None:
    service = dfc.ServiceData(shared, chunk_size=1)
    app = dash_app(service, "/app/")
    data = LIBRARIES[library].dumps(service)
    assert spawned.apply(spawn_helpers.pid) != os.getpid()
    address = spawned.apply(spawn_helpers.register_unpickled, (data, library, PAYLOAD))
    assert address.startswith("/app/cached-data?uid=")  # the address the browser needs
    response = app.server.test_client().get(address)
    assert response.status_code == 200
    assert response.data == PAYLOAD


@pytest.mark.parametrize("library", LIBRARIES)
def test_every_cache_pickles_without_what_is_process_local(
    shared: dfc.CacheAbstract, library: str
) -> None:
    """The copy keeps the settings; the original keeps its items (and, for CacheQueue, its
    manager process: only the owner stops it)."""
    lib = LIBRARIES[library]
    copy = lib.loads(lib.dumps(shared))
    assert type(copy) is type(shared)
    assert copy.cache_size == shared.cache_size and copy.ttl == shared.ttl
    for name in ("_manager", "_client", "_store"):
        if name in vars(shared):
            assert vars(copy)[name] is not vars(shared)[name]
    service = dfc.ServiceData(shared)
    app = flask.Flask(__name__)
    service.serve(app)
    with copy:
        address = dfc.ServiceData(copy).register(io.BytesIO(b"from the copy"))
    assert app.test_client().get(address).data == b"from the copy"


def test_a_served_flask_service_pickles_with_its_address() -> None:
    service = dfc.ServiceData(dfc.CacheFile(), service_name="/files")
    app = flask.Flask(__name__)
    app.config["APPLICATION_ROOT"] = "/root"
    service.serve(app)
    for lib in LIBRARIES.values():
        copy = lib.loads(lib.dumps(service))
        with copy.cache:
            assert copy.register(io.BytesIO(b"x")).startswith("/root/files?uid=")
            assert copy.service_name == "/files"
            assert copy.cache.cache_dir == service.cache.cache_dir
    service.cache.close()


def test_owner_resolvers_pickle() -> None:
    resolver = dfc.owners.basic_auth({"alice": "pw"})
    service = dfc.ServiceData(dfc.CacheFile(), resolve_owner=resolver)
    for lib in LIBRARIES.values():
        copy = lib.loads(lib.dumps(service))
        with (
            copy.cache,
            flask.Flask(__name__).test_request_context(
                "/", headers={"Authorization": "Basic YWxpY2U6cHc="}
            ),
        ):
            assert copy.current_owner() == "basic:alice"
    service.cache.close()


def test_a_plain_cache_copy_refuses_items_it_would_lose(spawned: Any) -> None:
    """CachePlain keeps items in one process: a copy elsewhere says so at register()."""
    service = dfc.ServiceData(dfc.CachePlain(4))
    answer = spawned.apply(spawn_helpers.register_or_error, (pickle.dumps(service), b"x"))
    assert answer.startswith("RuntimeError: this CachePlain was pickled in process")
    assert "CacheQueue, CacheFile or CacheRedis" in answer


def test_a_queue_cache_of_another_kind_of_queue_refuses_to_pickle() -> None:
    import queue

    class Local(queue.Queue):  # type: ignore[type-arg]
        pass

    cache = dfc.CacheQueue(2, Local())
    with pytest.raises(TypeError, match="not a multiprocessing manager's queue"):
        pickle.dumps(cache)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("shared", "served from the child"),
        ("orphan", "RuntimeError: this CacheQueue was made while a spawned worker process"),
    ],
)
def test_a_spawned_child_re_importing_the_app_feeds_the_web_processs_queue(
    mode: str, expected: str
) -> None:
    """What DiskcacheManager does under spawn: the child re-imports the main module and
    makes the CacheQueue again; it feeds the parent's queue, or, if the parent made none
    there, refuses to register (instead of an address that would answer 404)."""
    script = Path(__file__).with_name("queue_script.py")
    done = subprocess.run(
        [sys.executable, str(script), mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(expected), done.stdout + done.stderr

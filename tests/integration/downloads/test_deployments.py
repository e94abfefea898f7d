"""DownloadLink through the new paths in other deployments: a service on another origin,
a ``CacheFile`` shared by real gunicorn workers, a Redis-backed service (with a resumed
cut), and one-time items."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import dash
import flask
import pytest
from dash import html
from download_helpers import (
    MIB,
    Recorder,
    everything,
    finished,
    require_token,
    sha256_file,
    start,
    state_div,
    write_random_file,
)
from server_control import ServerControl
from werkzeug.serving import make_server

import dash_file_cache as dfc
from tests.multiprocess.servers import gunicorn

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent


def wait_end(recorder: Recorder, wait_until, timeout: float = 60):
    return wait_until(
        lambda: recorder.final("completed", "error", "aborted", "delegated"),
        f"the download never ended: {recorder.statuses()}",
        timeout,
    )


@pytest.fixture
def other_origin() -> Iterator[tuple[flask.Flask, str]]:
    """A Flask app on 127.0.0.1 (the Dash page is on localhost): another origin."""
    app = flask.Flask("other_origin")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


def test_dp001_cross_origin_service_with_a_bearer_token(dash_duo, other_origin, wait_until):
    """A service on another origin (``allowed_cross_origin``) cannot have the page's
    worker (a page registers workers of its own origin only): memory mode with the
    token in ``headers`` (allowed by the CORS preflight), a one-time item included, and
    the browser's own download above ``max_in_memory``."""
    other, other_url = other_origin
    seen = require_token(other, "xo")
    app = dash.Dash(__name__)
    token = {"Authorization": "Bearer xo"}
    urls: dict[str, str] = {}

    def layout() -> html.Div:  # read at each page load: the addresses come later
        links = [
            dfc.DownloadLink("Small", id="small", url=urls.get("small"), headers=token),
            dfc.DownloadLink("Once", id="once", url=urls.get("once"), headers=token),
            dfc.DownloadLink("Big", id="big", url=urls.get("big"), max_in_memory=MIB),
        ]
        return html.Div([part for link in links for part in (link, state_div(link.id))])

    app.layout = layout
    recorders = {
        key: Recorder(app, key, lambda: dash_duo.download_path) for key in ("small", "once", "big")
    }
    start(dash_duo, app)
    page_origin = dash_duo.server_url.rstrip("/")

    service = dfc.ServiceData(dfc.CachePlain(8))
    service.serve(other, allowed_cross_origin=[page_origin])
    public = dfc.ServiceData(service.cache, service_name="/public")  # needs no token
    public.serve(other, allowed_cross_origin=[page_origin])
    payloads = {
        "small": os.urandom(300_000),
        "once": os.urandom(200_000),
        "big": os.urandom(3 * MIB),
    }
    registered = {
        "small": service.register(
            io.BytesIO(payloads["small"]), file_name="small.bin", download=True
        ),
        "once": service.register(
            io.BytesIO(payloads["once"]), file_name="once.bin", one_time_service=True, download=True
        ),
        "big": public.register(io.BytesIO(payloads["big"]), file_name="big.bin", download=True),
    }
    urls.update({key: other_url + address for key, address in registered.items()})
    dash_duo.driver.get(dash_duo.server_url)
    dash_duo.wait_for_element("#big button")
    for key in ("small", "once"):
        dash_duo.find_element(f"#{key} button").click()
        done = wait_end(recorders[key], wait_until)
        assert (done.status, done.mode) == ("completed", "memory"), (key, done)
    assert seen == ["Bearer xo"] * 4  # HEAD and GET of each; preflights carry none
    dash_duo.find_element("#big button").click()
    done = wait_end(recorders["big"], wait_until)
    assert (done.status, done.mode) == ("delegated", "native"), done
    for key, payload in payloads.items():
        path = Path(dash_duo.download_path) / f"{key}.bin"
        wait_until(lambda path=path: path in finished(dash_duo.download_path), f"{key} missing")
        size = len(payload)
        wait_until(lambda path=path, size=size: path.stat().st_size == size, f"{key} short")
        assert path.read_bytes() == payload, key
    assert dash_duo.get_logs() == []


def test_dp002_cache_file_behind_gunicorn_workers(dash_duo, tmp_path, wait_until):
    """A real gunicorn with 3 workers sharing a ``CacheFile``: the page, the worker
    script and the download may each be answered by another process; a one-time item
    too."""
    source = tmp_path / "source.bin"
    digest = write_random_file(source, 16 * MIB)
    for one_time in ("0", "1"):
        env = {
            "DFC_CACHE_DIR": str(tmp_path / f"cache{one_time}"),
            "DFC_SOURCE": str(source),
            "DFC_ONE_TIME": one_time,
        }
        with gunicorn(
            "gunicorn_downloads_app:server",
            env,
            "--workers=3",
            f"--pythonpath={HERE}",
        ) as port:
            dash_duo.driver.get(f"http://127.0.0.1:{port}/")
            dash_duo.wait_for_element("#make").click()
            dash_duo.wait_for_contains_text("#state", "completed", timeout=60)
            assert dash_duo.find_element("#state").text.startswith("completed worker")
            saved = Path(dash_duo.download_path) / "shared-1.bin"
            wait_until(lambda saved=saved: saved in finished(dash_duo.download_path), "missing")
            wait_until(lambda saved=saved: saved.stat().st_size == 16 * MIB, "short")
            assert sha256_file(saved) == digest
            saved.unlink()
    assert dash_duo.get_logs() == []


def test_dp003_redis_backed_service_resumes_a_cut(dash_duo, redis_server, wait_until):
    """A ``CacheRedis`` item (chunked in Redis) through the worker, cut at 50 % and
    resumed with a range request: one byte-exact file."""
    app = dash.Dash(__name__)
    cache = dfc.CacheRedis(redis_server, key_prefix="downloads:")
    service = dfc.ServiceData(cache)
    service.serve(app)
    control = ServerControl(app)
    control.rate = 8 * MIB
    payload = os.urandom(12 * MIB)
    url = service.register(io.BytesIO(payload), file_name="redis.bin", download=True)
    app.layout = html.Div([dfc.DownloadLink("Get", id="dl", url=url), state_div("dl")])
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)
    start(dash_duo, app)
    control.cut_next(0.5)
    try:
        dash_duo.find_element("#dl button").click()
        done = wait_end(recorder, wait_until)
        assert (done.status, done.mode) == ("completed", "worker"), done
        path = Path(dash_duo.download_path) / "redis.bin"
        wait_until(lambda: path in finished(dash_duo.download_path), "missing")
        wait_until(lambda: path.stat().st_size == len(payload), "short")
        assert path.read_bytes() == payload
        assert [t.status for t in control.gets()] == [200, 206]
        assert set(everything(dash_duo.download_path)) == {"redis.bin"}
    finally:
        cache.client.flushdb()
        cache.close()
    assert dash_duo.get_logs() == []

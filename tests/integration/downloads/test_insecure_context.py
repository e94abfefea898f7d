"""DownloadLink where service workers are unavailable: plain HTTP on a host other than
localhost (common on intranets). Chromium maps ``dfc.test`` to 127.0.0.1 (see
``tests/conftest.py``), so ``http://dfc.test:PORT`` is a real insecure context.

Memory mode up to ``max_in_memory`` (the Blob is built as chunks arrive), the browser's
own download above it with the honest status ``delegated``, never ``completed``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import urlsplit

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

import dash_file_cache as dfc

pytestmark = pytest.mark.browser

OBJECT_URL_PROBE = """
(() => {
    const record = { created: [], revoked: [] };
    const create = URL.createObjectURL.bind(URL);
    const revoke = URL.revokeObjectURL.bind(URL);
    URL.createObjectURL = (o) => { const u = create(o); record.created.push(u); return u; };
    URL.revokeObjectURL = (u) => { record.revoked.push(u); return revoke(u); };
    window.__dfcUrls = record;
})();
"""


def open_insecure(dash_duo, wait_until) -> None:
    """Reload the started app from http://dfc.test:PORT and check the context is insecure."""
    port = urlsplit(dash_duo.server_url).port
    dash_duo.driver.get(f"http://dfc.test:{port}/")
    dash_duo.wait_for_element(".dfc-download-link__button")
    assert dash_duo.driver.execute_script("return window.isSecureContext;") is False


def wait_end(recorder: Recorder, wait_until, timeout: float = 60):
    return wait_until(
        lambda: recorder.final("completed", "error", "aborted", "delegated"),
        f"the download never ended: {recorder.statuses()}",
        timeout,
    )


def test_in001_memory_mode_up_to_max_in_memory(dash_duo, served, wait_until, tmp_path):
    """Without a worker, a file up to ``max_in_memory`` is fetched with progress, saved
    through a blob: URL that is then revoked, and ends ``completed`` in ``memory`` mode."""
    app, service, control = served
    size = 24 * MIB
    source = tmp_path / "source.bin"
    digest = write_random_file(source, size)
    control.rate = size / 2.0  # two seconds: several progress reports
    url = service.register(str(source), file_name="memory.bin", download=True)
    app.layout = html.Div(
        [dfc.DownloadLink("Get", id="dl", url=url, max_in_memory=32 * MIB), state_div("dl")]
    )
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)
    dash_duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": OBJECT_URL_PROBE}
    )
    start(dash_duo, app)
    open_insecure(dash_duo, wait_until)

    dash_duo.find_element("#dl button").click()
    done = wait_end(recorder, wait_until)
    assert done.status == "completed", done
    assert done.mode == "memory"
    assert done.progress == {"loaded": size, "total": size}
    assert len(recorder.progress_values()) >= 5, recorder.progress_values()
    saved = wait_until(lambda: finished(dash_duo.download_path), "nothing saved")
    assert [p.name for p in saved] == ["memory.bin"]
    wait_until(lambda: saved[0].stat().st_size == size, "incomplete file")
    assert sha256_file(saved[0]) == digest
    urls = dash_duo.driver.execute_script("return window.__dfcUrls;")
    assert len(urls["created"]) == 1 and urls["created"][0].startswith("blob:")
    wait_until(
        lambda: dash_duo.driver.execute_script("return window.__dfcUrls.revoked.length;") == 1,
        "the blob: URL was never revoked",
    )
    # A HEAD told the size, then one GET.
    assert [t.status for t in control.gets()] == [200]
    assert dash_duo.get_logs() == []


def test_in002_above_max_in_memory_the_browser_downloads_delegated(
    dash_duo, served, wait_until, tmp_path
):
    """Above ``max_in_memory`` the URL goes to the browser's own download manager: the
    page cannot see it end, so the status is ``delegated`` (mode ``native``), never
    ``completed``; the file still lands byte-exact."""
    app, service, control = served
    size = 8 * MIB
    source = tmp_path / "source.bin"
    digest = write_random_file(source, size)
    url = service.register(str(source), file_name="native.bin", download=True)
    app.layout = html.Div(
        [dfc.DownloadLink("Get", id="dl", url=url, max_in_memory=MIB), state_div("dl")]
    )
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)
    start(dash_duo, app)
    open_insecure(dash_duo, wait_until)

    dash_duo.find_element("#dl button").click()
    done = wait_end(recorder, wait_until)
    assert done.status == "delegated", done
    assert done.mode == "native"
    assert done.progress == {"loaded": None, "total": size}
    assert "completed" not in recorder.statuses()
    saved = wait_until(
        lambda: (found := finished(dash_duo.download_path)) and found, "nothing saved"
    )
    assert [p.name for p in saved] == ["native.bin"]
    wait_until(lambda: saved[0].stat().st_size == size, "incomplete file")
    assert sha256_file(saved[0]) == digest
    assert dash_duo.get_logs() == []


def test_in003_headers_in_memory_mode_and_refused_for_native(
    dash_duo, served, wait_until, tmp_path
):
    """``headers`` go with the HEAD and the GET of memory mode; a file that would need the
    browser's own download (which cannot send them) ends in ``error`` instead."""
    app, service, _control = served
    seen = require_token(app, "s3cret")
    small = service.register(io.BytesIO(b"x" * 100_000), file_name="small.bin", download=True)
    large = service.register(io.BytesIO(b"y" * 300_000), file_name="large.bin", download=True)
    headers = {"Authorization": "Bearer s3cret"}
    app.layout = html.Div(
        [
            dfc.DownloadLink(
                "Small", id="small", url=small, headers=headers, max_in_memory=200_000
            ),
            state_div("small"),
            dfc.DownloadLink(
                "Large", id="large", url=large, headers=headers, max_in_memory=200_000
            ),
            state_div("large"),
        ]
    )
    small_events = Recorder(app, "small", lambda: dash_duo.download_path)
    large_events = Recorder(app, "large", lambda: dash_duo.download_path)
    start(dash_duo, app)
    open_insecure(dash_duo, wait_until)

    dash_duo.find_element("#small button").click()
    done = wait_end(small_events, wait_until)
    assert (done.status, done.mode) == ("completed", "memory"), done
    assert seen == ["Bearer s3cret", "Bearer s3cret"]  # HEAD, then GET
    wait_until(lambda: [p.name for p in finished(dash_duo.download_path)] == ["small.bin"], "x")

    dash_duo.find_element("#large button").click()
    done = wait_end(large_events, wait_until)
    assert done.status == "error", done
    assert "cannot send the request headers" in done.error
    assert len(seen) == 3  # only the HEAD; nothing was handed to the browser
    assert set(everything(dash_duo.download_path)) == {"small.bin"}
    assert dash_duo.get_logs() == []


def test_in004_an_error_keeps_the_progress_reached(dash_duo, served, wait_until):
    """The connection is cut after 500,000 of 1,000,000 bytes: ``error``, and ``progress``
    still says 500,000 (memory mode cannot resume)."""
    app, service, control = served
    url = service.register(io.BytesIO(os.urandom(1_000_000)), file_name="cut.bin", download=True)
    app.layout = html.Div([dfc.DownloadLink("Get", id="dl", url=url), state_div("dl")])
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)
    start(dash_duo, app)
    open_insecure(dash_duo, wait_until)
    control.cut_next(0.5)

    dash_duo.find_element("#dl button").click()
    done = wait_end(recorder, wait_until)
    assert done.status == "error", done
    assert done.mode == "memory"
    assert done.progress == {"loaded": 500_000, "total": 1_000_000}
    assert everything(dash_duo.download_path) == {}
    # Chrome reports the cut body (ERR_CONTENT_LENGTH_MISMATCH) in the console.
    logs = dash_duo.get_logs()
    assert all("cached-data?uid=" in entry["message"] for entry in logs), logs


def test_in005_a_file_of_unknown_size_is_not_held_in_memory(dash_duo, served, wait_until, tmp_path):
    """No Content-Length (a plain route streaming chunks): the size is unknown, so the
    file goes to the browser's own download, ``delegated``."""
    app, _service, _control = served
    chunks = [os.urandom(64 * 1024) for _ in range(16)]

    @app.server.route("/stream.bin")
    def stream() -> flask.Response:
        return flask.Response(
            iter(chunks),
            mimetype="application/octet-stream",
            headers={"Content-Disposition": "attachment; filename=stream.bin"},
        )

    app.layout = html.Div([dfc.DownloadLink("Get", id="dl", url="/stream.bin"), state_div("dl")])
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)
    start(dash_duo, app)
    open_insecure(dash_duo, wait_until)

    dash_duo.find_element("#dl button").click()
    done = wait_end(recorder, wait_until)
    assert (done.status, done.mode) == ("delegated", "native"), done
    assert done.progress == {"loaded": None, "total": None}
    saved = wait_until(lambda: finished(dash_duo.download_path), "nothing saved")
    assert [p.name for p in saved] == ["stream.bin"]
    wait_until(lambda: saved[0].read_bytes() == b"".join(chunks), "incomplete file")
    assert dash_duo.get_logs() == []


def test_in006_secure_origin_uses_the_worker(dash_duo, served, wait_until):
    """The same app opened from http://localhost (a secure context) uses the worker."""
    app, service, _control = served
    url = service.register(io.BytesIO(b"z" * 10_000), file_name="z.bin", download=True)
    app.layout = html.Div([dfc.DownloadLink("Get", id="dl", url=url), state_div("dl")])
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)
    start(dash_duo, app)
    assert dash_duo.driver.execute_script("return window.isSecureContext;") is True
    dash_duo.find_element("#dl button").click()
    done = wait_end(recorder, wait_until)
    assert (done.status, done.mode) == ("completed", "worker"), done
    saved = wait_until(lambda: finished(dash_duo.download_path), "nothing saved")
    assert Path(saved[0]).read_bytes() == b"z" * 10_000

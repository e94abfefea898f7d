"""Browser tests of ``dash_file_cache.DownloadLink`` against the real service."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from component_helpers import (
    SCREENSHOT_FRAME,
    add_gated_route,
    all_files,
    count,
    finished_downloads,
    install_object_url_probe,
    object_urls,
    save_element_screenshot,
    settle_animations,
    sha256,
    start,
)
from dash import Input, Output, html

import dash_file_cache as dfc

pytestmark = pytest.mark.browser

NON_ASCII_NAME = "résumé 数据.bin"
PAYLOAD = os.urandom(300_000) + b"end"  # a few reader chunks, random so hashes mean something


def layout(link: dfc.DownloadLink) -> html.Div:
    return html.Div(
        [
            html.Button("make", id="make"),
            html.Div(link, id="frame", style=SCREENSHOT_FRAME),
            html.Div(id="state"),
        ]
    )


def add_state_callback(app) -> None:
    """Mirror the link's read-only props into #state as JSON."""

    @app.callback(
        Output("state", "children"),
        Input("dl", "status"),
        Input("dl", "n_clicks"),
        Input("dl", "mode"),
        Input("dl", "error"),
        Input("dl", "progress"),
    )
    def show(status, n_clicks, mode, error, progress):
        return json.dumps(
            {
                "status": status,
                "n_clicks": n_clicks,
                "mode": mode,
                "error": error,
                "progress": progress,
            },
            sort_keys=True,
        )


def state(dash_duo) -> dict:
    text = dash_duo.find_element("#state").text
    return json.loads(text) if text else {}


def wait_state(wait_until, dash_duo, **expected):
    """Wait until #state has all of ``expected``; return the whole state."""

    def matches():
        current = state(dash_duo)
        return current if all(current.get(k) == v for k, v in expected.items()) else None

    return wait_until(matches, f"state never had {expected}; last: {state(dash_duo)}")


def wait_files(wait_until, folder: str, count: int) -> list[Path]:
    return wait_until(
        lambda: (files := finished_downloads(folder)) and len(files) == count and files,
        f"expected {count} finished download(s) in {folder}",
    )


def test_dl001_click_saves_file_named_by_content_disposition(dash_duo, app_service, wait_until):
    """Each click downloads the bytes under the RFC 5987 name through the service's
    download worker; n_clicks counts; the tab never holds the file (no blob URL)."""
    app, service = app_service
    url = service.register(
        io.BytesIO(PAYLOAD),
        file_name=NON_ASCII_NAME,
        mime_type="application/octet-stream",
        download=True,
    )
    app.layout = layout(dfc.DownloadLink("Get the file", id="dl", url=url, n_clicks=0))
    add_state_callback(app)
    install_object_url_probe(dash_duo)
    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal("#dl button", "Get the file")

    dash_duo.find_element("#dl button").click()
    first = wait_state(wait_until, dash_duo, status="completed", n_clicks=1)
    assert first["mode"] == "worker"
    assert first["error"] is None
    assert first["progress"] == {"loaded": len(PAYLOAD), "total": len(PAYLOAD)}
    (saved,) = wait_files(wait_until, dash_duo.download_path, 1)
    assert saved.name == NON_ASCII_NAME
    assert sha256(saved.read_bytes()) == sha256(PAYLOAD)
    assert count(dash_duo, "#dl [role=progressbar]") == 0

    # Chrome driven through CDP overwrites a same-named download instead of adding
    # " (1)", so remove the first copy and wait for the second one to appear.
    saved.unlink()
    dash_duo.find_element("#dl button").click()
    wait_state(wait_until, dash_duo, status="completed", n_clicks=2)
    (again,) = wait_files(wait_until, dash_duo.download_path, 1)
    assert again.name == NON_ASCII_NAME
    assert sha256(again.read_bytes()) == sha256(PAYLOAD)

    # The worker streamed both to disk: nothing went through a blob: URL.
    assert object_urls(dash_duo)["created"] == []
    assert dash_duo.get_logs() == []


def test_dl002_auto_start_with_file_name_override(dash_duo, app_service, wait_until):
    """A callback setting ``url`` starts a one-time download by itself, saved as ``file_name``
    (the worker names the download so)."""
    app, service = app_service
    text = "naïve,données\n1,2\n" * 1000
    app.layout = layout(
        dfc.DownloadLink(id="dl", auto_start=True, file_name="table.csv", status="idle")
    )
    add_state_callback(app)

    @app.callback(Output("dl", "url"), Input("make", "n_clicks"), prevent_initial_call=True)
    def make(_n):
        return service.register(
            io.StringIO(text),
            file_name="ignored.csv",
            content_type="text/csv",
            mime_type="text/csv",
            one_time_service=True,
            download=True,
        )

    start(dash_duo, app)
    wait_state(wait_until, dash_duo, status="idle")
    dash_duo.find_element("#make").click()
    done = wait_state(wait_until, dash_duo, status="completed")
    assert done["n_clicks"] is None  # no click on the link itself
    assert done["mode"] == "worker"
    (saved,) = wait_files(wait_until, dash_duo.download_path, 1)
    assert saved.name == "table.csv"
    assert saved.read_bytes() == text.encode("utf-8")
    assert dash_duo.get_logs() == []


def test_dl003_a_file_above_max_in_memory_still_streams_with_progress(
    dash_duo, app_service, wait_until
):
    """With the download worker, ``max_in_memory`` does not matter: a one-time item
    larger than it streams to disk with progress and ends ``completed``."""
    app, service = app_service
    url = service.register(
        io.BytesIO(PAYLOAD),
        file_name="big.bin",
        mime_type="application/octet-stream",
        one_time_service=True,
        download=True,
    )
    limit = len(PAYLOAD) - 1
    app.layout = layout(dfc.DownloadLink(id="dl", url=url, max_in_memory=limit))
    add_state_callback(app)
    start(dash_duo, app)

    dash_duo.find_element("#dl button").click()
    done = wait_state(wait_until, dash_duo, status="completed", n_clicks=1)
    assert done["mode"] == "worker"
    assert done["progress"] == {"loaded": len(PAYLOAD), "total": len(PAYLOAD)}
    (saved,) = wait_files(wait_until, dash_duo.download_path, 1)
    assert saved.name == "big.bin"
    assert sha256(saved.read_bytes()) == sha256(PAYLOAD)
    assert dash_duo.get_logs() == []


GATED_TOTAL = 24 * 1024 * 1024  # bytes the gated route announces
GATED_FIRST = 9 * 1024 * 1024  # bytes it sends before waiting on the gate


def test_dl004_cancel_aborts_and_saves_nothing(dash_duo, app_service, wait_until, gate):
    """While downloading (an address that is not a service's: memory mode), a progress
    bar and Cancel show; Cancel ends in "aborted"."""
    app, _service = app_service
    add_gated_route(app, gate, b"x" * GATED_TOTAL, GATED_FIRST)
    app.layout = layout(dfc.DownloadLink(id="dl", url="/gated", n_clicks=0))
    add_state_callback(app)
    start(dash_duo, app)

    dash_duo.find_element("#dl button").click()
    bar = dash_duo.wait_for_element("#dl [role=progressbar]")
    expected_percent = str(GATED_FIRST * 100 // GATED_TOTAL)
    wait_until(
        lambda: bar.get_attribute("aria-valuenow") == expected_percent,
        "the bar never showed the first chunk",
    )
    # The throttled report still delivers where the stalled transfer stopped.
    wait_state(
        wait_until,
        dash_duo,
        status="downloading",
        progress={"loaded": GATED_FIRST, "total": GATED_TOTAL},
    )
    # Read as disabled, but still focusable (focus never falls to <body>).
    assert dash_duo.find_element("#dl button").get_attribute("aria-disabled") == "true"
    assert dash_duo.find_element("#dl button").get_attribute("disabled") is None
    settle_animations(dash_duo, wait_until)
    save_element_screenshot(dash_duo, "#frame", "download-link-progress.png")
    assert count(dash_duo, "#dl [role=progressbar]") == 1
    assert count(dash_duo, "#dl .dfc-download-link__cancel") == 1
    cancel = dash_duo.find_element("#dl .dfc-download-link__cancel")
    assert cancel.accessible_name == "Cancel"  # named by its label, `cancel_label`

    cancel.click()
    done = wait_state(wait_until, dash_duo, status="aborted", n_clicks=1)
    assert done["mode"] == "memory"
    assert done["progress"] == {"loaded": GATED_FIRST, "total": GATED_TOTAL}
    assert count(dash_duo, "#dl [role=progressbar]") == 0
    assert count(dash_duo, "#dl .dfc-download-link__cancel") == 0
    gate.set()
    assert all_files(dash_duo.download_path) == []
    assert dash_duo.get_logs() == []


def test_dl005_unknown_uid_reports_service_error(dash_duo, app_service, wait_until):
    """A 404 ends in status "error" with the service's message, and saves nothing."""
    app, _service = app_service
    missing = "/cached-data?uid=" + "0" * 32 + "&download=true"
    app.layout = layout(dfc.DownloadLink(id="dl", url=missing))
    add_state_callback(app)
    start(dash_duo, app)
    expected = app.server.test_client().get(missing).get_json()["error"]
    assert expected

    dash_duo.find_element("#dl button").click()
    done = wait_state(wait_until, dash_duo, status="error", n_clicks=1)
    assert done["error"] == expected
    assert done["mode"] == "worker"
    assert done["progress"] == {"loaded": 0, "total": None}
    assert all_files(dash_duo.download_path) == []

    # The worker made the request: the page's console stays clean.
    assert dash_duo.get_logs() == []

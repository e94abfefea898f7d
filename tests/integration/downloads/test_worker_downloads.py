"""DownloadLink through the service's download worker, in headless Chromium, with real files.

Every download here is a registered path streamed to disk by the browser's download
manager; the saved file is compared with its source by sha256 (read in blocks).
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pytest
from dash import html
from download_helpers import (
    MIB,
    Recorder,
    everything,
    finished,
    log_div,
    sha256_file,
    start,
    state_div,
    write_random_file,
)

import dash_file_cache as dfc

pytestmark = pytest.mark.browser

#: The server sends bodies no faster than this takes (seconds), so that a download lasts
#: long enough for many progress reports (100 ms apart) whatever the machine's speed.
MIN_TRANSFER_SECONDS = 3.0


def landed(dash_duo, wait_until, name: str, size: int, timeout: float = 60) -> Path:
    """Wait for ``name`` to be a finished download of ``size`` bytes."""

    def found():
        path = Path(dash_duo.download_path) / name
        return (
            path
            if path in finished(dash_duo.download_path) and path.stat().st_size == size
            else None
        )

    return wait_until(found, f"{name} never landed: {everything(dash_duo.download_path)}", timeout)


def check_download_of_size(dash_duo, served, wait_until, tmp_path: Path, size: int) -> None:
    """A registered path of ``size`` bytes lands byte-exact through the worker, with at
    least 10 progress values before ``completed``, which comes only once every byte is in
    the saved file."""
    app, service, control = served
    source = tmp_path / "source.bin"
    digest = write_random_file(source, size)
    control.rate = size / MIN_TRANSFER_SECONDS
    url = service.register(str(source), file_name="export.bin", download=True)
    app.layout = html.Div(
        [dfc.DownloadLink("Export", id="dl", url=url), state_div("dl"), log_div("dl")]
    )
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path, browser_log=True)
    start(dash_duo, app)

    dash_duo.find_element("#dl button").click()
    timeout = 60 + size / (20 * MIB)
    done = wait_until(
        lambda: recorder.final("completed", "error", "aborted", "delegated"),
        f"the download never ended: {recorder.statuses()}",
        timeout,
    )
    assert done.status == "completed", done
    assert done.mode == "worker"
    assert done.progress == {"loaded": size, "total": size}
    # `completed` came only once every byte was in the file the browser writes (it may
    # still be renaming `export.bin.crdownload` to `export.bin` at that instant).
    assert size in done.files.values(), done.files
    values = recorder.browser_progress(dash_duo.driver)  # the server may get them reordered
    assert len(values) >= 10, values
    assert values == sorted(values) and values[-1] <= size
    saved = landed(dash_duo, wait_until, "export.bin", size, timeout)
    assert sha256_file(saved) == digest
    gets = control.gets()
    assert len(gets) == 1 and gets[0].done and gets[0].range is None
    assert "dfc_dl" not in gets[0].query  # the worker's own request names only the item
    assert dash_duo.get_logs() == []


def test_wd001_100_mib_lands_byte_exact_with_progress(dash_duo, served_each, wait_until, tmp_path):
    """On each backend."""
    check_download_of_size(dash_duo, served_each, wait_until, tmp_path, 100 * MIB)


@pytest.mark.slow
@pytest.mark.parametrize("size", [300 * MIB, 1024 * MIB], ids=["300MiB", "1GiB"])
def test_wd002_big_files_land_byte_exact_with_progress(
    dash_duo, served, wait_until, tmp_path, size
):
    check_download_of_size(dash_duo, served, wait_until, tmp_path, size)


# -- a dropped connection ----------------------------------------------------------------

CUT_SIZE = 24 * MIB
CUT_SECONDS = 2.0  # how long the whole body takes at the paced rate


def cut_setup(dash_duo, served, tmp_path: Path, *, one_time: bool = False):
    app, service, control = served
    source = tmp_path / "source.bin"
    digest = write_random_file(source, CUT_SIZE)
    control.rate = CUT_SIZE / CUT_SECONDS
    url = service.register(
        str(source), file_name="cut.bin", download=True, one_time_service=one_time
    )
    app.layout = html.Div([dfc.DownloadLink("Get", id="dl", url=url), state_div("dl")])
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)
    start(dash_duo, app)
    return source, digest, control, recorder


def wait_end(recorder: Recorder, wait_until, timeout: float = 60):
    return wait_until(
        lambda: recorder.final("completed", "error", "aborted", "delegated"),
        f"the download never ended: {recorder.statuses()}",
        timeout,
    )


def test_wd003_connection_cut_at_half_resumes_byte_exact(
    dash_duo, served_each, wait_until, tmp_path
):
    """The server cuts the connection at 50 %: the worker asks for the rest with
    ``Range`` and ``If-Range`` of the ETag, and the browser saves one byte-exact file.
    On each backend."""
    source, digest, control, recorder = cut_setup(dash_duo, served_each, tmp_path)
    control.cut_next(0.5)
    dash_duo.find_element("#dl button").click()
    done = wait_end(recorder, wait_until)
    assert done.status == "completed", done
    assert done.progress == {"loaded": CUT_SIZE, "total": CUT_SIZE}
    saved = landed(dash_duo, wait_until, "cut.bin", CUT_SIZE)
    assert sha256_file(saved) == digest
    first, second = control.gets()
    assert first.cut and first.status == 200 and first.sent == CUT_SIZE // 2
    assert second.status == 206 and second.done
    assert first.etag and second.if_range == first.etag and second.if_match == first.etag
    resumed_at = int(second.range.removeprefix("bytes=").removesuffix("-"))
    assert 0 < resumed_at <= first.sent
    assert second.length == CUT_SIZE - resumed_at
    assert finished(dash_duo.download_path) == [saved]
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("change", ["replaced", "removed"])
def test_wd004_cut_then_item_changed_or_gone_is_an_error(
    dash_duo, served, wait_until, tmp_path, change
):
    """When the item changed (another ETag) or is gone by the time the worker resumes,
    the download fails with the service's own message, keeps the progress it reached,
    and leaves no finished file."""
    app, _service, _control = served
    expected = {
        "replaced": "the item does not match the request's If-Match",
        "removed": "no cached item has this uid: it may have expired, been evicted or served once",
    }[change]
    source, _digest, control, recorder = cut_setup(dash_duo, served, tmp_path)

    def on_cut() -> None:
        if change == "replaced":
            replacement = tmp_path / "replacement.bin"
            write_random_file(replacement, CUT_SIZE)
            os.replace(replacement, source)
        else:
            source.unlink()

    control.cut_next(0.5, on_cut)
    dash_duo.find_element("#dl button").click()
    done = wait_end(recorder, wait_until)
    assert done.status == "error", done
    assert done.error == expected
    assert done.mode == "worker"
    loaded = done.progress["loaded"]
    assert 0 < loaded <= CUT_SIZE // 2 and done.progress["total"] == CUT_SIZE
    assert [t.status for t in control.gets()] == [200, 412 if change == "replaced" else 404]
    assert finished(dash_duo.download_path) == []
    assert dash_duo.get_logs() == []


def test_wd005_a_one_time_item_cut_is_an_error_where_it_stopped(
    dash_duo, served, wait_until, tmp_path
):
    """A one-time item cannot be asked for again: a cut ends in ``error``, and
    ``progress`` says where it stopped."""
    _source, _digest, control, recorder = cut_setup(dash_duo, served, tmp_path, one_time=True)
    control.cut_next(0.5)
    dash_duo.find_element("#dl button").click()
    done = wait_end(recorder, wait_until)
    assert done.status == "error", done
    assert "cannot be resumed" in done.error
    assert 0 < done.progress["loaded"] <= CUT_SIZE // 2
    assert len(control.gets()) == 1
    assert finished(dash_duo.download_path) == []
    assert dash_duo.get_logs() == []


# -- Cancel, focus and names -------------------------------------------------------------


def active_class(dash_duo) -> str:
    return dash_duo.driver.execute_script(
        "const e = document.activeElement; return e ? e.className || e.tagName : null;"
    )


def test_wd006_cancel_stops_the_transfer_and_keeps_focus(
    dash_duo, served_each, wait_until, tmp_path
):
    """Keyboard only: Enter starts (focus stays on the button), Cancel (named by
    ``cancel_label``) ends in ``aborted`` with the progress reached, focus goes back to
    the button, the server sees the connection close, and no file is left. On each
    backend."""
    from selenium.webdriver.common.keys import Keys

    app, service, control = served_each
    source = tmp_path / "source.bin"
    size = 40 * MIB
    write_random_file(source, size)
    control.rate = 4 * MIB  # bytes per second: ten seconds for the whole file
    url = service.register(str(source), file_name="stopped.bin", download=True)
    app.layout = html.Div(
        [dfc.DownloadLink("Get", id="dl", url=url, cancel_label="Stop"), state_div("dl")]
    )
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)
    start(dash_duo, app)

    button = dash_duo.find_element("#dl .dfc-download-link__button")
    dash_duo.driver.execute_script("arguments[0].focus();", button)
    button.send_keys(Keys.ENTER)
    wait_until(
        lambda: (p := (recorder.last().progress or {})) and (p.get("loaded") or 0) > 2 * MIB,
        f"no progress: {recorder.statuses()}",
    )
    assert recorder.last().status == "downloading" and recorder.last().mode == "worker"
    assert active_class(dash_duo) == "dfc-download-link__button"
    assert button.get_attribute("aria-disabled") == "true"
    cancel = dash_duo.find_element("#dl .dfc-download-link__cancel")
    assert cancel.text == "Stop"
    assert cancel.accessible_name == "Stop"
    dash_duo.driver.execute_script("arguments[0].focus();", cancel)
    cancel.send_keys(Keys.ENTER)

    done = wait_end(recorder, wait_until)
    assert done.status == "aborted", done
    assert 2 * MIB < done.progress["loaded"] < size and done.progress["total"] == size
    assert active_class(dash_duo) == "dfc-download-link__button"
    (transfer,) = control.gets()
    wait_until(lambda: transfer.closed_early, "the server never saw the connection close")
    assert not transfer.done and transfer.sent < size
    # Chrome marks the download failed and removes its partial file.
    wait_until(lambda: not everything(dash_duo.download_path), "a file was left behind")
    assert dash_duo.get_logs() == []


def test_wd007_a_generated_item_once_complete_resumes_a_cut(dash_duo, served, wait_until, tmp_path):
    """A generated item (a callable) is first sent chunked, without ETag, as it is made;
    once complete it is stored: a download of it then has a Content-Length and an ETag,
    and a cut at half is resumed with Range and If-Range into one byte-exact file. The
    source ran once."""
    app, service, control = served
    payload = os.urandom(CUT_SIZE)
    runs = []

    def make():
        runs.append(1)
        return (payload[n : n + MIB] for n in range(0, CUT_SIZE, MIB))

    url = service.register(make, file_name="made.bin", download=True)
    app.layout = html.Div([dfc.DownloadLink("Get", id="dl", url=url), state_div("dl")])
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)
    start(dash_duo, app)
    with urllib.request.urlopen(dash_duo.server_url + url, timeout=60) as response:
        assert response.headers["ETag"] is None  # made while it is sent: no validator yet
        assert response.read() == payload
    control.rate = CUT_SIZE / CUT_SECONDS
    control.cut_next(0.5)
    dash_duo.find_element("#dl button").click()  # stored now: resumable
    done = wait_end(recorder, wait_until)
    assert done.status == "completed", done
    saved = landed(dash_duo, wait_until, "made.bin", CUT_SIZE)
    assert saved.read_bytes() == payload
    made, first, second = control.gets()
    assert made.done and made.length is None and not made.etag
    assert first.cut and first.status == 200 and first.length == CUT_SIZE and first.etag
    assert second.status == 206 and second.if_range == first.etag and second.done
    assert runs == [1]

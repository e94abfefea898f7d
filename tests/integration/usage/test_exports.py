"""The demo's "Generated exports" section (section 4 of ``usage.py``) in real Chromium.

On Flask and on FastAPI (uvicorn): the large CSV export, made by a generator registered
as one-time generated content, shows progress in its ``DownloadLink`` while the
server-side generator is still running (the demo's "Slow network" paces the transfer);
Cancel aborts the download and the generator is closed on the server: the page's
producer status line (fed by a ``dcc.Interval``) says ``stopped`` with fewer rows made
than the export has, the demo logs it, and nothing is saved. Then a zip of two files
picked in the checklist downloads, and Python's ``zipfile`` reads exactly those two
files back from it, byte for byte; with nothing picked, the page asks for a pick.
axe-core (when installed) finds no WCAG 2.x A/AA violation mid-transfer and at the end.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from demo_page import WAIT, WINDOW, Page, wait_for_download

from tests.asgi.apps import DASH_BACKENDS
from tests.helpers import AXE, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CSV_NAME = "sensor-readings.csv"  # what the demo promises (see demo/section_exports.py)
CSV_ROWS = 12_000_000  # rows of the whole export
ZIP_NAME = "demo-files.zip"
PICKED = ["from-disk.png", "notes.txt"]  # files of the demo's folder, written at start
STOPPED_LOG = re.compile(r"CSV export \w+: the producer stopped after (\d+) rows")

PRODUCER = """
const line = document.querySelector("#csv-producer [data-state]");
return line ? [line.dataset.state, line.dataset.rows || "", line.dataset.total || ""] : null;
"""


def producer(page: Page) -> tuple[str, int | None, int | None] | None:
    """The producer's status line: (state, rows made, rows in all)."""
    found = page.driver.execute_script(PRODUCER)
    if not found:
        return None
    state, rows, total = found
    return state, int(rows) if rows else None, int(total) if total else None


def cancel_csv_export(page: Page, downloads: Path, log_path: Path) -> None:
    """The CSV shows progress while its generator runs; Cancel closes the generator."""
    initial = wait_until(lambda: producer(page), timeout=WAIT, what="the section's status line")
    assert initial == ("none", None, None)
    page.set_slow(True)  # ~3 MiB/s: the ~500 MB export would take minutes
    page.click("#dl-csv .dfc-download-link__button")
    status, loaded, total = wait_until(
        lambda: (
            (found := page.status("#dl-csv-status"))
            and found[0] == "downloading"
            and (found[1] or 0) > 0
            and found
        ),
        timeout=WAIT,
        what="progress of the CSV export",
    )
    assert total is None, (status, loaded, total)  # made as it goes: no size known yet
    state, rows, rows_total = wait_until(
        lambda: (found := producer(page)) and found[0] == "running" and found,
        timeout=WAIT,
        what="the status line to show the producer running",
    )
    assert rows_total == CSV_ROWS
    assert rows is not None and rows < CSV_ROWS, (state, rows)
    assert page.status("#dl-csv-status")[0] == "downloading"  # still under way
    if AXE.exists():  # the section mid-transfer, its Cancel button and status lines shown
        violations = page.axe_violations()
        assert violations == [], repr(violations)

    page.click("#dl-csv .dfc-download-link__cancel")
    page.wait_status("#dl-csv-status", "aborted")
    state, rows, rows_total = wait_until(
        lambda: (found := producer(page)) and found[0] == "stopped" and found,
        timeout=WAIT,
        what="the status line to show the producer stopped",
    )
    assert rows is not None and 0 < rows < CSV_ROWS, rows
    assert rows_total == CSV_ROWS
    logged = wait_until(
        lambda: STOPPED_LOG.findall(log_path.read_text(errors="replace")),
        timeout=WAIT,
        what="the demo to log the stopped producer",
    )
    assert int(logged[-1]) == rows, (logged, rows)
    assert "finished" not in log_path.read_text(errors="replace")
    wait_until(
        lambda: not any(p.name.endswith(".crdownload") for p in downloads.iterdir()),
        timeout=WAIT,
        what="the browser to drop the partial CSV",
    )
    assert not (downloads / CSV_NAME).exists()
    page.set_slow(False)


def zip_picked_files(page: Page, files: Path, downloads: Path) -> None:
    """Nothing picked: the page says so. Two picked: the zip holds exactly them."""
    page.click("#dl-zip .dfc-download-link__button")
    wait_until(
        lambda: page.text("#zip-note") == "Pick at least one file first.",
        timeout=WAIT,
        what="the zip's note asking for a pick",
    )
    assert not any(p.name == ZIP_NAME for p in downloads.iterdir())
    for name in PICKED:
        pick = f'#zip-files [data-name="{name}"]'
        page.click(pick)
        wait_until(
            lambda pick=pick: page.br.find_element(pick).get_attribute("aria-pressed") == "true",
            timeout=WAIT,
            what=f"{name} to be picked",
        )
    page.click("#dl-zip .dfc-download-link__button")
    page.wait_status("#dl-zip-status", "completed")
    saved = wait_for_download(downloads, ZIP_NAME)
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted(PICKED)
        for name in PICKED:
            assert archive.read(name) == (files / name).read_bytes(), name
    note = page.text("#zip-note")
    assert note.startswith("Zipping 2 file(s)"), note
    if AXE.exists():
        violations = page.axe_violations()
        assert violations == [], repr(violations)


@pytest.mark.parametrize(
    "demo_backend",
    [
        "flask",
        pytest.param(
            "fastapi",
            marks=pytest.mark.skipif(not DASH_BACKENDS, reason="Dash without backend= (4.2+)"),
        ),
    ],
)
def test_exports_stream_cancel_and_zip(
    dash_br: Any, demo_backend: str, demo: tuple[str, Path, Path], downloads: Path
) -> None:
    url, files, log_path = demo
    page = Page(dash_br)
    page.viewport(*WINDOW)
    dash_br.server_url = url

    cancel_csv_export(page, downloads, log_path)
    zip_picked_files(page, files, downloads)
    assert dash_br.get_logs() == [], log_path.read_text(errors="replace")

"""Example 8: a background callback prepares a file with progress, then it downloads.

Clicking **Make the report** starts a Dash *background* callback that writes a CSV
report part by part (each part stands for slow work: a query, a computation). After
each part it calls ``set_progress`` with the ``DownloadLink``'s ``preparing`` prop,
``{"label": ..., "value": done, "total": parts}``, so the link shows a progress bar
captioned with what is being done. When the report is complete, the callback registers
it and returns its address to the link's ``url``; with ``auto_start=True`` the download
starts by itself, and the link replaces the preparing bar with the download's own
progress (it sets ``preparing`` back to None). The ``running`` entry shows an
indeterminate bar at once and clears it however the callback ends (also on an error).

The callback runs in a worker process that Dash's ``DiskcacheManager`` forks, so the
items live in a ``CacheQueue``: the web process holds them, and the worker's
``register()`` sends the report there (see example 3). ``DiskcacheManager`` needs
``pip install "dash[diskcache]"`` (multiprocess, psutil).

Run it with::

    python examples/ex8_prepare_then_download.py

and open http://127.0.0.1:8050/ in a browser.
"""

from __future__ import annotations

import io
import tempfile
import time

import dash
import diskcache
from dash import DiskcacheManager, Input, Output, html

import dash_file_cache as dfc

PARTS = 6  # the report is written in this many parts
ROWS_PER_PART = 500
PART_SECONDS = 0.5  # the slow work each part stands for
POLL_MS = 200  # how often the page asks for the job's progress (Dash's default: 1000)

cache = dfc.CacheQueue(16)  # items held by the web process, fed by the workers
service = dfc.ServiceData(cache)

jobs_dir = tempfile.TemporaryDirectory(prefix="dfc-ex8-jobs-")
jobs = DiskcacheManager(diskcache.Cache(jobs_dir.name))
app = dash.Dash(
    __name__, title="Example 8: prepare, then download", background_callback_manager=jobs
)
service.serve(app)

app.layout = html.Div(
    [
        html.H1("Prepare a report, then download it"),
        html.Button("Make the report", id="make"),
        dfc.DownloadLink("Download the report", id="link", auto_start=True),
        html.P(id="status"),
    ]
)


def report_part(part: int) -> str:
    """The CSV lines of part ``part`` (0-based); part 0 starts with the header."""
    header = "row,part,value\n" if part == 0 else ""
    first = part * ROWS_PER_PART
    rows = (f"{row},{part},{row * row % 9973}\n" for row in range(first, first + ROWS_PER_PART))
    return header + "".join(rows)


def report_bytes() -> bytes:
    """The whole report, as the download saves it (UTF-8)."""
    return "".join(report_part(part) for part in range(PARTS)).encode("utf-8")


@app.callback(
    Output("link", "url"),
    Input("make", "n_clicks"),
    background=True,
    progress=[Output("link", "preparing")],
    running=[
        (Output("make", "disabled"), True, False),
        (Output("link", "preparing"), {"label": "Starting"}, None),
    ],
    interval=POLL_MS,
    prevent_initial_call=True,
)
def make_report(set_progress, n_clicks: int) -> str:
    """Runs in a worker process: write the report part by part, then register it."""
    report = io.StringIO()
    for part in range(PARTS):
        label = f"Writing part {part + 1} of {PARTS}"
        set_progress(({"label": label, "value": part, "total": PARTS},))
        time.sleep(PART_SECONDS)  # stands for the slow work of this part
        report.write(report_part(part))
    set_progress(({"label": "Registering the report", "value": PARTS, "total": PARTS},))
    return service.register(report, file_name="report.csv", content_type="text/csv", download=True)


@app.callback(Output("status", "children"), Input("link", "status"))
def show_status(status: str | None) -> str:
    """Say what the download did (the link's ``status``)."""
    said = {
        "downloading": "Downloading report.csv...",
        "completed": "Saved report.csv.",
        "aborted": "The download was cancelled.",
        "error": "The download failed.",
    }
    return said.get(status or "", "")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)

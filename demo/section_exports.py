"""Section 4: generated exports, streamed while they are made: a large CSV written row by
row by a generator (Cancel stops it), and a zip of the files the visitor picks, made by
``zip_stream`` as it is sent.

Both are registered with ``one_time_service=True``: the source runs once, when the
browser asks, at the pace the browser reads, and nothing is stored (no temporary file,
no copy in memory). So a cancelled download stops the generator where it was: its
``finally`` block runs, and the page shows how many rows it made (a status line that a
``dcc.Interval`` refreshes while an export is running).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import dash
from dash import ALL, MATCH, Input, Output, State, callback_context, dcc, html, no_update

import dash_file_cache as dfc
from dash_file_cache.generate import zip_stream
from demo.files import DemoFiles, list_files
from demo.widgets import card, file_row, show_status, size_text

CSV_ROWS = 12_000_000  # rows of the large export: about 500 MB of CSV
CSV_BATCH = 10_000  # rows made (and sent) at a time: about 500 kB
CSV_HEADER = "row,time,sensor,temperature,humidity\n"
CSV_NAME = "sensor-readings.csv"
ZIP_NAME = "demo-files.zip"
POLL_MS = 300  # ms between two refreshes of the producer's status line
KEPT_EXPORTS = 32  # the producer records kept for status lines (the oldest go first)
FINAL = ("completed", "delegated", "aborted", "error")  # a DownloadLink's final statuses

log = logging.getLogger("demo.exports")


SECONDS_A_DAY = 86400  # rows of one day of readings, one a second
#: Everything of a row after its date, for each second of the day (made once, ~8 MB).
ROW_TAILS = [
    f"T{s // 3600:02}:{s // 60 % 60:02}:{s % 60:02},s{s % 64:02},"
    f"{(s * 7919) % 3600 / 100:.2f},{(s * 104729) % 1200 / 10:.1f}\n"
    for s in range(SECONDS_A_DAY)
]


def csv_lines(first: int, count: int) -> str:
    """Rows ``first`` to ``first + count - 1`` of the synthetic sensor readings: the same
    text for the same rows, every time (one reading a second, day after day).

    :param first: the index of the first row.
    :param count: how many rows.
    :returns: the rows, each ending in a newline.
    """
    parts, row, end = [], first, first + count
    while row < end:
        day, second = divmod(row, SECONDS_A_DAY)
        stop = min(end, (day + 1) * SECONDS_A_DAY)
        date = f",{2024 + day // 336}-{1 + day // 28 % 12:02}-{1 + day % 28:02}"
        tails = ROW_TAILS[second : second + stop - row]
        parts.append(
            "".join([f"{n}{date}{tail}" for n, tail in zip(range(row, stop), tails, strict=True)])
        )
        row = stop
    return "".join(parts)


@dataclass
class Export:
    """What one CSV export's producer has done, for the page's status line.

    ``state`` is ``waiting`` (registered, the browser has not asked yet), ``running``,
    ``finished`` (every row made) or ``stopped`` (closed before the end: the download
    was cancelled or the connection dropped).
    """

    total: int
    rows: int = 0
    state: str = "waiting"
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, **changes: Any) -> None:
        with self.lock:
            for name, value in changes.items():
                setattr(self, name, value)

    def snapshot(self) -> tuple[str, int]:
        with self.lock:
            return self.state, self.rows


class Exports:
    """The recent CSV exports of this process, by id (any visitor's, any tab's)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Export] = OrderedDict()
        self._lock = threading.Lock()

    def new(self, total: int) -> tuple[str, Export]:
        export_id, export = secrets.token_hex(8), Export(total)
        with self._lock:
            self._items[export_id] = export
            while len(self._items) > KEPT_EXPORTS:
                self._items.popitem(last=False)
        return export_id, export

    def get(self, export_id: str) -> Export | None:
        with self._lock:
            return self._items.get(export_id)


def csv_export(export: Export, export_id: str) -> Iterator[str]:
    """The CSV, ``CSV_BATCH`` rows at a time, made only as fast as it is read.

    Its ``finally`` runs when the last row is sent, and also when the service closes the
    generator early (the browser cancelled): then the export is marked ``stopped``.
    """
    export.update(state="running")
    finished = False
    try:
        yield CSV_HEADER
        for first in range(0, export.total, CSV_BATCH):
            count = min(CSV_BATCH, export.total - first)
            yield csv_lines(first, count)
            export.update(rows=first + count)
        finished = True
    finally:
        state, rows = "finished" if finished else "stopped", export.snapshot()[1]
        export.update(state=state)
        log.info("CSV export %s: the producer %s after %d rows", export_id, state, rows)


def producer_view(export: Export | None) -> html.Div:
    """The status line of the CSV's producer (``data-state``, ``data-rows`` and
    ``data-total`` carry the raw values; the demo's test reads them)."""
    if export is None:
        return html.Div("Producer: not started.", className="status", **{"data-state": "none"})
    state, rows = export.snapshot()
    words = {
        "waiting": "registered, waiting for the browser to ask",
        "running": f"running, {rows:,} of {export.total:,} rows made",
        "finished": f"finished, all {rows:,} rows made",
        "stopped": f"stopped by the download's end after {rows:,} of {export.total:,} rows "
        "(its finally block ran)",
    }[state]
    attributes = {"data-state": state, "data-rows": str(rows), "data-total": str(export.total)}
    return html.Div(
        [html.Span(state, className=f"chip chip--{state}"), html.Span(f"Producer: {words}")],
        className="status",
        **attributes,
    )


def csv_row() -> html.Li:
    """The CSV export: a ``DownloadLink`` whose click has a callback register the
    generator, and the producer's status line."""
    approx = CSV_ROWS * len(csv_lines(CSV_ROWS // 2, 1))
    meta = [
        f"About {approx // 1_000_000} MB of synthetic sensor readings ({CSV_ROWS:,} rows), "
        "made by a generator only as the browser reads it: ",
        html.Code("register(lambda: rows(), one_time_service=True)"),
        ". Nothing is written first, so the bar moves from the first byte (with no size "
        "known in advance); Cancel closes the generator. Turn on “Slow network” to watch.",
        html.Div(producer_view(None), id="csv-producer", role="status"),
        dcc.Store(id="csv-export"),
        dcc.Interval(id="csv-poll", interval=POLL_MS, disabled=True),
    ]
    link = dfc.DownloadLink("Export CSV", id="dl-csv", auto_start=True)
    return file_row("csv", CSV_NAME, meta, link, status_id="dl-csv-status", wide=True)


def zip_row(files: DemoFiles) -> html.Li:
    """The zip: a checklist of the demo's files (toggle buttons, ``aria-pressed``) and a
    ``DownloadLink``."""
    picks = [
        html.Button(
            f"{name} ({size_text(size)})",
            id={"type": "zip-pick", "name": name},
            className="pick",
            **{"aria-pressed": "false", "data-name": name},
        )
        for name, size in list_files(files.folder)
    ]
    meta = [
        "Pick files from the server's demo folder; the callback registers ",
        html.Code("lambda: zip_stream(entries)"),
        ": each file is read and compressed a chunk at a time as the zip is sent.",
        html.Div(
            picks, id="zip-files", className="picks", role="group", **{"aria-label": "Files to zip"}
        ),
        html.Div("", id="zip-note", className="file__meta", role="status"),
    ]
    link = dfc.DownloadLink("Download zip", id="dl-zip", auto_start=True)
    return file_row("zip", ZIP_NAME, meta, link, status_id="dl-zip-status", wide=True)


def layout(files: DemoFiles) -> html.Section:
    """The section.

    :param files: the demo's files (the zip's checklist lists its folder).
    """
    note = [
        "Content made while it is sent: ",
        html.Code("register()"),
        " takes a generator (or a callable run when the browser asks) as well as files.",
    ]
    rows = [csv_row(), zip_row(files)]
    return card(4, "Generated exports", note, html.Ul(rows, className="files"))


def final(status: str | None) -> bool:
    """Whether a DownloadLink ``status`` ends a download."""
    return status in FINAL


def register_callbacks(app: dash.Dash, service: dfc.ServiceData, files: DemoFiles) -> None:
    """The CSV export, its status line, and the zip.

    Each link starts without a ``url``: a click makes its callback register a new
    one-time item and set ``url`` (``auto_start`` downloads it); when the download ends,
    the same callback clears ``url``, so that the next click registers a new item.

    :param app: the demo's app.
    :param service: the demo's service.
    :param files: the demo's files.
    """
    exports = Exports()

    @app.callback(
        Output("dl-csv", "url"),
        Output("csv-export", "data"),
        Input("dl-csv", "n_clicks"),
        Input("dl-csv", "status"),
        prevent_initial_call=True,
    )
    def export_csv(_: int | None, status: str | None) -> tuple[Any, Any]:
        """A click registers a new export; the end of its download clears ``url``."""
        if "status" in _triggered_props():
            return (None, no_update) if final(status) else (no_update, no_update)
        export_id, export = exports.new(CSV_ROWS)
        url = service.register(
            lambda: csv_export(export, export_id),
            file_name=CSV_NAME,
            content_type="text/csv; charset=utf-8",
            mime_type="text/csv",
            one_time_service=True,
            download=True,
        )
        return url, export_id

    @app.callback(
        Output("csv-producer", "children"),
        Output("csv-poll", "disabled"),
        Input("csv-export", "data"),
        Input("csv-poll", "n_intervals"),
        prevent_initial_call=True,
    )
    def show_producer(export_id: str | None, _: int | None) -> tuple[html.Div, bool]:
        """The producer's state; polling stops once it has finished or stopped."""
        export = exports.get(export_id) if export_id else None
        done = export is None or export.snapshot()[0] in ("finished", "stopped")
        return producer_view(export), done

    pick = {"type": "zip-pick", "name": MATCH}

    @app.callback(
        Output(pick, "aria-pressed"),
        Output(pick, "className"),
        Input(pick, "n_clicks"),
        prevent_initial_call=True,
    )
    def toggle_pick(n_clicks: int | None) -> tuple[str, str]:
        """Each click on a file flips whether it goes into the zip."""
        picked = bool((n_clicks or 0) % 2)
        return ("true", "pick pick--on") if picked else ("false", "pick")

    @app.callback(
        Output("dl-zip", "url"),
        Output("zip-note", "children"),
        Input("dl-zip", "n_clicks"),
        Input("dl-zip", "status"),
        State({"type": "zip-pick", "name": ALL}, "n_clicks"),
        State({"type": "zip-pick", "name": ALL}, "id"),
        prevent_initial_call=True,
    )
    def export_zip(
        _: int | None, status: str | None, clicks: list[int | None], ids: list[dict[str, str]]
    ) -> tuple[Any, Any]:
        """A click registers a zip of the picked files; the end of its download clears
        ``url``."""
        if "status" in _triggered_props():
            return (None, no_update) if final(status) else (no_update, no_update)
        available = dict(list_files(files.folder))
        names = [key["name"] for key, count in zip(ids, clicks, strict=True) if (count or 0) % 2]
        chosen = [name for name in names if name in available]  # never a path from the page
        if not chosen:
            return None, "Pick at least one file first."
        entries = [(name, os.path.join(files.folder, name)) for name in chosen]
        url = service.register(
            lambda: zip_stream(entries),
            file_name=ZIP_NAME,
            mime_type="application/zip",
            one_time_service=True,
            download=True,
        )
        total = sum(available[name] for name in chosen)
        return url, f"Zipping {len(chosen)} file(s), {size_text(total)} before compression."

    for component in ("dl-csv", "dl-zip"):
        show_status(app, component, f"{component}-status")


def _triggered_props() -> set[str]:
    """The properties (``"status"``, ``"n_clicks"``) whose change ran this callback."""
    return {prop.rsplit(".", 1)[-1] for prop in callback_context.triggered_prop_ids}

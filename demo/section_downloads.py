"""Section 3: ``DownloadLink`` buttons with progress and Cancel: a 1 GiB file written on
first click, a report made by a callback, and a file with a non-ASCII name."""

from __future__ import annotations

import asyncio
import io

import dash
from dash import Input, Output, html

import dash_file_cache as dfc
from demo.files import (
    BIG_DOWNLOAD_MIB,
    BIG_DOWNLOAD_NAME,
    UNICODE_CSV,
    UNICODE_NAME,
    DemoFiles,
    ensure_big_file,
    report_csv,
)
from demo.widgets import card, file_row, show_status

PREPARE_LABEL = "Prepare & download 1 GiB"
HIDDEN = {"display": "none"}


def big_file_row() -> html.Li:
    """The 1 GiB file: a button that has it written (once), then downloads it."""
    meta = [
        f"{BIG_DOWNLOAD_MIB // 1024} GiB of random bytes. The first click has the server "
        "write it into the demo's temporary folder (a few seconds; later clicks reuse it), "
        "then the callback registers the path and sets the link's ",
        html.Code("url"),
        ": ",
        html.Code("auto_start"),
        " streams it from that disk to yours, never held whole in memory. Turn on "
        "“Slow network” to watch the bar and Cancel it. ",
        html.Span("Not on the server yet.", id="big-file-state", role="status"),
    ]
    prepare = html.Button(PREPARE_LABEL, id="big-prepare", className="btn")
    link = dfc.DownloadLink("Download again", id="dl-big", auto_start=True, style=HIDDEN)
    return file_row(
        "bin", BIG_DOWNLOAD_NAME, meta, prepare, link, status_id="dl-big-status", wide=True
    )


def report_row() -> html.Li:
    """The report: made by a callback at each click, then downloaded by ``auto_start``."""
    meta = [
        "Made when you click: the callback registers a ",
        html.Code("StringIO"),
        " and sets the link's ",
        html.Code("url"),
        "; ",
        html.Code("auto_start"),
        " downloads it.",
    ]
    make = html.Button("Generate report", id="make-report", className="btn")
    link = dfc.DownloadLink("Save again", id="dl-report", auto_start=True, style=HIDDEN)
    return file_row("csv", "A fresh report", meta, make, link, status_id="dl-report-status")


def unicode_row(service: dfc.ServiceData) -> html.Li:
    """A small CSV with a non-ASCII name, registered for this visit."""
    url = service.register(
        io.StringIO(UNICODE_CSV),
        file_name=UNICODE_NAME,
        content_type="text/csv; charset=utf-8",
        mime_type="text/csv",
        download=True,
    )
    meta = "A non-ASCII file name, sent in an RFC 5987 Content-Disposition."
    link = dfc.DownloadLink("Download", id="dl-unicode", url=url)
    return file_row("txt", UNICODE_NAME, meta, link, status_id="dl-unicode-status")


def layout(service: dfc.ServiceData) -> html.Section:
    """The section.

    :param service: the demo's service.
    """
    note = [
        html.Code("DownloadLink"),
        " streams with a progress bar and a Cancel button, then saves the file under the "
        "name the server sent.",
    ]
    rows = [big_file_row(), report_row(), unicode_row(service)]
    return card(3, "Downloads with progress", note, html.Ul(rows, className="files"))


def prepared_text(seconds: float | None) -> str:
    """What :func:`ensure_big_file` did, for ``#big-file-state``."""
    if seconds is None:
        return "Already on the server's disk: reused."
    return f"Written on the server in {seconds:.1f} s."


def register_big_file(
    app: dash.Dash, service: dfc.ServiceData, files: DemoFiles, asgi: bool = False
) -> None:
    """ "Prepare & download" writes the big file (once), registers it, sets the link's
    ``url``; while it runs, the button is disabled and says so.

    :param app: the demo's app.
    :param service: the demo's service.
    :param files: the demo's files.
    :param asgi: whether the app runs on an ASGI backend (FastAPI, Quart), whose sync
        callbacks run on the event loop: there the file is written in a thread, so that
        other transfers go on meanwhile.
    """

    def prepare() -> tuple[str, dict[str, str], str]:
        """Write the file unless it is there, register it and start its download."""
        seconds = ensure_big_file(files.big_download)
        url = service.register(
            files.big_download,
            file_name=BIG_DOWNLOAD_NAME,
            mime_type="application/octet-stream",
            download=True,
        )
        return url, {}, prepared_text(seconds)

    decorate = app.callback(
        Output("dl-big", "url"),
        Output("dl-big", "style"),
        Output("big-file-state", "children"),
        Input("big-prepare", "n_clicks"),
        running=[
            (Output("big-prepare", "disabled"), True, False),
            (Output("big-prepare", "children"), "Preparing 1 GiB…", PREPARE_LABEL),
        ],
        prevent_initial_call=True,
    )
    if asgi:

        @decorate
        async def prepare_big_file_async(_: int) -> tuple[str, dict[str, str], str]:
            """:func:`prepare` in a thread (it copies the request's context)."""
            return await asyncio.to_thread(prepare)

    else:

        @decorate
        def prepare_big_file(_: int) -> tuple[str, dict[str, str], str]:
            """:func:`prepare`, in the server's request thread."""
            return prepare()


def register_report(app: dash.Dash, service: dfc.ServiceData) -> None:
    """ "Generate report" registers a new report and sets the link's ``url``.

    :param app: the demo's app.
    :param service: the demo's service.
    """

    @app.callback(
        Output("dl-report", "url"),
        Output("dl-report", "style"),
        Input("make-report", "n_clicks"),
        prevent_initial_call=True,
    )
    def make_report(n_clicks: int) -> tuple[str, dict[str, str]]:
        """Register a new report and start its download."""
        url = service.register(
            io.StringIO(report_csv(n_clicks)),
            file_name=f"report-{n_clicks}.csv",
            content_type="text/csv; charset=utf-8",
            mime_type="text/csv",
            download=True,
        )
        return url, {}


def register_callbacks(
    app: dash.Dash, service: dfc.ServiceData, files: DemoFiles, asgi: bool = False
) -> None:
    """The big file's and the report's buttons; a status view for each link.

    :param app: the demo's app.
    :param service: the demo's service.
    :param files: the demo's files.
    :param asgi: whether the app runs on an ASGI backend (see :func:`register_big_file`).
    """
    register_big_file(app, service, files, asgi)
    register_report(app, service)
    for component in ("dl-big", "dl-report", "dl-unicode"):
        show_status(app, component, f"{component}-status")

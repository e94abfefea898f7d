"""The Dash app ``generated.py`` runs under gunicorn, one case per server (``BENCH_CASE``).

A click on the button (the callback POST a browser sends) makes the export:

- ``generated``, ``one-time``: ``register()`` of the CSV generator (stored while it
  streams, or one pass with ``one_time_service=True``); the callback answers the address.
- ``temp-file``: writes the CSV to a temporary file, then registers its path.
- ``send_string``: ``dcc.send_string`` of the whole CSV text, in the callback's answer.
- ``send_data_frame``: builds the ``DataFrame`` of the same rows and answers
  ``dcc.send_data_frame(frame.to_csv, ...)``.
- ``zip``, ``zip-one-time``: ``register()`` of ``zip_stream`` over the files in
  ``BENCH_ZIP_DIR``.

``BENCH_ROWS`` is the CSV's row count, ``BENCH_DIR`` a folder for temporary files.
"""

from __future__ import annotations

import os
import tempfile

import dash
from dash import Input, Output, dcc, html
from generated_data import csv_chunks, csv_frame, csv_size, tail_prefix_sums

import dash_file_cache as dfc
from dash_file_cache.generate import zip_stream

CASE = os.environ["BENCH_CASE"]
ROWS = int(os.environ.get("BENCH_ROWS") or 0)
WORK = os.environ.get("BENCH_DIR") or tempfile.gettempdir()
ZIP_DIR = os.environ.get("BENCH_ZIP_DIR") or ""
CSV_NAME = "readings.csv"
ADDRESS_CASES = ("generated", "one-time", "temp-file", "zip", "zip-one-time")

app = dash.Dash(__name__)
service = dfc.ServiceData(dfc.CachePlain(8))
service.serve(app)
app.layout = html.Div(
    [html.Button(id="go"), html.Div(id="out"), dcc.Download(id="dl"), html.Button(id="ping")]
)
server = app.server


@app.callback(Output("ping", "children"), Input("ping", "n_clicks"), prevent_initial_call=True)
def pong(n_clicks: int) -> str:
    """A trivial callback: the benchmark's warm-up, so no case pays for Dash's first one."""
    return f"pong {n_clicks}"


tail_prefix_sums()  # the generator's tables (~40 MB), made at start like any app's data
if CASE == "send_data_frame":
    import pandas  # noqa: F401  (imported at start, not timed in the callback)


def register_export() -> str:
    """The address of this case's export."""
    if CASE in ("generated", "one-time"):
        return service.register(
            lambda: csv_chunks(ROWS),
            file_name=CSV_NAME,
            content_type="text/csv; charset=utf-8",
            mime_type="text/csv",
            one_time_service=CASE == "one-time",
            download=True,
            size=csv_size(ROWS),
        )
    if CASE == "temp-file":
        handle, path = tempfile.mkstemp(suffix=".csv", dir=WORK)
        with os.fdopen(handle, "wb") as out:
            for chunk in csv_chunks(ROWS):
                out.write(chunk)
        return service.register(path, file_name=CSV_NAME, mime_type="text/csv", download=True)
    names = sorted(os.listdir(ZIP_DIR))
    entries = [(name, os.path.join(ZIP_DIR, name)) for name in names]
    return service.register(
        lambda: zip_stream(entries),
        file_name="files.zip",
        mime_type="application/zip",
        one_time_service=CASE == "zip-one-time",
        download=True,
    )


if CASE in ADDRESS_CASES:

    @app.callback(Output("out", "children"), Input("go", "n_clicks"), prevent_initial_call=True)
    def export(_: int) -> str:
        return register_export()

elif CASE == "send_string":

    @app.callback(Output("dl", "data"), Input("go", "n_clicks"), prevent_initial_call=True)
    def send_text(_: int) -> dict[str, object]:
        text = b"".join(csv_chunks(ROWS)).decode()
        return dcc.send_string(text, CSV_NAME)

elif CASE == "send_data_frame":

    @app.callback(Output("dl", "data"), Input("go", "n_clicks"), prevent_initial_call=True)
    def send_frame(_: int) -> dict[str, object]:
        frame = csv_frame(ROWS)
        return dcc.send_data_frame(frame.to_csv, CSV_NAME, index=False)

else:
    raise ValueError(f"unknown BENCH_CASE {CASE!r}")

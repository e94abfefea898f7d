"""A Dash app for the download tests under real gunicorn workers: a shared ``CacheFile``.

``DFC_CACHE_DIR``: the cache folder; ``DFC_SOURCE``: a file whose bytes each click
registers (as data stored in the cache, not as a path), one-time when ``DFC_ONE_TIME=1``.
"""

from __future__ import annotations

import io
import os

import dash
from dash import Input, Output, html

import dash_file_cache as dfc

service = dfc.ServiceData(dfc.CacheFile(os.environ["DFC_CACHE_DIR"]))
app = dash.Dash(__name__)
service.serve(app)
server = app.server

app.layout = html.Div(
    [
        html.Button("make", id="make"),
        dfc.DownloadLink(id="dl", auto_start=True),
        html.Div(id="state"),
    ]
)


@app.callback(Output("dl", "url"), Input("make", "n_clicks"), prevent_initial_call=True)
def make(n_clicks: int) -> str:
    with open(os.environ["DFC_SOURCE"], "rb") as source:
        data = io.BytesIO(source.read())
    return service.register(
        data,
        file_name=f"shared-{n_clicks}.bin",
        mime_type="application/octet-stream",
        one_time_service=os.environ.get("DFC_ONE_TIME") == "1",
        download=True,
    )


@app.callback(
    Output("state", "children"),
    Input("dl", "status"),
    Input("dl", "mode"),
    Input("dl", "error"),
)
def state(status: str | None, mode: str | None, error: str | None) -> str:
    return f"{status} {mode} {error or ''} pid={os.getpid()}".strip()

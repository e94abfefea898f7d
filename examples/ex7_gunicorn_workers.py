"""Several gunicorn worker processes share one ``CacheFile``: register in any, serve from any.

Plain ``html.Img`` and ``html.A`` show and download what a callback registers; the
worker that runs the callback is usually not the one that serves the file.

Install gunicorn (``pip install gunicorn``, or ``pip install "dash-file-cache[gunicorn]"``),
then run::

    gunicorn --workers 4 --bind 127.0.0.1:8050 examples.ex7_gunicorn_workers:server

The cache folder is ``$DFC_CACHE_DIR``, else ``dash-file-cache-ex7`` in the temp folder:
every worker imports this module on its own, so the folder must be the same for all.
"""

from __future__ import annotations

import io
import os
import tempfile

import dash
from dash import Input, Output, html

import dash_file_cache as dfc

CACHE_DIR = os.environ.get(
    "DFC_CACHE_DIR", os.path.join(tempfile.gettempdir(), "dash-file-cache-ex7")
)

app = dash.Dash(__name__)
server = app.server
service = dfc.ServiceData(dfc.CacheFile(CACHE_DIR, cache_size=256, ttl=3600))
service.serve(app)

app.layout = html.Div(
    [
        html.H1("One cache, several worker processes"),
        html.Button("Make a chart in this worker", id="make"),
        html.P(id="made-by"),
        html.Img(id="chart", alt="a bar chart"),
        html.P(html.A("Download the chart's data", id="data-link", href="", download="")),
    ]
)


@app.callback(
    Output("chart", "src"),
    Output("data-link", "href"),
    Output("made-by", "children"),
    Input("make", "n_clicks"),
    prevent_initial_call=True,
)
def make(n_clicks: int) -> tuple[str, str, str]:
    values = [(n_clicks * 37 + i * 53) % 100 + 10 for i in range(8)]
    bars = "".join(
        f'<rect x="{10 + i * 40}" y="{120 - v}" width="30" height="{v}" fill="#e76f51"/>'
        for i, v in enumerate(values)
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="340" height="130">{bars}</svg>'
    csv = "bar,value\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))
    chart = service.register(io.StringIO(svg), content_type="image/svg+xml")
    data = service.register(
        io.StringIO(csv), file_name=f"chart-{n_clicks}.csv", mime_type="text/csv", download=True
    )
    return chart, data, f"registered by worker {os.getpid()}"

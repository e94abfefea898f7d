"""A Dash app whose background callbacks run in a Celery worker (``CeleryManager``).

Environment: ``DFC_REDIS_URL`` (broker, results and ``CacheRedis``), ``DFC_CACHE``
(``file``: ``CacheFile(DFC_CACHE_DIR)``; ``redis``; ``queue``: ``CacheQueue(16)``, which
a Celery worker cannot feed: the callback shows the refusal instead of an address).
"""

from __future__ import annotations

import io
import os

import dash
from celery import Celery
from dash import CeleryManager, Input, Output, html

import dash_file_cache as dfc

REDIS_URL = os.environ["DFC_REDIS_URL"]
KIND = os.environ["DFC_CACHE"]
celery_app = Celery(__name__, broker=REDIS_URL, backend=REDIS_URL)
if KIND == "file":
    cache: dfc.CacheAbstract = dfc.CacheFile(os.environ["DFC_CACHE_DIR"])
elif KIND == "redis":
    cache = dfc.CacheRedis(REDIS_URL, key_prefix="celery-background:")
else:
    cache = dfc.CacheQueue(16)
service = dfc.ServiceData(cache)
app = dash.Dash(__name__, background_callback_manager=CeleryManager(celery_app))
service.serve(app)
app.layout = html.Div(
    [html.Button("make", id="make"), html.Div(id="made-by"), html.Img(id="picture", alt="made")]
)


@app.callback(
    Output("picture", "src"),
    Output("made-by", "children"),
    Input("make", "n_clicks"),
    background=True,
    prevent_initial_call=True,
)
def make(clicks: int) -> tuple[str, str]:
    """Runs in the Celery worker: register an SVG, or show why it cannot."""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{50 + clicks}" height="20"/>'
    try:
        address = service.register(io.StringIO(svg), mime_type="image/svg+xml")
    except RuntimeError as exc:
        return "", f"refused: {exc}"
    return address, f"worker pid {os.getpid()}"

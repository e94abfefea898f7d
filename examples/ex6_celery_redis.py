"""A Dash background callback running in a Celery worker registers into ``CacheRedis``.

The web process and the Celery worker are separate processes (they could be separate
hosts): the worker registers the image into Redis, the web process streams it from there.

Install the package with its Celery extra (Celery with its Redis transport, and the
Redis client)::

    pip install "dash-file-cache[celery]"

Run (a redis-server on 127.0.0.1:6379, or set ``DFC_REDIS_URL``), in two terminals::

    celery -A examples.ex6_celery_redis:celery_app worker --pool=solo --loglevel=warning
    python examples/ex6_celery_redis.py
"""

from __future__ import annotations

import io
import os

import dash
from celery import Celery
from dash import CeleryManager, Input, Output, html

import dash_file_cache as dfc

REDIS_URL = os.environ.get("DFC_REDIS_URL", "redis://127.0.0.1:6379/0")

celery_app = Celery(__name__, broker=REDIS_URL, backend=REDIS_URL)
app = dash.Dash(__name__, background_callback_manager=CeleryManager(celery_app))
service = dfc.ServiceData(dfc.CacheRedis(REDIS_URL, key_prefix="celery-example:", ttl=3600))
service.serve(app)

app.layout = html.Div(
    [
        html.H1("Registered by a Celery worker"),
        html.Button("Draw in the worker", id="draw"),
        html.P(id="worker"),
        html.Img(id="picture", alt="drawn by the worker"),
    ]
)


@app.callback(
    Output("picture", "src"),
    Output("worker", "children"),
    Input("draw", "n_clicks"),
    background=True,
    prevent_initial_call=True,
)
def draw(n_clicks: int) -> tuple[str, str]:
    """Runs in the Celery worker process."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120">'
        f'<rect width="320" height="120" fill="#2a9d8f"/><text x="20" y="70" fill="white" '
        f'font-size="28">click {n_clicks}</text></svg>'
    )
    address = service.register(io.StringIO(svg), content_type="image/svg+xml")
    return address, f"worker pid {os.getpid()}"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050)

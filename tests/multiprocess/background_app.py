"""A Dash app whose DiskcacheManager background callback registers a PNG path and a
``BytesIO``, run as ``python background_app.py PORT`` so that ``spawn`` re-imports it.

Environment: ``DFC_START`` (``fork`` or ``spawn``, the start method of the jobs),
``DFC_CACHE`` (``queue``: ``CacheQueue(16)``; ``queue-manager``: ``CacheQueue(16,
Manager().Queue())``; ``file``: ``CacheFile(DFC_CACHE_DIR)``; ``redis``:
``CacheRedis(DFC_REDIS_URL)``), ``DFC_JOBS_DIR`` (the DiskcacheManager's folder),
``DFC_PNG`` (the path registered).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys

import diskcache
import multiprocess
from dash import Dash, DiskcacheManager, Input, Output, html

import dash_file_cache as dfc

multiprocess.set_start_method(os.environ["DFC_START"], force=True)

KIND = os.environ["DFC_CACHE"]
if KIND == "queue":
    cache: dfc.CacheAbstract = dfc.CacheQueue(16)
elif KIND == "queue-manager":
    cache = dfc.CacheQueue(16, multiprocessing.Manager().Queue())
elif KIND == "file":
    cache = dfc.CacheFile(os.environ["DFC_CACHE_DIR"])
else:
    cache = dfc.CacheRedis(os.environ["DFC_REDIS_URL"], key_prefix="background-app:")
service = dfc.ServiceData(cache)

jobs = DiskcacheManager(diskcache.Cache(os.environ["DFC_JOBS_DIR"]))
app = Dash(__name__, background_callback_manager=jobs)
service.serve(app)
app.layout = html.Div(
    [
        html.Button("make", id="make"),
        html.Div(id="made-by"),
        html.Img(id="from-path", alt="path"),
        html.Img(id="from-bytes", alt="bytes"),
    ]
)


@app.callback(
    Output("from-path", "src"),
    Output("from-bytes", "src"),
    Output("made-by", "children"),
    Input("make", "n_clicks"),
    background=True,
    prevent_initial_call=True,
)
def make(clicks: int) -> tuple[str, str, str]:
    from tests.helpers import grey_png

    path = service.register(os.environ["DFC_PNG"], mime_type="image/png")
    data = service.register(io.BytesIO(grey_png(20 + clicks, 10)), mime_type="image/png")
    return path, data, f"job pid {os.getpid()}"


if __name__ == "__main__":
    sys.stderr.write(f"web pid {os.getpid()}\n")
    app.run(host="127.0.0.1", port=int(sys.argv[1]), debug=False)

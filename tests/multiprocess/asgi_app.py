"""``gunicorn_app.py`` on Dash's FastAPI backend, for uvicorn workers: the cache chosen by
``DFC_CACHE`` (``plain``, ``private``, else ``CacheFile(DFC_CACHE_DIR)``) and
``POST /register``."""

from __future__ import annotations

import io
import os

import dash
from fastapi import Request

import dash_file_cache as dfc

cache: dfc.CacheAbstract
if os.environ.get("DFC_CACHE") == "plain":  # one process's memory: wrong for several
    cache = dfc.CachePlain(16)
elif os.environ.get("DFC_CACHE") == "private":  # a temporary directory per process
    cache = dfc.CacheFile()
else:
    cache = dfc.CacheFile(os.environ["DFC_CACHE_DIR"])
dash_app = dash.Dash(__name__, backend="fastapi")
dash_app.layout = dash.html.Div("workers")
service = dfc.ServiceData(cache)
service.serve(dash_app)
app = dash_app.server


@app.post("/register")
async def register(request: Request) -> dict[str, str]:
    """Register the request body; a refusal is ``{"error": …}`` (status 200 here: the
    test reads the body)."""
    data = io.BytesIO(await request.body())
    try:
        return {"addr": service.register(data)}
    except RuntimeError as exc:
        return {"error": str(exc)}

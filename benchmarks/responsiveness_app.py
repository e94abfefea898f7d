"""The app of ``responsiveness.py``: a big registered path, and a trivial route to probe.

Environment: ``DFC_DIR`` (CacheFile directory), ``DFC_FILE`` (the big file) and
``DFC_OFFLOAD`` (``1``: hand file transfers to nginx).
"""

from __future__ import annotations

import os

import flask

import dash_file_cache as dfc

server = flask.Flask(__name__)
service = dfc.ServiceData(dfc.CacheFile(os.environ["DFC_DIR"]))
offload = "x-accel-redirect" if os.environ.get("DFC_OFFLOAD") == "1" else None
service.serve(server, offload=offload)


@server.post("/register")
def register() -> dict[str, str]:
    return {"addr": service.register(os.environ["DFC_FILE"], mime_type="application/octet-stream")}


@server.get("/ping")
def ping() -> str:
    return "pong"

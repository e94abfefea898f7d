"""The app of the offload tests: Flask + CacheFile shared by gunicorn workers, offloaded.

``POST /register?kind=path|bytes|memory&once=0|1`` registers an item and answers
``{"addr": …}``; ``memory`` items live in a CachePlain service (not file-backed: streamed
by Python even with offload on). Environment: ``DFC_DIR`` (the cache directory),
``DFC_FILE`` (the registered path).
"""

from __future__ import annotations

import io
import os

import flask

import dash_file_cache as dfc

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB for bytes items

server = flask.Flask(__name__)
files = dfc.ServiceData(dfc.CacheFile(os.environ["DFC_DIR"]))
files.serve(server, offload="x-accel-redirect")
memory = dfc.ServiceData(dfc.CachePlain(8), service_name="/memory-data")
memory.serve(server, offload="x-accel-redirect")


@server.post("/register")
def register() -> dict[str, str]:
    kind = flask.request.args.get("kind", "path")
    once = flask.request.args.get("once") == "1"
    if kind == "path":
        address = files.register(
            os.environ["DFC_FILE"], file_name="données.csv", one_time_service=once, download=True
        )
    elif kind == "bytes":
        address = files.register(
            io.BytesIO(PAYLOAD), mime_type="application/octet-stream", one_time_service=once
        )
    else:
        address = memory.register(io.BytesIO(PAYLOAD), mime_type="application/octet-stream")
    return {"addr": address}

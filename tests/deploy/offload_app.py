"""The app of the offload tests: Flask + CacheFile shared by gunicorn workers, offloaded.

``POST /register?kind=path|bytes|memory&once=0|1`` registers an item and answers
``{"addr": …}``; ``redis`` items live in a CacheRedis service (not file-backed: streamed
by Python even with offload on; shared by the workers). Environment: ``DFC_DIR`` (the
cache directory), ``DFC_FILE`` (the registered path), ``DFC_REDIS_URL``, ``DFC_OFFLOAD`` (the kind),
``DFC_LOCKED_DIR`` (adds ``locked`` items, in a folder others may not enter, and
``private`` items, in a ``CacheFile()`` of its own).
"""

from __future__ import annotations

import io
import os

import flask

import dash_file_cache as dfc

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB for bytes items

server = flask.Flask(__name__)
files = dfc.ServiceData(dfc.CacheFile(os.environ["DFC_DIR"]))
KIND = os.environ.get("DFC_OFFLOAD", "x-accel-redirect")
files.serve(server, offload=KIND)
in_redis = dfc.ServiceData(
    dfc.CacheRedis(os.environ["DFC_REDIS_URL"], key_prefix="offload:"), service_name="/redis-data"
)
in_redis.serve(server, offload=KIND)
owned = dfc.ServiceData(
    dfc.CacheFile(os.environ["DFC_DIR"]),
    service_name="/owned-data",
    resolve_owner=dfc.owners.basic_auth({"alice": "pw", "bob": "pw"}),
)
owned.serve(server, offload=KIND)
if "DFC_LOCKED_DIR" in os.environ:  # the permission tests (one gunicorn worker)
    # A folder others may not enter (0700): nginx's workers could not read its files.
    locked = dfc.ServiceData(dfc.CacheFile(os.environ["DFC_LOCKED_DIR"]), service_name="/locked")
    locked.serve(server, offload=KIND)
    # CacheFile(): a temporary folder of this process, opened to the front server.
    private = dfc.ServiceData(dfc.CacheFile(), service_name="/private")
    private.serve(server, offload=KIND)


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
    elif kind == "owned":  # bound to the request's HTTP Basic user
        address = owned.register(os.environ["DFC_FILE"], one_time_service=once)
    elif kind in ("locked", "private"):
        target = locked if kind == "locked" else private
        address = target.register(io.BytesIO(PAYLOAD), one_time_service=once)
    else:
        address = in_redis.register(io.BytesIO(PAYLOAD), mime_type="application/octet-stream")
    return {"addr": address}

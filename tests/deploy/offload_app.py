"""The app of the offload tests: Flask + CacheFile shared by gunicorn workers, offloaded
(``offload_asgi_app.py`` serves the same on Dash's FastAPI backend).

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
from collections.abc import Callable
from typing import Any

import flask

import dash_file_cache as dfc

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB for bytes items
KIND = os.environ.get("DFC_OFFLOAD", "x-accel-redirect")
Register = Callable[[str, bool], str]


def build(app: Any) -> Register:
    """Serve the test's services on ``app`` (any app ``serve()`` takes); return the
    function registering an item: ``(kind, once) -> address``."""
    files = dfc.ServiceData(dfc.CacheFile(os.environ["DFC_DIR"]))
    files.serve(app, offload=KIND)
    in_redis = dfc.ServiceData(
        dfc.CacheRedis(os.environ["DFC_REDIS_URL"], key_prefix="offload:"),
        service_name="/redis-data",
    )
    in_redis.serve(app, offload=KIND)
    owned = dfc.ServiceData(
        dfc.CacheFile(os.environ["DFC_DIR"]),
        service_name="/owned-data",
        resolve_owner=dfc.owners.basic_auth({"alice": "pw", "bob": "pw"}),
    )
    owned.serve(app, offload=KIND)
    extra: dict[str, dfc.ServiceData] = {}
    if "DFC_LOCKED_DIR" in os.environ:  # the permission tests (one worker)
        # A folder others may not enter (0700): nginx's workers could not read its files.
        extra["locked"] = dfc.ServiceData(
            dfc.CacheFile(os.environ["DFC_LOCKED_DIR"]), service_name="/locked"
        )
        # CacheFile(): a temporary folder of this process, opened to the front server.
        extra["private"] = dfc.ServiceData(dfc.CacheFile(), service_name="/private")
        for service in extra.values():
            service.serve(app, offload=KIND)

    def register(kind: str, once: bool) -> str:
        if kind == "path":
            return files.register(
                os.environ["DFC_FILE"],
                file_name="données.csv",
                one_time_service=once,
                download=True,
            )
        if kind == "bytes":
            return files.register(
                io.BytesIO(PAYLOAD), mime_type="application/octet-stream", one_time_service=once
            )
        if kind == "owned":  # bound to the request's HTTP Basic user
            return owned.register(os.environ["DFC_FILE"], one_time_service=once)
        if kind in extra:
            return extra[kind].register(io.BytesIO(PAYLOAD), one_time_service=once)
        return in_redis.register(io.BytesIO(PAYLOAD), mime_type="application/octet-stream")

    return register


server = flask.Flask(__name__)
register_item = build(server)


@server.post("/register")
def register() -> dict[str, str]:
    kind = flask.request.args.get("kind", "path")
    return {"addr": register_item(kind, flask.request.args.get("once") == "1")}

"""A Flask app for the multi-process tests: a shared ``CacheFile``, or ``CacheRedis`` (or,
to show they are refused, a cache private to each worker: ``DFC_CACHE=plain|private``)."""

from __future__ import annotations

import functools
import io
import os

import flask

import dash_file_cache as dfc

BOUNDS = {
    "cache_size": int(os.environ.get("DFC_CACHE_SIZE", "10000")),
    "max_bytes": int(os.environ.get("DFC_MAX_BYTES", str(2**40))),
    "ttl": float(os.environ["DFC_TTL"]) if "DFC_TTL" in os.environ else None,
}
cache: dfc.CacheAbstract
if "DFC_REDIS_URL" in os.environ:
    cache = dfc.CacheRedis(os.environ["DFC_REDIS_URL"], key_prefix="hosts:", **BOUNDS)
elif os.environ.get("DFC_CACHE") == "plain":  # one process's memory: wrong for several
    cache = dfc.CachePlain(16)
elif os.environ.get("DFC_CACHE") == "private":  # a temporary directory per process
    cache = dfc.CacheFile()
else:
    cache = dfc.CacheFile(os.environ["DFC_CACHE_DIR"], **BOUNDS)
# DFC_OWNERS=1: items are bound to the HTTP Basic user who registers them.
USERS = {"alice": "pw", "bob": "pw"}
owners = dfc.owners.basic_auth(USERS) if os.environ.get("DFC_OWNERS") == "1" else None
service = dfc.ServiceData(cache, resolve_owner=owners)
app = flask.Flask(__name__)
service.serve(app)


@app.post("/register")
def register() -> tuple[dict[str, str], int]:
    """Register the request body (``?one_time=1`` for a one-time item); a refusal is
    ``{"error": …}`` with a 500."""
    one_time = flask.request.args.get("one_time") == "1"
    data = io.BytesIO(flask.request.get_data())
    try:
        return {"addr": service.register(data, one_time_service=one_time)}, 200
    except RuntimeError as exc:
        return {"error": str(exc)}, 500


@app.post("/register-generated")
def register_generated() -> tuple[dict[str, str], int]:
    """Register ``generated_source.blocks`` (``?count=&folder=&fail_at=&one_time=1``)."""
    from .generated_source import blocks

    args = flask.request.args
    source = functools.partial(
        blocks, int(args["count"]), args["folder"], int(args.get("fail_at", "-1"))
    )
    address = service.register(
        source, file_name="rows.bin", one_time_service=args.get("one_time") == "1"
    )
    return {"addr": address}, 200


@app.after_request
def tag_worker(response: flask.Response) -> flask.Response:
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response

"""The download worker: a service worker script served next to the service's route.

``DownloadLink`` streams downloads to disk through the browser's download manager, with
in-page progress, by way of a service worker (``worker.js`` in this package, built from
``src/worker/``). The script is served at a sibling path of the service,
``<route>-sw.js`` (browsers request ``<service address>-sw.js``, e.g.
``/app/cached-data-sw.js`` for addresses
``/app/cached-data?uid=…``). A worker's scope may not reach above its script's folder,
so from there it can be registered with the service path itself as its scope (a URL
prefix: ``/cached-data`` covers ``/cached-data?uid=…``) without a
``Service-Worker-Allowed`` header, and it sees nothing else of the app.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import flask

__all__ = ("SCRIPT_SUFFIX", "WORKER_METHODS", "add_worker_route", "worker_response")

#: Appended to the service's route (and address) to name the worker script.
SCRIPT_SUFFIX = "-sw.js"
WORKER_METHODS = ["GET", "HEAD"]


@cache
def _script() -> tuple[bytes, str]:
    """The worker's source and its strong ETag (read once from the package)."""
    source = resources.files(__package__).joinpath("worker.js").read_bytes()
    return source, hashlib.sha256(source).hexdigest()[:32]


def worker_response() -> flask.Response:
    """The worker script, revalidated on every registration or update check.

    ``Cache-Control: no-cache`` makes browsers ask again (a 304 when unchanged), so a new
    version of the package reaches pages that registered the old worker.
    """
    source, etag = _script()
    response = flask.Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(etag)
    response.make_conditional(flask.request)
    return response


def add_worker_route(server: flask.Flask, route: str, endpoint: str) -> None:
    """Serve the worker at ``route + SCRIPT_SUFFIX`` on ``server``.

    :param route: the Flask rule of the service (``binding.route``).
    :param endpoint: the service's endpoint name; the worker's is derived from it.
    """
    server.add_url_rule(
        route + SCRIPT_SUFFIX,
        endpoint=endpoint + "_worker",
        view_func=worker_response,
        methods=WORKER_METHODS,
    )

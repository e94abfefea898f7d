"""The download worker: a service worker script served under the service's route.

``DownloadLink`` streams downloads to disk through the browser's download manager, with
in-page progress, by way of a service worker (``worker.js`` in this package, built from
``src/worker/``). The script is served at ``<route>/sw.js`` (browsers request
``<service address>/sw.js``, e.g. ``/app/cached-data/sw.js`` for addresses
``/app/cached-data?uid=…``) with ``Service-Worker-Allowed`` naming the service path
itself (relative to the script, so it holds behind any prefix). The service path (a URL
prefix: ``/cached-data`` covers ``/cached-data?uid=…``) is then the widest scope a page
can register it for: a registration for ``/`` or any other path of the app is refused
by the browser, so the worker never sees the rest of the app.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

import flask

__all__ = (
    "SCRIPT_NAME",
    "WORKER_METHODS",
    "add_worker_route",
    "allowed_scope",
    "script_route",
    "worker_response",
)

#: The worker script's name under the service's route (and address).
SCRIPT_NAME = "sw.js"
WORKER_METHODS = ["GET", "HEAD"]


def script_route(route: str) -> str:
    """Where the worker of the service at ``route`` is served: ``<route>/sw.js``."""
    return f"{route.rstrip('/')}/{SCRIPT_NAME}"


def allowed_scope(route: str) -> str:
    """``Service-Worker-Allowed`` for the script of ``route``: the route itself, written
    relative to the script (``../cached-data`` from ``/cached-data/sw.js``)."""
    last = route.rstrip("/").rsplit("/", 1)[-1]
    if not last:  # the root route: the script's own folder
        return "./"
    return f"../{last}/" if route.endswith("/") else f"../{last}"


@cache
def _script() -> tuple[bytes, str]:
    """The worker's source and its strong ETag (read once from the package)."""
    source = resources.files(__package__).joinpath("worker.js").read_bytes()
    return source, hashlib.sha256(source).hexdigest()[:32]


def worker_response(scope: str, environ: dict[str, Any] | None = None) -> flask.Response:
    """The worker script, revalidated on every registration or update check.

    ``Cache-Control: no-cache`` makes browsers ask again (a 304 when unchanged), so a new
    version of the package reaches pages that registered the old worker.

    :param scope: the ``Service-Worker-Allowed`` value (see :func:`allowed_scope`).
    :param environ: the request's WSGI environ (``None``: Flask's current request).
    """
    source, etag = _script()
    response = flask.Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Service-Worker-Allowed"] = scope
    response.set_etag(etag)
    response.make_conditional(flask.request.environ if environ is None else environ)
    return response


def add_worker_route(server: flask.Flask, route: str, endpoint: str) -> None:
    """Serve the worker at :func:`script_route` of ``route`` on ``server``.

    :param route: the Flask rule of the service (``binding.route``).
    :param endpoint: the service's endpoint name; the worker's is derived from it.
    """
    scope = allowed_scope(route)

    def view() -> flask.Response:
        return worker_response(scope)

    server.add_url_rule(
        script_route(route),
        endpoint=endpoint + "_worker",
        view_func=view,
        methods=WORKER_METHODS,
    )

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

from .answer import method_not_allowed
from .conditions import weak_match
from .wire import Answer, RequestView

__all__ = (
    "SCRIPT_NAME",
    "WORKER_METHODS",
    "allowed_scope",
    "script_route",
    "worker_answer",
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


def worker_answer(scope: str, view: RequestView) -> Answer:
    """The worker script, revalidated on every registration or update check.

    ``Cache-Control: no-cache`` makes browsers ask again (a 304 when unchanged), so a new
    version of the package reaches pages that registered the old worker.

    :param scope: the ``Service-Worker-Allowed`` value (see :func:`allowed_scope`).
    :param view: the request (GET or HEAD).
    """
    if view.method not in WORKER_METHODS:
        return method_not_allowed(view.method)
    source, etag = _script()
    headers = [
        ("Content-Type", "text/javascript; charset=utf-8"),
        ("Content-Length", str(len(source))),
        ("Cache-Control", "no-cache"),
        ("X-Content-Type-Options", "nosniff"),
        ("Service-Worker-Allowed", scope),
        ("ETag", f'"{etag}"'),
    ]
    if_none_match = view.header("if-none-match")
    if if_none_match is not None and weak_match(if_none_match, etag):
        return Answer(304, headers[2:])
    return Answer(200, headers, b"" if view.method == "HEAD" else source)

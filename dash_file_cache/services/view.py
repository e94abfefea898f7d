"""The Flask side of the service: the view that answers requests, and binding it to an app."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

import flask
from werkzeug.exceptions import MethodNotAllowed

from ..caches.abstract import BackendUnavailable
from .cors import CorsPolicy, add_cors_headers
from .http import UID_PATTERN, error_response, parse_bool
from .policy import resource_policy, wants_service_worker
from .respond import NOT_FOUND

__all__ = (
    "ALLOWED_METHODS",
    "ROUTED_METHODS",
    "Outage",
    "answer",
    "finish",
    "method_not_allowed",
    "refuse_other_methods",
)

logger = logging.getLogger("dash_file_cache.services")

ALLOWED_METHODS = ("GET", "HEAD")
#: Methods routed to the view, so that the others get a JSON 405 rather than Flask's HTML.
ROUTED_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
RETRY_AFTER = "5"  # seconds a client should wait after a 503
#: The query string of almost every request, as ``register()`` writes it: read without
#: building ``request.args`` (anything else takes the general path, same answers).
_PLAIN_QUERY = re.compile(r"uid=([0-9a-f]{32})(&download=(?:true|false))?")
#: The view's ``stream``: (uid, download, WSGI environ) -> response.
Stream = Callable[[str, bool, dict[str, Any]], flask.Response]


class Outage:
    """Whether the cache is down: logs once when an outage starts and once when it ends."""

    def __init__(self) -> None:
        self._down = False
        self._lock = threading.Lock()

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            started, self._down = not self._down, True
        if started:
            logger.warning("dash-file-cache: the cache is unavailable (%s); answering 503", exc)

    def succeeded(self) -> None:
        if not self._down:
            return
        with self._lock:
            ended, self._down = self._down, False
        if ended:
            logger.warning("dash-file-cache: the cache is available again")


def answer(
    stream: Stream, outage: Outage, cors: CorsPolicy, environ: dict[str, Any]
) -> flask.Response:
    """The response to the request of WSGI ``environ``, CORS headers included.

    A request that would install the item as a service worker is refused (403) before
    the item is looked up (:mod:`.policy`).

    It needs no Flask request context: the same answer is given through Flask's routing
    and before it (:mod:`.direct`).
    """
    method = environ.get("REQUEST_METHOD", "GET").upper()  # as Flask reads it
    if method == "OPTIONS":
        response = flask.Response(status=204)
        response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
    elif method not in ALLOWED_METHODS:
        response = method_not_allowed(method)
    elif wants_service_worker(environ):  # refused before any lookup: nothing is consumed
        response = error_response(403, "an item cannot be installed as a service worker")
    else:
        try:
            response = _answer(stream, outage, environ)
        except Exception:  # a fault of ours: a JSON 500, never an HTML page
            logger.exception("dash-file-cache failed to answer %s", environ.get("QUERY_STRING"))
            response = error_response(500, "the service failed to answer this request")
    return finish(response, cors, environ)


def finish(response: flask.Response, cors: CorsPolicy, environ: dict[str, Any]) -> flask.Response:
    """Add the headers every answer of the route carries: CORP, and CORS if enabled."""
    response.headers["Cross-Origin-Resource-Policy"] = resource_policy(cors.origins is not None)
    if cors.origins is not None:
        add_cors_headers(response, environ.get("HTTP_ORIGIN"), cors)
    return response


def method_not_allowed(method: str) -> flask.Response:
    """The JSON 405 for any method but GET, HEAD and OPTIONS."""
    refused = error_response(405, f"{method} is not supported; use GET or HEAD")
    refused.headers["Allow"] = ", ".join(ALLOWED_METHODS)
    return refused


def _answer(stream: Stream, outage: Outage, environ: dict[str, Any]) -> flask.Response:
    """The response to a GET or HEAD (or a JSON error)."""
    plain = _PLAIN_QUERY.fullmatch(environ.get("QUERY_STRING", ""))
    if plain is not None:
        uid, download = plain.group(1), plain.group(2) == "&download=true"
    else:
        parsed = _parse_query(environ)
        if isinstance(parsed, flask.Response):
            return parsed
        uid, download = parsed
    try:
        response = stream(uid, download, environ)
    except FileNotFoundError:
        response = error_response(404, NOT_FOUND)
    except BackendUnavailable as exc:
        outage.failed(exc)
        unavailable = error_response(503, "the cache is unavailable; try again shortly")
        unavailable.headers["Retry-After"] = RETRY_AFTER
        return unavailable
    except OSError:
        logger.exception("dash-file-cache could not read item %s", uid)
        return error_response(500, "the cached item could not be read")
    outage.succeeded()
    return response


def _parse_query(environ: dict[str, Any]) -> tuple[str, bool] | flask.Response:
    """``(uid, download)`` from any query string, or the JSON 400 that refuses it."""
    try:
        args = flask.Request(environ).args  # parsed as Flask's ``request.args``
        uid = args.get("uid")
        raw_download = args.get("download")
    except UnicodeDecodeError:  # raw non-UTF-8 bytes in QUERY_STRING (some servers)
        return error_response(400, "the query string is not valid UTF-8")
    if not uid:
        return error_response(400, "the query parameter 'uid' is required")
    if not UID_PATTERN.fullmatch(uid):
        return error_response(400, "the query parameter 'uid' must be 32 lowercase hex digits")
    try:
        download = parse_bool(raw_download)
    except ValueError as exc:
        return error_response(400, f"the query parameter 'download' is invalid: {exc}")
    return uid, download


def refuse_other_methods(server: flask.Flask, route: str, cors: CorsPolicy) -> None:
    """Answer any method the route does not list (``TRACE``, ``FOO``…) with the JSON 405.

    Flask refuses those while routing, before any view runs, with an HTML page.
    """

    def json_405() -> flask.Response | None:
        request = flask.request
        if isinstance(request.routing_exception, MethodNotAllowed) and request.path == route:
            return finish(method_not_allowed(request.method), cors, request.environ)
        return None

    json_405.dash_file_cache = True  # type: ignore[attr-defined]  # ours: see direct.py
    server.before_request(json_405)

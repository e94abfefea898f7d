"""The service's HTTP core: the answer to any request of its route, whatever the server.

:func:`answer` takes a :class:`.RequestView` and gives an :class:`.Answer`: the method
table (GET and HEAD; OPTIONS 204; any other method a JSON 405), the query (the uid and
``download``), the refusal of service-worker installs, the item's answer
(:func:`.respond.respond`), the JSON errors (400, 404, 500, 503 with ``Retry-After``), the
headers every answer carries (CORP, CORS) and HEAD's empty body. It may block (the cache,
Redis, the disk) but knows no server interface: :mod:`.wsgi` and :mod:`.asgi` only
translate requests in and answers out.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from urllib.parse import parse_qsl

from ..caches.abstract import BackendUnavailable
from .cors import CorsPolicy, cors_headers
from .http import NOT_FOUND, REVALIDATE, UID_PATTERN, json_error, parse_bool
from .policy import resource_policy, wants_service_worker
from .wire import Answer, RequestView

__all__ = (
    "ALLOWED_METHODS",
    "ROUTED_METHODS",
    "Outage",
    "Stream",
    "answer",
    "finish",
    "method_not_allowed",
)

logger = logging.getLogger("dash_file_cache.services")

ALLOWED_METHODS = ("GET", "HEAD")
#: Methods routed to the view, so that the others get a JSON 405 rather than an HTML page.
ROUTED_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
RETRY_AFTER = "5"  # seconds a client should wait after a 503
#: The query string of almost every request, as ``register()`` writes it: read without
#: parsing (anything else takes the general path, same answers).
_PLAIN_QUERY = re.compile(r"uid=([0-9a-f]{32})(&download=(?:true|false))?(&reuse=1)?")
#: ``Cache-Control`` of an item asked for with ``reuse=1`` (a CachedImage's request):
#: the browser may reuse the answer for this long without asking again, so that the
#: ``<img>`` showing the picture joins the transfer the component's fetch started
#: (Chromium's HTTP cache feeds both from one download) instead of a second one.
REUSE = "private, max-age=10"
#: The item's answer: (uid, download, request) -> answer.
Stream = Callable[[str, bool, RequestView], Answer]


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


def answer(stream: Stream, outage: Outage, cors: CorsPolicy, view: RequestView) -> Answer:
    """The answer to ``view``, CORS headers included (see the module).

    A request that would install the item as a service worker is refused (403) before
    the item is looked up (:mod:`.policy`).
    """
    method = view.method
    if method == "OPTIONS":
        reply = Answer(204, [("Allow", ", ".join(ALLOWED_METHODS))])
    elif method not in ALLOWED_METHODS:
        reply = method_not_allowed(method)
    elif wants_service_worker(view.headers):  # refused before any lookup: nothing consumed
        reply = json_error(403, "an item cannot be installed as a service worker")
    else:
        try:
            reply = _answer(stream, outage, view)
        except Exception:  # a fault of ours: a JSON 500, never an HTML page
            logger.exception("dash-file-cache failed to answer %s", view.query)
            reply = json_error(500, "the service failed to answer this request")
    if method == "HEAD":
        reply.close()  # the headers of a GET, no body
    return finish(reply, cors, view)


def finish(reply: Answer, cors: CorsPolicy, view: RequestView) -> Answer:
    """Add the headers every answer of the route carries: CORP, and CORS if enabled."""
    reply.headers.append(
        ("Cross-Origin-Resource-Policy", resource_policy(cors.origins is not None))
    )
    if cors.origins is not None:
        reply.headers += cors_headers(view.header("origin"), cors)
    return reply


def method_not_allowed(method: str) -> Answer:
    """The JSON 405 for any method but GET, HEAD and OPTIONS."""
    refused = json_error(405, f"{method} is not supported; use GET or HEAD")
    refused.headers.append(("Allow", ", ".join(ALLOWED_METHODS)))
    return refused


def _answer(stream: Stream, outage: Outage, view: RequestView) -> Answer:
    """The answer to a GET or HEAD (or a JSON error)."""
    plain = _PLAIN_QUERY.fullmatch(view.query)
    if plain is not None:
        uid, download = plain.group(1), plain.group(2) == "&download=true"
        reuse = plain.group(3) is not None
    else:
        parsed = _parse_query(view.query)
        if isinstance(parsed, Answer):
            return parsed
        uid, download, reuse = parsed
    try:
        reply = stream(uid, download, view)
        if reuse:
            _reusable(reply)
    except FileNotFoundError:
        reply = json_error(404, NOT_FOUND)
    except BackendUnavailable as exc:
        outage.failed(exc)
        unavailable = json_error(503, "the cache is unavailable; try again shortly")
        unavailable.headers.append(("Retry-After", RETRY_AFTER))
        return unavailable
    except OSError:
        logger.exception("dash-file-cache could not read item %s", uid)
        return json_error(500, "the cached item could not be read")
    outage.succeeded()
    return reply


def _reusable(reply: Answer) -> None:
    """Let the browser reuse ``reply`` for a while (:data:`REUSE`) where it would have
    asked again (:data:`.REVALIDATE`); a one-time item's ``no-store`` and the errors
    (which set no ``Cache-Control`` of an item) stay as they are."""
    headers = reply.headers
    for index, (name, value) in enumerate(headers):
        if name == "Cache-Control" and value == REVALIDATE:
            headers[index] = (name, REUSE)


def _parse_query(query: str) -> tuple[str, bool, bool] | Answer:
    """``(uid, download, reuse)`` from any query string, or the JSON 400 that refuses it.

    Read as Flask reads ``request.args``: ``&``-separated, ``+`` is a space, percent
    escapes decoded as UTF-8 (invalid ones become U+FFFD), the first value of a name
    counts; raw bytes that are not UTF-8 are refused.
    """
    try:
        text = query.encode("latin-1").decode("utf-8")
    except UnicodeError:  # raw non-UTF-8 bytes in the query (some servers pass them)
        return json_error(400, "the query string is not valid UTF-8")
    pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")
    args: dict[str, str] = {}
    for name, value in pairs:
        args.setdefault(name, value)
    uid = args.get("uid")
    if not uid:
        return json_error(400, "the query parameter 'uid' is required")
    if not UID_PATTERN.fullmatch(uid):
        return json_error(400, "the query parameter 'uid' must be 32 lowercase hex digits")
    try:
        download = parse_bool(args.get("download"))
    except ValueError as exc:
        return json_error(400, f"the query parameter 'download' is invalid: {exc}")
    reuse = args.get("reuse")
    if reuse not in (None, "1"):
        return json_error(400, "the query parameter 'reuse' must be 1")
    return uid, download, reuse == "1"

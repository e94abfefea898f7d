"""The ASGI adapter of the HTTP core (:mod:`.answer`): FastAPI/Starlette and Quart apps
(and Dash's ``fastapi`` and ``quart`` backends).

An ASGI scope becomes a :class:`.RequestView`; the answer is made in one thread hop (it
may touch the cache, Redis or the disk), then sent: the status and the headers as they
are, and the body a chunk at a time, each read in a thread, so the event loop never
blocks on a disk and keeps serving other requests while slow clients download (bytes
already in the page cache are read on the loop with a read that cannot block). Each
``send`` waits for the server to take the chunk (backpressure). A body that ends short
of its ``Content-Length`` (a file truncated while served) raises, so the server cuts the
connection rather than end the response cleanly. A client that goes away stops the
reads at once (``http.disconnect`` is watched while the body is sent: servers such as
uvicorn drop what is sent after it silently) and the body is closed.

Mounting: on Starlette (FastAPI) as routes placed first (before Dash's catch-all); on
Quart by wrapping ``app.asgi_app``, answering the service's paths before Quart's routing.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .context import AsgiRequest, enter_asgi, leave_asgi
from .wire import READ_HEADERS, Answer, Body, RequestView

__all__ = (
    "AsgiEndpoint",
    "AsgiRoutes",
    "CurrentRequest",
    "asgi_kind",
    "asgi_paths",
    "make_requests_current",
    "mount_asgi",
    "view_from_scope",
)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
#: A request -> the service's answer (the core, or the worker script's).
Handler = Callable[[RequestView], Answer]
_END = object()
FIRST_CHUNK = 64 * 1024  # bytes: the first chunk of a body, and a slow client's
SLOW_SEND = 0.01  # seconds: a send that took longer waited for a slow client
#: Bytes the bodies being sent share as their chunks: each may read up to this divided by
#: their number (but never less than FIRST_CHUNK), so memory stays bounded however many
#: clients download at once (a server holds each sent chunk until the client takes it).
SHARED_BUDGET = 8 * 1024 * 1024
_streams = 0  # bodies being sent by this process (on its event loop)
#: seconds: when the loop takes longer than this to come back to a body that sends
#: without waiting (many bodies filling empty socket buffers at once), the body steps
#: aside for twice as long, so that other requests (a page, a callback) are not queued
#: behind the bulk of the sends
BUSY_LOOP = 0.002
#: seconds: the longest a body steps aside at once (a loop blocked for long by other
#: code must not stall a download for twice as long)
MOST_ASIDE = 0.05
_READ = frozenset(name.encode("latin-1") for name in READ_HEADERS)


def asgi_kind(server: object) -> str | None:
    """``"starlette"`` (FastAPI included), ``"quart"``, or ``None`` for anything else.

    Neither framework is imported here: an app of one has already imported it.
    """
    quart = sys.modules.get("quart")
    if quart is not None and isinstance(server, quart.Quart):
        return "quart"
    starlette = sys.modules.get("starlette.applications")
    if starlette is not None and isinstance(server, starlette.Starlette):
        return "starlette"
    return None


def view_from_scope(scope: Scope) -> RequestView:
    """The :class:`.RequestView` of an ASGI HTTP ``scope``."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.lower()
        if name in _READ:
            key, value = name.decode("latin-1"), raw_value.decode("latin-1")
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return RequestView(
        method=str(scope["method"]).upper(),
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        native=scope,
    )


class AsgiEndpoint:
    """An ASGI app giving a handler's answers (see the module).

    :param handler: makes the answer to a request (in a thread).
    :param server: the app it is mounted on, and its ``kind`` (see :func:`asgi_kind`):
        the handler runs with the request current (:mod:`.context`), for owner resolvers.
    """

    def __init__(self, handler: Handler, server: Any = None, kind: str = "starlette") -> None:
        self._handler = handler
        self._server = server
        self._kind = kind

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        token = enter_asgi(AsgiRequest(scope, self._server, self._kind))
        try:  # the thread runs in a copy of this context
            reply = await asyncio.to_thread(self._handler, view_from_scope(scope))
        finally:
            leave_asgi(token)
        body = reply.body
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": reply.status,
                    "headers": [
                        (name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in reply.headers
                    ],
                }
            )
            if isinstance(body, bytes):
                await send({"type": "http.response.body", "body": body, "more_body": False})
            else:
                await _send_stream(body, receive, send)
        finally:
            if not isinstance(body, bytes):
                await asyncio.to_thread(body.close)


async def _send_stream(body: Body, receive: Receive, send: Send) -> None:
    """Send ``body`` chunk by chunk until it ends or the client goes away.

    A chunk of a file that the page cache holds is read on the loop (``next_cached``:
    a read that cannot wait for the disk, cheaper than a thread hop); any other read
    runs in a thread. Between two chunks read on the loop the body yields; when the
    loop took longer than :data:`BUSY_LOOP` to come back (many bodies filling empty
    socket buffers at once, as when 200 downloads start together), it steps aside for
    twice as long, so the app's other requests are not queued behind the bulk sends.
    Each ``send`` waits while the server's write buffer is full (backpressure). The
    chunk size adapts to the client, as a window: it starts at :data:`FIRST_CHUNK` and
    doubles after each ``send`` that did not wait, up to the body's own ``chunk``; after
    one that waited (a slow client) it is back to
    :data:`FIRST_CHUNK`, and never above an equal share of :data:`SHARED_BUDGET`. A
    server holds a whole sent chunk in its write buffer, so 200 clients cost about 200
    small chunks of memory, not 200 times the service's ``chunk_size``, and the event
    loop never writes megabytes at once to them; one fast client still gets big reads
    (few thread hops).
    """
    global _streams
    loop = asyncio.get_running_loop()
    limit = getattr(body, "chunk", None)
    adaptive = isinstance(limit, int) and limit > FIRST_CHUNK
    if adaptive:
        body.chunk = FIRST_CHUNK  # type: ignore[attr-defined]
    cached = getattr(body, "next_cached", None)
    gone = asyncio.Event()
    watcher = asyncio.ensure_future(_watch_disconnect(receive, gone))
    _streams += 1
    try:
        while not gone.is_set():
            chunk = cached() if cached is not None else None  # no disk wait: on the loop
            if chunk is None:  # an OSError: cut the connection
                chunk = await asyncio.to_thread(next, body, _END)
            else:  # let the loop run others (and see a disconnect) between two chunks
                turn = loop.time()
                await asyncio.sleep(0)
                lag = loop.time() - turn  # how long the loop took to come back to us
                if lag > BUSY_LOOP and _streams > 1:  # a busy loop: step aside, twice as
                    await asyncio.sleep(min(2 * lag, MOST_ASIDE))  # long (bounded)
            if chunk is _END:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            if not chunk:
                continue
            started = loop.time()  # a server waits here while its write buffer is full
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if adaptive:
                waited = loop.time() - started > SLOW_SEND
                share = max(SHARED_BUDGET // _streams, FIRST_CHUNK)
                grown = min(body.chunk * 2, limit, share)  # type: ignore[attr-defined]
                body.chunk = FIRST_CHUNK if waited else grown  # type: ignore[attr-defined]
    finally:
        _streams -= 1
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher


async def _watch_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return


class CurrentRequest:
    """ASGI middleware making each HTTP request current (:mod:`.context`) while the app
    answers it, so that owner resolvers read it in the app's own routes too (Dash sets its
    own request only for its routes). ``serve()`` adds it to a Starlette (FastAPI) app
    when the service has a ``resolve_owner``."""

    def __init__(self, app: Callable[..., Awaitable[None]], server: Any = None) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = enter_asgi(AsgiRequest(scope, self.server, "starlette"))
        try:
            await self.app(scope, receive, send)
        finally:
            leave_asgi(token)


def make_requests_current(server: Any) -> bool:
    """Add :class:`CurrentRequest` to a Starlette (FastAPI) app, once.

    :returns: whether it is in place (not when the app has started already: Starlette
        takes no middleware then; Dash's callbacks still have their request).
    """
    if getattr(server, "_dash_file_cache_current_request", False):
        return True
    try:
        server.add_middleware(CurrentRequest, server=server)
    except RuntimeError:  # "Cannot add middleware after an application has started"
        return False
    server._dash_file_cache_current_request = True
    return True


class AsgiRoutes:
    """Wraps an ASGI app (Quart's ``asgi_app``): the given exact paths go to their
    endpoints, everything else to the app."""

    def __init__(self, inner: Callable[..., Awaitable[None]]) -> None:
        self.inner = inner
        self.routes: dict[str, AsgiEndpoint] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.routes.get(scope["path"])
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await self.inner(scope, receive, send)


def mount_asgi(server: Any, kind: str, routes: dict[str, AsgiEndpoint]) -> None:
    """Answer each ``path: endpoint`` of ``routes`` on ``server`` (see the module)."""
    if kind == "starlette":
        from starlette.routing import Route

        for path, endpoint in routes.items():  # first: before any catch-all
            server.router.routes.insert(0, Route(path, endpoint=endpoint))
        return
    wrapper = server.asgi_app
    if not isinstance(wrapper, AsgiRoutes):
        wrapper = server.asgi_app = AsgiRoutes(server.asgi_app)
    wrapper.routes.update(routes)


def asgi_paths(server: Any, kind: str) -> set[str]:
    """The exact paths ``server`` answers already (its routes, and ours)."""
    if kind == "starlette":
        return {str(getattr(route, "path", "")) for route in server.router.routes}
    wrapper = server.asgi_app
    ours = set(wrapper.routes) if isinstance(wrapper, AsgiRoutes) else set()
    return ours | {rule.rule for rule in server.url_map.iter_rules()}

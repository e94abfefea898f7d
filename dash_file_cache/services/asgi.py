"""The service on ASGI servers: FastAPI/Starlette and Quart apps (and Dash's ``fastapi`` and
``quart`` backends).

The answer to a request is the one the WSGI side gives (:func:`.view.answer`, which needs
no Flask request context): the ASGI scope is read into the environ keys it uses, the
answer is made in one thread hop (it may touch the cache, Redis or the disk), and the
body is sent a chunk at a time, each read in a thread, so the event loop never blocks on
a file and keeps serving other requests while slow clients download. A body that ends
short of its ``Content-Length`` (a file truncated while served) raises, so the server
cuts the connection rather than end the response cleanly.

Mounting: on Starlette (FastAPI) as routes placed first (before Dash's catch-all); on
Quart by wrapping ``app.asgi_app``, answering the service's paths before Quart's routing.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

import flask

__all__ = (
    "AsgiEndpoint",
    "AsgiRoutes",
    "asgi_kind",
    "asgi_paths",
    "environ_from_scope",
    "mount_asgi",
)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
#: WSGI environ -> the service's (Werkzeug) response.
Handler = Callable[[dict[str, Any]], flask.Response]
_END = object()


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


def environ_from_scope(scope: Scope) -> dict[str, Any]:
    """The WSGI environ keys the service reads, from an ASGI HTTP ``scope``."""
    server = scope.get("server") or ("127.0.0.1", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", ""),
        "PATH_INFO": scope["path"],
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.multiprocess": False,
    }
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        key = name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]}, {value}" if key in environ else value
    return environ


class AsgiEndpoint:
    """An ASGI app giving the service's answers (see the module)."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        environ = environ_from_scope(scope)
        response = await asyncio.to_thread(self._handler, environ)
        body, status, headers = response.get_wsgi_response(environ)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": int(str(status).split(" ", 1)[0]),
                    "headers": [
                        (name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in headers
                    ],
                }
            )
            await _send_body(body, send)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                await asyncio.to_thread(close)


async def _send_body(body: Iterable[bytes], send: Send) -> None:
    chunks = iter(body)
    while True:
        chunk = await asyncio.to_thread(next, chunks, _END)  # an OSError: cut the connection
        if chunk is _END:
            break
        if chunk:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


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

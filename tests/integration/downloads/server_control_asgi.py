"""The ASGI twin of :class:`server_control.ServerControl` (Dash's ``fastapi`` and
``quart`` backends): the same API, the same :class:`~server_control.Transfer` records.

Bodies are paced with ``asyncio.sleep`` between pieces. A cut sends the body up to its
share, waits, then raises :class:`CutConnection` out of the app: the server, with the
response started, can only close the connection (uvicorn closes the transport, hypercorn
closes the stream and the connection), so the client sees a body end short of its
``Content-Length``. The client going away is seen as ``http.disconnect`` (the app under
test watches for it through this middleware's ``receive``) or as a failed ``send``;
later sends go nowhere, as with uvicorn. ``closed_early`` is set when the app returns
with its body unfinished: an app that never looked for the disconnect would read its
body to the end (uvicorn drops the sends silently) and be ``done``.

Installed as a pure ASGI middleware: ``add_middleware`` on Starlette (FastAPI), a wrapper
of ``asgi_app`` on Quart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from server_control import BODY_STATUSES, CUT_PAUSE, Control, Transfer

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class CutConnection(Exception):
    """Raised out of the app to make the server drop a connection mid-body."""


class _QuietCuts(logging.Filter):
    """Drops the servers' tracebacks of :class:`CutConnection` (cuts are on purpose)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], CutConnection))


_QUIET = _QuietCuts()
for _name in ("uvicorn.error", "hypercorn.error"):
    logging.getLogger(_name).addFilter(_QUIET)  # once: the same filter object


def install(server: Any, middleware: Callable[..., App], **options: Any) -> None:
    """Put ``middleware(app, **options)`` around a Starlette (FastAPI) or Quart app."""
    if hasattr(server, "add_middleware"):  # Starlette: before the app starts
        server.add_middleware(middleware, **options)
    else:  # Quart: its __call__ goes to asgi_app
        server.asgi_app = middleware(server.asgi_app, **options)


class AsgiServerControl(Control):
    """ASGI: around ``app.server`` (a Dash app on FastAPI or Quart), after ``serve()``."""

    def __init__(self, app: Any, path: str = "/cached-data") -> None:
        super().__init__(path)
        install(app.server if hasattr(app, "server") else app, _Middleware, control=self)

    async def handle(self, inner: App, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", ())
        }
        record = self._begin(scope.get("query_string", b"").decode("latin-1"), headers.get)
        body = _PacedBody(self, record, send)

        async def watched_receive() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect":
                body.gone = True
            return message

        try:
            await inner(scope, watched_receive, body.send)
        finally:
            if record.status in BODY_STATUSES:
                record.closed_early = not record.done


class _PacedBody:
    """The ``send`` of one GET: records the answer, paces its body, cuts it."""

    def __init__(self, control: AsgiServerControl, record: Transfer, send: Send) -> None:
        self.control = control
        self.record = record
        self.inner = send
        self.gone = False  # the client went away
        self.limit: int | None = None
        self.on_cut: Callable[[], None] | None = None
        self.began = 0.0

    async def send(self, message: Message) -> None:
        record = self.record
        if message["type"] == "http.response.start":
            headers = [
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in message.get("headers", ())
            ]
            self.control._answered(record, int(message["status"]), headers)
            if record.status in BODY_STATUSES:
                cut_at, self.on_cut = self.control._claim_cut()
                self.limit = self.control._limit(record, cut_at)
                self.began = time.monotonic()
            await self._send(message)
            return
        if message["type"] != "http.response.body" or record.status not in BODY_STATUSES:
            await self._send(message)
            return
        for piece in self.control._pieces(message.get("body", b"")):
            if self.gone:
                return  # as uvicorn does: what is sent after a disconnect goes nowhere
            if self.limit is not None and record.sent + len(piece) > self.limit:
                await self._cut(piece[: self.limit - record.sent])
            ahead = self.control._ahead(record, self.began)
            if ahead > 0:
                await asyncio.sleep(ahead)
            await self._send({"type": "http.response.body", "body": piece, "more_body": True})
            record.sent += len(piece)
        if not message.get("more_body", False) and not self.gone:
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})
            record.done = True

    async def _cut(self, head: bytes) -> None:
        if head:
            await self._send({"type": "http.response.body", "body": head, "more_body": True})
            self.record.sent += len(head)
        await asyncio.sleep(CUT_PAUSE)
        if self.on_cut is not None:
            await asyncio.to_thread(self.on_cut)
        self.record.cut = True
        raise CutConnection(f"cut after {self.record.sent} bytes of {self.record.length}")

    async def _send(self, message: Message) -> None:
        try:
            await self.inner(message)
        except Exception:  # the server could not send: the client is gone
            self.gone = True
            raise


class _Middleware:
    """The pure ASGI middleware: GETs of the control's path go through it."""

    def __init__(self, app: App, control: AsgiServerControl) -> None:
        self.app = app
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.control._watched(scope["method"], scope["path"]):
            await self.control.handle(self.app, scope, receive, send)
        else:
            await self.app(scope, receive, send)

"""The "Slow network" middleware for ASGI servers (FastAPI, Quart): see :mod:`demo.slow`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from demo.slow import CLOSED_LOG, SLOW_RATE, SLOW_STEP, wants_slow

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

log = logging.getLogger("demo.slow")


class SlowNetworkAsgi:
    """ASGI middleware: sends the responses under ``prefix`` at ``SLOW_RATE`` to
    browsers whose "Slow network" cookie is set, each body message cut into
    ``SLOW_STEP`` pieces with a pause before each.

    A throttled transfer that the browser stops is logged (the server's
    ``http.disconnect``, or a failed send), and what is left of it is not sent.

    :param app: the ASGI application to wrap.
    :param prefix: the path prefix to slow down, the service's address.
    """

    def __init__(self, app: App, prefix: str) -> None:
        """Wrap ``app``; see the class."""
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        """Answer the request; throttled if it is for the service and the cookie is set."""
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        cookie = b"; ".join(value for name, value in scope["headers"] if name == b"cookie")
        if not wants_slow(cookie.decode("latin-1")):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        await Throttle(f"{path}?{query}").run(self.app, scope, receive, send)


class Throttle:
    """One throttled response; ``what`` (its path and query) is for the log."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.sent = 0  # body bytes sent so far
        self.gone = False  # the client went away, and that was logged

    def closed(self) -> None:
        """Log, once, that the client went away."""
        if not self.gone:
            self.gone = True
            log.info(CLOSED_LOG, self.what, self.sent)

    async def run(
        self, app: App, scope: MutableMapping[str, Any], receive: Receive, send: Send
    ) -> None:
        """Run ``app`` with ``receive`` watched and ``send`` slowed down."""

        async def watched_receive() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.closed()
            return message

        async def slow_send(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
                return
            body = bytes(message.get("body", b""))
            more = bool(message.get("more_body", False))
            starts = range(0, len(body), SLOW_STEP) or range(1)  # an empty body: one piece
            for start in starts:
                if self.gone:  # nothing more for a closed connection
                    return
                piece = body[start : start + SLOW_STEP]
                await asyncio.sleep(len(piece) / SLOW_RATE)
                last = start == starts[-1]
                try:
                    await send(
                        {"type": message["type"], "body": piece, "more_body": more or not last}
                    )
                except Exception:  # the server's way to say the client is gone
                    self.closed()
                    raise
                self.sent += len(piece)

        await app(scope, watched_receive, slow_send)

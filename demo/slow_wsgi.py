"""The "Slow network" middleware for WSGI servers (Flask): see :mod:`demo.slow`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from demo.slow import CLOSED_LOG, SLOW_RATE, SLOW_STEP, wants_slow

log = logging.getLogger("demo.slow")


class SlowNetwork:
    """WSGI middleware: sends the responses under ``prefix`` at ``SLOW_RATE`` to browsers
    whose "Slow network" cookie is set, so progress bars are visible on localhost.

    A throttled transfer that the browser stops (Cancel, or a superseded image) is
    logged, so the terminal shows the server saw the connection close.

    :param app: the WSGI application to wrap.
    :param prefix: the path prefix to slow down, the service's address.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], prefix: str) -> None:
        """Wrap ``app``; see the class."""
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """Answer the request; throttled if it is for the service and the cookie is set."""
        body = self.app(environ, start_response)
        slow = wants_slow(environ.get("HTTP_COOKIE", ""))
        path = environ.get("PATH_INFO", "")
        if slow and path.startswith(self.prefix):
            return self.throttle(body, f"{path}?{environ.get('QUERY_STRING', '')}")
        return body

    @staticmethod
    def throttle(body: Iterable[bytes], what: str) -> Iterator[bytes]:
        """Yield ``body`` in ``SLOW_STEP`` pieces, pausing to keep to ``SLOW_RATE``.

        :param body: the wrapped response's body; closed at the end.
        :param what: the request's path and query, for the log.
        """
        sent = 0
        finished = False
        try:
            for chunk in body:
                for start in range(0, len(chunk), SLOW_STEP):
                    piece = chunk[start : start + SLOW_STEP]
                    time.sleep(len(piece) / SLOW_RATE)
                    yield piece
                    sent += len(piece)
            finished = True
        finally:
            if not finished:
                log.info(CLOSED_LOG, what, sent)
            close = getattr(body, "close", None)
            if close is not None:
                close()

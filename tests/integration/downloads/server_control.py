"""Middleware for the download tests: paces, cuts and records the service's bodies.

Native downloads ignore DevTools throttling, so slow transfers are made on the server:
the body of each GET of the service goes out in pieces at ``rate`` bytes per second.
``cut_next(fraction)`` makes the next GET stop after that share of its body and drop the
connection (once), as a dropped connection does. Each GET is recorded as a
:class:`Transfer`, so a test sees server-side what the client asked for, whether it read
everything, and whether it went away.

:class:`Control` holds what every backend shares (the settings, the records, the cut, the
pace); :class:`ServerControl` is the WSGI middleware (Flask), and
:class:`server_control_asgi.AsgiServerControl` the ASGI one (FastAPI, Quart).
:func:`control_server` installs the one an app's backend takes.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

PIECE = 256 * 1024  # bytes per paced write
#: Seconds between the last byte before a cut and the cut: the client reads what was
#: sent first (Chrome drops body bytes still unread when the connection fails).
CUT_PAUSE = 0.3
#: The answers whose bodies are paced, cut and counted.
BODY_STATUSES = (200, 206)


@dataclasses.dataclass
class Transfer:
    """What the server did for one GET of the service."""

    query: str
    range: str | None  # the request's Range header
    if_range: str | None
    if_match: str | None
    status: int = 0
    length: int | None = None  # Content-Length of the answer
    etag: str | None = None  # ETag of the answer
    sent: int = 0  # body bytes handed to the server
    done: bool = False  # the whole body was handed over
    cut: bool = False  # this middleware cut the connection
    closed_early: bool = False  # the body was closed before its end (client gone, or cut)


class Control:
    """The state and the rules shared by the WSGI and the ASGI middleware."""

    def __init__(self, path: str = "/cached-data") -> None:
        self.path = path
        self.rate: float | None = None  # bytes per second; None: full speed
        self.transfers: list[Transfer] = []
        self._cut_at: float | None = None
        self._on_cut: Callable[[], None] | None = None
        self._lock = threading.Lock()

    def cut_next(self, fraction: float, on_cut: Callable[[], None] | None = None) -> None:
        """Cut the next GET after ``fraction`` of its body; ``on_cut()`` runs just before."""
        with self._lock:
            self._cut_at, self._on_cut = fraction, on_cut

    def gets(self) -> list[Transfer]:
        with self._lock:
            return list(self.transfers)

    # -- for the middleware ----------------------------------------------------------------

    def _watched(self, method: str, path: str) -> bool:
        return path == self.path and method == "GET"

    def _begin(self, query: str, header: Callable[[str], str | None]) -> Transfer:
        """Record a GET; ``header(name)`` reads a request header (lower-case name)."""
        record = Transfer(
            query=query,
            range=header("range"),
            if_range=header("if-range"),
            if_match=header("if-match"),
        )
        with self._lock:
            self.transfers.append(record)
        return record

    @staticmethod
    def _answered(record: Transfer, status: int, headers: Iterable[tuple[str, str]]) -> None:
        """Record the answer's status, length and ETag."""
        record.status = status
        for name, value in headers:
            if name.lower() == "content-length":
                record.length = int(value)
            elif name.lower() == "etag":
                record.etag = value

    def _claim_cut(self) -> tuple[float | None, Callable[[], None] | None]:
        """Take the pending cut, if any, for a body being answered (each cut is used
        once): ``(fraction, on_cut)``, or ``(None, None)``."""
        with self._lock:
            cut_at, on_cut = self._cut_at, self._on_cut
            self._cut_at = self._on_cut = None
        return cut_at, on_cut

    @staticmethod
    def _limit(record: Transfer, cut_at: float | None) -> int | None:
        return None if cut_at is None or record.length is None else int(record.length * cut_at)

    def _ahead(self, record: Transfer, began: float) -> float:
        """Seconds to wait before the next piece, to keep to ``rate``."""
        if not self.rate:
            return 0.0
        return record.sent / self.rate - (time.monotonic() - began)

    @staticmethod
    def _pieces(block: bytes) -> Iterator[bytes]:
        for start in range(0, len(block), PIECE):
            yield block[start : start + PIECE]


class ServerControl(Control):
    """WSGI: wraps ``app.server.wsgi_app`` (a Dash app) or ``app.wsgi_app`` (Flask)."""

    def __init__(self, app: Any, path: str = "/cached-data") -> None:
        super().__init__(path)
        server = app.server if hasattr(app, "server") else app
        self.inner = server.wsgi_app
        server.wsgi_app = self

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self._watched(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")):
            return self.inner(environ, start_response)
        record = self._begin(
            environ.get("QUERY_STRING", ""),
            lambda name: environ.get("HTTP_" + name.upper().replace("-", "_")),
        )

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            self._answered(record, int(status.split()[0]), headers)
            return start_response(status, headers, exc_info)

        body = self.inner(environ, start)
        if record.status not in BODY_STATUSES:
            return body
        cut_at, on_cut = self._claim_cut()
        return self._paced(body, record, environ, self._limit(record, cut_at), on_cut)

    def _paced(
        self,
        body: Iterable[bytes],
        record: Transfer,
        environ: dict[str, Any],
        limit: int | None,
        on_cut: Callable[[], None] | None,
    ) -> Iterator[bytes]:
        began = time.monotonic()
        try:
            for block in body:
                for piece in self._pieces(block):
                    if limit is not None and record.sent + len(piece) > limit:
                        head = piece[: limit - record.sent]
                        if head:
                            yield head
                            record.sent += len(head)
                        time.sleep(CUT_PAUSE)
                        if on_cut is not None:
                            on_cut()
                        record.cut = True
                        self._shut(environ)
                        return
                    ahead = self._ahead(record, began)
                    if ahead > 0:
                        time.sleep(ahead)
                    yield piece  # GeneratorExit here when the server closes the response
                    record.sent += len(piece)
            record.done = True
        finally:
            record.closed_early = not record.done
            close = getattr(body, "close", None)
            if close is not None:
                close()

    @staticmethod
    def _shut(environ: dict[str, Any]) -> None:
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            # FIN after the bytes already written (a reset could make the client drop
            # them unread): the body ends short of its length.
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def control_server(app: Any, path: str = "/cached-data") -> Control:
    """The middleware of a Dash ``app``'s backend, installed (after ``serve()``)."""
    if hasattr(app.server, "wsgi_app"):  # Flask (Quart and FastAPI have none)
        return ServerControl(app, path)
    from server_control_asgi import AsgiServerControl

    return AsgiServerControl(app, path)

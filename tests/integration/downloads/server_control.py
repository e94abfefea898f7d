"""A WSGI middleware for the download tests: paces, cuts and records the service's bodies.

Native downloads ignore DevTools throttling, so slow transfers are made on the server:
the body of each GET of the service goes out in pieces at ``rate`` bytes per second.
``cut_next(fraction)`` makes the next GET stop after that share of its body and shut the
socket down (once), as a dropped connection does. Each GET is recorded as a
:class:`Transfer`, so a test sees server-side what the client asked for, whether it read
everything, and whether it went away.
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


class ServerControl:
    """Wrap ``app.server.wsgi_app`` (a Dash app) or ``app.wsgi_app`` (Flask)."""

    def __init__(self, app: Any, path: str = "/cached-data") -> None:
        server = app.server if hasattr(app, "server") else app
        self.inner = server.wsgi_app
        server.wsgi_app = self
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

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "GET":
            return self.inner(environ, start_response)
        record = Transfer(
            query=environ.get("QUERY_STRING", ""),
            range=environ.get("HTTP_RANGE"),
            if_range=environ.get("HTTP_IF_RANGE"),
            if_match=environ.get("HTTP_IF_MATCH"),
        )
        with self._lock:
            self.transfers.append(record)
            cut_at, on_cut = self._cut_at, self._on_cut

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            record.status = int(status.split()[0])
            for name, value in headers:
                if name.lower() == "content-length":
                    record.length = int(value)
                elif name.lower() == "etag":
                    record.etag = value
            return start_response(status, headers, exc_info)

        body = self.inner(environ, start)
        if record.status not in (200, 206):
            return body
        if cut_at is not None:
            with self._lock:
                if self._cut_at == cut_at:
                    self._cut_at, self._on_cut = None, None
                else:
                    cut_at = on_cut = None
        return self._paced(body, record, environ, cut_at, on_cut)

    def _pieces(self, body: Iterable[bytes]) -> Iterator[bytes]:
        for block in body:
            for start in range(0, len(block), PIECE):
                yield block[start : start + PIECE]

    def _paced(
        self,
        body: Iterable[bytes],
        record: Transfer,
        environ: dict[str, Any],
        cut_at: float | None,
        on_cut: Callable[[], None] | None,
    ) -> Iterator[bytes]:
        limit = None if cut_at is None or record.length is None else int(record.length * cut_at)
        began = time.monotonic()
        try:
            for piece in self._pieces(body):
                if limit is not None and record.sent + len(piece) > limit:
                    head = piece[: limit - record.sent]
                    if head:
                        yield head
                        record.sent += len(head)
                    time.sleep(CUT_PAUSE)
                    if on_cut is not None:
                        on_cut()
                    record.cut = True
                    sock = environ.get("werkzeug.socket")
                    if sock is not None:
                        # FIN after the bytes already written (a reset could make the
                        # client drop them unread): the body ends short of its length.
                        try:
                            sock.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
                    return
                if self.rate:
                    ahead = record.sent / self.rate - (time.monotonic() - began)
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

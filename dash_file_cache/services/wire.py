"""What the service's HTTP core takes and gives: a request as it reads it, an answer as it
sends it. Standard library only: the adapters (:mod:`.wsgi`, :mod:`.asgi`) translate
their server's request into a :class:`RequestView` and an :class:`Answer` into their
server's response, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol, runtime_checkable

__all__ = ("Answer", "Body", "RequestView", "phrase", "view_from_environ")

#: The request headers the core reads (lower case).
READ_HEADERS = (
    "range",
    "if-range",
    "if-none-match",
    "if-match",
    "if-modified-since",
    "if-unmodified-since",
    "origin",
    "service-worker",
    "sec-fetch-dest",
)
#: Reason phrases as sent, the same on every Python version (3.13 renamed some).
_PHRASES = {416: "Range Not Satisfiable", 413: "Content Too Large", 422: "Unprocessable Content"}


def phrase(status: int) -> str:
    """The reason phrase of ``status`` (``"Error"`` for a code HTTP does not name)."""
    if status in _PHRASES:
        return _PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@runtime_checkable
class Body(Protocol):
    """A streamed body: an iterator of ``bytes`` chunks that must be closed (even when
    it is not read to its end). Its ``chunk`` attribute, where it has one, is the most
    bytes a chunk holds, which an adapter may change between chunks (see
    :mod:`.asgi`)."""

    def __iter__(self) -> Iterator[bytes]: ...

    def __next__(self) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request, as the core reads it.

    :param method: the method, upper case.
    :param query: the raw query string (latin-1 text of its bytes, as in WSGI).
    :param headers: the headers of :data:`READ_HEADERS` present, by lower-case name
        (repeated headers joined with ``", "``).
    :param native: the server's own request (a WSGI environ or an ASGI scope), for the
        code that needs more than the above (owner resolvers, remote items' headers).
    """

    method: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    native: Any = None

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (lower case), if sent."""
        return self.headers.get(name)


@dataclass(slots=True)
class Answer:
    """A response, as the core decided it: every header it carries, and its body.

    ``body`` is ``bytes`` (small items, JSON errors; ``b""`` for none) or a :class:`Body`
    whose length the ``Content-Length`` header states, or which ends when it ends (no
    ``Content-Length``: chunked). Adapters send the status and the headers as they are,
    even with an empty body (HEAD, 304).
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes | Body = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), if present."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        """Set header ``name`` to ``value``, replacing any value it had (in place)."""
        lowered = name.lower()
        for index, (key, _) in enumerate(self.headers):
            if key.lower() == lowered:
                self.headers[index] = (name, value)
                self.headers[:] = [
                    pair
                    for i, pair in enumerate(self.headers)
                    if i <= index or pair[0].lower() != lowered
                ]
                return
        self.headers.append((name, value))

    def drop_header(self, *names: str) -> None:
        """Remove every header named in ``names`` (any case)."""
        lowered = {name.lower() for name in names}
        self.headers[:] = [pair for pair in self.headers if pair[0].lower() not in lowered]

    def close(self) -> None:
        """Release the body without sending it."""
        body, self.body = self.body, b""
        if not isinstance(body, bytes):
            body.close()


def view_from_environ(environ: Mapping[str, Any]) -> RequestView:
    """The :class:`RequestView` of a WSGI request."""
    headers = {}
    for name in READ_HEADERS:
        value = environ.get("HTTP_" + name.upper().replace("-", "_"))
        if value is not None:
            headers[name] = value
    return RequestView(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        query=environ.get("QUERY_STRING", ""),
        headers=headers,
        native=environ,
    )

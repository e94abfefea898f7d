"""The request being answered, or registered in, on any backend: what owner resolvers
read (:mod:`dash_file_cache.owners`).

- Flask: Flask's request context (its ``session``, its headers).
- FastAPI/Starlette: the ASGI scope of the request the service answers (set by
  :class:`.asgi.AsgiEndpoint` for the thread that answers), or, in a callback of Dash's
  ``fastapi`` backend, the request Dash keeps in its context. The session is
  ``scope["session"]``, which Starlette's ``SessionMiddleware`` fills.
- Quart: Quart's request context in a callback; in the service's own answers (made
  before Quart's routing, with no Quart context) the session is read from Quart's signed
  session cookie with the app's own session interface.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

__all__ = ("AsgiRequest", "enter_asgi", "headers", "in_request", "leave_asgi", "scope", "session")


@dataclass(frozen=True)
class AsgiRequest:
    """A request the service answers on an ASGI app."""

    scope: MutableMapping[str, Any]
    server: Any  # the Starlette (FastAPI) or Quart app
    kind: str  # "starlette" or "quart"


_ASGI: ContextVar[AsgiRequest | None] = ContextVar("dash_file_cache_request", default=None)


def enter_asgi(request: AsgiRequest) -> Token[AsgiRequest | None]:
    """Make ``request`` the current one (in this context and the threads it starts)."""
    return _ASGI.set(request)


def leave_asgi(token: Token[AsgiRequest | None]) -> None:
    """Undo :func:`enter_asgi`."""
    _ASGI.reset(token)


def _flask() -> Any:
    flask = sys.modules.get("flask")
    return flask if flask is not None and flask.has_request_context() else None


def _quart() -> Any:
    quart = sys.modules.get("quart")
    return quart if quart is not None and quart.has_request_context() else None


def _dash_fastapi_scope() -> MutableMapping[str, Any] | None:
    backend = sys.modules.get("dash.backends._fastapi")
    variable = getattr(backend, "_current_request_var", None)
    request = variable.get() if variable is not None else None
    return getattr(request, "scope", None)


def scope() -> MutableMapping[str, Any] | None:
    """The ASGI scope of the current request (``None`` on Flask, or outside a request)."""
    current = _ASGI.get()
    if current is not None:
        return current.scope
    quart = _quart()
    if quart is not None:
        return quart.request.scope  # type: ignore[no-any-return]
    return _dash_fastapi_scope()


def in_request() -> bool:
    """Whether there is a current request on any backend."""
    return _flask() is not None or scope() is not None


def headers() -> Mapping[str, str]:
    """The current request's headers, by lower-case name (empty outside a request)."""
    flask = _flask()
    if flask is not None:
        return {name.lower(): value for name, value in flask.request.headers.items()}
    current = scope()
    if current is None:
        return {}
    found: dict[str, str] = {}
    for raw_name, raw_value in current.get("headers", ()):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        found[name] = f"{found[name]}, {value}" if name in found else value
    return found


def session() -> MutableMapping[str, Any]:
    """The current request's session (a signed cookie on every backend).

    :raises RuntimeError: outside a request, or where the app cannot sign a session
        (no ``secret_key``; on FastAPI/Starlette, no ``SessionMiddleware``).
    """
    flask = _flask()
    if flask is not None:
        if not flask.current_app.secret_key:
            raise RuntimeError(
                "the browser_session resolver needs app.secret_key (Flask signs the session cookie)"
            )
        return flask.session  # type: ignore[no-any-return]
    quart = _quart()
    if quart is not None:
        if not quart.current_app.secret_key:
            raise RuntimeError("the browser_session resolver needs the Quart app's secret_key")
        return quart.session  # type: ignore[no-any-return]
    current = _ASGI.get()
    if current is not None and current.kind == "quart":
        return _quart_cookie_session(current)
    found = scope()
    if found is None:
        raise RuntimeError("there is no current request to read a session from")
    if "session" not in found:
        raise RuntimeError(
            "the browser_session resolver needs Starlette's SessionMiddleware on the app "
            "(app.server.add_middleware(SessionMiddleware, secret_key=...) with Dash)"
        )
    return found["session"]  # type: ignore[no-any-return]


def _quart_cookie_session(current: AsgiRequest) -> MutableMapping[str, Any]:
    """The session in Quart's signed cookie, read with the app's session interface (a
    copy: nothing is written back from the service's answers)."""
    app = current.server
    serializer = app.session_interface.get_signing_serializer(app)
    if serializer is None:
        raise RuntimeError("the browser_session resolver needs the Quart app's secret_key")
    name = app.config["SESSION_COOKIE_NAME"]
    lifetime = app.permanent_session_lifetime.total_seconds()
    cookies: SimpleCookie = SimpleCookie()
    for raw_name, raw_value in current.scope.get("headers", ()):
        if raw_name.lower() == b"cookie":
            try:
                cookies.load(raw_value.decode("latin-1"))
            except Exception:  # a malformed cookie header: no session
                continue
    morsel = cookies.get(name)
    if morsel is None:
        return {}
    try:
        data = serializer.loads(morsel.value, max_age=int(lifetime))
    except Exception:  # a forged, stale or foreign cookie: an empty session
        return {}
    return dict(data) if isinstance(data, Mapping) else {}

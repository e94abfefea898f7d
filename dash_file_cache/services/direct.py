"""Answering the service's route before Flask's routing, when nothing else must see it.

Flask's request machinery (contexts, routing, sessions, hooks, signals) costs more per
request than reading a small item: under gunicorn, a 10 KiB item is served at 0.79x
the requests/s of a minimal Flask view through Flask, and at 1.03x answered here
(``benchmarks/compare_gunicorn.py``; in-process, 60 against 23 µs a request, where
the minimal view takes 35 µs). :class:`DirectRoute` wraps the app's
``wsgi_app`` and answers the service's route itself, with the same code and the same
answers as the Flask view, but only while the app asks nothing of those requests:

- no ``before_request``/``after_request`` hook or URL value preprocessor but the service's
  own and Dash's first-request set-ups (an authentication hook such as dash-auth's, a
  header-adding ``after_request``, Flask-Compress… send the route through Flask);
- no ``teardown_request`` function, and no receiver of Flask's request signals;
- no ``SERVER_NAME`` and no host or subdomain matching (Flask may refuse the host);
- no ``resolve_owner`` on the service (it reads the session or the login);
- a Flask class that does not override how requests are handled, and no middleware set
  on ``app.wsgi_app`` before :meth:`ServiceData.serve` (it would be skipped; middleware
  set afterwards wraps this one and runs first).

Otherwise the route is answered through Flask as any other: the hooks, signals and host
settings are checked request by request (a hook added later counts at once), the rest
when ``serve()`` runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import flask
from flask import signals

from .wire import Answer, RequestView, view_from_environ
from .wsgi import reply_wsgi

__all__ = ("DirectRoute", "install")

#: A request -> the service's answer (the HTTP core).
Handler = Callable[[RequestView], Answer]
StartResponse = Callable[..., Any]
#: Flask methods whose override means requests are handled in a way of the app's own.
_REQUEST_HANDLING = (
    "wsgi_app",
    "request_context",
    "app_context",
    "full_dispatch_request",
    "preprocess_request",
    "dispatch_request",
    "make_response",
    "process_response",
    "finalize_request",
    "do_teardown_request",
)
#: Dash's ``before_request`` functions: each sets Dash up on a first request, and does
#: it on the next request Flask routes when skipped here. (module, qualified name).
_DASH_SET_UPS = frozenset(
    ("dash.dash", name)
    for name in (
        "Dash._setup_server",
        "Dash.enable_pages.<locals>.router",
        "Dash.enable_pages.<locals>.router_sync",
        "Dash.enable_pages.<locals>.router_async",
    )
)
_SIGNALS = (
    signals.appcontext_pushed,
    signals.request_started,
    signals.request_finished,
    signals.request_tearing_down,
    signals.got_request_exception,
)


def _harmless(hook: Callable[..., Any]) -> bool:
    """Whether skipping ``hook`` for the service's requests changes nothing they get."""
    if getattr(hook, "dash_file_cache", False):
        return True
    function = getattr(hook, "__func__", hook)
    key = (getattr(function, "__module__", None), getattr(function, "__qualname__", None))
    return key in _DASH_SET_UPS


def _all_harmless(registry: dict[Any, list[Callable[..., Any]]]) -> bool:
    hooks: Iterable[Callable[..., Any]] = registry.get(None, ())
    return all(_harmless(hook) for hook in hooks)


class DirectRoute:
    """A WSGI wrapper of ``server.wsgi_app`` answering ``route`` itself (see the module)."""

    def __init__(self, server: flask.Flask, route: str, handler: Handler) -> None:
        self._server = server
        self._route = route
        self._handler = handler
        self._inner: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
        self._inner = server.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == self._route and self.quiet():
            return reply_wsgi(self._handler(view_from_environ(environ)), start_response)
        return self._inner(environ, start_response)

    def quiet(self) -> bool:
        """Whether nothing in the app asks to see the service's requests now."""
        server = self._server
        if server.teardown_request_funcs.get(None) or any(s.receivers for s in _SIGNALS):
            return False
        if server.config["SERVER_NAME"] or server.url_map.host_matching:
            return False
        return (
            _all_harmless(server.before_request_funcs)
            and _all_harmless(server.after_request_funcs)
            and _all_harmless(server.url_value_preprocessors)
        )


def install(server: flask.Flask, route: str, handler: Handler) -> bool:
    """Wrap ``server.wsgi_app`` in a :class:`DirectRoute`, when it is safe at all.

    :returns: whether it was installed (not when the Flask class handles requests its
        own way, or ``wsgi_app`` is already wrapped by something else).
    """
    own = vars(server).get("wsgi_app")
    if own is not None and not isinstance(own, DirectRoute):
        return False
    cls = type(server)
    if any(getattr(cls, name) is not getattr(flask.Flask, name) for name in _REQUEST_HANDLING):
        return False
    if server.subdomain_matching:
        return False
    server.wsgi_app = DirectRoute(server, route, handler)  # type: ignore[method-assign]
    return True

"""Binding a service to one app: its route, the worker script, the fast path.

What :meth:`ServiceData.serve` does once the arguments are checked, kept apart so that
``data.py`` holds what a service is and this module how it is mounted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import dash
import flask

from .address import Binding, bind_dash, bind_flask
from .answer import ROUTED_METHODS, Outage, answer
from .asgi import AsgiEndpoint, asgi_kind, asgi_paths, make_requests_current, mount_asgi
from .cors import CorsPolicy
from .direct import install as install_direct
from .offload import Offload
from .respond import respond
from .wire import Answer, RequestView
from .worker import allowed_scope, script_route, worker_answer
from .wsgi import add_worker_route, current_view, refuse_other_methods, to_flask_response

if TYPE_CHECKING:
    from .data import ServiceData

__all__ = ("mount",)


def mount(
    service: ServiceData,
    app: dash.Dash | flask.Flask,
    endpoint: str | None,
    cors: CorsPolicy,
    handover: Offload | None,
    public_prefix: str | None,
) -> Binding:
    """Add ``service``'s routes to ``app``; return the binding (see ``serve()``).

    :raises TypeError: if ``app`` is neither a ``dash.Dash`` nor a ``flask.Flask``, or
        ``endpoint`` is not a non-empty str.
    :raises ValueError: if this service is already served on ``app``, or another route
        of ``app`` already answers the service's path; each message names the fix.
    """
    if isinstance(app, dash.Dash):
        binding = bind_dash(app, service.service_name, public_prefix)
    elif isinstance(app, flask.Flask) or asgi_kind(app) is not None:
        binding = bind_flask(app, service.service_name, public_prefix)
    else:
        raise TypeError(
            "app must be a dash.Dash (any backend), a flask.Flask, a FastAPI/Starlette or a "
            f"Quart app, not {type(app).__name__}"
        )
    if endpoint is not None and (not isinstance(endpoint, str) or not endpoint):
        raise TypeError("endpoint must be a non-empty str or None")
    server = binding.server
    kind = asgi_kind(server)
    if kind is None and not isinstance(server, flask.Flask):
        raise TypeError(f"the Dash app's server is not supported: {type(server).__name__}")
    if kind is None:
        endpoint = endpoint or "dash_file_cache" + re.sub(r"\W", "_", service.service_name)
        _check_free(server, binding.route, endpoint)
    else:
        _check_free_asgi(server, kind, binding.route)
    if handover is not None:
        open_to_front = getattr(service.cache, "open_to_front_server", None)
        if callable(open_to_front):  # CacheFile: its own temporary directory
            open_to_front()
    handle = _handler(service, cors, handover)
    if kind == "starlette" and service.resolve_owner is not None:
        make_requests_current(server)  # register() in the app's own routes sees its request
    if kind is not None:
        scope = allowed_scope(binding.route)
        mount_asgi(
            server,
            kind,
            {
                binding.route: AsgiEndpoint(handle, server, kind),
                script_route(binding.route): AsgiEndpoint(
                    lambda view: worker_answer(scope, view), server, kind
                ),
            },
        )
        return binding
    assert endpoint is not None

    def view() -> flask.Response:
        return to_flask_response(handle(current_view()))

    server.add_url_rule(
        binding.route,
        endpoint=endpoint,
        view_func=view,
        methods=ROUTED_METHODS,
        provide_automatic_options=False,
    )
    refuse_other_methods(server, binding.route, cors)
    add_worker_route(server, binding.route, endpoint)
    if service.resolve_owner is None:  # owners are resolved in Flask's request context
        install_direct(server, binding.route, handle)
    return binding


def _handler(
    service: ServiceData, cors: CorsPolicy, handover: Offload | None
) -> Callable[[RequestView], Answer]:
    """A request -> the service's answer: the one handler every server's route calls."""
    outage = Outage()

    def stream(uid: str, download: bool, view: RequestView) -> Answer:
        return respond(
            service.cache,
            uid,
            download,
            service.chunk_size,
            handover,
            service.resolve_owner,
            view,
            service._producers,
        )

    def handle(view: RequestView) -> Answer:
        return answer(stream, outage, cors, view)

    return handle


def _check_free_asgi(server: Any, kind: str, route: str) -> None:
    """:func:`_check_free` for a Starlette (FastAPI) or Quart app."""
    taken = asgi_paths(server, kind)
    for path in (route, script_route(route)):
        if path in taken:
            raise ValueError(
                f"the path {path!r} is already answered on this app: two services would "
                "answer the same address and one of them would 404. Give this service "
                "another service_name"
            )


def _check_free(server: flask.Flask, route: str, endpoint: str) -> None:
    """Refuse a second binding that would shadow, or be shadowed by, an existing one."""
    if endpoint in server.view_functions:
        raise ValueError(
            f"the endpoint {endpoint!r} is already bound on this app: a service is served "
            "once per app (serve() was called twice?). To add a second service, give it "
            "another service_name, e.g. ServiceData(cache, service_name='/exports')"
        )
    taken = {rule.rule: rule.endpoint for rule in server.url_map.iter_rules()}
    for path in (route, script_route(route)):
        if path in taken:
            raise ValueError(
                f"the path {path!r} is already answered by the endpoint {taken[path]!r} of "
                "this app: two services (or a view of the app) would answer the same "
                "address and one of them would 404. Give this service another "
                "service_name"
            )

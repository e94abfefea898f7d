"""The WSGI adapter of the HTTP core (:mod:`.answer`), and the Flask routes built on it.

A WSGI environ becomes a :class:`.RequestView`; an :class:`.Answer` becomes the status
line, the headers as they are and a body iterable (the core's own body object, whose
``close()`` the server calls). Through Flask's routing the answer is wrapped in a
``flask.Response`` that sends it unchanged, so the app's hooks still see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import flask
from werkzeug.datastructures import Headers
from werkzeug.exceptions import MethodNotAllowed

from .answer import finish, method_not_allowed
from .cors import CorsPolicy
from .wire import Answer, RequestView, phrase, view_from_environ
from .worker import WORKER_METHODS, allowed_scope, script_route, worker_answer

__all__ = (
    "AnswerResponse",
    "add_worker_route",
    "refuse_other_methods",
    "reply_wsgi",
    "to_flask_response",
)

StartResponse = Callable[..., Any]
_LOCATIONS = frozenset({"location", "content-location"})


def reply_wsgi(answer: Answer, start_response: StartResponse) -> Iterable[bytes]:
    """Send ``answer`` through WSGI's ``start_response``; return the body iterable."""
    start_response(f"{answer.status} {phrase(answer.status)}", answer.headers)
    body = answer.body
    if isinstance(body, bytes):
        return [body] if body else []
    return body


class AnswerResponse(flask.Response):
    """A ``flask.Response`` carrying an :class:`.Answer`: sent with its headers as they are.

    Werkzeug copies a response's headers before sending them, to make ``Location``
    absolute and set a missing ``Content-Length``. An answer states its length (or none
    on purpose: chunked), so the copy (3 of the 25 µs Python spent on a small item,
    validating every header again) is skipped for a 200 or 206 that carries no
    ``Location`` (a hook may have added one).
    """

    automatically_set_content_length = False
    default_mimetype = None  # an answer without a body has no Content-Type

    def get_wsgi_headers(self, environ: dict[str, Any]) -> Headers:
        if self.status_code not in (200, 206):
            return super().get_wsgi_headers(environ)
        if not {name.lower() for name, _ in self.headers}.isdisjoint(_LOCATIONS):
            return super().get_wsgi_headers(environ)
        return self.headers


def to_flask_response(answer: Answer) -> flask.Response:
    """``answer`` as a ``flask.Response`` (for Flask views and ``ServiceData.stream()``)."""
    body = answer.body
    return AnswerResponse(
        [body] if isinstance(body, bytes) else body,
        status=answer.status,
        headers=answer.headers,
        direct_passthrough=True,
    )


def current_view() -> RequestView:
    """The :class:`.RequestView` of Flask's current request."""
    return view_from_environ(flask.request.environ)


def refuse_other_methods(server: flask.Flask, route: str, cors: CorsPolicy) -> None:
    """Answer any method the route does not list (``TRACE``, ``FOO``…) with the JSON 405.

    Flask refuses those while routing, before any view runs, with an HTML page.
    """

    def json_405() -> flask.Response | None:
        request = flask.request
        if isinstance(request.routing_exception, MethodNotAllowed) and request.path == route:
            view = current_view()
            return to_flask_response(finish(method_not_allowed(view.method), cors, view))
        return None

    json_405.dash_file_cache = True  # type: ignore[attr-defined]  # ours: see direct.py
    server.before_request(json_405)


def add_worker_route(server: flask.Flask, route: str, endpoint: str) -> None:
    """Serve the download worker at :func:`.script_route` of ``route`` on ``server``.

    :param route: the Flask rule of the service (``binding.route``).
    :param endpoint: the service's endpoint name; the worker's is derived from it.
    """
    scope = allowed_scope(route)

    def view() -> flask.Response:
        return to_flask_response(worker_answer(scope, current_view()))

    server.add_url_rule(
        script_route(route),
        endpoint=endpoint + "_worker",
        view_func=view,
        methods=WORKER_METHODS,
    )

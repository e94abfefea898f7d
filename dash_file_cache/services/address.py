"""Where the service is routed on the server, and the address the browser must request.

They differ whenever a reverse proxy strips a path prefix: a Dash app with
``requests_pathname_prefix="/app/"`` and ``routes_pathname_prefix="/"`` is requested at
``/app/…`` and routed at ``/…``. The route is the app's routes prefix + ``service_name``;
an address is the app's public prefix + ``service_name`` + ``?uid=…``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash
import flask

__all__ = ("Binding", "bind_dash", "bind_flask", "current_app")

#: Dash's own routes under its routes prefix; a service there would shadow or be shadowed.
_DASH_RESERVED = ("_dash-", "_reload-hash", "_favicon.ico")


@dataclass(frozen=True)
class Binding:
    """One app the service is bound to."""

    #: The app holding the route: a Flask app, or an ASGI one (Starlette/FastAPI, Quart).
    server: Any
    #: The Flask rule of the service.
    route: str
    #: The service's path under the public prefix (no leading ``/``).
    name: str
    #: The public prefix of addresses (ends with ``/``); ``None``: the request's
    #: ``SCRIPT_NAME`` in a request, else the app's ``APPLICATION_ROOT``.
    prefix: str | None

    def address(self) -> str:
        """The path the browser requests for this service (without the query)."""
        prefix = self.prefix
        if prefix is None:
            if flask.has_request_context() and current_app() is self.server:
                prefix = flask.request.script_root
            elif isinstance(self.server, flask.Flask):
                prefix = str(self.server.config.get("APPLICATION_ROOT") or "/")
            else:  # Quart's config, Starlette's root_path
                config = getattr(self.server, "config", None) or {}
                root = config.get("APPLICATION_ROOT") or getattr(self.server, "root_path", "")
                prefix = str(root or "/")
        return prefix.rstrip("/") + "/" + self.name


def current_app() -> flask.Flask:
    """The Flask app of the current context (the object itself, not its proxy)."""
    return flask.current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _prefix(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or None, not {type(value).__name__}")
    if not value.startswith("/") or any(ch in value for ch in "?#\r\n\\ "):
        raise ValueError(f"{name} must be a URL path starting with '/', got {value!r}")
    return value.rstrip("/") + "/"


def bind_dash(app: dash.Dash, service_name: str, public_prefix: str | None) -> Binding:
    """Route the service under the Dash app's routes prefix; address it by its requests prefix.

    :raises ValueError: if ``service_name`` already holds the requests prefix (it would
        be routed where a stripping proxy never forwards), or names a Dash route.
    """
    server = app.server
    if not server:
        raise ValueError(
            "the Dash app has no server yet (server=False?): call serve() once the app has "
            "one (app.init_app(server))"
        )
    routes = str(app.config.routes_pathname_prefix)
    requests = str(app.config.requests_pathname_prefix)
    name = service_name.lstrip("/")
    if requests != routes and requests != "/" and service_name.startswith(requests):
        raise ValueError(
            f"service_name {service_name!r} includes the app's requests_pathname_prefix "
            f"{requests!r}: give the path under the prefix (service_name="
            f"{'/' + service_name[len(requests) :]!r}); the prefix is added to every "
            "address by itself, and the route is placed under routes_pathname_prefix "
            f"{routes!r}, where the proxy forwards"
        )
    if routes != "/" and service_name.startswith(routes):
        name = service_name[len(routes) :]  # already under the routes prefix: keep it there
    assets = str(app.config.assets_url_path).strip("/")
    first = name.split("/", 1)[0]
    if first.startswith(_DASH_RESERVED) or (assets and first == assets) or not name:
        raise ValueError(
            f"service_name {service_name!r} collides with Dash's own routes "
            f"({', '.join(_DASH_RESERVED)}, /{assets}/, the index); choose another path "
            "such as '/cached-data'"
        )
    prefix = _prefix(public_prefix, "public_prefix") or requests
    return Binding(server, routes + name, name, prefix)


def bind_flask(app: Any, service_name: str, public_prefix: str | None) -> Binding:
    """Route the service at ``service_name`` of a Flask (or ASGI) app; address it under the
    request's ``SCRIPT_NAME`` (or the app's root path)."""
    return Binding(
        app, service_name, service_name.lstrip("/"), _prefix(public_prefix, "public_prefix")
    )

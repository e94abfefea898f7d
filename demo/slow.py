"""The "Slow network" switch: on localhost transfers finish in a blink, so a browser can
ask the server to send it the service's responses at about 3 MiB/s instead.

The throttling itself is middleware for the app's server: :mod:`demo.slow_wsgi` on Flask,
:mod:`demo.slow_asgi` on FastAPI and Quart; :func:`install` picks the right one.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from typing import Any

import dash
from dash import Input, Output, callback_context, html

from demo.files import MIB

SLOW_COOKIE = "dfc_demo_slow"  # "1" while this browser's switch is on
SLOW_RATE = 3 * MIB  # bytes per second while "Slow network" is on
SLOW_STEP = 64 * 1024  # bytes sent between two pauses
CLOSED_LOG = "Slow network: the client closed %s after %d bytes"  # a stopped transfer


def wants_slow(cookie_header: str) -> bool:
    """Whether a request's ``Cookie`` header has this browser's switch on."""
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except CookieError:  # a malformed header from elsewhere: not ours, so not slow
        return False
    morsel = cookies.get(SLOW_COOKIE)
    return morsel is not None and morsel.value == "1"


def install(app: dash.Dash, backend: str, prefix: str) -> None:
    """Throttle the responses under ``prefix`` for browsers whose switch is on.

    :param app: the demo's app, its service already served.
    :param backend: the app's Dash backend: ``"flask"``, ``"fastapi"`` or ``"quart"``.
    :param prefix: the path prefix to slow down, the service's address.
    """
    if backend == "flask":
        from demo.slow_wsgi import SlowNetwork

        app.server.wsgi_app = SlowNetwork(app.server.wsgi_app, prefix)
        return
    from demo.slow_asgi import SlowNetworkAsgi

    if backend == "fastapi":  # Starlette builds its middleware stack at the first request
        app.server.add_middleware(SlowNetworkAsgi, prefix=prefix)
    elif backend == "quart":
        app.server.asgi_app = SlowNetworkAsgi(app.server.asgi_app, prefix)
    else:
        raise ValueError(f"unknown Dash backend {backend!r}")


def switch() -> html.Button:
    """The switch, for the top bar; its look comes from the callback at page load."""
    return html.Button(id="slow-toggle", className="switch", title="Slow network")


def register_callbacks(app: dash.Dash) -> None:
    """Make the switch flip this browser's cookie.

    :param app: the demo's app.
    """

    @app.callback(
        Output("slow-toggle", "className"),
        Output("slow-toggle", "children"),
        Output("slow-toggle", "aria-pressed"),
        Input("slow-toggle", "n_clicks"),
    )
    def toggle_slow(n_clicks: int | None) -> tuple[str, list[Any], str]:
        """Each page load starts fast; a click flips this browser's cookie."""
        slow = bool((n_clicks or 0) % 2)
        response = callback_context.response
        if slow:
            response.set_cookie(SLOW_COOKIE, "1", samesite="Strict")
        else:  # max_age=0 deletes it (Dash 4's response adapter has no delete_cookie)
            response.set_cookie(SLOW_COOKIE, "", max_age=0, samesite="Strict")
        label = html.Span(["Slow network", html.Small(f"≈ {SLOW_RATE // MIB} MiB/s, this browser")])
        knob = html.Span(html.Span(className="switch__knob"), className="switch__track")
        pressed = "true" if slow else "false"  # a toggle button's state, for assistive tech
        return ("switch switch--on" if slow else "switch"), [knob, label], pressed

"""The "Slow network" switch: on localhost transfers finish in a blink, so a browser can
ask the server to send it the service's responses at about 3 MiB/s instead."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import dash
from dash import Input, Output, callback_context, html
from werkzeug.http import parse_cookie

from demo.files import MIB

SLOW_COOKIE = "dfc_demo_slow"  # "1" while this browser's switch is on
SLOW_RATE = 3 * MIB  # bytes per second while "Slow network" is on
SLOW_STEP = 64 * 1024  # bytes sent between two pauses

log = logging.getLogger(__name__)


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
        slow = parse_cookie(environ).get(SLOW_COOKIE) == "1"
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
                log.info("Slow network: the client closed %s after %d bytes", what, sent)
            close = getattr(body, "close", None)
            if close is not None:
                close()


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

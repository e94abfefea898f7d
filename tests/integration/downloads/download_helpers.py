"""Helpers of the DownloadLink download tests (real headless Chromium, real files)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import flask
from dash import Input, Output, html

MIB = 1024 * 1024
#: How many bytes are hashed or written at a time: files are never read whole.
BLOCK = 4 * MIB
DEBUG_SERVER = {
    "debug": True,  # dev renderer + prop-type checks of the components
    "use_reloader": False,
    "use_debugger": True,
    "dev_tools_hot_reload": False,
}


#: Werkzeug's own options, which uvicorn (FastAPI) and hypercorn (Quart) do not take.
WERKZEUG_ONLY = ("use_reloader", "use_debugger")


def backend_of(app: Any) -> str:
    """``"flask"``, ``"fastapi"`` or ``"quart"``: the web framework of a Dash ``app``."""
    return app.server.__class__.__module__.split(".")[0]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(dash_duo: Any, app: Any) -> None:
    """Serve ``app`` in a thread of the test process (Werkzeug for Flask, uvicorn for
    FastAPI, hypercorn for Quart: what Dash's testing runner starts) and open it.

    On a free port: Dash's runner counts up from port 58050 in every process, so test
    runs side by side on one machine would meet on the same ports (one binding fails,
    or the browser talks to the other run's server)."""
    options: dict[str, Any] = dict(DEBUG_SERVER, port=free_port())
    backend = backend_of(app)
    if backend != "flask":
        for name in WERKZEUG_ONLY:
            del options[name]
    if backend == "fastapi":
        options["log_level"] = "warning"  # uvicorn's: no access log
    dash_duo.start_server(app, **options)


def write_random_file(path: Path, size: int) -> str:
    """``size`` random bytes in ``path`` (written a block at a time); their sha256."""
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        left = size
        while left:
            block = os.urandom(min(BLOCK, left))
            out.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def finished(folder: str | Path) -> list[Path]:
    """Complete downloads in ``folder`` (no ``.crdownload`` partials)."""
    return sorted(
        p for p in Path(folder).iterdir() if p.is_file() and not p.name.endswith(".crdownload")
    )


def everything(folder: str | Path) -> dict[str, int]:
    """Every file in ``folder`` (partials included) and its size."""
    found = {}
    for p in Path(folder).iterdir():
        try:
            found[p.name] = p.stat().st_size
        except FileNotFoundError:  # renamed meanwhile
            pass
    return found


@dataclasses.dataclass
class Event:
    """One call of the recording callback: what a Dash callback saw, and when."""

    status: str | None
    progress: dict[str, Any] | None
    mode: str | None
    error: str | None
    at: float
    files: dict[str, int]  # the download folder at that moment


class Recorder:
    """Records, server-side, every state of DownloadLink ``link_id`` a callback receives."""

    def __init__(self, app: Any, link_id: str, folder: Any, browser_log: bool = False) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()
        self._folder = folder  # a callable: the browser's download folder
        self._link_id = link_id
        if browser_log:  # also in the browser, in the order it made them (needs log_div)
            key = json.dumps(link_id)
            app.clientside_callback(
                "function(status, progress) {"
                " const log = (window.dfcProgress = window.dfcProgress || {});"
                f" (log[{key}] = log[{key}] || []).push([status, progress && progress.loaded]);"
                " return window.dash_clientside.no_update; }",
                Output(f"{link_id}-log", "children"),
                Input(link_id, "status"),
                Input(link_id, "progress"),
            )

        @app.callback(
            Output(f"{link_id}-state", "children"),
            Input(link_id, "status"),
            Input(link_id, "progress"),
            Input(link_id, "mode"),
            Input(link_id, "error"),
        )
        def record(status, progress, mode, error):  # type: ignore[no-untyped-def]
            event = Event(status, progress, mode, error, time.monotonic(), {})
            if status == "completed":
                event.files = everything(self._folder())
            with self._lock:
                self.events.append(event)
            return str(status)

    def snapshot(self) -> list[Event]:
        with self._lock:
            return list(self.events)

    def statuses(self) -> list[str | None]:
        return [e.status for e in self.snapshot()]

    def last(self) -> Event | None:
        events = self.snapshot()
        return events[-1] if events else None

    def final(self, *statuses: str) -> Event | None:
        """The last event if its status is one of ``statuses``."""
        last = self.last()
        return last if last is not None and last.status in statuses else None

    def browser_progress(self, driver: Any) -> list[int]:
        """Distinct ``progress.loaded`` values while downloading, in the order the page
        made them (``browser_log=True``); the server may get callbacks out of order."""
        log = driver.execute_script(
            "return (window.dfcProgress || {})[arguments[0]] || [];", self._link_id
        )
        values: list[int] = []
        for status, loaded in log:
            if status == "downloading" and isinstance(loaded, int):
                if not values or loaded != values[-1]:
                    values.append(loaded)
        return values

    def progress_values(self) -> list[int]:
        """Distinct ``progress.loaded`` values seen while downloading, in order."""
        values: list[int] = []
        for event in self.snapshot():
            if event.status != "downloading" or not event.progress:
                continue
            loaded = event.progress.get("loaded")
            if isinstance(loaded, int) and (not values or loaded != values[-1]):
                values.append(loaded)
        return values


def state_div(link_id: str) -> html.Div:
    return html.Div(id=f"{link_id}-state")


def log_div(link_id: str) -> html.Div:
    """The output of a :class:`Recorder`'s ``browser_log`` (never updated)."""
    return html.Div(id=f"{link_id}-log")


#: The body of :func:`require_token`'s refusal (DownloadLink reports its ``error``).
REFUSAL = {"code": 401, "message": "Unauthorized", "error": "a token is needed"}


def require_token(app, token: str, path: str = "/cached-data") -> list[str | None]:
    """Refuse requests of ``path`` without ``Authorization: Bearer <token>`` (401 JSON,
    without CORS headers), on the app's backend; return the list of Authorization
    headers seen."""
    seen: list[str | None] = []
    server = getattr(app, "server", app)  # a Dash app, or a Flask app
    if isinstance(server, flask.Flask):
        _flask_token_check(server, token, path, seen)
    else:
        from server_control_asgi import install

        install(server, AsgiTokenCheck, token=token, path=path, seen=seen)
    return seen


def _flask_token_check(server: flask.Flask, token: str, path: str, seen: list) -> None:
    @server.before_request
    def check() -> flask.Response | None:
        request = flask.request
        if request.path != path or request.method == "OPTIONS":
            return None
        given = request.headers.get("Authorization")
        seen.append(given)
        if given != f"Bearer {token}":
            response = flask.jsonify(**REFUSAL)
            response.status_code = 401
            return response
        return None


class AsgiTokenCheck:
    """The ASGI middleware of :func:`require_token` (FastAPI, Quart): the service's paths
    are answered before Quart's own hooks run, so this stands in front of the app."""

    def __init__(self, app: Any, token: str, path: str, seen: list[str | None]) -> None:
        self.app, self.token, self.path, self.seen = app, token, path, seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        given = headers.get(b"authorization")
        self.seen.append(given.decode("latin-1") if given is not None else None)
        if given == f"Bearer {self.token}".encode("latin-1"):
            await self.app(scope, receive, send)
            return
        body = json.dumps(REFUSAL).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

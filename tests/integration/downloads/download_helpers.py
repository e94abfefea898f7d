"""Helpers of the DownloadLink download tests (real headless Chromium, real files)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
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


def start(dash_duo: Any, app: Any) -> None:
    dash_duo.start_server(app, **DEBUG_SERVER)


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

    def __init__(self, app: Any, link_id: str, folder: Any) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()
        self._folder = folder  # a callable: the browser's download folder

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


def require_token(app, token: str, path: str = "/cached-data") -> list[str | None]:
    """Refuse requests of ``path`` without ``Authorization: Bearer <token>`` (401 JSON,
    without CORS headers); return the list of Authorization headers seen."""
    seen: list[str | None] = []

    server = getattr(app, "server", app)  # a Dash app, or a Flask app

    @server.before_request
    def check() -> flask.Response | None:
        request = flask.request
        if request.path != path or request.method == "OPTIONS":
            return None
        given = request.headers.get("Authorization")
        seen.append(given)
        if given != f"Bearer {token}":
            response = flask.jsonify(code=401, message="Unauthorized", error="a token is needed")
            response.status_code = 401
            return response
        return None

    return seen

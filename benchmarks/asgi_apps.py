"""The apps ``compare_asgi.py`` runs under uvicorn (``BENCH_CASE``: which one).

Each answers ``/ping`` (a trivial route of the same app, probed while slow clients
download) and ``/_info`` (JSON: the path of each file, ``big``, ``small`` and ``slow``).

- ``ours-fastapi``: ``ServiceData(CachePlain)`` served on ``dash.Dash(backend="fastapi")``,
  the files registered as paths (what the README shows);
- ``fileresponse``: a bare FastAPI app answering ``starlette.responses.FileResponse``;
- ``dash-fileresponse``: a Dash ``backend="fastapi"`` app with a ``FileResponse`` route;
- ``ours-quart``: ``ServiceData(CachePlain)`` served on ``dash.Dash(backend="quart")``;
- ``quart``: a bare Quart app answering ``quart.send_file`` (Quart's defaults, among them
  ``RESPONSE_TIMEOUT`` = 60 s for a whole response).

Environment: ``BENCH_CASE``, and ``BENCH_BIG``, ``BENCH_SMALL``, ``BENCH_SLOW`` (the files).
"""

from __future__ import annotations

import os
from typing import Any

case = os.environ["BENCH_CASE"]
files = {which: os.environ[f"BENCH_{which.upper()}"] for which in ("big", "small", "slow")}
MIME = "application/octet-stream"
paths: dict[str, str] = {}
module = None  # the dash_file_cache the app runs, for ours
app: Any


def _dash(backend: str) -> Any:
    import dash

    dash_app = dash.Dash(__name__, backend=backend)
    dash_app.layout = dash.html.Div("page")
    return dash_app


def _ours(dash_app: Any) -> None:
    global module
    import dash_file_cache as dfc

    module = dfc.__file__
    service = dfc.ServiceData(dfc.CachePlain(8))
    service.serve(dash_app)
    paths.update({which: service.register(path, mime_type=MIME) for which, path in files.items()})


if case in ("ours-fastapi", "fileresponse", "dash-fileresponse"):
    import fastapi
    from fastapi.responses import FileResponse, PlainTextResponse

    if case == "fileresponse":
        app = server = fastapi.FastAPI()
    else:
        dash_app = _dash("fastapi")
        app = server = dash_app.server
        if case == "ours-fastapi":
            _ours(dash_app)
    if case != "ours-fastapi":
        paths.update({which: f"/file/{which}" for which in files})

        @server.get("/file/{which}")
        async def file(which: str) -> FileResponse:
            return FileResponse(files[which], media_type=MIME)

    @server.get("/ping")
    async def ping() -> PlainTextResponse:
        return PlainTextResponse("pong")

    @server.get("/_info")
    async def info() -> dict[str, Any]:
        return {"paths": paths, "module": module}

elif case in ("ours-quart", "quart"):
    import quart

    if case == "quart":
        app = server = quart.Quart(__name__)
        paths.update({which: f"/file/{which}" for which in files})

        @server.get("/file/<which>")
        async def file(which: str) -> Any:
            return await quart.send_file(files[which], mimetype=MIME)

    else:
        dash_app = _dash("quart")
        server = dash_app.server
        _ours(dash_app)
        app = server

    @server.get("/ping")
    async def ping() -> str:
        return "pong"

    @server.get("/_info")
    async def info() -> dict[str, Any]:
        return {"paths": paths, "module": module}

else:
    raise ValueError(f"unknown BENCH_CASE {case!r}")

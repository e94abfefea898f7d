"""Serving the demo in this process, on each of Dash's backends, until SIGTERM or Ctrl+C.

Each way returns (or raises ``SystemExit``) once the server has stopped, so that the
demo's ``atexit`` clean-up runs (see :func:`demo.files.make_workdir`):

- Flask: ``app.run()`` (Werkzeug's development server).
- FastAPI: uvicorn, here. ``app.run()`` would start ``python -m uvicorn`` in a child
  process that imports ``usage.py`` again (writing its own files) and outlives a SIGTERM
  sent to this one. uvicorn catches SIGTERM, stops, then raises it again.
- Quart: Hypercorn, here, with a bounded stop. ``app.run()`` stops Hypercorn on SIGTERM
  too, but then waits for each connection's task to end, and the task of a client that
  stopped reading mid-transfer never ends (Hypercorn's last ``send`` waits for the
  socket to drain, even once cancelled): the process would never exit.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import dash

GRACE = 2  # s: on stop, how long unfinished transfers may go on

log = logging.getLogger(__name__)


def run(app: dash.Dash, backend: str, host: str, port: int) -> None:
    """Serve ``app`` on ``host:port`` until stopped.

    :param app: the demo's app, made for ``backend``.
    :param backend: ``"flask"``, ``"fastapi"`` or ``"quart"``.
    :param host: the address to listen on.
    :param port: the port.
    """
    if backend == "fastapi":
        import uvicorn

        print(f"Dash is running on http://{host}:{port}/ (FastAPI, uvicorn)", flush=True)
        uvicorn.run(app.server, host=host, port=port, timeout_graceful_shutdown=GRACE)
    elif backend == "quart":
        print(f"Dash is running on http://{host}:{port}/ (Quart, Hypercorn)", flush=True)
        asyncio.run(serve_quart(app, host, port))
    else:
        app.run(host=host, port=port, debug=False)


async def serve_quart(app: dash.Dash, host: str, port: int) -> None:
    """Hypercorn until SIGTERM or SIGINT; then ``GRACE`` seconds for open transfers,
    after which what is left is cancelled (:func:`asyncio.run` closes it all)."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"{host}:{port}"]
    config.graceful_timeout = GRACE
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    server = asyncio.ensure_future(serve(app.server, config, shutdown_trigger=stopping.wait))
    stopped = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({server, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if server.done():  # it did not start (e.g. the port is taken)
        stopped.cancel()
        server.result()
        return
    done, _ = await asyncio.wait({server}, timeout=2 * GRACE)
    if not done:
        log.info("Stopping with transfers still open: they are cut")
        loop.set_exception_handler(lambda *_: None)  # Hypercorn's noise about the cut
        server.cancel()  # then asyncio.run cancels the connections' tasks again

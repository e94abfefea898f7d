"""The dash-file-cache demo: streamed images and downloads with progress bars.

Run it from the repository root::

    python3 -m pip install -e . && python3 usage.py

and open http://127.0.0.1:8050. Everything runs in this one process, on an in-memory
``CachePlain``; no other server, no external CSS or fonts. The page has four sections,
each a module of the ``demo`` folder next to this file:

1. ``CachedImage`` loading a ~5 MiB PNG generated at start, registered by path
   (``demo/section_image.py``).
2. Buttons whose callbacks ``register()`` a path, a ``BytesIO`` PNG or a ``StringIO`` SVG
   and hand the address to one ``CachedImage``; its ``status``/``progress`` shown live
   (``demo/section_swaps.py``).
3. ``DownloadLink`` buttons (``demo/section_downloads.py``): a 1 GiB file that the first
   click writes into the demo's folder (later clicks reuse it) and then downloads,
   streamed from disk with progress and Cancel; a report made by a callback that sets
   ``url``; and a file with a non-ASCII name.
4. Generated exports (``demo/section_exports.py``), registered as one-time generated
   content and made only as the browser reads them: a ~500 MB CSV of synthetic rows
   from a generator (progress from the first byte; Cancel closes the generator, and a
   status line shows how many rows it made before it stopped), and a zip of the files
   picked in a checklist of the demo's folder, written by
   ``dash_file_cache.generate.zip_stream`` as it streams.

On localhost transfers finish in a blink; the "Slow network" switch at the top makes
this browser's ``/cached-data`` transfers run at about 3 MiB/s so the progress bars
and the Cancel buttons can be watched (``demo/slow.py``).

It runs on any of Dash's backends: Flask (the default), FastAPI (served by uvicorn) or
Quart (served by Hypercorn), each installed separately (``pip install fastapi uvicorn``,
``pip install quart hypercorn``); ``demo/serve.py`` runs the server. Pick one with
``--backend``, or with the environment variable ``DFC_DEMO_BACKEND`` (the flag wins)::

    python3 usage.py --backend fastapi
    DFC_DEMO_BACKEND=quart python3 usage.py

Optional environment variables (the test of this demo uses them):

- ``DFC_DEMO_BACKEND``: ``flask`` (default), ``fastapi`` or ``quart``.
- ``DFC_DEMO_PORT``: the port to serve on (default 8050; always on 127.0.0.1 only).
- ``DFC_DEMO_DIR``: the folder for the generated files (default: a temporary folder,
  deleted when the demo stops, also on SIGTERM or Ctrl+C).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from demo import serve
from demo.app import BACKENDS, create_app
from demo.files import make_workdir, write_start_files

HOST = "127.0.0.1"  # never reachable from other machines
PORT = int(os.environ.get("DFC_DEMO_PORT") or 8050)


def stop(*_: object) -> None:
    """On SIGTERM, exit normally, so the generated files are cleaned up (``atexit``)."""
    sys.exit(0)


def parse_backend(argv: list[str] | None = None) -> str:
    """The Dash backend: ``--backend``, else ``DFC_DEMO_BACKEND``, else ``flask``."""
    parser = argparse.ArgumentParser(description="The dash-file-cache demo.")
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=os.environ.get("DFC_DEMO_BACKEND") or "flask",
        help="Dash's backend (default: $DFC_DEMO_BACKEND, else flask)",
    )
    backend = str(parser.parse_args(argv).backend)
    if backend not in BACKENDS:  # a bad DFC_DEMO_BACKEND: argparse checks only the flag
        parser.error(f"DFC_DEMO_BACKEND={backend!r}: choose from {', '.join(BACKENDS)}")
    return backend


def main(argv: list[str] | None = None) -> None:
    """Write the start-up files, build the app and serve it until stopped."""
    backend = parse_backend(argv)
    log = logging.getLogger("demo")  # the demo's own messages, e.g. a cancelled transfer
    log.addHandler(logging.StreamHandler())
    log.setLevel(logging.INFO)
    app = create_app(write_start_files(make_workdir()), backend)
    signal.signal(signal.SIGTERM, stop)
    serve.run(app, backend, HOST, PORT)


if __name__ == "__main__":
    main()

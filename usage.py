"""The dash-file-cache demo: streamed images and downloads with progress bars.

Run it from the repository root::

    python3 -m pip install -e . && python3 usage.py

and open http://127.0.0.1:8050. Everything runs in this one process, on an in-memory
``CachePlain``; no other server, no external CSS or fonts. The page has three sections,
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

On localhost transfers finish in a blink; the "Slow network" switch at the top makes
this browser's ``/cached-data`` transfers run at about 3 MiB/s so the progress bars
and the Cancel button can be watched (``demo/slow.py``).

Optional environment variables (the test of this demo uses them):

- ``DFC_DEMO_PORT``: the port to serve on (default 8050; always on 127.0.0.1 only).
- ``DFC_DEMO_DIR``: the folder for the generated files (default: a temporary folder,
  deleted when the demo stops).
"""

from __future__ import annotations

import logging
import os
import signal
import sys

from demo.app import create_app
from demo.files import make_workdir, write_start_files

HOST = "127.0.0.1"  # never reachable from other machines
PORT = int(os.environ.get("DFC_DEMO_PORT") or 8050)


def stop(*_: object) -> None:
    """On SIGTERM, exit normally, so the generated files are cleaned up (``atexit``)."""
    sys.exit(0)


def main() -> None:
    """Write the start-up files, build the app and serve it until stopped."""
    log = logging.getLogger("demo")  # the demo's own messages, e.g. a cancelled transfer
    log.addHandler(logging.StreamHandler())
    log.setLevel(logging.INFO)
    app = create_app(write_start_files(make_workdir()))
    signal.signal(signal.SIGTERM, stop)
    app.run(host=HOST, port=PORT, debug=False)


if __name__ == "__main__":
    main()

"""An app process holding a ``CacheQueue``: ``python -m tests.faults.queue_app``.

It creates ``dfc.CacheQueue(4)`` (which starts a ``multiprocessing`` manager process),
prints one JSON line ``{"pid": <its pid>, "manager": <the manager's pid>}`` (the manager
found with psutil as this process's child) and blocks until it is signalled.
"""

from __future__ import annotations

import io
import json
import os
import signal

import psutil

import dash_file_cache as dfc


def main() -> None:
    cache = dfc.CacheQueue(4)
    service = dfc.ServiceData(cache)
    service.register(io.BytesIO(b"an item"))
    children = psutil.Process().children()
    print(json.dumps({"pid": os.getpid(), "manager": [c.pid for c in children]}), flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()

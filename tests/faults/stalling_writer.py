"""A writer that stalls mid-write: ``python -m tests.faults.stalling_writer <cache dir> <uid>``.

It stores a 64 MiB item into a ``CacheFile`` from a stream that gives 2 MiB, prints
``stalled`` and then blocks for ten minutes (the test kills it long before).
"""

from __future__ import annotations

import sys
import time

import dash_file_cache as dfc

MEGABYTE = 1024 * 1024
STALL_AFTER = 2 * MEGABYTE
DECLARED = 64 * MEGABYTE


class Stalling:
    def __init__(self) -> None:
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        if self.sent >= STALL_AFTER:
            print("stalled", flush=True)
            time.sleep(600)
        piece = min(MEGABYTE, STALL_AFTER - self.sent)
        self.sent += piece
        return b"\xab" * piece


def main(cache_dir: str, uid: str) -> None:
    cache = dfc.CacheFile(cache_dir)
    info: dfc.caches.CachedFileInfo = {
        "kind": "bytes",
        "size": DECLARED,
        "file_name": "stalled.bin",
        "content_type": "application/octet-stream",
        "mime_type": "application/octet-stream",
        "one_time_service": False,
        "created": time.time(),
        "etag": uid,
    }
    cache.dump(uid, info, Stalling())  # type: ignore[arg-type]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""The full-disk scenario of ``test_disk_full.py``, run on a small tmpfs mounted at ``argv[1]``.

Run in the test process when it may mount, else as ``python -m
tests.faults.disk_full_scenario <mount>`` inside a user and mount namespace. It prints
``SCENARIO OK`` when every check passed.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from pathlib import Path

import flask

import dash_file_cache as dfc

OK = "SCENARIO OK"


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def leftovers(cache_dir: Path) -> tuple[list[Path], list[Path]]:
    """The staging files, and the published data files, under ``cache_dir``."""
    parts = sorted((cache_dir / "staging").glob("*.part"))
    values = sorted(p for p in cache_dir.rglob("*.val") if "staging" not in p.parts)
    return parts, values


def fetch(app: flask.Flask, address: str) -> tuple[int, bytes]:
    with app.test_client() as client:
        response = client.get(address)
        try:
            return response.status_code, response.get_data()
        finally:
            response.close()


def run(mount: Path) -> None:
    cache_dir = mount / "cache"
    cache = dfc.CacheFile(cache_dir)
    try:
        service = dfc.ServiceData(cache)
        app = flask.Flask(__name__)
        service.serve(app)

        # An item stored before the disk fills up, which must survive the failure.
        kept = os.urandom(64 * 1024)
        kept_address = service.register(io.BytesIO(kept), mime_type="application/octet-stream")
        parts, values = leftovers(cache_dir)
        assert parts == [] and len(values) == 1, (parts, values)
        free_before = free_bytes(mount)

        too_big = os.urandom(free_before + 1024 * 1024)
        try:
            service.register(io.BytesIO(too_big), mime_type="application/octet-stream")
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, f"expected ENOSPC, got {exc!r}"
        else:
            raise AssertionError("registering more than the free space did not fail")
        del too_big

        # Nothing partial is left behind, and the space is given back.
        assert leftovers(cache_dir) == ([], values), leftovers(cache_dir)
        assert len(cache) == 1
        assert free_bytes(mount) == free_before, (free_bytes(mount), free_before)

        # The cache keeps working: the old item, and a new 4 KiB one, byte-exact.
        small = os.urandom(4096)
        address = service.register(io.BytesIO(small), mime_type="application/octet-stream")
        assert fetch(app, address) == (200, small)
        assert fetch(app, kept_address) == (200, kept)
        parts, values = leftovers(cache_dir)
        assert parts == [] and len(values) == len(cache) == 2, (parts, values)
    finally:
        cache.close()
    print(OK, flush=True)


if __name__ == "__main__":
    run(Path(sys.argv[1]))

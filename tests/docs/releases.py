"""Published releases of dash-file-cache, from the package index, kept between runs.

``release_source("0.2.0")`` is the unpacked source distribution (``pip download
--no-binary :all:``, as ``tests/compat/`` gets 0.2.0's examples), cached in
``$DFC_RELEASE_CACHE`` (default: ``<tmp>/dfc-releases``) so a run downloads it once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

CACHE = Path(os.environ.get("DFC_RELEASE_CACHE", Path(tempfile.gettempdir()) / "dfc-releases"))
DOWNLOAD_TIMEOUT = 300  # s


def release_source(version: str) -> Path:
    """The unpacked sdist of ``dash-file-cache==<version>`` (its top folder)."""
    unpacked = CACHE / f"dash_file_cache-{version}"
    if (unpacked / "dash_file_cache" / "__init__.py").is_file():
        return unpacked
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="download-", dir=CACHE))
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary"]
            + [":all:", "--dest", str(work), f"dash-file-cache=={version}"],
            check=True,
            timeout=DOWNLOAD_TIMEOUT,
        )
        (sdist,) = work.glob(f"dash_file_cache-{version}.tar.gz")
        with tarfile.open(sdist) as archive:
            archive.extractall(work, filter="data")
        try:
            os.replace(work / unpacked.name, unpacked)  # atomic: concurrent runs agree
        except OSError:
            if not (unpacked / "dash_file_cache" / "__init__.py").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return unpacked

"""The benchmark scripts still run (tiny sizes; their numbers are not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .asgi.apps import DASH_BACKENDS

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        ("stream_memory.py", ["--size-mb", "8"], "PASS: largest ServiceData peak growth"),
        ("dcc_download.py", ["--size-mb", "4"], "ServiceData"),
        ("cache_throughput.py", ["--seconds", "0.1"], "CacheRedis"),
        ("responsiveness.py", ["--size-mib", "8", "--clients", "2"], "offload to nginx"),
        (
            "compare_gunicorn.py",
            ["--big-mib", "8", "--rounds", "1", "--seconds", "1"],
            "ours (CachePlain) vs 0.2.0",
        ),
        pytest.param(
            "compare_asgi.py",
            ["--big-mib", "8", "--slow-mib", "1", "--clients", "4", "--rounds", "1"]
            + ["--seconds", "1"],
            "| ours, Dash fastapi / FastAPI FileResponse |",
            id="compare_asgi",
            marks=pytest.mark.skipif(not DASH_BACKENDS, reason="Dash without backend= (4.2+)"),
        ),
        (
            "generated.py",
            ["--csv-mib", "4", "--zip-files", "2", "--zip-mib", "1", "--rounds", "1"],
            "| zip throughput ≥ 0.8x zipfile to disk |",
        ),
        pytest.param(
            "download_sizes.py",
            ["--sizes-mib", "4", "--modes", "worker,memory"],
            "| worker | 4 MiB |",
            marks=pytest.mark.browser,  # one headless Chromium at a time
        ),
        pytest.param(
            "cached_image.py",
            ["--size-mb", "1", "--repeats", "1"],
            "ratio CachedImage / html.Img:",
            marks=pytest.mark.browser,
        ),
    ],
)
def test_benchmark_runs(script: str, args: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, script, *args],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout

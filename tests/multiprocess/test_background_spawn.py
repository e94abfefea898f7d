"""Background callbacks (DiskcacheManager) under the ``fork`` and the ``spawn`` start
method (spawn is the default on macOS and Windows, forced here on Linux), for each cache
that shares items across processes: the web process runs as ``python background_app.py``
so spawned jobs re-import it, and real Chromium shows both images the job registered."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from dash.testing.wait import until

from ..conftest import free_port
from ..helpers import grey_png, stop, wait_until
from .servers import ROOT, ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH = "return arguments[0].complete ? arguments[0].naturalWidth : 0"
JOB_TIMEOUT = 60  # s: a spawned job re-imports Dash and the app before it runs


@pytest.fixture
def background_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    start, kind = request.param
    png = tmp_path / "picture.png"
    png.write_bytes(grey_png(33, 11))
    env = {
        **os.environ,
        "DFC_START": start,
        "DFC_CACHE": kind,
        "DFC_JOBS_DIR": str(tmp_path / "jobs"),
        "DFC_CACHE_DIR": str(tmp_path / "cache"),
        "DFC_PNG": str(png),
        "PYTHONPATH": str(ROOT),
    }
    if kind == "redis":
        url = request.getfixturevalue("redis_server")
        redis.Redis.from_url(url).flushdb()
        env["DFC_REDIS_URL"] = url
    port = free_port()
    command = [sys.executable, str(Path(__file__).with_name("background_app.py")), str(port)]
    with subprocess.Popen(command, cwd=ROOT, env=env) as server:
        try:
            wait_until(lambda: ready(port), timeout=60, what="the background app to answer")
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(server)


CASES = [
    (start, kind)
    for start in ("fork", "spawn")
    for kind in ("queue", "queue-manager", "file", "redis")
]


@pytest.mark.parametrize("background_app", CASES, indirect=True, ids="-".join)
def test_a_background_job_registers_what_the_web_process_serves(
    dash_br: Any, background_app: str
) -> None:
    dash_br.server_url = background_app
    for clicks in (1, 2):
        dash_br.wait_for_element("#make").click()
        until(
            lambda c=clicks: (
                dash_br.find_element("#from-bytes").get_attribute("src")
                and dash_br.driver.execute_script(WIDTH, dash_br.find_element("#from-bytes"))
                == 20 + c
            ),
            timeout=JOB_TIMEOUT,
        )
        path_image = dash_br.find_element("#from-path")
        until(lambda i=path_image: dash_br.driver.execute_script(WIDTH, i) == 33, timeout=20)
    job_pid = int(dash_br.find_element("#made-by").text.split()[-1])
    assert job_pid != os.getpid()

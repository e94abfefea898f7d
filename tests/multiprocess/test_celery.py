"""A background callback in a real Celery worker (Redis broker) registers into CacheRedis;
the web process serves it to real headless Chromium."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from dash.testing.wait import until

from .servers import ROOT

MODULE = "examples.ex6_celery_redis"


@pytest.fixture
def celery_example(redis_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    redis.Redis.from_url(redis_server).flushdb()
    monkeypatch.setenv("DFC_REDIS_URL", redis_server)
    monkeypatch.syspath_prepend(str(ROOT))
    sys.modules.pop(MODULE, None)
    module = importlib.import_module(MODULE)
    env = dict(os.environ, DFC_REDIS_URL=redis_server)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        f"{MODULE}:celery_app",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=warning",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
    ]
    with subprocess.Popen(command, cwd=ROOT, env=env) as worker:
        try:
            yield module
        finally:
            worker.terminate()
            worker.wait(30)
            sys.modules.pop(MODULE, None)


def test_celery_worker_registers_and_the_web_process_serves(
    dash_duo: Any, celery_example: Any
) -> None:
    dash_duo.start_server(celery_example.app)
    dash_duo.find_element("#draw").click()
    dash_duo.wait_for_contains_text("#worker", "worker pid", timeout=60)
    worker_pid = int(dash_duo.find_element("#worker").text.split()[-1])
    assert worker_pid != os.getpid()  # registered in another process
    image = dash_duo.find_element("#picture")
    dash_duo.wait_for_element("#picture")
    script = "return arguments[0].complete && arguments[0].naturalWidth"
    until(lambda: dash_duo.driver.execute_script(script, image) == 320, timeout=30)
    assert dash_duo.driver.execute_script("return arguments[0].naturalHeight", image) == 120
    assert dash_duo.get_logs() == []

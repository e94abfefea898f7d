"""Background callbacks in a real Celery worker (``CeleryManager``, Redis broker), with a
pool that forks the task processes (``prefork``) and one that runs them in the worker
process itself (``solo``): either way the worker imports the app on its own, never
forked from the web process. CacheFile and CacheRedis items are shown in Chromium by the
web process; a CacheQueue refuses at ``register()`` with the fix."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from dash.testing.wait import until

from .servers import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MODULE = "tests.multiprocess.celery_background_app"
WIDTH = "return arguments[0].complete ? arguments[0].naturalWidth : 0"


@pytest.fixture
def celery_app(
    request: pytest.FixtureRequest, redis_server: str, tmp_path: Path, monkeypatch: Any
) -> Iterator[Any]:
    pool, kind = request.param
    redis.Redis.from_url(redis_server).flushdb()
    env = {"DFC_REDIS_URL": redis_server, "DFC_CACHE": kind, "DFC_CACHE_DIR": str(tmp_path)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop(MODULE, None)
    module = importlib.import_module(MODULE)
    with celery_worker(f"{MODULE}:celery_app", pool):
        try:
            yield module
        finally:
            module.service.cache.close()
            sys.modules.pop(MODULE, None)


CASES = [(pool, kind) for pool in ("prefork", "solo") for kind in ("file", "redis", "queue")]


@pytest.mark.parametrize("celery_app", CASES, indirect=True, ids="-".join)
def test_a_celery_job_registers_or_refuses(dash_duo: Any, celery_app: Any) -> None:
    dash_duo.start_server(celery_app.app)
    dash_duo.wait_for_element("#make").click()
    until(lambda: dash_duo.find_element("#made-by").text, timeout=60)
    said = dash_duo.find_element("#made-by").text
    if celery_app.KIND == "queue":
        assert said.startswith("refused: register() runs in a Celery task")
        assert "Use CacheRedis" in said
        return
    assert int(said.split()[-1]) != os.getpid()
    image = dash_duo.find_element("#picture")
    until(lambda: dash_duo.driver.execute_script(WIDTH, image) == 51, timeout=30)

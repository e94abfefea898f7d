"""A Celery task (how Dash's CeleryManager runs background callbacks) registering into a
cache that lives in one process refuses with the fix, in a real Celery worker; into
CacheRedis it works and the web process serves the item."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import flask
import pytest
import redis

from .servers import celery_worker

pytestmark = pytest.mark.slow
MODULE = "tests.multiprocess.celery_tasks"


@pytest.fixture(scope="module")
def tasks(redis_server: str) -> Iterator[Any]:
    redis.Redis.from_url(redis_server).flushdb()
    os.environ["DFC_REDIS_URL"] = redis_server
    sys.modules.pop(MODULE, None)
    module = importlib.import_module(MODULE)
    with celery_worker(f"{MODULE}:celery_app"):
        try:
            yield module
        finally:
            for service in module.SERVICES.values():
                service.cache.close()
            sys.modules.pop(MODULE, None)
            del os.environ["DFC_REDIS_URL"]


@pytest.mark.parametrize("kind", ["plain", "queue", "private-file"])
def test_a_cache_of_one_process_refuses_in_a_celery_task(tasks: Any, kind: str) -> None:
    with pytest.raises(RuntimeError, match="runs in a Celery task.*Use CacheRedis"):
        tasks.register.delay(kind).get(timeout=60)


def test_cache_redis_works_from_a_celery_task(tasks: Any) -> None:
    address = tasks.register.delay("redis").get(timeout=60)
    app = flask.Flask(__name__)
    tasks.SERVICES["redis"].serve(app)
    assert app.test_client().get(address).data == b"from a celery task"

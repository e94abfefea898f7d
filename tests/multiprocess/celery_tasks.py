"""Celery tasks registering into each kind of cache (``DFC_REDIS_URL`` is the broker)."""

from __future__ import annotations

import io
import os

from celery import Celery

import dash_file_cache as dfc

REDIS_URL = os.environ["DFC_REDIS_URL"]
celery_app = Celery(__name__, broker=REDIS_URL, backend=REDIS_URL)
SERVICES = {
    "plain": dfc.ServiceData(dfc.CachePlain(4)),
    "queue": dfc.ServiceData(dfc.CacheQueue(4)),
    "private-file": dfc.ServiceData(dfc.CacheFile()),
    "redis": dfc.ServiceData(dfc.CacheRedis(REDIS_URL, key_prefix="celery-tasks:")),
}


@celery_app.task
def register(kind: str) -> str:
    """Register a few bytes into the ``kind`` service; the address."""
    return SERVICES[kind].register(io.BytesIO(b"from a celery task"))

"""Set-up mistakes the service can see at run time, refused with the fix in the message."""

from __future__ import annotations

import sys
from typing import Any

import flask

from ..caches.abstract import CacheAbstract

__all__ = ("check_shared_by_workers",)


def _in_celery_task() -> bool:
    """Whether this runs inside a Celery task (Dash's ``CeleryManager`` jobs do)."""
    celery = sys.modules.get("celery")  # never imported here: only if the app uses it
    if celery is None:
        return False
    try:
        return bool(celery.current_task)
    except Exception:  # an unusual Celery set-up: no opinion
        return False


def check_shared_by_workers(cache: CacheAbstract[Any, Any]) -> None:
    """Refuse to register into a cache of one process where others would serve it.

    That is inside a Celery task (a background callback under Dash's ``CeleryManager``),
    and under a server with several worker processes: the WSGI server says so in every
    request (``wsgi.multiprocess``: gunicorn with more
    than one worker, uWSGI, mod_wsgi with processes); each worker would then hold items
    the others cannot serve, and about half the addresses would answer 404.

    :raises RuntimeError: naming the cache and what to use instead.
    """
    if not cache.process_private:
        return
    kind = type(cache).__name__
    if _in_celery_task():
        raise RuntimeError(
            f"register() runs in a Celery task, a process of its own: a {kind} there "
            "keeps the item where the web process cannot serve it (its address would "
            "answer 404). Use CacheRedis (or CacheFile('/a/shared/directory') when the "
            "worker runs on the same host)"
        )
    if not flask.has_request_context() or not flask.request.environ.get("wsgi.multiprocess"):
        return
    if kind == "CacheFile":
        problem = "CacheFile() without a directory keeps items in a temporary directory of"
        fix = "give every worker the same directory: CacheFile('/var/cache/my-app')"
    else:
        problem = f"{kind} keeps items in the memory of"
        fix = "use CacheFile('/a/shared/directory') (one host) or CacheRedis (several hosts)"
    raise RuntimeError(
        f"{problem} one process, and this server runs several worker processes "
        f"(wsgi.multiprocess): the other workers would answer 404 for its items; {fix}"
    )

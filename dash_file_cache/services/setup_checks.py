"""Set-up mistakes the service can see at run time, refused with the fix in the message."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import flask

from ..caches.abstract import CacheAbstract
from . import context

__all__ = ("check_shared_by_workers", "sibling_workers")


def _in_celery_task() -> bool:
    """Whether this runs inside a Celery task (Dash's ``CeleryManager`` jobs do)."""
    celery = sys.modules.get("celery")  # never imported here: only if the app uses it
    if celery is None:
        return False
    try:
        return bool(celery.current_task)
    except Exception:  # an unusual Celery set-up: no opinion
        return False


def sibling_workers(pid: int | None = None) -> int:
    """How many processes run the same command as this one under the same parent (this
    one included): the worker processes of uvicorn ``--workers N`` or of gunicorn with
    uvicorn workers, which no ASGI scope reports. Commands are compared with their
    numbers masked (spawned workers differ only by their pipe numbers; helpers such as
    multiprocessing's resource tracker run another command), under a parent that is a
    server's supervisor (uvicorn, gunicorn, hypercorn, granian). Read from Linux's
    ``/proc``; ``1`` where it cannot be read (other systems)."""
    pid = os.getpid() if pid is None else pid
    try:
        parent = os.getppid() if pid == os.getpid() else _parent_of(pid)
        if not _SUPERVISORS.search(_command(parent)):
            return 1  # not a server's workers (e.g. two copies started from one shell)
        with open(f"/proc/{parent}/task/{parent}/children") as listing:
            children = [int(child) for child in listing.read().split()]
        command = _command(pid)
    except (OSError, ValueError):
        return 1
    count = 0
    for child in children:
        try:
            if _command(child) == command:
                count += 1
        except OSError:  # gone meanwhile
            continue
    return max(count, 1)


#: The supervisors whose worker processes are counted.
_SUPERVISORS = re.compile(rb"uvicorn|gunicorn|hypercorn|granian")


def _command(pid: int) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return re.sub(rb"[0-9]+", b"#", cmdline.read())


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def check_shared_by_workers(cache: CacheAbstract[Any, Any], *, asgi: bool = False) -> None:
    """Refuse to register into a cache of one process where others would serve it.

    That is inside a Celery task (a background callback under Dash's ``CeleryManager``),
    and under a server with several worker processes: a WSGI server says so in every
    request (``wsgi.multiprocess``: gunicorn with more than one worker, uWSGI, mod_wsgi
    with processes); under an ASGI server (uvicorn ``--workers``, gunicorn with uvicorn
    workers) the sibling worker processes are counted (:func:`sibling_workers`). Each
    worker would then hold items the others cannot serve, and about half the addresses
    would answer 404.

    :param asgi: whether the service is served on an ASGI app (checked in or out of a
        request).
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
    if flask.has_request_context():
        if not flask.request.environ.get("wsgi.multiprocess"):
            return
        why = "wsgi.multiprocess"
    elif asgi or context.scope() is not None:  # ASGI: no flag; count the workers
        workers = sibling_workers()
        if workers < 2:
            return
        why = f"{workers} worker processes of one parent"
    else:
        return
    if kind == "CacheFile":
        problem = "CacheFile() without a directory keeps items in a temporary directory of"
        fix = "give every worker the same directory: CacheFile('/var/cache/my-app')"
    else:
        problem = f"{kind} keeps items in the memory of"
        fix = "use CacheFile('/a/shared/directory') (one host) or CacheRedis (several hosts)"
    raise RuntimeError(
        f"{problem} one process, and this server runs several worker processes "
        f"({why}): the other workers would answer 404 for its items; {fix}"
    )

"""Set-up mistakes the service can see at run time, refused with the fix in the message."""

from __future__ import annotations

from typing import Any

import flask

from ..caches.abstract import CacheAbstract

__all__ = ("check_shared_by_workers",)


def check_shared_by_workers(cache: CacheAbstract[Any, Any]) -> None:
    """Refuse to register into a cache of one process when the server runs several.

    The WSGI server says so in every request (``wsgi.multiprocess``: gunicorn with more
    than one worker, uWSGI, mod_wsgi with processes); each worker would then hold items
    the others cannot serve, and about half the addresses would answer 404.

    :raises RuntimeError: naming the cache and what to use instead.
    """
    if not cache.process_private or not flask.has_request_context():
        return
    if not flask.request.environ.get("wsgi.multiprocess"):
        return
    kind = type(cache).__name__
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

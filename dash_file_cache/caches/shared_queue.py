"""How a :class:`~dash_file_cache.caches.CacheQueue` reaches its queue from other processes.

A queue of a ``multiprocessing`` manager is a proxy: an address, an object id and the
manager's authentication key. Two ways carry it to a worker process:

- **Pickling** (:func:`proxy_spec`/:func:`rebuild_proxy`): a pickled ``CacheQueue``
  carries its queue's spec, authentication key included (so keep pickles of it private,
  as ``multiprocessing`` itself does when it spawns a process), and is rebuilt on the
  other side with a connection of its own.
- **Re-imports under spawn** (:func:`publish`/:func:`inherited`): with the ``spawn``
  start method (the default on macOS and Windows, and what Dash's ``DiskcacheManager``
  uses there) a background job re-imports the app's module, which makes a *new*
  ``CacheQueue`` whose items would never reach the web process. So the web process
  publishes each queue's spec in its environment (inherited by the processes it starts),
  under the place in the code that made it (file, line, and how many were made there
  before), and a ``CacheQueue`` made at the same place in a direct child process feeds
  the web process's queue instead.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import sys
import threading
from collections import Counter
from types import FrameType
from typing import Any, NamedTuple

__all__ = (
    "ENVIRON_KEY",
    "Inherited",
    "creation_site",
    "in_spawned_import",
    "inherited",
    "proxy_spec",
    "publish",
    "rebuild_proxy",
)

#: The environment variable holding the published queues (JSON: site -> entry).
ENVIRON_KEY = "DASH_FILE_CACHE_QUEUES"
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_sites: Counter[str] = Counter()
_lock = threading.Lock()


class Inherited(NamedTuple):
    """A queue published by the parent process for this creation site."""

    #: The process that holds the items.
    owner: int
    #: What :func:`rebuild_proxy` takes.
    spec: bytes


def proxy_spec(queue: Any) -> bytes | None:
    """A picklable description of a manager queue proxy, or ``None`` for other queues.

    It includes the manager's authentication key: whoever holds it may use the manager.
    """
    token = getattr(queue, "_token", None)
    authkey = getattr(queue, "_authkey", None)
    if token is None or authkey is None:
        return None
    try:
        rebuild, (func, token, serializer, kwds) = queue.__reduce__()
    except (TypeError, ValueError):
        return None
    kwds = dict(kwds)
    kwds["authkey"] = bytes(authkey)
    return pickle.dumps((rebuild, func, token, serializer, kwds))


def rebuild_proxy(spec: bytes) -> Any:
    """A proxy (with a connection of its own) for the queue that ``spec`` describes."""
    rebuild, func, token, serializer, kwds = pickle.loads(spec)  # noqa: S301 - our own
    return rebuild(func, token, serializer, kwds)


def creation_site() -> str:
    """``file:line#n`` of the code making a cache: the first frame outside this package,
    and how many caches this process made there before (loops make several)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIR + os.sep
    ):
        frame = frame.f_back
    place = (
        "?" if frame is None else f"{os.path.abspath(frame.f_code.co_filename)}:{frame.f_lineno}"
    )
    with _lock:
        count = _sites[place]
        _sites[place] += 1
    return f"{place}#{count}"


def in_spawned_import() -> bool:
    """Whether this runs while a spawned process re-imports its parent's main module.

    That is how ``spawn`` (and ``forkserver``) prepare a child of ``multiprocessing``
    or ``multiprocess``: the parent's ``__main__`` is imported again as ``__mp_main__``.
    """
    if "__mp_main__" not in sys.modules:
        return False
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals.get("__name__") == "__mp_main__":
            return True
        frame = frame.f_back
    return False


def _published() -> dict[str, Any]:
    try:
        value = json.loads(os.environ.get(ENVIRON_KEY, "{}"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def publish(site: str, spec: bytes) -> None:
    """Make the queue ``spec`` findable by processes this one starts (see the module)."""
    with _lock:
        entries = _published()
        entries[site] = {"pid": os.getpid(), "spec": base64.b64encode(spec).decode("ascii")}
        os.environ[ENVIRON_KEY] = json.dumps(entries)


def inherited(site: str) -> Inherited | None:
    """The queue the parent process published for ``site``, if this is its child."""
    entry = _published().get(site)
    if not isinstance(entry, dict) or entry.get("pid") != os.getppid():
        return None
    try:
        return Inherited(int(entry["pid"]), base64.b64decode(entry["spec"]))
    except (KeyError, TypeError, ValueError):
        return None

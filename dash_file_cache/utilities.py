"""dash-file-cache 0.2.0's ``dash_file_cache.utilities``, kept for apps that import it.

Nothing in this package uses these any more (the caches manage their own folders);
they behave as 0.2.0's did:

- :func:`is_in_main_process`: whether this is the main process, not a child started
  by :mod:`multiprocessing`;
- :func:`remove_temp_dir`: remove a folder, from the main process only;
- :class:`TempDir`: a folder removed when the object is collected (or at exit);
- :class:`StreamFinalizer`: rewinds a file on entry; on exit calls a callback, then
  truncates and/or closes it.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any, Generic, TypeVar

__all__ = ("is_in_main_process", "remove_temp_dir", "TempDir", "StreamFinalizer")

_IO = TypeVar("_IO", bound=IO[Any])


def is_in_main_process() -> bool:
    """Whether the current process is the main one (no :mod:`multiprocessing` parent)."""
    return multiprocessing.parent_process() is None


def remove_temp_dir(path: str | os.PathLike[str]) -> None:
    """Remove the folder ``path`` and everything in it, if this is the main process.

    Nothing happens in a child process, or if ``path`` is not a folder; files that
    cannot be removed (e.g. still open elsewhere) are left, without an error.
    """
    if is_in_main_process() and os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)


class TempDir:
    """A folder that is removed (by :func:`remove_temp_dir`) when this object is
    garbage-collected, at interpreter exit, or on :meth:`remove`."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        """Create the folder.

        :param path: the folder to use (made, with its parents, if missing); ``None``:
            a new folder made by :func:`tempfile.mkdtemp`.
        """
        if path is None:
            self._path = tempfile.mkdtemp()
        else:
            os.makedirs(path, exist_ok=True)
            self._path = os.fspath(path)
        self._finalizer = weakref.finalize(self, remove_temp_dir, self._path)

    def remove(self) -> None:
        """Remove the folder now (only from the main process; a no-op elsewhere)."""
        if is_in_main_process():
            self._finalizer()

    @property
    def path(self) -> str:
        """The path of the folder."""
        return self._path

    @property
    def is_removed(self) -> bool:
        """Whether the folder was removed (by :meth:`remove` or the finalizer)."""
        return not self._finalizer.alive


class StreamFinalizer(contextlib.ContextDecorator, Generic[_IO]):
    """A context that hands out a file object rewound to its start, and finishes it on
    exit: ``callback_on_exit(fobj)`` (rewound again), then truncation, then closing."""

    def __init__(
        self,
        fobj: _IO,
        truncate: bool = False,
        close: bool = False,
        callback_on_exit: Callable[[_IO], None] | None = None,
    ) -> None:
        """Wrap ``fobj``.

        :param fobj: the file object.
        :param truncate: empty the file on exit (it must be writable).
        :param close: close the file on exit.
        :param callback_on_exit: called with the rewound file on exit, before it is
            truncated or closed (ignored if not callable).
        """
        self._fobj = fobj
        self._truncate = bool(truncate)
        self._close = bool(close)
        self._callback_on_exit = callback_on_exit if callable(callback_on_exit) else None

    def __enter__(self) -> _IO:
        """Rewind the file and return it."""
        self._fobj.seek(0, io.SEEK_SET)
        return self._fobj

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        exc_traceback: TracebackType | None,
    ) -> None:
        """Call the callback, then truncate and close the file as configured."""
        if self._callback_on_exit is not None:
            self._fobj.seek(0, io.SEEK_SET)
            self._callback_on_exit(self._fobj)
        if self._truncate:
            self._fobj.seek(0, io.SEEK_SET)
            self._fobj.truncate(0)
        if self._close:
            self._fobj.close()

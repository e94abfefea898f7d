"""Handing the transfer of file-backed items to the front server: ``X-Accel-Redirect``
(nginx) or ``X-Sendfile`` (Apache with ``mod_xsendfile``).

The view does every check itself (uid, expiry, owner, one-time claim, conditional
requests) and then answers with no body and a header naming the file; nginx sends the
file from an ``internal`` location, Range included, so a big download never holds an
app worker. For the two to agree on validators, offloaded items carry nginx's own ETag
format (``"<mtime hex>-<size hex>"``), computed from the same ``stat`` nginx makes.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from urllib.parse import quote

__all__ = ("OFFLOAD_KINDS", "Offload", "parse_offload", "readable_by_others")

logger = logging.getLogger("dash_file_cache.services")
_warned: set[str] = set()

OFFLOAD_KINDS = ("x-accel-redirect", "x-sendfile")
#: The default prefix of nginx's internal locations (``ranged/`` and ``whole/`` below it).
DEFAULT_LOCATION = "/_dash_file_cache/"


@dataclass(frozen=True)
class Offload:
    """How to hand a file to the front server."""

    #: Which mechanism: ``"x-accel-redirect"`` (nginx) or ``"x-sendfile"`` (Apache).
    kind: str
    #: The prefix of the internal locations, ending with ``/``.
    location: str

    def handles(self, one_time: bool) -> bool:
        """Whether this mechanism can send the item as the contract wants.

        Apache's ``mod_xsendfile`` answers ``Range`` whatever the app says, so one-time
        items (sent whole, exactly once) are streamed by Python under ``x-sendfile``.
        """
        return not (one_time and self.kind == "x-sendfile")

    def etag(self, st: os.stat_result) -> str:
        """nginx's ETag of a file (without quotes)."""
        return f"{int(st.st_mtime):x}-{st.st_size:x}"

    def header(self, path: str, whole: bool) -> tuple[str, str]:
        """The header that hands ``path`` over; ``whole``: ranges are not honoured."""
        if self.kind == "x-sendfile":
            return "X-Sendfile", path
        area = "whole/" if whole else "ranged/"
        return "X-Accel-Redirect", self.location + area + quote(path.lstrip("/"), safe="/")


def parse_offload(offload: str | None, location: str) -> Offload | None:
    """Validate ``serve(offload=..., offload_location=...)``.

    :raises TypeError: if an argument is not a ``str`` (``offload``: or ``None``).
    :raises ValueError: for an unknown kind or a location that is not an absolute path.
    """
    if offload is None:
        return None
    if not isinstance(offload, str) or not isinstance(location, str):
        raise TypeError("offload and offload_location must be str")
    if offload.lower() not in OFFLOAD_KINDS:
        raise ValueError(f"offload must be one of {OFFLOAD_KINDS} or None, got {offload!r}")
    if not location.startswith("/") or any(ch in location for ch in "?#\r\n\\ "):
        raise ValueError(
            f"offload_location must be a URL path such as '/_files/', got {location!r}"
        )
    return Offload(offload.lower(), location.rstrip("/") + "/")


def readable_by_others(path: str, st: os.stat_result) -> bool:
    """Whether a front server running as another user can read ``path``.

    That is: the file is readable by others and every folder above it can be entered by
    others. nginx's and Apache's workers run as their own users (``nobody``,
    ``www-data``); a file they cannot open would answer 403. The first time a folder
    stops a hand-over, a warning names it and the fix (items there are streamed by
    Python meanwhile).
    """
    if not st.st_mode & stat.S_IROTH:
        _warn_once(path, "the file is not readable by others (chmod o+r)")
        return False
    folder = os.path.dirname(path)
    while True:
        try:
            mode = os.stat(folder).st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            _warn_once(folder, "others cannot enter this folder (chmod o+x)")
            return False
        parent = os.path.dirname(folder)
        if parent == folder:
            return True
        folder = parent


def _warn_once(where: str, why: str) -> None:
    if where in _warned:
        return
    _warned.add(where)
    logger.warning(
        "dash-file-cache: not offloading %s to the front server, which runs as another "
        "user: %s; Python streams it instead",
        where,
        why,
    )

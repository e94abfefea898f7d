"""Conditional and range requests, decided from header values alone (RFC 9110, section
13.2.2 for the order): ``If-Match``, then ``If-None-Match``, then ``Range`` with its
``If-Range``.

The service sends no ``Last-Modified``, so the date conditions (``If-Modified-Since``,
``If-Unmodified-Since``, an ``If-Range`` date) never hold against it: they are ignored,
and an ``If-Range`` date never matches (the full item is sent). One range is answered
with a 206; several ranges, or a weak ``If-Range``, with the whole item (a 200: allowed
by RFC 9110, section 14.2, and what every client here asks for). A ``Range`` that cannot
be parsed or satisfied gets a 416.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ("Outcome", "evaluate", "parse_range", "strong_match", "weak_match")

_PLAIN_INT = re.compile(r"-?[0-9]+")
_ETAG = re.compile(r'([Ww]/)?(?:"(.*?)"|(.*?))(?:\s*,\s*|$)')


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a request gets: ``kind`` is ``"full"`` (200), ``"partial"`` (206 of
    ``length`` bytes from ``start``), ``"not_modified"`` (304), ``"failed"`` (412) or
    ``"unsatisfiable"`` (416)."""

    kind: str
    start: int = 0
    length: int = 0


FULL = Outcome("full")


def _tags(value: str) -> tuple[bool, set[str], set[str]]:
    """An entity-tag list: (``*`` given, strong tags, weak tags), tags without quotes."""
    strong: set[str] = set()
    weak: set[str] = set()
    pos, end = 0, len(value)
    while pos < end:
        match = _ETAG.match(value, pos)
        if match is None or match.end() == pos:
            break
        is_weak, quoted, raw = match.groups()
        if raw == "*":
            return True, strong, weak
        tag = quoted if quoted is not None else raw
        (weak if is_weak else strong).add(tag)
        pos = match.end()
    strong.discard("")
    weak.discard("")
    return False, strong, weak


def strong_match(value: str, etag: str) -> bool:
    """Whether the ``If-Match`` list ``value`` holds ``etag`` (unquoted) or ``*``."""
    star, strong, _ = _tags(value)
    return star or etag in strong


def weak_match(value: str, etag: str) -> bool:
    """Whether the ``If-None-Match`` list ``value`` holds ``etag`` (weakly) or ``*``."""
    star, strong, weak = _tags(value)
    return star or etag in strong or etag in weak


def _listed(value: str) -> bool:
    """Whether a conditional header holds any tag at all (an empty list is ignored)."""
    star, strong, weak = _tags(value)
    return star or bool(strong or weak)


def parse_range(value: str, size: int) -> tuple[int, int] | None:
    """``(start, length)`` of a single ``bytes=`` range of an item of ``size`` bytes, or
    ``None`` if the range is malformed or cannot be satisfied."""
    units, sep, spec = value.partition("=")
    if not sep or units.strip().lower() != "bytes":
        return None
    spec = spec.strip()
    if "-" not in spec:
        return None
    if spec.startswith("-"):  # the last N bytes
        if not _PLAIN_INT.fullmatch(spec):
            return None
        suffix = -int(spec)
        if suffix <= 0:
            return None
        start = max(size - suffix, 0)
        return start, size - start
    first, _, last = spec.partition("-")
    first, last = first.strip(), last.strip()
    if not _PLAIN_INT.fullmatch(first) or first.startswith("-"):
        return None
    start = int(first)
    if last:
        if not _PLAIN_INT.fullmatch(last) or last.startswith("-"):
            return None
        stop = int(last) + 1
        if start >= stop:
            return None
    else:
        stop = size
    if start >= size:
        return None
    return start, min(stop, size) - start


def _if_range_holds(value: str, etag: str) -> bool:
    """Whether an ``If-Range`` value validates the item: its strong ``etag`` exactly."""
    value = value.strip()
    if value.startswith(("W/", "w/")):
        return False
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return value[1:-1] == etag
    return value == etag  # a bare tag, as some clients send it


def evaluate(headers: Mapping[str, str], etag: str, size: int, ranges: bool = True) -> Outcome:
    """The outcome of a GET or HEAD for an item of ``size`` bytes and strong ``etag``
    (unquoted), given the request's headers (a mapping of lower-case names).

    :param ranges: whether the item may be served in parts (not a one-time item).
    """
    if_match = headers.get("if-match")
    if if_match is not None and _listed(if_match) and not strong_match(if_match, etag):
        return Outcome("failed")
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None and _listed(if_none_match) and weak_match(if_none_match, etag):
        return Outcome("not_modified")
    value = headers.get("range")
    if not ranges or value is None or size == 0:
        return FULL
    if "," in value:  # several ranges: the whole item
        return FULL
    if_range = headers.get("if-range")
    if if_range is not None and not _if_range_holds(if_range, etag):
        return FULL
    parsed = parse_range(value, size)
    if parsed is None:
        return Outcome("unsatisfiable")
    return Outcome("partial", *parsed)

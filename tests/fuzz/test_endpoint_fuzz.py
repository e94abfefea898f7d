"""Hypothesis fuzzing of the service endpoint, on every kind of cache (Flask test client).

Each test binds one :class:`ServiceData` to a fresh Flask app, registers a few items
(bytes, non-ASCII text, a path, an empty item and a one-time item, under non-ASCII
names), then sends generated requests: any method, a raw query string (real, unknown
and malformed uids, duplicates, percent-encoded garbage, ``download`` values) and the
``Range``/conditional headers. Every response is checked against the HTTP contract.

``DFC_FUZZ_EXAMPLES`` sets the number of examples per cache (default 300).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from werkzeug.test import create_environ
from werkzeug.wrappers import Request

from dash_file_cache.services.http import parse_bool

from .strategies import Req, render, requests
from .target import CONTENT_RANGE, ERROR_KEYS, SERVICE, Target

FUZZ = settings(
    max_examples=int(os.environ.get("DFC_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

#: Requests sent per cache kind, and their statuses, printed at the end of each fuzz test.
REQUESTS: Counter[str] = Counter()
STATUSES: dict[str, Counter[str]] = {}


# -- sending and checking ----------------------------------------------------------------


def send(target: Target, kind: str, req: Req) -> tuple[str, dict[str, str], Any]:
    query = "".join(render(target, part) for part in req.query)
    headers = {
        name: "".join(render(target, p, req.query) for p in value) for name, value in req.headers
    }
    note(f"{req.method} {SERVICE}?{query[:300]!r} headers={headers!r}")
    response = target.client.open(
        SERVICE, method=req.method, query_string=query, headers=headers, buffered=True
    )
    REQUESTS[kind] += 1
    STATUSES.setdefault(kind, Counter())[f"{req.method.upper()} {response.status_code}"] += 1
    response.close()
    return query, headers, response


def requested_args(query: str) -> tuple[str | None, str | None]:
    """``uid`` and ``download`` as the service reads them from this query string."""
    args = Request(create_environ(SERVICE, query_string=query)).args
    return args.get("uid"), args.get("download")


def check_error(method: str, status: int, response: Any) -> None:
    assert response.mimetype == "application/json", response.headers
    length = response.headers.get("Content-Length")
    assert length is not None
    if method == "GET":
        body = json.loads(response.data)
        assert set(body) == ERROR_KEYS, body
        assert body["code"] == status, body
        assert len(response.data) == int(length)


def check(target: Target, req: Req, query: str, headers: dict[str, str], response: Any) -> None:
    method, status, body = req.method.upper(), response.status_code, response.data
    note(f"-> {status} {dict(response.headers)!r} body[:80]={body[:80]!r}")
    assert status < 500
    for name, value in response.headers.items():
        assert not set("\r\n") & set(name + value), (name, value)
    length = response.headers.get("Content-Length")
    if method == "GET" and length is not None:
        assert len(body) == int(length)
    if method == "HEAD":
        assert body == b""
    if status == 304:
        assert body == b""
        assert length in (None, "0")

    if 400 <= status < 500:
        check_error(method, status, response)
    if method == "OPTIONS":
        assert status == 204
        return
    if method not in ("GET", "HEAD"):
        assert status == 405
        return
    # What the request asks for, read the way werkzeug reads it.
    uid, download = requested_args(query)
    try:
        attachment = parse_bool(download)
    except ValueError:
        attachment = None
    if not uid or not re.fullmatch(r"[0-9a-f]{32}", uid) or attachment is None:
        assert status == 400
        return
    item = target.by_uid(uid)
    if item is None:
        assert status == 404
        return
    assert status in (200, 206, 304, 412, 416), status
    if status != 416:
        assert response.headers["ETag"] == item.etag
    if status == 416:
        assert response.headers["Content-Range"] == f"bytes */{len(item.data)}"
    if status in (200, 206):
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;" if attachment else "inline;")
    if status == 200:
        assert length == str(len(item.data))
        if method == "GET":
            assert body == item.data
    if status == 206:
        assert not item.one_time
        assert "Range" in headers and "," not in headers["Range"]
        match = CONTENT_RANGE.fullmatch(response.headers["Content-Range"])
        assert match is not None, response.headers["Content-Range"]
        first, last, size = (int(g) for g in match.groups())
        assert size == len(item.data)
        assert first <= last < size
        assert length == str(last - first + 1)
        if method == "GET":
            assert body == item.data[first : last + 1]


def check_one_time(target: Target, req: Req, response: Any) -> None:
    """The one-time item goes only with a 200 GET of it; then a new one is registered."""
    once = target.items["once"]
    served = (
        req.method.upper() == "GET"
        and response.status_code == 200
        and response.headers.get("ETag") == once.etag
    )
    assert target.cache.is_in(once.uid) is not served, (served, response.status_code)
    if served:
        target.register_once()


def test_endpoint_fuzz(target: Target, cache_kind: str) -> None:
    @FUZZ
    @given(req=requests)
    def fuzz(req: Req) -> None:
        query, headers, response = send(target, cache_kind, req)
        check(target, req, query, headers, response)
        check_one_time(target, req, response)

    try:
        fuzz()
    finally:
        tally = ", ".join(f"{k}: {n}" for k, n in sorted(STATUSES.get(cache_kind, {}).items()))
        print(f"fuzz {cache_kind}: {REQUESTS[cache_kind]} requests ({tally})")


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "FOO"])
def test_unrouted_methods_get_the_json_405(target: Target, method: str) -> None:
    item = target.items["bytes"]
    response = target.client.open(
        SERVICE, method=method, query_string=f"uid={item.uid}", buffered=True
    )
    response.close()
    assert response.status_code == 405
    check_error("GET", 405, response)

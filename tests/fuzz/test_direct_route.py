"""The route answered before Flask's routing gives Flask's answers, request for request.

Each generated request is sent twice to one app: answered directly (``services/direct.py``),
then through Flask's routing and the view (a no-op ``before_request`` hook sends it
there). Status, every header and the body must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import flask
import pytest
from hypothesis import given, note
from werkzeug.http import parse_date

from dash_file_cache.services.direct import DirectRoute

from .strategies import Req, requests
from .target import Target
from .test_endpoint_fuzz import FUZZ, send


@contextmanager
def through_flask(app: flask.Flask) -> Iterator[None]:
    """Requests to the service go through Flask while this lasts."""
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.append(lambda: None)
    try:
        yield
    finally:
        hooks.pop()


def answer(response: flask.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body; a ``Date`` header must parse, and its value is left out.

    The two requests may fall either side of a second's turn, so ``Date`` values may differ.
    """
    headers = []
    for name, value in response.headers.items():
        if name == "Date":
            assert parse_date(value) is not None, value
            value = "<date>"
        headers.append((name, value))
    return response.status_code, headers, response.data


@pytest.mark.parametrize("cache", ["plain", "file"], indirect=True)
def test_direct_answers_are_flasks(target: Target, cache_kind: str) -> None:
    route = vars(target.app)["wsgi_app"]
    assert isinstance(route, DirectRoute)

    @FUZZ
    @given(req=requests)
    def fuzz(req: Req) -> None:
        assert route.quiet()
        direct = send(target, cache_kind, req)[2]
        if not target.cache.is_in(target.items["once"].uid):  # served: nothing to compare
            target.register_once()
            return
        with through_flask(target.app):
            assert not route.quiet()
            routed = send(target, cache_kind, req)[2]
        if not target.cache.is_in(target.items["once"].uid):
            target.register_once()
        note(f"direct {answer(direct)[:2]!r}")
        assert answer(direct) == answer(routed)

    fuzz()

"""Set-up mistakes refuse loudly, and each message names the fix (issue: no silent
failures on a newcomer's path)."""

from __future__ import annotations

import io
from pathlib import Path

import dash
import flask
import pytest

import dash_file_cache as dfc


def dash_app(**kwargs: str) -> dash.Dash:
    app = dash.Dash(__name__, **kwargs)
    app.layout = dash.html.Div()
    return app


def test_a_cache_class_instead_of_an_instance() -> None:
    with pytest.raises(TypeError, match=r"not the class CachePlain: create one, e\.g\."):
        dfc.ServiceData(dfc.CachePlain)  # type: ignore[arg-type]


def test_text_given_where_a_path_goes_hints_at_stringio() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"></svg>'
    with pytest.raises(FileNotFoundError, match=r"pass io\.StringIO\(text\)"):
        service.register(svg, mime_type="image/svg+xml")
    with pytest.raises(FileNotFoundError) as plain:
        service.register("/no/such/picture.png")
    assert "StringIO" not in str(plain.value)  # a path that is a path gets no hint


def test_file_objects_and_bytes_get_what_to_pass(tmp_path: Path) -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    target = tmp_path / "data.bin"
    target.write_bytes(b"x")
    with open(target, "rb") as binary, pytest.raises(TypeError) as opened:
        service.register(binary)  # type: ignore[arg-type]
    assert f"register({str(target)!r})" in str(opened.value)
    with pytest.raises(TypeError, match=r"wrap bytes as io\.BytesIO\(data\)"):
        service.register(b"raw")  # type: ignore[arg-type]
    stream = io.BufferedReader(io.BytesIO(b"abc"))  # a file object with no file behind it
    with pytest.raises(TypeError, match=r"io\.BytesIO\(fobj\.read\(\)\)"):
        service.register(stream)  # type: ignore[arg-type]


def test_serving_twice_on_one_app_says_what_to_change() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    app = flask.Flask(__name__)
    service.serve(app)
    with pytest.raises(ValueError, match="serve\\(\\) was called twice.*another service_name"):
        service.serve(app)


@pytest.mark.parametrize("make_app", [lambda: flask.Flask(__name__), dash_app])
def test_two_services_on_one_route_refuse(make_app) -> None:  # type: ignore[no-untyped-def]
    """A second service with the same service_name (and its own endpoint) would take
    over the route: the first service's items would 404."""
    app = make_app()
    first = dfc.ServiceData(dfc.CachePlain(2))
    first.serve(app)
    second = dfc.ServiceData(dfc.CachePlain(2))
    with pytest.raises(ValueError, match="already answered by the endpoint"):
        second.serve(app, endpoint="my_second_service")
    server = app if isinstance(app, flask.Flask) else app.server
    address = first.register(io.BytesIO(b"first"))
    assert server.test_client().get(address).data == b"first"


def test_registering_before_serve_under_a_prefix_is_refused_at_serve() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    early = service.register(io.BytesIO(b"x"))
    assert early.startswith("/cached-data?uid=")
    with pytest.raises(RuntimeError, match=r"register\(\) ran 1 time\(s\) before serve\(\)"):
        service.serve(dash_app(url_base_pathname="/app/"))


def test_registering_before_serve_without_a_prefix_still_works() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    early = service.register(io.BytesIO(b"x"))
    app = dash_app()
    service.serve(app)
    assert app.server.test_client().get(early).data == b"x"


def test_allowed_cross_origin_on_the_constructor_as_in_0_2_0() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2), allowed_cross_origin="*")
    app = flask.Flask(__name__)
    service.serve(app)
    answer = app.test_client().get(service.register(io.BytesIO(b"x")))
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    with pytest.raises(ValueError, match="allowed_cross_origin"):
        dfc.ServiceData(dfc.CachePlain(2), allowed_cross_origin="not an origin")


@pytest.mark.parametrize(
    "where",
    [
        "/proc/self/fdinfo",  # exists; no file can be created in it, even by root
        "/proc/dash-file-cache-new",  # cannot be created
    ],
)
def test_a_cache_directory_that_cannot_be_written_is_named(where: str) -> None:
    with pytest.raises(PermissionError, match=f"CacheFile cannot keep its files in '{where}'"):
        dfc.CacheFile(where)

"""The public API against the reference: names, aliases, signatures, argument errors."""

from __future__ import annotations

import inspect
import io
import os
from pathlib import Path
from typing import Any

import dash
import flask
import pytest

import dash_file_cache as dfc

from .conftest import served


def test_aliases() -> None:
    assert dfc.ServiceData is dfc.services.ServiceData is dfc.services.data.ServiceData
    for name in ("CachePlain", "CacheQueue", "CacheFile"):
        cls = getattr(dfc, name)
        assert cls is getattr(dfc.caches, name)
        assert issubclass(cls, dfc.caches.abstract.CacheAbstract)


def test_signatures_match_the_reference() -> None:
    def params(func: Any) -> list[tuple[str, Any]]:
        """The reference's parameters; additions must be keyword-only."""
        return [
            (p.name, p.default)
            for p in inspect.signature(func).parameters.values()
            if p.name != "self" and p.kind is not inspect.Parameter.KEYWORD_ONLY
        ]

    empty = inspect.Parameter.empty
    assert params(dfc.ServiceData.__init__) == [
        ("cache", empty),
        ("service_name", "/cached-data"),
        ("chunk_size", 1),
    ]
    assert params(dfc.ServiceData.register) == [
        ("fobj", empty),
        ("file_name", ""),
        ("content_type", ""),
        ("mime_type", "image/jpeg"),
        ("one_time_service", False),
        ("download", False),
    ]
    assert params(dfc.ServiceData.stream) == [("uid", empty), ("download", False)]
    assert params(dfc.ServiceData.serve)[:2] == [("app", empty), ("endpoint", None)]
    assert len(params(dfc.ServiceData.serve)) == 2  # the rest is keyword-only
    keyword_only = {
        name
        for func in (dfc.ServiceData.__init__, dfc.ServiceData.register, dfc.ServiceData.serve)
        for name, p in inspect.signature(func).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert {"resolve_owner", "owner", "ttl", "offload", "public_prefix"} <= keyword_only
    assert params(dfc.CachePlain.__init__)[0] == ("cache_size", empty)
    assert params(dfc.CacheQueue.__init__)[:2] == [("cache_size", empty), ("qobj", None)]
    assert params(dfc.CacheFile.__init__)[:2] == [("cache_dir", None), ("chunk_size", 1)]


def test_the_0_2_0_api_is_kept() -> None:
    """dash-file-cache 0.2.0's public names, import paths and signatures (a removed or
    renamed one breaks apps written for it)."""
    empty = inspect.Parameter.empty
    for name in (
        "CachePlain",
        "CacheQueue",
        "CacheFile",
        "ServiceData",
        "ServiceDownloader",
        "PlainDownloader",
        "Downloader",
        "DownloaderURL",
        "DownloaderStatus",
    ):
        assert name in dfc.__all__ and hasattr(dfc, name), name
    assert dfc.ServiceDownloader is dfc.services.downloader.ServiceDownloader
    assert dfc.DownloaderURL is dfc.components.typehints.DownloaderURL
    assert dfc.DownloaderStatus is dfc.components.typehints.DownloaderStatus
    assert set(dfc.DownloaderStatus.__annotations__) >= {"type", "http_code"}
    assert set(dfc.DownloaderURL.__annotations__) == {"url", "file_name_fallback"}
    request = inspect.signature(dfc.ServiceData.register_request).parameters
    assert [(p.name, p.default) for p in request.values() if p.kind is p.POSITIONAL_OR_KEYWORD] == [
        ("self", empty),
        ("url", empty),
        ("headers", None),
        ("file_name_fallback", ""),
        ("download", True),
    ]
    downloader = inspect.signature(dfc.ServiceDownloader.__init__).parameters
    assert [(n, p.default) for n, p in downloader.items()][1:] == [
        ("service_name", "/dfc-downloader"),
        ("allowed_cross_origin", None),
    ]
    assert {"id", "url", "headers", "allow_cross_origin", "status", "mitm"} <= set(
        dfc.Downloader()._prop_names
    )
    assert {"id", "url"} <= set(dfc.PlainDownloader()._prop_names)


def test_package_ships_py_typed() -> None:
    assert (Path(dfc.__file__).parent / "py.typed").is_file()


# -- constructor -------------------------------------------------------------------------


@pytest.mark.parametrize("cache", [None, {}, "CachePlain", dfc.CachePlain])
def test_cache_must_be_a_cache(cache: Any) -> None:
    with pytest.raises(TypeError, match="cache must be"):
        dfc.ServiceData(cache)


@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)]
)
def test_chunk_size_must_be_a_positive_int(value: Any, error: type) -> None:
    with pytest.raises(error, match="chunk_size"):
        dfc.ServiceData(dfc.CachePlain(1), chunk_size=value)
    service = dfc.ServiceData(dfc.CachePlain(1))
    with pytest.raises(error, match="chunk_size"):
        service.chunk_size = value
    assert service.chunk_size == 1


def test_properties() -> None:
    cache = dfc.CachePlain(1)
    service = dfc.ServiceData(cache, chunk_size=3)
    assert service.cache is cache
    assert service.chunk_size == 3
    service.chunk_size = 5
    assert service.chunk_size == 5
    with pytest.raises(AttributeError):
        service.cache = dfc.CachePlain(2)  # type: ignore[misc]


@pytest.mark.parametrize("name", ["cached-data", "/a?b", "/a#b", "/with space", ""])
def test_service_name_must_be_a_path(name: str) -> None:
    with pytest.raises(ValueError, match="service_name"):
        dfc.ServiceData(dfc.CachePlain(1), service_name=name)
    with pytest.raises(TypeError, match="service_name"):
        dfc.ServiceData(dfc.CachePlain(1), service_name=b"/x")  # type: ignore[arg-type]


# -- register ------------------------------------------------------------------------------


@pytest.mark.parametrize("fobj", [b"bytes", 42, None, io.TextIOWrapper(io.BytesIO())])
def test_register_refuses_other_sources(fobj: Any) -> None:
    service = dfc.ServiceData(dfc.CachePlain(1))
    with pytest.raises(TypeError, match=f"fobj must be .* not {type(fobj).__name__}"):
        service.register(fobj)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"file_name": 1}, TypeError, "file_name"),
        ({"content_type": None}, TypeError, "content_type"),
        ({"mime_type": b"image/png"}, TypeError, "mime_type"),
        ({"mime_type": ""}, ValueError, "mime_type"),
        ({"mime_type": "png"}, ValueError, "mime_type"),
        ({"content_type": "text/plain\r\nX-Evil: 1"}, ValueError, "content_type"),
        ({"one_time_service": "yes"}, TypeError, "one_time_service"),
        ({"download": 1}, TypeError, "download"),
    ],
)
def test_register_argument_errors(kwargs: dict[str, Any], error: type, match: str) -> None:
    cache = dfc.CachePlain(2)
    service = dfc.ServiceData(cache)
    with pytest.raises(error, match=match):
        service.register(io.BytesIO(b"x"), **kwargs)
    assert len(cache) == 0


def test_register_missing_path_or_folder(tmp_path: Path) -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    with pytest.raises(FileNotFoundError):
        service.register(tmp_path / "missing.png")
    with pytest.raises(FileNotFoundError, match="regular file"):
        service.register(tmp_path)


def test_register_accepts_str_and_pathlike(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("hi")
    service = dfc.ServiceData(dfc.CachePlain(4))
    client = served(service).test_client()
    for fobj in (str(path), path, os.path.relpath(path)):
        assert client.get(service.register(fobj)).data == b"hi"


def test_register_address_shape() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2), service_name="/files/data")
    address = service.register(io.BytesIO(b"x"))
    prefix, uid = address.split("?uid=")
    assert prefix == "/files/data"
    assert len(uid) == 32 and int(uid, 16) >= 0
    assert service.register(io.BytesIO(b"x"), download=True).endswith("&download=true")


def test_item_larger_than_max_bytes_is_refused() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2, max_bytes=4))
    with pytest.raises(ValueError, match="max_bytes"):
        service.register(io.BytesIO(b"12345"))


# -- stream and serve ------------------------------------------------------------------------


def test_stream_unknown_uid_raises_file_not_found() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    with pytest.raises(FileNotFoundError):
        service.stream("0" * 32)


def test_stream_outside_a_request_gives_the_whole_item() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    uid = service.register(io.BytesIO(b"abc"), file_name="a.bin").split("uid=")[1]
    response = service.stream(uid, download=True)
    assert b"".join(response.response) == b"abc"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_serve_on_dash_and_flask_and_two_services_on_one_app() -> None:
    app = dash.Dash(__name__)
    app.layout = dash.html.Div("files")
    images = dfc.ServiceData(dfc.CachePlain(2), service_name="/images")
    files = dfc.ServiceData(dfc.CachePlain(2), service_name="/files")
    images.serve(app)
    files.serve(app, endpoint="my_files")
    client = app.server.test_client()
    a = images.register(io.BytesIO(b"image"))
    b = files.register(io.BytesIO(b"file"))
    assert client.get(a).data == b"image"
    assert client.get(b).data == b"file"
    assert client.get(a.replace("/images", "/files")).status_code == 404
    assert "my_files" in app.server.view_functions


def test_serve_refuses_other_apps_and_double_binding() -> None:
    service = dfc.ServiceData(dfc.CachePlain(2))
    with pytest.raises(TypeError, match="app must be"):
        service.serve(object())  # type: ignore[arg-type]
    app = flask.Flask(__name__)
    service.serve(app)
    with pytest.raises(ValueError, match="already bound"):
        service.serve(app)

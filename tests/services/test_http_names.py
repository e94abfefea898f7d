"""The HTTP contract, continued: names (``Content-Disposition``), and text and binary
sources (Flask test client)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

import dash_file_cache as dfc

from .test_http import assert_json_error

# -- download / Content-Disposition -------------------------------------------------------


def test_download_flag_in_the_address_makes_an_attachment(
    service: dfc.ServiceData, client: Any
) -> None:
    address = service.register(io.BytesIO(b"a,b"), file_name="report.csv", download=True)
    assert address.endswith("&download=true")
    disposition = client.get(address).headers["Content-Disposition"]
    assert disposition == "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv"


@pytest.mark.parametrize("value", ["false", "0", "no", "off", "", None])
def test_download_false_or_absent_is_inline(
    service: dfc.ServiceData, client: Any, value: str | None
) -> None:
    address = service.register(io.BytesIO(b"x"), file_name="a.jpg")
    if value is not None:
        address += f"&download={value}"
    assert client.get(address).headers["Content-Disposition"].startswith("inline;")


@pytest.mark.parametrize("value", ["true", "1", "yes", "TRUE"])
def test_download_true_values(service: dfc.ServiceData, client: Any, value: str) -> None:
    address = service.register(io.BytesIO(b"x"), file_name="a.jpg") + f"&download={value}"
    assert client.get(address).headers["Content-Disposition"].startswith("attachment;")


def test_bad_download_value_answers_400(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.BytesIO(b"x")) + "&download=maybe"
    assert "download" in assert_json_error(client.get(address), 400)["error"]


def test_unicode_file_name_has_ascii_fallback_and_rfc5987(
    service: dfc.ServiceData, client: Any
) -> None:
    name = "données – 数据 ✓.csv"
    address = service.register(io.BytesIO(b"1,2"), file_name=name, download=True)
    response = client.get(address)
    assert response.data == b"1,2"
    disposition = response.headers["Content-Disposition"]
    disposition.encode("ascii")
    fallback = disposition.split('filename="')[1].split('"')[0]
    assert fallback.startswith("donnees") and fallback.endswith(".csv")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == name


@pytest.mark.parametrize(
    "name",
    [
        'evil"\r\nSet-Cookie: session=1.txt',
        "a\nb\rc\x00d.txt",
        'semi;colon="quoted"\\back.txt',
        "../../etc/passwd",
        "",
    ],
)
def test_file_names_cannot_inject_headers(service: dfc.ServiceData, client: Any, name: str) -> None:
    address = service.register(io.BytesIO(b"safe"), file_name=name, download=True)
    response = client.get(address)
    assert response.status_code == 200
    assert response.data == b"safe"
    assert "Set-Cookie" not in response.headers
    disposition = response.headers["Content-Disposition"]
    assert not any(ch in disposition for ch in "\r\n\x00")
    assert disposition.count('"') == 2  # the fallback's own quotes only
    assert "/" not in disposition.split("filename*=")[0]


def test_generated_file_name_has_the_mime_extension(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.BytesIO(b"%PDF"), mime_type="application/pdf", download=True)
    disposition = client.get(address).headers["Content-Disposition"]
    assert disposition.split('filename="')[1].split('"')[0].endswith(".pdf")


def test_path_base_name_is_the_default_file_name(
    service: dfc.ServiceData, client: Any, tmp_path: Path
) -> None:
    path = tmp_path / "chart.png"
    path.write_bytes(b"png")
    address = service.register(path, download=True)
    assert 'filename="chart.png"' in client.get(address).headers["Content-Disposition"]


# -- StringIO ------------------------------------------------------------------------------------


def test_stringio_is_utf8_and_content_length_counts_bytes(
    service: dfc.ServiceData, client: Any
) -> None:
    text = "naïve café – 数据 ✓ " * 100
    address = service.register(io.StringIO(text), content_type="text/plain")
    response = client.get(address)
    assert response.data.decode("utf-8") == text
    assert response.headers["Content-Length"] == str(len(text.encode("utf-8")))
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_stringio_svg_states_its_charset(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.StringIO("<svg>é</svg>"), content_type="image/svg+xml")
    assert client.get(address).headers["Content-Type"] == "image/svg+xml; charset=utf-8"


def test_stringio_uses_the_charset_it_is_given(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.StringIO("café"), content_type="text/plain; charset=latin-1")
    assert client.get(address).data == "café".encode("latin-1")
    with pytest.raises(ValueError, match="cannot be encoded"):
        service.register(io.StringIO("数据"), content_type="text/plain; charset=latin-1")
    with pytest.raises(ValueError, match="unknown charset"):
        service.register(io.StringIO("x"), content_type="text/plain; charset=nope")


def test_bytesio_is_registered_whole_whatever_its_position(
    service: dfc.ServiceData, client: Any
) -> None:
    buffer = io.BytesIO(b"0123456789")
    buffer.seek(7)
    assert client.get(service.register(buffer)).data == b"0123456789"
    buffer.write(b"changed")

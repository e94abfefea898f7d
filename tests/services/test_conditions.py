"""The conditional-request rules of the HTTP core, as a table (pure: no server)."""

from __future__ import annotations

import pytest

from dash_file_cache.services.conditions import Outcome, evaluate, parse_range

ETAG = "abc123"
SIZE = 1000


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, Outcome("full")),
        ({"range": "bytes=0-9"}, Outcome("partial", 0, 10)),
        ({"range": "bytes=990-"}, Outcome("partial", 990, 10)),
        ({"range": "bytes=-10"}, Outcome("partial", 990, 10)),
        ({"range": "bytes=-5000"}, Outcome("partial", 0, SIZE)),  # longer than the item
        ({"range": "bytes=995-2000"}, Outcome("partial", 995, 5)),
        ({"range": "bytes=1000-"}, Outcome("unsatisfiable")),
        ({"range": "bytes=5-3"}, Outcome("unsatisfiable")),
        ({"range": "bytes=-0"}, Outcome("unsatisfiable")),
        ({"range": "items=0-9"}, Outcome("unsatisfiable")),
        ({"range": "bytes=a-b"}, Outcome("unsatisfiable")),
        ({"range": "bytes=0-9,20-29"}, Outcome("full")),  # several ranges: the whole
        ({"range": " bytes = 0 - 9 "}, Outcome("partial", 0, 10)),
        ({"range": "bytes=0-9", "if-range": f'"{ETAG}"'}, Outcome("partial", 0, 10)),
        ({"range": "bytes=0-9", "if-range": ETAG}, Outcome("partial", 0, 10)),
        ({"range": "bytes=0-9", "if-range": '"stale"'}, Outcome("full")),
        ({"range": "bytes=0-9", "if-range": f'W/"{ETAG}"'}, Outcome("full")),
        ({"range": "bytes=0-9", "if-range": "Thu, 01 Jan 1970 00:00:00 GMT"}, Outcome("full")),
        ({"if-range": '"stale"'}, Outcome("full")),  # no Range: If-Range means nothing
        ({"if-none-match": f'"{ETAG}"'}, Outcome("not_modified")),
        ({"if-none-match": f'W/"{ETAG}"'}, Outcome("not_modified")),  # weak comparison
        ({"if-none-match": f'"x", "{ETAG}"'}, Outcome("not_modified")),
        ({"if-none-match": "*"}, Outcome("not_modified")),
        ({"if-none-match": '"other"'}, Outcome("full")),
        ({"if-none-match": ""}, Outcome("full")),
        ({"if-match": f'"{ETAG}"'}, Outcome("full")),
        ({"if-match": "*"}, Outcome("full")),
        ({"if-match": '"other"'}, Outcome("failed")),
        ({"if-match": f'W/"{ETAG}"'}, Outcome("failed")),  # strong comparison
        # RFC 9110, 13.2.2: If-Match, then If-None-Match, then Range.
        ({"if-match": '"other"', "range": "bytes=0-9"}, Outcome("failed")),
        ({"if-match": f'"{ETAG}"', "if-none-match": f'"{ETAG}"'}, Outcome("not_modified")),
        ({"if-none-match": f'"{ETAG}"', "range": "bytes=0-9"}, Outcome("not_modified")),
        ({"if-none-match": '"other"', "range": "bytes=0-9"}, Outcome("partial", 0, 10)),
        ({"if-modified-since": "Thu, 01 Jan 2099 00:00:00 GMT"}, Outcome("full")),
        ({"if-unmodified-since": "Thu, 01 Jan 1970 00:00:00 GMT"}, Outcome("full")),
    ],
)
def test_outcomes(headers: dict[str, str], expected: Outcome) -> None:
    assert evaluate(headers, ETAG, SIZE) == expected


def test_one_time_items_ignore_ranges_but_not_conditions() -> None:
    assert evaluate({"range": "bytes=0-9"}, ETAG, SIZE, ranges=False) == Outcome("full")
    assert evaluate({"if-match": '"x"'}, ETAG, SIZE, ranges=False) == Outcome("failed")


def test_an_empty_item_ignores_ranges() -> None:
    assert evaluate({"range": "bytes=0-9"}, ETAG, 0) == Outcome("full")


def test_parse_range_rejects_what_is_not_one_byte_range() -> None:
    for value in ("bytes", "bytes=", "bytes=-", "bytes=--5", "bytes=1-2-3", "bytes=+1-2"):
        assert parse_range(value, SIZE) is None, value

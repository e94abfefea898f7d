"""``dash_file_cache.generate.csv_rows``: byte-exact against ``to_csv`` for every chunk
size, the header once, dates formatted as their whole column is, pandas optional."""

from __future__ import annotations

import csv
import sys
from typing import Any

import pytest

from dash_file_cache.generate import csv_rows

pandas = pytest.importorskip("pandas")
numpy = pytest.importorskip("numpy")


def frame() -> Any:
    """Seven rows: numbers, missing values, quotes, separators, non-ASCII text, dates
    mostly at midnight (one not, one with milliseconds), durations, a date index."""
    dates = pandas.Series(
        pandas.to_datetime(
            ["2024-01-01", None, "2024-01-02 10:30", "2024-01-03", "2024-01-04", "2024-01-05",
             "2024-01-06 00:00:00.250"],
            format="mixed",
        )
    )  # fmt: skip
    table = pandas.DataFrame(
        {
            "n": range(7),
            "x": [1.5, numpy.nan, 3.0, -0.1, 1e20, 2.25, 7.0],
            "text": ["plain", "a,b", 'say "hi"', "été ☃", None, "line\nbreak", "日本"],
            "when": dates,
            "aware": dates.dt.tz_localize("Europe/Paris"),
            "took": pandas.to_timedelta(["1D", "2D", None, "3D", "1D 00:00:01", "4D", "5D"]),
            "flag": [True, False, True, True, False, False, True],
        }
    )
    table.index = pandas.DatetimeIndex(
        pandas.date_range("2023-12-31", periods=7, freq="D"), name="day"
    )
    return table


def joined(table: Any, **options: Any) -> bytes:
    return b"".join(csv_rows(table, **options))


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 7, 10_000])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"index": False},
        {"sep": ";", "na_rep": "NA", "float_format": "%.3f"},
        {"quoting": csv.QUOTE_NONNUMERIC},
        {"date_format": "%d/%m/%Y", "columns": ["n", "when", "text"]},
        {"header": ["N", "X", "T", "W", "A", "D", "F"], "index_label": "date"},
    ],
)
def test_csv001_byte_exact_against_to_csv(chunk_rows: int, options: dict[str, Any]) -> None:
    table = frame()
    expected = table.to_csv(**options).encode("utf-8")
    chunks = list(csv_rows(table, chunk_rows=chunk_rows, **options))
    assert b"".join(chunks) == expected
    assert len(chunks) == -(-len(table) // chunk_rows)  # one chunk per slice of rows
    assert all(isinstance(chunk, bytes) for chunk in chunks)


def test_csv002_dates_keep_the_format_of_their_whole_column() -> None:
    """pandas writes a date column as dates when every value is at midnight; a slice of
    such values in a column that is not must still carry the times."""
    table = pandas.DataFrame(
        {"t": pandas.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03 12:00"], format="mixed")}
    )
    first = next(iter(csv_rows(table, chunk_rows=1, index=False)))
    assert first == b"t\n2024-01-01 00:00:00\n"
    assert joined(table, chunk_rows=1) == table.to_csv().encode()


def test_csv003_encodings_and_empty_frames() -> None:
    table = frame()
    sig = joined(table, chunk_rows=2, encoding="utf-8-sig")
    assert sig.startswith(b"\xef\xbb\xbf") and sig.count(b"\xef\xbb\xbf") == 1  # one BOM
    assert sig == table.to_csv().encode("utf-8-sig")
    latin = pandas.DataFrame({"name": ["café", "naïve"]})
    assert joined(latin, encoding="latin-1") == latin.to_csv().encode("latin-1")
    empty = table.iloc[:0]
    assert joined(empty) == empty.to_csv().encode()
    assert joined(pandas.DataFrame()) == pandas.DataFrame().to_csv().encode()


def test_csv004_mistakes_are_refused() -> None:
    with pytest.raises(TypeError, match="pandas or polars DataFrame, not list"):
        csv_rows([[1, 2]])
    with pytest.raises(ValueError, match="chunk_rows"):
        csv_rows(frame(), chunk_rows=0)
    with pytest.raises(TypeError, match="path_or_buf"):
        csv_rows(frame(), path_or_buf="out.csv")


def test_csv005_without_pandas_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    with pytest.raises(ImportError, match=r'pip install "dash-file-cache\[pandas\]"'):
        csv_rows(object())


def test_csv006_polars() -> None:
    polars = pytest.importorskip("polars")
    table = polars.DataFrame({"n": list(range(25)), "s": ['é,"x"'] * 25})
    expected = table.write_csv().encode()
    for chunk_rows in (1, 4, 25, 100):
        assert joined(table, chunk_rows=chunk_rows) == expected
    assert joined(table, include_header=False) == table.write_csv(include_header=False).encode()

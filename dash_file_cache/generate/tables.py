"""Data frames as CSV, a slice of rows at a time (:func:`csv_rows`).

pandas and polars are optional: each is imported only when a frame needs it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import Any

__all__ = ("csv_rows",)

PANDAS_MISSING = 'csv_rows() needs pandas: pip install "dash-file-cache[pandas]"'


def csv_rows(frame: Any, *, chunk_rows: int = 10000, **to_csv_options: Any) -> Iterator[bytes]:
    """A data frame as CSV ``bytes``, ``chunk_rows`` rows at a time: pass it to
    ``register()``.

    A pandas ``DataFrame`` is written with ``to_csv`` on each slice of rows, the header
    once, so the bytes are those of ``frame.to_csv(**to_csv_options)``: date and
    duration columns (and index) are written with the format the whole column gets,
    not each slice's own. A polars ``DataFrame`` is written with ``write_csv`` (its
    header option is ``include_header``). Only one slice's text is held at a time.

    :param frame: a pandas or polars ``DataFrame``.
    :param chunk_rows: rows per chunk.
    :param to_csv_options: options of ``to_csv`` (pandas) or ``write_csv`` (polars);
        ``encoding`` (default UTF-8, ``"utf-8-sig"`` writes one BOM) and ``errors``
        apply to the text made.
    :returns: a generator of ``bytes`` chunks.
    :raises ImportError: if ``frame`` is no polars frame and pandas is not installed.
    :raises TypeError: if ``frame`` is not a data frame, or a target path is given.
    """
    if not (isinstance(chunk_rows, int) and chunk_rows >= 1):
        raise ValueError(f"chunk_rows must be a positive int, not {chunk_rows!r}")
    for option in ("path_or_buf", "file"):
        if option in to_csv_options:
            raise TypeError(f"csv_rows() makes the text itself: drop {option}=")
    encoder = codecs.getincrementalencoder(to_csv_options.pop("encoding", None) or "utf-8")(
        to_csv_options.pop("errors", "strict")
    )
    if type(frame).__module__.split(".")[0] == "polars":
        return _encoded(_polars_text(frame, chunk_rows, to_csv_options), encoder)
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(PANDAS_MISSING) from exc
    if not isinstance(frame, pandas.DataFrame):
        raise TypeError(
            f"csv_rows() takes a pandas or polars DataFrame, not {type(frame).__name__}"
        )
    return _encoded(_pandas_text(frame, chunk_rows, to_csv_options), encoder)


def _encoded(texts: Iterator[str], encoder: codecs.IncrementalEncoder) -> Iterator[bytes]:
    for text in texts:
        yield encoder.encode(text)


def _polars_text(frame: Any, chunk_rows: int, options: dict[str, Any]) -> Iterator[str]:
    header = options.pop("include_header", True)
    for start in range(0, max(frame.height, 1), chunk_rows):
        chunk = frame.slice(start, chunk_rows)
        yield chunk.write_csv(include_header=header and start == 0, **options)


def _pandas_text(frame: Any, chunk_rows: int, options: dict[str, Any]) -> Iterator[str]:
    header = options.pop("header", True)
    dates = options.get("date_format") is None  # else dates are formatted one by one
    columns = {
        i: _witnesses(frame.iloc[:, i])
        for i, dtype in enumerate(frame.dtypes)
        if dtype.kind == "m" or (dtype.kind == "M" and dates)
    }
    kind = frame.index.dtype.kind
    index = _witnesses(frame.index) if kind == "m" or (kind == "M" and dates) else None
    for start in range(0, max(len(frame), 1), chunk_rows):
        chunk = frame.iloc[start : start + chunk_rows]
        if columns or index is not None:
            chunk = chunk.copy(deep=False)
            for i, witnesses in columns.items():
                chunk.isetitem(i, _as_whole(chunk.iloc[:, i], frame.iloc[witnesses, i]))
            if index is not None:
                chunk.index = _as_whole(chunk.index, frame.index[index])
        yield chunk.to_csv(header=header if start == 0 else False, **options)


def _witnesses(values: Any) -> list[int]:
    """Positions of the values that decide how pandas formats the whole of ``values``
    (a date or duration column or index): the first that is not a whole day, and the
    first with fractions of a second in milli-, micro- and nanoseconds."""
    import numpy
    import pandas

    valid = numpy.asarray(pandas.notna(values), dtype=bool)
    parts = values.dt if hasattr(values, "dt") else values
    if values.dtype.kind == "M":
        seconds = parts.hour * 3600 + parts.minute * 60 + parts.second
        micro, nano = parts.microsecond, parts.nanosecond
    else:
        seconds, micro, nano = parts.seconds, parts.microseconds, parts.nanoseconds
    flags = [(seconds != 0) | (micro != 0) | (nano != 0), micro != 0, micro % 1000 != 0, nano != 0]
    found = []
    for flag in flags:
        where = numpy.flatnonzero(numpy.asarray(flag, dtype=bool) & valid)
        found += [int(where[0])] if len(where) else []
    return found


def _as_whole(part: Any, witnesses: Any) -> Any:
    """``part`` as text, formatted as pandas formats its whole column (the witnesses
    appended while formatting); missing values stay missing (written as ``na_rep``)."""
    import numpy
    import pandas

    together = pandas.concat([pandas.Series(part), pandas.Series(witnesses)], ignore_index=True)
    text = together.astype(str).to_numpy(dtype=object)[: len(part)]
    text[numpy.asarray(pandas.isna(part), dtype=bool)] = None
    if isinstance(part, pandas.Index):
        return pandas.Index(text, dtype=object, name=part.name)
    return pandas.Series(text, index=part.index, dtype=object, name=part.name)

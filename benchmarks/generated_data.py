"""The data ``generated.py`` sends: a deterministic CSV of synthetic sensor readings.

Row ``n`` is always the same text, so every case (a generator, a temporary file, a
``dcc.send_string`` and a ``dcc.send_data_frame`` of the same rows) sends the same bytes,
and the length of the first ``rows`` rows is known without making them
(:func:`csv_size`), so a size in MiB maps to a row count (:func:`rows_for`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

HEADER = "row,date,time,sensor,temperature,humidity\n"
SECONDS_A_DAY = 86400  # one reading a second: rows of one day
BATCH = 16_384  # rows joined into one chunk: about 0.7 MB


@cache
def day_columns() -> tuple[list[str], list[str], list[str], list[str]]:
    """For each second of a day: its time, sensor, temperature and humidity, as text."""
    seconds = range(SECONDS_A_DAY)
    times = [f"{s // 3600:02}:{s // 60 % 60:02}:{s % 60:02}" for s in seconds]
    sensors = [f"s{s % 64:02}" for s in seconds]
    temperatures = [f"{(s * 7919) % 3600 / 100:.2f}" for s in seconds]
    humidities = [f"{(s * 104729) % 1200 / 10:.1f}" for s in seconds]
    return times, sensors, temperatures, humidities


@cache
def tails() -> list[str]:
    """Everything of a row after its date, for each second of a day."""
    return [",".join(("", *parts)) + "\n" for parts in zip(*day_columns(), strict=True)]


@cache
def tail_prefix_sums() -> list[int]:
    """``sums[s]``: the length of the tails of seconds ``0 .. s - 1``."""
    sums = [0]
    for tail in tails():
        sums.append(sums[-1] + len(tail))
    return sums


def date(day: int) -> str:
    """The date of day ``day`` (28-day months: the text only has to be plausible)."""
    return f"{2024 + day // 336}-{1 + day // 28 % 12:02}-{1 + day % 28:02}"


DATE_LENGTH = 1 + len(date(0))  # a comma and the date: the same for every day before 9999


def digits_total(rows: int) -> int:
    """The number of digits of ``0, 1, ..., rows - 1`` written in decimal."""
    total, width, start = 0, 1, 0
    while start < rows:
        end = min(rows, 10**width)
        total += (end - start) * width
        start, width = end, width + 1
    return total


def csv_size(rows: int) -> int:
    """The length in bytes of the CSV of ``rows`` rows (header included)."""
    days, second = divmod(rows, SECONDS_A_DAY)
    sums = tail_prefix_sums()
    tail_bytes = days * sums[-1] + sums[second]
    return len(HEADER) + digits_total(rows) + rows * DATE_LENGTH + tail_bytes


def rows_for(size: int) -> int:
    """The fewest rows whose CSV is at least ``size`` bytes."""
    low, high = 0, max(1, size)  # every row has more than one byte
    while low < high:
        middle = (low + high) // 2
        if csv_size(middle) >= size:
            high = middle
        else:
            low = middle + 1
    return low


def csv_text(first: int, count: int) -> str:
    """Rows ``first`` to ``first + count - 1``."""
    all_tails = tails()
    parts, row, end = [], first, first + count
    while row < end:
        day, second = divmod(row, SECONDS_A_DAY)
        stop = min(end, (day + 1) * SECONDS_A_DAY)
        prefix = "," + date(day)
        day_tails = all_tails[second : second + stop - row]
        rows = zip(range(row, stop), day_tails, strict=True)
        parts.append("".join([f"{n}{prefix}{tail}" for n, tail in rows]))
        row = stop
    return "".join(parts)


def csv_chunks(rows: int, first: int = 0) -> Iterator[bytes]:
    """The CSV of rows ``first`` to ``first + rows - 1``, header first, ``BATCH`` rows a
    chunk, made as it is read."""
    yield HEADER.encode()
    for start in range(first, first + rows, BATCH):
        yield csv_text(start, min(BATCH, first + rows - start)).encode()


def csv_frame(rows: int) -> Any:
    """The same rows as a pandas ``DataFrame``; ``frame.to_csv(index=False)`` gives the
    bytes of :func:`csv_chunks` (text columns point into per-day tables, so the frame
    costs about 8 bytes a cell)."""
    import numpy as np
    import pandas as pd

    numbers = np.arange(rows, dtype=np.int64)
    days, seconds = np.divmod(numbers, SECONDS_A_DAY)
    dates = np.array([date(day) for day in range(int(days[-1]) + 1 if rows else 0)], dtype=object)
    columns: dict[str, Any] = {"row": numbers, "date": dates[days]}
    names = ("time", "sensor", "temperature", "humidity")
    for name, values in zip(names, day_columns(), strict=True):
        columns[name] = np.array(values, dtype=object)[seconds]
    return pd.DataFrame(columns)

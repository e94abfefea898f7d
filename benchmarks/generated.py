"""Generated exports under gunicorn: a large CSV and a zip of many files, streamed by
``register()`` of a generator, against the ways a Dash app does it without that.

Every server is the Dash app of ``generated_app.py`` under gunicorn (one sync worker,
127.0.0.1), started afresh for each measurement; the client sends the callback POST a
browser sends when the button is clicked, and (for an address) then GETs it, reading
1 MiB at a time. Measured from the click: the time to the file's first byte and to its
last, and the worker's peak RSS growth (``VmHWM`` reset just before the click).

CSV (``--csv-mib``; a deterministic CSV of sensor readings, the same bytes in every
case, checked by length and CRC-32):

- the generator's own time to make the bytes into ``/dev/null`` (in a fresh process, as
  a worker runs it): the floor of any way to send them;
- ``register()`` of the generator (stored while it streams), and with
  ``one_time_service=True`` (one pass, nothing stored), both with ``size=``;
- writing a temporary file, then ``register()`` of its path;
- ``dcc.send_string`` of the CSV text, and ``dcc.send_data_frame`` of a ``DataFrame`` of
  the same rows (the file inside the callback's JSON; ``--frame-mib`` caps the latter).

Zip (``--zip-files`` files of ``--zip-mib`` MiB of CSV text, deflated at level 6):
``register()`` of ``zip_stream`` (stored while it streams, and one-time), against
``zipfile`` writing the same archive to disk in this process.

Targets (PASS/FAIL printed; the exit status is 0 either way): CSV time to first byte
under 0.5 s, end-to-end within 1.1x the generator's own time, RSS growth under 64 MiB;
zip time to first byte under 0.5 s, RSS flat (growth under 16 MiB), throughput at least
0.8x ``zipfile`` to disk.

Run: ``python benchmarks/generated.py [--csv-mib 1024] [--zip-files 20] [--zip-mib 50]
[--frame-mib N] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from generated_data import csv_chunks, csv_size, rows_for, tail_prefix_sums
from gunicorn_cases import process, wait_for, worker_pid
from measure import MIB, free_port, status_kib

BENCHMARKS = Path(__file__).resolve().parent
CALLBACK_ROUTE = "/_dash-update-component"
READ = MIB  # bytes the client asks for at a time
TIMEOUT = 1800  # s: a whole answer (send_data_frame of 1 GiB takes about a minute)

CSV_CASES = {  # case -> its label in the tables
    "generated": "`register(generator)`, stored as it streams",
    "one-time": "`register(generator, one_time_service=True)`",
    "temp-file": "write a temp file, then `register(path)`",
    "send_string": "`dcc.send_string`",
    "send_data_frame": "`dcc.send_data_frame`",
}
OURS = ("generated", "one-time")
ONCE = ("send_string", "send_data_frame")  # slow: one sample a run, not one a round
ZIP_CASES = {
    "zip": "`register(zip_stream)`, stored as it streams",
    "zip-one-time": "`register(zip_stream, one_time_service=True)`",
}
TTFB_TARGET = 0.5  # s
CSV_TIME_TARGET = 1.1  # x the generator's own time
CSV_RSS_TARGET = 64  # MiB
ZIP_RSS_TARGET = 16  # MiB: "flat"
ZIP_SPEED_TARGET = 0.8  # x zipfile writing the same archive to disk
ZIP_LEVEL = 6  # deflate level, the same for zip_stream and zipfile


@dataclass
class Run:
    """One measured click: seconds to the first and the last byte, peak RSS growth
    (MiB), bytes received and their CRC-32 (the file inside a dcc answer)."""

    first: float
    last: float
    rss: float
    size: int
    crc: int
    tail: bytes = b""


def callback_body(output: str, button: str = "go") -> bytes:
    """The POST a browser sends when ``button`` is clicked, for ``output``."""
    component, prop = output.split(".")
    return json.dumps(
        {
            "output": output,
            "outputs": {"id": component, "property": prop},
            "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
            "changedPropIds": [f"{button}.n_clicks"],
            "state": [],
        }
    ).encode()


def reset_peak(pid: int) -> int:
    """Forget ``pid``'s peak RSS; return its RSS now (KiB)."""
    with open(f"/proc/{pid}/clear_refs", "w") as refs:
        refs.write("5")
    return status_kib(pid, "VmRSS")


def read_body(response: http.client.HTTPResponse, started: float) -> tuple[float, int, int, bytes]:
    """Read a body ``READ`` bytes at a time: (seconds to its first byte, bytes, CRC-32,
    its last 64 KiB)."""
    first = None
    size, crc, tail = 0, 0, b""
    while chunk := response.read1(READ):
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
        crc = zlib.crc32(chunk, crc)
        tail = (tail + chunk)[-65536:]
    return (first if first is not None else time.perf_counter() - started), size, crc, tail


def click(port: int, worker: int, case: str) -> Run:
    """Click the button of ``case``'s app and receive the file."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        before = reset_peak(worker)
        started = time.perf_counter()
        output = "dl.data" if case in ONCE else "out.children"
        headers = {"Content-Type": "application/json"}
        conn.request("POST", CALLBACK_ROUTE, body=callback_body(output), headers=headers)
        response = conn.getresponse()
        if case in ONCE:  # the file is inside the JSON: its first byte comes with the answer's
            assert response.status == 200, (case, response.status)
            head = response.read1(READ)
            first = time.perf_counter() - started
            answer = json.loads(head + response.read())
            data = answer["response"]["dl"]["data"]
            assert not data["base64"], data.get("filename")
            content = data["content"].encode()
            last = time.perf_counter() - started
            size, crc, tail = len(content), zlib.crc32(content), content[-65536:]
            del answer, data, content
        else:
            body = response.read()
            assert response.status == 200, (case, response.status, body[:300])
            address = json.loads(body)["response"]["out"]["children"]
            conn.request("GET", address)
            response = conn.getresponse()
            assert response.status == 200, (case, response.status, response.read(300))
            first, size, crc, tail = read_body(response, started)
            last = time.perf_counter() - started
        time.sleep(0.05)  # let the worker finish the response before reading its peak
        rss = (status_kib(worker, "VmHWM") - before) / 1024
        return Run(first, last, rss, size, crc, tail)
    finally:
        conn.close()


def serve(stack: ExitStack, work: Path, case: str, env: dict[str, str]) -> tuple[int, int]:
    """``case``'s app under gunicorn, answering: (port, worker pid)."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--worker-class", "sync", "--timeout", str(TIMEOUT)]
    command += ["--graceful-timeout", "5", "--chdir", str(BENCHMARKS), "generated_app:server"]
    env = {**env, "BENCH_CASE": case, "BENCH_DIR": str(work)}
    proc = stack.enter_context(process(command, work / f"{case}.log", env=env))

    def answers() -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for path in ("/", "/_dash-layout", "/_dash-dependencies"):  # warm up
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    return False
            headers = {"Content-Type": "application/json"}  # and a first callback
            body = callback_body("ping.children", button="ping")
            conn.request("POST", CALLBACK_ROUTE, body=body, headers=headers)
            response = conn.getresponse()
            return b"pong" in response.read() and response.status == 200
        finally:
            conn.close()

    wait_for(answers, proc, f"gunicorn ({case})")
    return port, worker_pid(proc.pid)


def measure(work: Path, case: str, env: dict[str, str]) -> Run:
    """One click on a fresh server of ``case``; then the disk is synced (untimed), so
    that the gigabyte a case wrote (a spool, a temporary file) is not written back to
    the disk during the next case's measurement."""
    try:
        with ExitStack() as stack:
            port, worker = serve(stack, work, case, env)
            return click(port, worker, case)
    finally:
        os.sync()


DEV_NULL = r"""
import os, sys, time
from generated_data import csv_chunks, tail_prefix_sums
tail_prefix_sums()  # the tables, made before the clock starts (as the app makes them)
rows, size = int(sys.argv[1]), 0
with open(os.devnull, "wb") as sink:
    started = time.perf_counter()
    for chunk in csv_chunks(rows):
        sink.write(chunk)
        size += len(chunk)
    print(time.perf_counter() - started, size)
"""


def to_dev_null(rows: int, env: dict[str, str]) -> tuple[float, int]:
    """The generator's own time to make the CSV into ``/dev/null``, in a fresh process
    like a server's worker: (s, bytes)."""
    command = [sys.executable, "-c", DEV_NULL, str(rows)]
    done = subprocess.run(command, cwd=BENCHMARKS, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    seconds, size = done.stdout.split()
    return float(seconds), int(size)


def csv_crc(rows: int) -> int:
    """The CRC-32 of the CSV (untimed), to check what each case sends."""
    crc = 0
    for chunk in csv_chunks(rows):
        crc = zlib.crc32(chunk, crc)
    return crc


def write_zip_files(folder: Path, count: int, size_mib: int) -> int:
    """``count`` files of ``size_mib`` MiB of CSV text each (other rows in each file);
    returns their total size in bytes."""
    folder.mkdir()
    rows = rows_for(size_mib * MIB)
    total = 0
    for index in range(count):
        path = folder / f"part-{index:03}.csv"
        with open(path, "wb") as out:
            for chunk in csv_chunks(rows, first=index * rows):
                out.write(chunk)
        total += path.stat().st_size
    return total


def zipfile_to_disk(folder: Path, target: Path) -> float:
    """Seconds for ``zipfile`` to write the archive of ``folder`` to ``target``."""
    started = time.perf_counter()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def zip_entries(tail: bytes) -> int:
    """The entry count in the end-of-central-directory record at the end of a zip."""
    at = tail.rfind(b"PK\x05\x06")
    assert at >= 0, "no end of central directory: not a complete zip"
    return int.from_bytes(tail[at + 10 : at + 12], "little")


def mib(size: int) -> str:
    return f"{size / MIB:,.0f} MiB" if size >= 10 * MIB else f"{size / MIB:,.1f} MiB"


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def median_run(runs: list[Run]) -> Run:
    """Each figure's median over ``runs`` (which all carry the same bytes)."""
    return Run(
        statistics.median(r.first for r in runs),
        statistics.median(r.last for r in runs),
        statistics.median(r.rss for r in runs),
        runs[0].size,
        runs[0].crc,
    )


def table_head(columns: str, reference: str) -> None:
    """Print a Markdown table's head (``columns``: ``|``-separated names; the first column
    left-aligned, the others right) and its first row, the reference."""
    count = columns.count("|") + 1
    print(f"| {columns} |")
    print("| --- |" + " ---: |" * (count - 1))
    print(f"| {reference} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv-mib", type=int, default=1024, help="the CSV's size in MiB")
    parser.add_argument(
        "--frame-mib",
        type=int,
        default=None,
        help="cap the dcc.send_data_frame case at this many MiB (default: --csv-mib)",
    )
    parser.add_argument("--zip-files", type=int, default=20, help="files in the zip")
    parser.add_argument("--zip-mib", type=int, default=50, help="size of each file, MiB")
    parser.add_argument("--rounds", type=int, default=3, help="samples of the fast cases")
    args = parser.parse_args()
    tail_prefix_sums()  # the generator's tables, made before anything is timed
    rows = rows_for(args.csv_mib * MIB)
    frame_mib = min(args.frame_mib or args.csv_mib, args.csv_mib)
    frame_rows = rows_for(frame_mib * MIB)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    csv_runs: dict[str, list[Run]] = {case: [] for case in CSV_CASES}
    zip_runs: dict[str, list[Run]] = {case: [] for case in ZIP_CASES}
    floor_runs: list[tuple[float, int]] = []
    zipfile_runs: list[float] = []
    with tempfile.TemporaryDirectory(prefix="dfc-generated-") as folder:
        work = Path(folder)
        zip_dir = work / "zip-files"
        zip_input = write_zip_files(zip_dir, args.zip_files, args.zip_mib)
        csv_env = {**env, "BENCH_ROWS": str(rows)}
        zip_env = {**env, "BENCH_ZIP_DIR": str(zip_dir)}
        for index in range(args.rounds):  # rounds interleave the cases, order rotated
            floor_runs.append(to_dev_null(rows, env))
            fast = [case for case in CSV_CASES if case not in ONCE]
            turn = index % len(fast)
            for case in fast[turn:] + fast[:turn]:
                csv_runs[case].append(measure(work, case, csv_env))
            zipfile_runs.append(zipfile_to_disk(zip_dir, work / "zipfile.zip"))
            for case in ZIP_CASES if index % 2 == 0 else reversed(ZIP_CASES):
                zip_runs[case].append(measure(work, case, zip_env))
        csv_runs["send_string"].append(measure(work, "send_string", csv_env))
        frame_env = {**env, "BENCH_ROWS": str(frame_rows)}
        csv_runs["send_data_frame"].append(measure(work, "send_data_frame", frame_env))

    floor = statistics.median(run[0] for run in floor_runs)
    size, crc = floor_runs[0][1], csv_crc(rows)
    assert size == csv_size(rows), (size, csv_size(rows))
    for case, runs in csv_runs.items():
        want = (size, crc) if case != "send_data_frame" else (csv_size(frame_rows), None)
        for run in runs:
            assert run.size == want[0], (case, run.size, want[0])
            assert want[1] is None or run.crc == want[1], (case, "CRC-32 differs")
    frame_crc = zlib.crc32(b"".join(csv_chunks(frame_rows))) if frame_rows < rows else crc
    assert csv_runs["send_data_frame"][0].crc == frame_crc, "send_data_frame: CRC-32 differs"
    for case, runs in zip_runs.items():
        for run in runs:
            assert zip_entries(run.tail) == args.zip_files, case
    csv = {case: median_run(runs) for case, runs in csv_runs.items()}
    zips = {case: median_run(runs) for case, runs in zip_runs.items()}
    zip_floor = statistics.median(zipfile_runs)

    print(
        f"gunicorn 1 sync worker, 127.0.0.1, a fresh server per measurement; "
        f"{args.rounds} interleaved round(s), medians (dcc cases: one sample); times from "
        "the click (the callback POST), RSS = the worker's peak growth"
    )
    print(
        f"\n### CSV: {mib(size)} ({size:,} bytes, {rows:,} rows); the generator alone "
        f"into /dev/null: {floor:.2f} s ({size / floor / 1e6:,.0f} MB/s)\n"
    )
    ours = csv["generated"]
    table_head(
        "case | size | time to first byte | end-to-end | vs generator → /dev/null | MB/s "
        "| worker peak RSS growth | first byte vs ours | RSS vs ours",
        f"generator → /dev/null (its own process) | {mib(size)} | — | {floor:.2f} s | 1.00x "
        f"| {size / floor / 1e6:,.0f} | — | — | —",
    )
    for case, label in CSV_CASES.items():
        run = csv[case]
        shown = mib(run.size)
        if case == "send_data_frame" and frame_rows < rows:
            label += f" (**capped at {frame_mib} MiB**, --frame-mib)"
        per_floor = run.last / (floor * run.size / size)
        print(
            f"| {label} | {shown} | {run.first:.3f} s | {run.last:.2f} s | {per_floor:.2f}x "
            f"| {run.size / run.last / 1e6:,.0f} | {run.rss:,.1f} MiB "
            f"| {run.first / ours.first:,.1f}x | "
            + (f"{run.rss / ours.rss:,.1f}x |" if ours.rss >= 1 else "— |")
        )
    for case in (*OURS, "temp-file"):
        seconds = ", ".join(f"{run.last:.2f}" for run in csv_runs[case])
        print(f"\n{CSV_CASES[case]}, end-to-end of each round: {seconds} s")
    floors = ", ".join(f"{seconds:.2f}" for seconds, _ in floor_runs)
    print(f"\nthe generator into /dev/null, each round: {floors} s")
    print(
        "\n(For `dcc.send_*` the first byte is that of the callback's JSON answer, sent once "
        "the whole file is made and encoded; the browser has the file only at its end.)"
    )
    if frame_rows < rows:
        print(
            f"\n(`dcc.send_data_frame` ran on the first {frame_mib} MiB of the rows only: its "
            "'vs generator' column is against the generator's time for that many bytes.)"
        )

    print(
        f"\n### Zip: {args.zip_files} files x {args.zip_mib} MiB of CSV ({mib(zip_input)}), "
        f"deflate level {ZIP_LEVEL}; `zipfile` writing it to disk (this process): "
        f"{zip_floor:.2f} s ({zip_input / zip_floor / 1e6:,.0f} MB/s of input)\n"
    )
    table_head(
        "case | zip size | time to first byte | end-to-end | MB/s of input "
        "| vs zipfile to disk | worker peak RSS growth",
        f"`zipfile` to disk (this process) | — | — | {zip_floor:.2f} s "
        f"| {zip_input / zip_floor / 1e6:,.0f} | 1.00x | —",
    )
    for case, label in ZIP_CASES.items():
        run = zips[case]
        print(
            f"| {label} | {mib(run.size)} | {run.first:.3f} s | {run.last:.2f} s "
            f"| {zip_input / run.last / 1e6:,.0f} | {zip_floor / run.last:.2f}x "
            f"| {run.rss:,.1f} MiB |"
        )

    print("\n### Targets\n")
    print("| target | case | measured | result |")
    print("| --- | --- | ---: | --- |")
    for case in OURS:
        run, label = csv[case], CSV_CASES[case]
        print(
            f"| CSV time to first byte < {TTFB_TARGET} s | {label} | {run.first:.3f} s "
            f"| {verdict(run.first < TTFB_TARGET)} |"
        )
        print(
            f"| CSV end-to-end ≤ {CSV_TIME_TARGET}x generator | {label} "
            f"| {run.last / floor:.2f}x | {verdict(run.last <= CSV_TIME_TARGET * floor)} |"
        )
        print(
            f"| CSV RSS growth < {CSV_RSS_TARGET} MiB | {label} | {run.rss:.1f} MiB "
            f"| {verdict(run.rss < CSV_RSS_TARGET)} |"
        )
    for case, label in ZIP_CASES.items():
        run = zips[case]
        speed = zip_floor / run.last
        print(
            f"| zip time to first byte < {TTFB_TARGET} s | {label} | {run.first:.3f} s "
            f"| {verdict(run.first < TTFB_TARGET)} |"
        )
        print(
            f"| zip RSS flat (growth < {ZIP_RSS_TARGET} MiB) | {label} | {run.rss:.1f} MiB "
            f"| {verdict(run.rss < ZIP_RSS_TARGET)} |"
        )
        print(
            f"| zip throughput ≥ {ZIP_SPEED_TARGET}x zipfile to disk | {label} "
            f"| {speed:.2f}x | {verdict(speed >= ZIP_SPEED_TARGET)} |"
        )


if __name__ == "__main__":
    main()

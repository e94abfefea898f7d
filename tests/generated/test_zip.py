"""``dash_file_cache.generate.zip_stream``: archives read back by Python's ``zipfile`` and
by Info-ZIP's ``unzip -t``, their records parsed by hand (local headers, data
descriptors, ZIP64 fields and end records), memory measured while zipping.

ZIP64 is proven two ways, within seconds and without 4 GiB on disk: 65546 small entries
(the ZIP64 end records, the classic count at 0xFFFF), and a generated entry of
4 GiB + 12345 zeros between two small ones, stored, written to a sparse file (the zero
chunks are sought over, not written): its sizes, the next entry's offset and the
central directory's offset all pass 32 bits. ``zipfile`` reads the small entries and
the big one's records; ``unzip -t`` tests the small ones (reading the archive's ZIP64
records) and ``zipinfo`` reports the big one's sizes. Reading the 4 GiB back whole as
well (``DFC_ZIP64_FULL=1``) adds ``testzip()`` and ``unzip -t`` of every entry.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import subprocess
import tempfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask
import pytest

import dash_file_cache as dfc
from dash_file_cache.generate import zip_stream
from dash_file_cache.generate.archive import _may_pass_4gib

UNZIP = shutil.which("unzip")
needs_unzip = pytest.mark.skipif(UNZIP is None, reason="Info-ZIP unzip is not installed")
MAX32 = 0xFFFFFFFF


def build(entries: Any, **options: Any) -> bytes:
    return b"".join(zip_stream(entries, **options))


def unzip(*args: str | Path) -> str:
    """``unzip``'s output; fails the test when it reports an error."""
    assert UNZIP is not None
    result = subprocess.run([UNZIP, *map(str, args)], capture_output=True, timeout=120)
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert result.returncode == 0, output
    return output


# -- records parsed by hand (APPNOTE 4.3), from a read(offset, length) function ---------


def end_records(read: Callable[[int, int], bytes], size: int) -> dict[str, Any]:
    """The end of central directory record, and the ZIP64 ones when there are."""
    (sig, _, _, count, total, cd_size, cd_offset, comment) = struct.unpack(
        "<IHHHHIIH", read(size - 22, 22)
    )
    assert sig == 0x06054B50 and comment == 0 and count == total
    found: dict[str, Any] = {"count": count, "cd_size": cd_size, "cd_offset": cd_offset}
    sig, disk, end64, disks = struct.unpack("<IIQI", read(size - 42, 20))
    if sig == 0x07064B50:
        assert (disk, disks) == (0, 1)
        record = struct.unpack("<IQHHIIQQQQ", read(end64, 56))
        assert record[0] == 0x06064B50 and record[1] == 44 and record[3] == 45
        assert end64 + 56 == size - 42  # the locator follows the ZIP64 end record
        assert record[6] == record[7]
        found["zip64"] = {"count": record[7], "cd_size": record[8], "cd_offset": record[9]}
    return found


def central_records(read: Callable[[int, int], bytes], offset: int, count: int) -> list[dict]:
    """Each central directory record, its ZIP64 field's values resolved."""
    records = []
    for _ in range(count):
        fields = struct.unpack("<IHHHHHHIIIHHHHHII", read(offset, 46))
        assert fields[0] == 0x02014B50
        name_length, extra_length, comment_length = fields[10:13]
        name = read(offset + 46, name_length)
        extra = read(offset + 46 + name_length, extra_length)
        record = {
            "name": name.decode("utf-8"),
            "version": fields[2],
            "flags": fields[3],
            "crc": fields[7],
            "csize": fields[8],
            "usize": fields[9],
            "offset": fields[16],
            "zip64": {},
        }
        if extra:
            header, length = struct.unpack("<HH", extra[:4])
            assert header == 1 and length == len(extra) - 4
            values = list(struct.unpack(f"<{length // 8}Q", extra[4:]))
            for key in ("usize", "csize", "offset"):  # in this order, those at 0xFFFFFFFF
                if record[key] == MAX32:
                    record[key] = record["zip64"][key] = values.pop(0)
            assert values == [] and record["version"] == 45
        records.append(record)
        offset += 46 + name_length + extra_length + comment_length
    return records


def local_records(read: Callable[[int, int], bytes], record: dict) -> dict[str, Any]:
    """An entry's local header and data descriptor (after its data)."""
    fields = struct.unpack("<IHHHHHIIIHH", read(record["offset"], 30))
    assert fields[0] == 0x04034B50
    name_length, extra_length = fields[9:11]
    name = read(record["offset"] + 30, name_length).decode("utf-8")
    extra = read(record["offset"] + 30 + name_length, extra_length)
    assert name == record["name"]
    zip64 = extra == struct.pack("<HHQQ", 1, 16, 0, 0)
    assert zip64 or extra == b""
    assert fields[6] == 0 and fields[7] == fields[8] == (MAX32 if zip64 else 0)
    data_end = record["offset"] + 30 + name_length + extra_length + record["csize"]
    layout = "<IIQQ" if zip64 else "<IIII"
    descriptor = struct.unpack(layout, read(data_end, struct.calcsize(layout)))
    assert descriptor[0] == 0x08074B50
    return {
        "version": fields[1],
        "flags": fields[2],
        "zip64": zip64,
        "descriptor": descriptor[1:],
        "end": data_end + struct.calcsize(layout),
    }


def check_records(data: bytes) -> list[dict]:
    """Walk ``data``'s records: entries back to back, then the central directory."""

    def read(offset: int, length: int) -> bytes:
        return data[offset : offset + length]

    end = end_records(read, len(data))
    wide = end.get("zip64", end)
    records = central_records(read, wide["cd_offset"], wide["count"])
    position = 0
    for record in records:
        assert record["offset"] == position
        local = local_records(read, record)
        assert local["flags"] == record["flags"] == 0x0808  # data descriptor, UTF-8
        assert local["descriptor"] == (record["crc"], record["csize"], record["usize"])
        record["local"] = local
        position = local["end"]
    assert position == wide["cd_offset"]
    return records


# -- archives --------------------------------------------------------------------------


def generated(*chunks: bytes | str) -> Iterator[bytes | str]:
    yield from chunks


@pytest.fixture
def files(tmp_path: Path) -> dict[str, bytes]:
    """Files on disk: one of several read chunks, one small, one empty."""
    contents = {
        "big.bin": os.urandom(300_000) + b"tail" * 50_000,
        "small.txt": b"hello\n",
        "empty.dat": b"",
    }
    for name, content in contents.items():
        (tmp_path / name).write_bytes(content)
    return contents


@needs_unzip
@pytest.mark.parametrize("compression", ["deflate", "store"])
def test_zip001_files_bytes_generated_and_empty_entries(
    compression: str, files: dict[str, bytes], tmp_path: Path
) -> None:
    when = dt.datetime(2024, 5, 17, 13, 45, 30)
    entries: list[Any] = [(f"disk/{name}", tmp_path / name) for name in files]
    entries += [
        ("disk/as-str.txt", str(tmp_path / "small.txt")),
        ("bytes.bin", b"\x00\x01\x02" * 1000, when),
        ("generated.csv", generated("a,b\n", b"1,2\n", "3,\u00e9\n", b""), when.timestamp()),
        ("empty-generated", generated()),
        ("empty-bytes", b""),
        ("folder/", b""),
        ("file-object.txt", io.BytesIO(b"from a file object")),
        ("données/été ☃.txt", "ünïcödé".encode()),
    ]
    expected = {f"disk/{name}": content for name, content in files.items()}
    expected |= {
        "disk/as-str.txt": files["small.txt"],
        "bytes.bin": b"\x00\x01\x02" * 1000,
        "generated.csv": "a,b\n1,2\n3,\u00e9\n".encode(),
        "empty-generated": b"",
        "empty-bytes": b"",
        "folder/": b"",
        "file-object.txt": b"from a file object",
        "données/été ☃.txt": "ünïcödé".encode(),
    }
    chunks = list(zip_stream(entries, compression=compression, chunk_size=64 * 1024))
    assert all(isinstance(chunk, bytes) for chunk in chunks) and len(chunks) > 3
    data = b"".join(chunks)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == list(expected)
        for name, content in expected.items():
            assert archive.read(name) == content, name
        method = zipfile.ZIP_DEFLATED if compression == "deflate" else zipfile.ZIP_STORED
        assert {info.compress_type for info in archive.infolist()} == {method}
        assert archive.getinfo("bytes.bin").date_time == (2024, 5, 17, 13, 45, 30)
        assert archive.getinfo("generated.csv").date_time == (2024, 5, 17, 13, 45, 30)
        assert archive.getinfo("folder/").is_dir()

    records = {record["name"]: record for record in check_records(data)}
    # Known sizes (files, bytes) are classic entries; generated ones may pass 4 GiB,
    # so their local header has a ZIP64 field and their descriptor 8-byte sizes.
    assert not records["disk/big.bin"]["local"]["zip64"]
    assert not records["bytes.bin"]["local"]["zip64"]
    assert records["generated.csv"]["local"]["zip64"]
    assert records["generated.csv"]["local"]["version"] == 45
    assert records["file-object.txt"]["local"]["zip64"]
    assert all(record["zip64"] == {} for record in records.values())  # nothing passes 4 GiB
    if compression == "deflate":
        assert records["disk/big.bin"]["csize"] < records["disk/big.bin"]["usize"]

    path = tmp_path / f"archive-{compression}.zip"
    path.write_bytes(data)
    output = unzip("-t", path)
    assert "No errors detected" in output
    assert output.count("OK") == len(expected)
    extracted = tmp_path / "extracted"
    unzip("-q", path, "-d", extracted)
    assert (extracted / "données" / "été ☃.txt").read_bytes() == "ünïcödé".encode()
    assert (extracted / "disk" / "big.bin").read_bytes() == files["big.bin"]


@pytest.mark.parametrize(
    "name",
    ["/etc/passwd", "../outside", "a/../../outside", "a/..", "a\\..\\b", "C:/x", "c:x", ""],
)
def test_zip002_names_that_escape_are_refused(name: str) -> None:
    entries = [("fine.txt", b"ok"), (name, b"bad")]
    with pytest.raises(ValueError, match="zip entry") as refused:
        zip_stream(entries)  # a list: refused at once
    assert repr(name) in str(refused.value)
    stream = zip_stream(iter(entries))  # lazily: refused when its turn comes
    with pytest.raises(ValueError, match="zip entry") as refused:
        b"".join(stream)
    assert repr(name) in str(refused.value)


def test_zip003_other_mistakes_are_refused() -> None:
    with pytest.raises(ValueError, match="comes twice"):
        zip_stream([("a", b""), ("a", b"")])
    with pytest.raises(ValueError, match="folder"):
        build([("dir/", b"content")])
    with pytest.raises(TypeError, match="'number'.*int"):
        build([("number", 42)])
    with pytest.raises(TypeError, match="'chunks'.*yielded a int"):
        build([("chunks", iter([b"a", 1]))])
    with pytest.raises(TypeError, match="tuple"):
        build(["just-a-name"])
    with pytest.raises(ValueError, match="compression"):
        zip_stream([], compression="lzma")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chunk_size"):
        zip_stream([], chunk_size=0)
    with pytest.raises(FileNotFoundError):
        build([("missing", "/nonexistent/file")])


def test_zip004_an_empty_archive_and_the_zip64_threshold() -> None:
    with zipfile.ZipFile(io.BytesIO(build([]))) as archive:
        assert archive.namelist() == []
    assert _may_pass_4gib(None, 0) and _may_pass_4gib(None, 8)
    assert not _may_pass_4gib(MAX32 - 1, 0) and _may_pass_4gib(MAX32, 0)
    # deflate may grow incompressible data a little (zlib's deflateBound)
    assert _may_pass_4gib(MAX32 - 1_000_000, 8) and not _may_pass_4gib(4_000_000_000, 8)


def test_zip005_a_closed_stream_closes_the_entry_being_read() -> None:
    closed = []

    def source() -> Iterator[bytes]:
        try:
            while True:
                yield b"x" * 65536
        finally:
            closed.append(True)

    stream = zip_stream([("endless", source())], chunk_size=65536, compression="store")
    next(stream)
    stream.close()
    assert closed == [True]


@needs_unzip
def test_zip006_zip64_end_records_past_65535_entries(tmp_path: Path) -> None:
    count = 65546
    entries = ((f"d/{n}.txt", b"%d" % n) for n in range(count))
    with tempfile.TemporaryFile() as spooled:  # (SpooledTemporaryFile.seekable: 3.11+)
        for chunk in zip_stream(entries, compression="store"):
            spooled.write(chunk)
        size = spooled.tell()

        def read(offset: int, length: int) -> bytes:
            spooled.seek(offset)
            return spooled.read(length)

        end = end_records(read, size)
        assert end["count"] == 0xFFFF  # the classic field at its maximum...
        assert end["zip64"]["count"] == count  # ...the count in the ZIP64 end record
        assert end["cd_offset"] == end["zip64"]["cd_offset"] < MAX32
        spooled.seek(0)
        with zipfile.ZipFile(spooled) as archive:
            names = archive.namelist()
            assert len(names) == count and names[-1] == f"d/{count - 1}.txt"
            assert archive.testzip() is None
            assert archive.read("d/65540.txt") == b"65540"
        spooled.seek(0)
        path = tmp_path / "many.zip"
        path.write_bytes(spooled.read())
    assert "No errors detected" in unzip("-tq", path)


@needs_unzip
@pytest.mark.slow
def test_zip007_zip64_entry_past_4gib_in_a_sparse_file(tmp_path: Path) -> None:
    big = (4 << 30) + 12345
    zero = bytes(1 << 20)

    def zeros() -> Iterator[bytes]:
        left = big
        while left:
            yield zero if left >= len(zero) else zero[:left]
            left -= min(left, len(zero))

    path = tmp_path / "zip64.zip"
    entries = [("before.txt", b"first"), ("zeros.bin", zeros()), ("after.txt", b"last")]
    size = 0
    with path.open("wb") as out:
        for chunk in zip_stream(entries, compression="store"):
            if chunk == zero:
                out.seek(len(chunk), os.SEEK_CUR)  # a hole: nothing written
            else:
                out.write(chunk)
            size += len(chunk)
        out.truncate(size)
    assert path.stat().st_size == size > big
    expected_crc = 0
    for _ in range(big >> 20):
        expected_crc = zlib.crc32(zero, expected_crc)
    expected_crc = zlib.crc32(zero[: big % len(zero)], expected_crc)

    with path.open("rb") as raw:

        def read(offset: int, length: int) -> bytes:
            raw.seek(offset)
            return raw.read(length)

        end = end_records(read, size)
        assert end["cd_offset"] == MAX32 and end["count"] == 3  # the offset is in ZIP64
        assert end["zip64"]["cd_offset"] > big and end["zip64"]["count"] == 3
        before, zeros_record, after = central_records(read, end["zip64"]["cd_offset"], 3)
        assert zeros_record["zip64"] == {"usize": big, "csize": big}
        assert after["zip64"] == {"offset": after["offset"]} and after["offset"] > big
        assert before["zip64"] == {}
        local = local_records(read, zeros_record)
        assert local["zip64"] and local["descriptor"] == (expected_crc, big, big)
        assert local["end"] == after["offset"]

    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("zeros.bin")
        assert (info.file_size, info.compress_size, info.CRC) == (big, big, expected_crc)
        assert archive.read("before.txt") == b"first" and archive.read("after.txt") == b"last"
        with archive.open("zeros.bin") as member:  # its local header checks out
            assert member.read(1 << 16) == bytes(1 << 16)
        if os.environ.get("DFC_ZIP64_FULL"):
            assert archive.testzip() is None
    listing = unzip("-Zv", path, "zeros.bin")
    assert f"compressed size:                                {big} bytes" in listing
    assert f"uncompressed size:                              {big} bytes" in listing
    assert "No errors detected" in unzip("-t", path, "before.txt", "after.txt")
    if os.environ.get("DFC_ZIP64_FULL"):
        assert "No errors detected" in unzip("-t", path)


def test_zip008_memory_stays_flat(tmp_path: Path) -> None:
    """200 MiB of generated CSV and a 16 MiB file: a few MiB at most at any time."""
    line = b"1234,some text that is csv-like,3.14159,2024-01-01\n" * 20000  # about 1 MiB
    (tmp_path / "file.bin").write_bytes(os.urandom(1 << 20) * 16)
    target = tmp_path / "out.zip"
    for compression in ("deflate", "store"):
        entries = [
            ("generated.csv", (line for _ in range(200))),
            ("file.bin", tmp_path / "file.bin"),
        ]
        tracemalloc.start()
        try:
            with target.open("wb") as out:
                for chunk in zip_stream(entries, compression=compression):  # type: ignore[arg-type]
                    out.write(chunk)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 16 << 20, (compression, peak)
        with zipfile.ZipFile(target) as archive:
            assert archive.getinfo("generated.csv").file_size == 200 * len(line)
            assert archive.getinfo("file.bin").file_size == 16 << 20
            if compression == "deflate":
                assert archive.testzip() is None


def test_zip009_registered_and_served() -> None:
    app = flask.Flask(__name__)
    service = dfc.ServiceData(dfc.CachePlain(4))
    service.serve(app)
    entries = [("a.txt", b"a" * 100_000), ("b/ü.csv", generated("x,y\n", "1,2\n"))]
    with app.test_request_context():
        address = service.register(
            lambda: zip_stream(entries), file_name="export.zip", mime_type="application/zip"
        )
    client = app.test_client()
    for _ in range(2):  # streamed, then served from the kept copy
        answer = client.get(address)
        assert answer.status_code == 200 and answer.mimetype == "application/zip"
        with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
            assert archive.testzip() is None
            assert archive.read("b/ü.csv") == b"x,y\n1,2\n"

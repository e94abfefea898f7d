"""Hypothesis strategies: generated requests (methods, raw query strings, headers)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple

from hypothesis import strategies as st
from werkzeug.http import http_date

from .target import (
    HEX,
    KEYS,
    Target,
)


class Ref(NamedTuple):
    """A placeholder for a value known only once the items are registered."""

    kind: str  # uid, UID (upper case), uidpct (percent-encoded), etag, weak, bare
    item: str  # a key of Target.items, or "same": the item the query names first


Part = bytes | str | Ref


class Req(NamedTuple):
    method: str
    query: tuple[Part, ...]
    headers: tuple[tuple[str, tuple[Part, ...]], ...]


def render(target: Target, part: Part, query: tuple[Part, ...] = ()) -> str:
    if isinstance(part, bytes):
        return part.decode("utf-8")
    if isinstance(part, str):
        return part
    key = part.item
    if key == "same":
        key = next((p.item for p in query if isinstance(p, Ref)), "bytes")
    item = target.items[key]
    return {
        "uid": item.uid,
        "UID": item.uid.upper(),
        "uidpct": "".join(f"%{ord(ch):02x}" for ch in item.uid),
        "etag": item.etag,
        "weak": f"W/{item.etag}",
        "bare": item.etag.strip('"'),
    }[part.kind]


def pct(data: bytes) -> bytes:
    return "".join(f"%{b:02x}" for b in data).encode()


def ref(kind: str) -> st.SearchStrategy[Ref]:
    return st.sampled_from(KEYS).map(lambda key: Ref(kind, key))


def header_ref(kind: str) -> st.SearchStrategy[Ref]:
    """Mostly the ETag of the item the query names, sometimes that of another one."""
    return st.sampled_from(("same", "same", "same", *KEYS)).map(lambda key: Ref(kind, key))


def hex_text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[bytes]:
    return st.text(HEX, min_size=min_size, max_size=max_size).map(str.encode)


utf8 = st.text(max_size=20).map(str.encode)
latin1 = st.text(
    st.characters(min_codepoint=0, max_codepoint=255, exclude_characters="\r\n"), max_size=40
)

uid_values: st.SearchStrategy[tuple[Part, ...]] = st.one_of(
    ref("uid").map(lambda r: (r,)),
    ref("uidpct").map(lambda r: (r,)),
    ref("UID").map(lambda r: (r,)),  # upper case
    hex_text(32, 32).map(lambda v: (v,)),  # unknown but valid-looking
    hex_text(0, 31).map(lambda v: (v,)),  # short
    hex_text(33, 64).map(lambda v: (v,)),  # long
    st.tuples(ref("uid"), st.sampled_from([b"0", b"%00", b"%20", b" ", b"+", b"\xc3\xa9"])),
    st.tuples(st.sampled_from([b" ", b"+", b"%20", b"0"]), ref("uid")),
    st.text("ghijklmnopqrstuvwxyzABCDEF-_.~", min_size=32, max_size=32).map(lambda v: (v,)),
    st.just((b"0" * 10240,)),  # a 10 KB value
    st.tuples(ref("uid"), st.just(b"a" * 10240)),
    st.binary(max_size=30).map(lambda v: (pct(v),)),  # percent-encoded garbage
    st.sampled_from([b"%ff%fe", b"%ff", b"%", b"%g0", b"%2", b"%00", b"%C3%A9"]).map(
        lambda v: (v,)
    ),
    utf8.map(lambda v: (v,)),
)
download_values = st.one_of(
    st.sampled_from(
        [b"true", b"false", b"1", b"0", b"yes", b"no", b"on", b"off", b"", b"TRUE", b"%20true"]
    ),
    st.sampled_from([b"garbage", b"2", b"-1", b"tru", b"%ff", b"true%00", b"\xc3\xa9"]),
    st.binary(max_size=8).map(pct),
    utf8,
)
keys = st.sampled_from([b"uid", b"uid", b"uid", b"%75id", b"UID", b"uid[]", b"x", b""])


@st.composite
def params(draw: st.DrawFn) -> tuple[Part, ...]:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return (b"uid=", *draw(uid_values))
    if choice == 1:
        return (b"download=", draw(download_values))
    key = draw(keys)
    if draw(st.booleans()):
        return (key,)  # no '=' at all
    value = draw(st.one_of(uid_values, download_values.map(lambda v: (v,))))
    return (key, b"=", *value)


@st.composite
def queries(draw: st.DrawFn) -> tuple[Part, ...]:
    shape = draw(st.integers(-2, 3))
    if shape <= 0:  # the address register() returns, maybe with a download flag
        query: tuple[Part, ...] = (b"uid=", draw(ref("uid")))
        if draw(st.booleans()):
            query += (b"&download=", draw(st.sampled_from([b"true", b"false", b"1", b"0"])))
        return query
    pieces = draw(st.lists(params(), max_size=3))
    if shape == 1:  # starts with a real uid (duplicates later are ignored)
        pieces.insert(0, (b"uid=", draw(ref("uid"))))
    if shape == 2:  # starts with any uid value, maybe a download flag next
        if draw(st.booleans()):
            pieces.insert(0, (b"download=", draw(download_values)))
        pieces.insert(0, (b"uid=", *draw(uid_values)))
    separator = draw(st.sampled_from([b"&", b"&", b"&", b";", b"&&"]))
    query = ()
    for i, piece in enumerate(pieces):
        query += ((separator,) if i else ()) + piece
    return query


numbers = st.integers(0, 6000)
huge = st.sampled_from(["99999999999999999999", str(2**63), str(2**64 + 1), "1" * 40])


def one_range(pair: tuple[int, int]) -> str:
    return f"{min(pair)}-{max(pair)}"


range_values = st.one_of(
    st.tuples(numbers, numbers).map(lambda p: f"bytes={one_range(p)}"),  # valid single
    numbers.map(lambda n: f"bytes=-{n}"),  # suffix
    numbers.map(lambda a: f"bytes={a}-"),  # open
    st.lists(st.tuples(numbers, numbers).map(one_range), min_size=2, max_size=4).map(
        lambda rs: "bytes=" + ",".join(rs)
    ),  # several
    st.tuples(numbers, numbers)
    .filter(lambda p: p[0] != p[1])
    .map(lambda p: f"bytes={max(p)}-{min(p)}"),  # reversed
    huge.map(lambda h: f"bytes=0-{h}"),
    huge.map(lambda h: f"bytes={h}-"),
    huge.map(lambda h: f"bytes=-{h}"),
    huge.map(lambda h: f"bytes={h}-{h}"),
    st.sampled_from(
        [
            "bytes=",
            "bytes=-",
            "bytes=-0",
            "bytes=0-0",
            "items=0-1",
            "bytes = 0-1",
            "BYTES=0-1",
            "bytes=0-1 ",
            "bytes=1-2,",
            "bytes=,0-1",
            "bytes=0x10-0x20",
            "bytes=1.5-2",
            "bytes=-1-2",
            "bytes=+1-2",
            "bytes=1_0-20",
            "bytes=²-³",
            "bytes=0-¹",
            "bytes=0-0,-1",
        ]
    ),
    latin1,  # garbage
    latin1.map(lambda t: "bytes=" + t),
)
other_etags = st.one_of(
    hex_text(1, 32).map(lambda v: f'"{v.decode()}"'),
    st.just('""'),
    latin1.map(lambda t: '"' + t.replace('"', "") + '"'),
)
dates = st.one_of(
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(timezone.utc),
    ).map(http_date),
    st.sampled_from(["Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "0"]),
    st.just(http_date(datetime.now(timezone.utc))),
)
entity_tag: st.SearchStrategy[Part] = st.one_of(
    header_ref("etag"),
    header_ref("weak"),
    header_ref("bare"),
    other_etags,
    other_etags.map(lambda e: "W/" + e),
)


@st.composite
def tag_lists(draw: st.DrawFn) -> tuple[Part, ...]:
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return (draw(entity_tag),)
    if shape == 1:
        return (draw(st.sampled_from(["*", " * ", "*, *", "W/*"])),)
    if shape == 2:
        return (draw(latin1),)
    tags = draw(st.lists(entity_tag, min_size=2, max_size=4))
    separator = draw(st.sampled_from([", ", ",", " , ", ",,"]))
    joined: tuple[Part, ...] = ()
    for i, tag in enumerate(tags):
        joined += ((separator,) if i else ()) + (tag,)
    return joined


header_values: dict[str, st.SearchStrategy[tuple[Part, ...]]] = {
    "Range": range_values.map(lambda v: (v,)),
    "If-Range": st.one_of(entity_tag, dates, latin1).map(lambda v: (v,)),
    "If-Match": tag_lists(),
    "If-None-Match": tag_lists(),
    "If-Modified-Since": st.one_of(dates, latin1).map(lambda v: (v,)),
    "If-Unmodified-Since": st.one_of(dates, latin1).map(lambda v: (v,)),
    "Origin": st.one_of(st.just("http://example.com"), latin1).map(lambda v: (v,)),
}
methods = st.one_of(
    st.just("GET"),
    st.just("GET"),
    st.just("HEAD"),
    st.sampled_from(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO", "TRACE", "get", "M-X"]),
)


@st.composite
def header_sets(draw: st.DrawFn) -> tuple[tuple[str, tuple[Part, ...]], ...]:
    names = ["Range", "Range", *header_values]
    chosen = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    return tuple((name, draw(header_values[name])) for name in chosen)


requests = st.builds(Req, method=methods, query=queries(), headers=header_sets())

"""Registers, fetches, evictions, expiries, re-dumps and one-time claims racing on every
cache, with real threads and real processes; the invariants are checked after each run.

Invariants:
- the bounds hold (``len(cache) <= cache_size`` at every observation, exactly full at rest);
- the byte accounting equals what the store holds;
- every read of a key returns that key's bytes exactly;
- a one-time claim has exactly one winner;
- a key that ``dump()`` stored and nobody removed is either present or legitimately gone:
  expired, or evicted after at least ``cache_size`` newer stores finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import multiprocessing
import os
import random
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import dash_file_cache as dfc

from ..backends.contract import key, make_info, read_all

THREADS = 8
OPS_PER_THREAD = int(os.environ.get("DFC_RACE_OPS", "250"))
CACHE_SIZE = 8
TTL = 40.0  # seconds of the fake clock
FORK = multiprocessing.get_context("fork")


def payload(n: int) -> bytes:
    """The bytes of key ``n``: the same every time it is stored, so re-dumps are checkable."""
    seed = hashlib.sha256(str(n).encode()).digest()
    return seed * (1 + n % 200)


@pytest.fixture(params=["plain", "queue", "file", "redis"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "plain":
        made: Any = dfc.CachePlain(CACHE_SIZE, ttl=TTL)
    elif request.param == "queue":
        made = dfc.CacheQueue(CACHE_SIZE, ttl=TTL)
    elif request.param == "file":
        made = dfc.CacheFile(tmp_path / "cache", cache_size=CACHE_SIZE, ttl=TTL)
    else:
        url = request.getfixturevalue("redis_server")
        made = dfc.CacheRedis(
            url, key_prefix=f"race-{os.getpid()}:", cache_size=CACHE_SIZE, ttl=TTL
        )
        made.client.flushdb()
    with made:
        yield made
        if request.param == "redis":
            made.client.flushdb()


class Ledger:
    """What the racing threads did, with a global order of store starts and finishes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counter = itertools.count()
        self.next_key = itertools.count(1)
        self.started: dict[int, tuple[int, float]] = {}  # key -> (order, clock at start)
        self.finished: dict[int, int] = {}  # key -> order when its last store returned
        self.touched: dict[int, int] = {}  # key -> order of its last store or read
        self.removed: set[int] = set()
        self.claims: dict[int, list[bool]] = {}
        self.reads = 0
        self.errors: list[str] = []

    def tick(self) -> int:
        with self.lock:
            return next(self.counter)


def racer(cache: Any, ledger: Ledger, clock: Any, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(OPS_PER_THREAD):
        op = rng.random()
        known = list(ledger.finished)[-2 * CACHE_SIZE :]  # mostly still cached
        if op < 0.35 or not known:  # register a new item (sometimes one-time)
            with ledger.lock:
                n = next(ledger.next_key)
            one_time = rng.random() < 0.2
            ledger.started[n] = (ledger.tick(), clock.now)
            cache.dump(key(n), make_info(len(payload(n)), one_time_service=one_time), payload(n))
            ledger.finished[n] = ledger.tick()
            if one_time:
                ledger.claims[n] = []
        elif op < 0.75:  # fetch
            n = rng.choice(known)
            try:
                _, loader = cache.load(key(n))
                data = read_all(loader())
            except (KeyError, FileNotFoundError):
                continue
            with ledger.lock:
                ledger.reads += 1
                ledger.touched[n] = next(ledger.counter)
            if data != payload(n):
                ledger.errors.append(f"key {n}: read {len(data)} bytes, not its own")
        elif op < 0.82:  # store an existing key again
            n = rng.choice(known)
            if n in ledger.claims:
                continue
            ledger.started[n] = (ledger.tick(), clock.now)
            cache.dump(key(n), make_info(len(payload(n))), payload(n))
            ledger.finished[n] = ledger.tick()
        elif op < 0.87:  # remove
            n = rng.choice(known)
            ledger.removed.add(n)
            cache.remove(key(n))
        elif op < 0.97:  # claim a one-time item
            candidates = list(ledger.claims)[-CACHE_SIZE:]
            if not candidates:
                continue
            n = rng.choice(candidates)
            try:
                _, loader = cache.pop(key(n))
                data = read_all(loader())
            except (KeyError, FileNotFoundError):
                ledger.claims[n].append(False)
                continue
            ledger.claims[n].append(True)
            if data != payload(n):
                ledger.errors.append(f"claimed key {n}: wrong bytes")
        else:  # time passes
            clock.advance(1.0)


def test_threads_race_every_operation(cache: Any, clock: Any) -> None:
    ledger = Ledger()
    threads = [
        threading.Thread(target=racer, args=(cache, ledger, clock, seed)) for seed in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ledger.errors == []
    assert len(cache) <= CACHE_SIZE
    for n, outcomes in ledger.claims.items():
        assert outcomes.count(True) <= 1, f"one-time key {n} was claimed {outcomes.count(True)}x"

    live = [n for n in ledger.finished if key(n) in cache]
    expected_bytes = sum(len(payload(n)) for n in live)
    assert getattr(cache, "nbytes", expected_bytes) == expected_bytes
    for n in live:
        assert read_all(cache.load(key(n))[1]()) == payload(n)
    for n in list(ledger.finished):
        if key(n) in cache or n in ledger.removed or any(ledger.claims.get(n, [])):
            continue
        order, started_at = ledger.started[n]
        expired = started_at + TTL <= clock.now
        # least-recently-used caches count reads as uses; the others count stores only
        uses = dict(ledger.finished)
        if isinstance(cache, dfc.CachePlain):
            uses.update({k: max(v, uses.get(k, v)) for k, v in ledger.touched.items()})
        newer = sum(1 for other in uses.values() if other > order)
        assert expired or newer >= CACHE_SIZE, f"key {n} vanished with only {newer} newer uses"
    # at rest, with nothing removed since, a fresh burst fills the cache exactly
    for n in range(10**6, 10**6 + CACHE_SIZE + 3):
        cache.dump(key(n), make_info(len(payload(n))), payload(n))
    assert len(cache) == CACHE_SIZE
    print(
        f"\n{type(cache).__name__}: {THREADS * OPS_PER_THREAD} racing operations, "
        f"{ledger.reads} reads, {len(ledger.finished)} keys, {len(ledger.claims)} one-time"
    )


# -- processes ---------------------------------------------------------------------------


def _writer(kind: str, where: str, first: int, count: int) -> None:
    cache: Any
    if kind == "file":
        cache = dfc.CacheFile(where, cache_size=CACHE_SIZE)
    else:
        cache = dfc.CacheRedis(where, key_prefix="procs:", cache_size=CACHE_SIZE)
    with cache:
        for n in range(first, first + count):
            cache.dump(key(n), make_info(len(payload(n))), payload(n))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["file", "redis"])
def test_processes_never_overshoot_the_bounds(kind: str, tmp_path: Path, request: Any) -> None:
    """Four processes store 60 items each; an observer never sees more than cache_size."""
    if kind == "file":
        where = str(tmp_path / "cache")
        dfc.CacheFile(where).close()  # create the index before anyone looks

        def count() -> int:
            path = os.path.join(where, "cache.db")
            with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
                return int(db.execute("SELECT COUNT(*) FROM Cache").fetchone()[0])
    else:
        where = request.getfixturevalue("redis_server")
        import redis

        observer = redis.Redis.from_url(where)
        observer.flushdb()
        request.addfinalizer(observer.close)

        def count() -> int:
            return int(observer.zcard("procs:index"))

    writers = [FORK.Process(target=_writer, args=(kind, where, 1 + 1000 * w, 60)) for w in range(4)]
    for writer in writers:
        writer.start()
    seen = []
    while any(w.is_alive() for w in writers):
        seen.append(count())
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    assert seen and max(seen) <= CACHE_SIZE
    assert count() == CACHE_SIZE
    cache: Any = (
        dfc.CacheFile(where) if kind == "file" else dfc.CacheRedis(where, key_prefix="procs:")
    )
    with cache:
        live = [n for w in range(4) for n in range(1 + 1000 * w, 61 + 1000 * w) if key(n) in cache]
        assert len(live) == CACHE_SIZE
        for n in live:
            assert read_all(cache.load(key(n))[1]()) == payload(n)
        if kind == "file":
            files = [p for p in Path(where).rglob("*.val")]
            assert len(files) == CACHE_SIZE
            assert list(Path(where, "staging").glob("*.part")) == []
        else:
            assert cache.nbytes == sum(len(payload(n)) for n in live)

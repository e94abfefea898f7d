"""CacheQueue against the backend contract, and fed by real worker processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from typing import Any

import pytest

import dash_file_cache as dfc

from .contract import BackendContract, key, make_info, read_all

FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def manager() -> Iterator[Any]:
    with multiprocessing.Manager() as running:
        yield running


class TestCacheQueue(BackendContract):
    @pytest.fixture(autouse=True)
    def _queue(self, manager: Any) -> None:
        self.queue = manager.Queue()

    def make_cache(self, **bounds: Any) -> dfc.CacheQueue:
        bounds.setdefault("cache_size", 100)
        return dfc.CacheQueue(qobj=self.queue, **bounds)


def _dump_in_worker(cache: dfc.CacheQueue, n: int, payload: bytes) -> None:
    cache.dump(key(n), make_info(len(payload)), payload)
    cache.remove(key(n - 1))


def test_worker_process_items_reach_the_creator(manager: Any) -> None:
    cache = dfc.CacheQueue(4, manager.Queue())
    cache.dump(key(1), make_info(3), b"old")
    worker = FORK.Process(target=_dump_in_worker, args=(cache, 2, b"from the worker"))
    worker.start()
    worker.join(30)
    assert worker.exitcode == 0
    assert key(2) in cache
    assert read_all(cache.load(key(2))[1]()) == b"from the worker"
    assert key(1) not in cache  # the worker's remove() travelled too


def _read_in_worker(cache: dfc.CacheQueue, results: Any) -> None:
    try:
        cache.load(key(1))
    except RuntimeError as exc:
        results.put(str(exc))


def test_reading_in_a_worker_is_refused(manager: Any) -> None:
    cache = dfc.CacheQueue(4, manager.Queue())
    results = manager.Queue()
    worker = FORK.Process(target=_read_in_worker, args=(cache, results))
    worker.start()
    worker.join(30)
    assert "process that created it" in results.get(timeout=5)


def test_queue_from_a_factory_or_set_later(manager: Any) -> None:
    made = []

    def factory() -> Any:
        made.append(manager.Queue())
        return made[-1]

    cache = dfc.CacheQueue(2, factory)
    assert cache.qobj is made[0]
    later = manager.Queue()
    cache.qobj = later
    assert cache.qobj is later


def test_default_queue_is_created() -> None:
    cache = dfc.CacheQueue(2)
    worker = FORK.Process(target=_dump_in_worker, args=(cache, 5, b"via default queue"))
    worker.start()
    worker.join(30)
    assert read_all(cache.load(key(5))[1]()) == b"via default queue"


def test_bad_queue_is_refused() -> None:
    with pytest.raises(TypeError, match="qobj"):
        dfc.CacheQueue(2, qobj=[])


def test_a_reader_waits_for_a_drain_in_progress() -> None:
    """Two requests at once, each for an item a worker sent: the one that drains takes
    both messages off the queue; the other must find its item stored, not a 404 (seen
    with a spawned background job registering two images)."""
    import queue
    import threading

    taken = threading.Event()
    release = threading.Event()

    class Gated(queue.Queue):  # type: ignore[type-arg]
        """Pauses the first drain right after it took the first message."""

        def get_nowait(self) -> Any:
            message = super().get_nowait()
            if not taken.is_set():
                taken.set()
                release.wait(10)
            return message

    sent = Gated()
    cache = dfc.CacheQueue(4, sent)
    for n in (1, 2):  # what a worker process puts on the queue
        sent.put(("dump", key(n), make_info(2), b"%d!" % n))
    results: dict[str, Any] = {}

    def fetch(n: int) -> None:
        try:
            info, loader = cache.load(key(n))
            results[key(n)] = loader()
        except KeyError as exc:
            results[key(n)] = exc

    first = threading.Thread(target=fetch, args=(2,))  # drains; pauses holding item 1
    first.start()
    assert taken.wait(10)
    second = threading.Thread(target=fetch, args=(1,))  # item 1 is off the queue, not stored
    second.start()
    second.join(0.5)
    still_waiting = second.is_alive()  # without the drain lock it has already 404ed
    release.set()
    first.join(10)
    second.join(10)
    assert still_waiting, results
    assert results == {key(1): b"1!", key(2): b"2!"}

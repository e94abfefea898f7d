"""A generated source for the multi-process tests: picklable (``functools.partial`` of
:func:`blocks`), so whichever worker or host gets the first request runs it.

Each run leaves a file ``run-…`` in ``folder`` (so a test counts the runs) and, when it
ends however it ends (its ``finally``: the generator was closed), a file ``closed-…``.
Half-way it waits for a file ``go`` in ``folder``, so a test can act while the item is
half made.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

BLOCK = 100_000  # bytes a chunk
GATE_TIMEOUT = 60.0  # seconds a run waits for "go" before failing


def block(n: int) -> bytes:
    """Chunk ``n``: deterministic, different for every ``n``."""
    return (f"{n:08d}".encode() * (BLOCK // 8 + 1))[:BLOCK]


def expected(count: int) -> bytes:
    """Everything a complete run of ``count`` blocks makes."""
    return b"".join(block(n) for n in range(count))


def blocks(count: int, folder: str, fail_at: int = -1) -> Iterator[bytes]:
    """``count`` blocks; waits for ``folder/go`` half-way; raises at block ``fail_at``."""
    tag = uuid.uuid4().hex
    with open(os.path.join(folder, f"run-{os.getpid()}-{tag}"), "w"):
        pass
    try:
        for n in range(count):
            if n == count // 2:
                deadline = time.monotonic() + GATE_TIMEOUT
                while not os.path.exists(os.path.join(folder, "go")):
                    if time.monotonic() > deadline:
                        raise TimeoutError("no go")
                    time.sleep(0.01)  # polls a file another process creates
            if n == fail_at:
                raise RuntimeError("the rows ran out")
            yield block(n)
    finally:
        with open(os.path.join(folder, f"closed-{os.getpid()}-{tag}"), "w"):
            pass

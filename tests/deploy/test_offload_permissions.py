"""Offload checks its own preconditions, behind a real nginx whose workers run as
``nobody``: the temporary folder of ``CacheFile()`` is opened to them; items nginx could
not read are streamed by Python (never a 403, and a one-time item is never consumed by a
hand-over nginx would refuse)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_offload import PAYLOAD, Stack, offload_stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(redis_server: str) -> Iterator[Stack]:
    locked = Path(tempfile.mkdtemp(prefix="dfc-locked-", dir="/tmp"))  # 0700
    with offload_stack(redis_server, "--workers=1", DFC_LOCKED_DIR=str(locked)) as running:
        yield running


def test_the_temporary_folder_of_cache_file_is_offloaded(stack: Stack) -> None:
    address = stack.register("private")
    status, headers, body = stack.request("GET", address, port=stack.app)
    assert status == 200 and headers["x-accel-redirect"].startswith("/_dash_file_cache/")
    folder = Path(headers["x-accel-redirect"].split("/ranged/", 1)[1]).parents
    status, _, body = stack.request("GET", address)  # nginx, as nobody, reads it
    assert (status, body) == (200, PAYLOAD)
    assert any(p.name.startswith("dash-file-cache-") for p in folder)


@pytest.mark.parametrize("once", [False, True])
def test_a_folder_nginx_cannot_enter_is_streamed_by_python(stack: Stack, once: bool) -> None:
    address = stack.register("locked", once=once)
    status, headers, body = stack.request("GET", address)
    assert status == 200 and body == PAYLOAD  # not nginx's 403
    assert "x-accel-redirect" not in headers
    if once:
        assert stack.request("GET", address)[0] == 404  # served exactly once

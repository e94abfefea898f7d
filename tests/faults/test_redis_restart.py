"""Fault: the redis-server behind ``CacheRedis`` stops during traffic, then comes back.

A real ``redis-server`` of this test's own (on a free port, no persistence) backs a
gunicorn server (1 gthread worker) running ``tests/multiprocess/gunicorn_app.py``; items
are registered in this process through a ``ServiceData`` on the same Redis and key prefix.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import threading
from pathlib import Path

import pytest

import dash_file_cache as dfc

from ..conftest import free_port
from ..helpers import wait_until
from .procs import Answer, get, gunicorn_logged, start_redis, stop

pytestmark = pytest.mark.slow

KEY_PREFIX = "hosts:"  # the prefix gunicorn_app.py uses for CacheRedis
OUTAGE_LINE = "dash-file-cache: the cache is unavailable"
RECOVERY_LINE = "dash-file-cache: the cache is available again"
DOWN_ANSWERS = 20  # answers to collect while Redis is down


class Traffic(threading.Thread):
    """Keeps requesting one address on fresh connections, recording the phase each answer
    started and ended in (an answer that straddles a phase change proves nothing)."""

    def __init__(self, port: int, address: str) -> None:
        super().__init__(daemon=True)
        self.port, self.address = port, address
        self.phase = "up"
        self.answers: list[tuple[str, str, Answer | BaseException]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            started = self.phase
            outcome: Answer | BaseException
            try:
                outcome = get(self.port, self.address, timeout=10)
            except (OSError, http.client.HTTPException) as exc:
                outcome = exc
            self.answers.append((started, self.phase, outcome))

    def count(self, phase: str) -> int:
        return sum(1 for start, end, _ in self.answers if start == end == phase)

    def stop(self) -> None:
        self.halt.set()
        self.join(30)
        assert not self.is_alive()


def json_error(answer: Answer, code: int) -> dict[str, object]:
    """The JSON error body of ``answer``, checked to be the service's, never an HTML page."""
    assert answer.status == code, (answer.status, answer.body[:200])
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    assert b"<html" not in answer.body.lower()
    body = json.loads(answer.body)
    assert set(body) == {"code", "message", "error"}, body
    assert body["code"] == code
    return body


#: The servers under test: Flask on a gthread worker, and Dash's FastAPI backend on a
#: uvicorn worker (the service's answers made off the event loop).
SERVERS = {
    "flask": ("tests.multiprocess.gunicorn_app:app", ("--worker-class=gthread", "--threads=4")),
    "fastapi": (
        "tests.faults.asgi_redis_app:app",
        ("--worker-class=uvicorn_worker.UvicornWorker",),
    ),
}


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_redis_stopped_and_restarted_during_traffic(tmp_path: Path, server: str) -> None:
    redis_port = free_port()
    url = f"redis://127.0.0.1:{redis_port}/0"
    redis_server = start_redis(redis_port)
    log = tmp_path / "gunicorn.log"
    cache = dfc.CacheRedis(url, key_prefix=KEY_PREFIX)
    service = dfc.ServiceData(cache)
    traffic: Traffic | None = None
    try:
        env = {"DFC_REDIS_URL": url}
        target, options = SERVERS[server]
        with gunicorn_logged(env, log, "--workers=1", *options, app=target) as (port, _):
            before = {n: os.urandom(10_000 + n) for n in range(3)}
            addresses = {n: service.register(io.BytesIO(data)) for n, data in before.items()}
            for n, address in addresses.items():
                answer = get(port, address)
                assert answer.status == 200 and answer.body == before[n]

            traffic = Traffic(port, addresses[0])
            traffic.start()
            wait_until(lambda: traffic.count("up") >= 5, timeout=20, what="traffic while up")

            # -- the fault: Redis goes away -------------------------------------------
            traffic.phase = "stopping"
            stop(redis_server)
            traffic.phase = "down"
            wait_until(
                lambda: traffic.count("down") >= DOWN_ANSWERS,
                timeout=30,
                what="answers while Redis is down",
            )
            with pytest.raises(dfc.caches.BackendUnavailable) as raised:
                service.register(io.BytesIO(b"registered while Redis is down"))
            assert isinstance(raised.value, ConnectionError)
            for address in addresses.values():  # any item: 503, not 404 nor 500
                json_error(get(port, address), 503)

            # -- Redis comes back on the same port, empty (no persistence) -----------
            traffic.phase = "restarting"
            redis_server = start_redis(redis_port)
            traffic.phase = "up again"
            recovered = wait_until(
                lambda: (a := get(port, addresses[1])).status != 503 and a,
                timeout=30,
                what="the service to recover by itself",
            )
            json_error(recovered, 404)  # Redis kept nothing: the old item is gone
            for address in addresses.values():
                json_error(get(port, address), 404)
            wait_until(lambda: traffic.count("up again") >= 5, timeout=20, what="traffic after")
            traffic.stop()

            fresh = os.urandom(300_000)
            address = service.register(io.BytesIO(fresh), mime_type="application/octet-stream")
            answer = get(port, address)
            assert answer.status == 200
            assert answer.body == fresh
            assert answer.headers["content-length"] == str(len(fresh))
    finally:
        if traffic is not None and traffic.is_alive():
            traffic.stop()
        cache.close()
        stop(redis_server)

    assert traffic is not None
    # Every answer that started and ended while Redis was down is the JSON 503.
    down = [outcome for start, end, outcome in traffic.answers if start == end == "down"]
    assert len(down) >= DOWN_ANSWERS
    for outcome in down:
        assert isinstance(outcome, Answer), outcome
        body = json_error(outcome, 503)
        assert outcome.headers.get("retry-after", "").isdigit(), outcome.headers
        assert "unavailable" in str(body["error"])
    # While up, byte-exact; after the restart, the old uid is a JSON 404; never an HTML page.
    for start, end, outcome in traffic.answers:
        if start == end == "up":
            assert isinstance(outcome, Answer) and outcome.status == 200, outcome
            assert outcome.body == before[0]
        elif start == end == "up again":
            assert isinstance(outcome, Answer), outcome
            json_error(outcome, 404)
        elif isinstance(outcome, Answer) and outcome.status != 200:
            assert outcome.status in (404, 503), outcome.status
            json_error(outcome, outcome.status)

    # The outage is logged once (not once per 503), and so is the recovery.
    lines = log.read_text(errors="replace").splitlines()
    outages = [line for line in lines if line.startswith(OUTAGE_LINE)]
    recoveries = [line for line in lines if line.startswith(RECOVERY_LINE)]
    answered_503 = sum(
        1 for _, _, o in traffic.answers if isinstance(o, Answer) and o.status == 503
    )
    assert answered_503 > 1
    assert len(outages) == 1, "\n".join(lines)
    assert len(recoveries) == 1, "\n".join(lines)
    assert lines.index(outages[0]) < lines.index(recoveries[0])

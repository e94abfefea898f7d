"""The documented gunicorn access log keeps uids out of the log."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..faults.procs import gunicorn_logged
from ..multiprocess.servers import request
from .nginx import DEPLOY


def test_the_documented_access_log_never_holds_a_uid(tmp_path: Path) -> None:
    env = {"DFC_CACHE_DIR": str(tmp_path / "cache")}
    log = tmp_path / "gunicorn.log"
    with gunicorn_logged(env, log, "-c", str(DEPLOY / "gunicorn.conf.py")) as (port, _):
        address = json.loads(request(port, "POST", "/register", os.urandom(100))[1])["addr"]
        assert request(port, "GET", address)[0] == 200
    uid = address.split("uid=")[1]
    text = log.read_text()
    assert '"GET /cached-data HTTP/1.1" 200' in text  # the request is logged…
    assert uid not in text  # …without its uid

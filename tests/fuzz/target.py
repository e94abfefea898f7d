"""The service under fuzzing: a fresh app with one item of each kind, and what it
must send for each."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import flask

import dash_file_cache as dfc

SERVICE = "/cached-data"
ERROR_KEYS = {"code", "message", "error"}
HEX = "0123456789abcdef"
ROUTED = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}
KEYS = ("bytes", "text", "path", "empty", "once")
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class Item:
    """A registered item and what the service must send for it."""

    def __init__(self, uid: str, data: bytes, etag: str, one_time: bool = False) -> None:
        self.uid, self.data, self.etag, self.one_time = uid, data, etag, one_time


class Target:
    """A service on ``cache`` bound to a fresh Flask app, with a set of registered items."""

    def __init__(self, cache: dfc.CacheAbstract, tmp_path: Path) -> None:
        self.cache = cache
        self.service = dfc.ServiceData(cache)
        self.app = flask.Flask(__name__)
        self.service.serve(self.app)
        self.client = self.app.test_client()
        self.items: dict[str, Item] = {}
        blob = os.urandom(3000)
        self.add("bytes", io.BytesIO(blob), blob, file_name="données brutes.bin")
        text = "Grüße, 世界! ½ € — ünïcödé\n" * 20
        self.add(
            "text",
            io.StringIO(text),
            text.encode(),
            file_name="текст.txt",
            content_type="text/plain",
        )
        on_disk = tmp_path / "fichier-é.bin"
        on_disk.write_bytes(os.urandom(5000))
        self.add("path", on_disk, on_disk.read_bytes())
        self.add("empty", io.BytesIO(b""), b"", file_name="vide.bin")
        self.once_data = os.urandom(1500)
        self.register_once()

    def add(self, key: str, source: Any, data: bytes, one_time: bool = False, **kw: Any) -> None:
        address = self.service.register(source, one_time_service=one_time, **kw)
        uid = address.split("uid=")[1]
        head = self.client.head(address)
        head.close()
        assert head.status_code == 200, head.status_code
        assert head.headers["Content-Length"] == str(len(data))
        self.items[key] = Item(uid, data, head.headers["ETag"], one_time)

    def register_once(self) -> None:
        data = self.once_data
        self.add("once", io.BytesIO(data), data, one_time=True, file_name="一度.bin")

    def by_uid(self, uid: str | None) -> Item | None:
        for item in self.items.values():
            if item.uid == uid:
                return item
        return None

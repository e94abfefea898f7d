"""A minimal in-process client of an ASGI app (FastAPI/Starlette, Quart), for the docs'
samples: ``with AsgiClient(app) as client: client.get(path)``. It runs the app's lifespan
(Dash's FastAPI backend adds its routes there) on one event loop for all requests."""

from __future__ import annotations

import asyncio
import json as jsonlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class AsgiClient:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.lifespan_in: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.lifespan_out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.lifespan: asyncio.Task[None] | None = None

    def __enter__(self) -> AsgiClient:
        async def start() -> None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
            self.lifespan = asyncio.ensure_future(
                self.app(scope, self.lifespan_in.get, self.lifespan_out.put)
            )
            await self.lifespan_in.put({"type": "lifespan.startup"})
            started = await self.lifespan_out.get()
            assert started["type"] == "lifespan.startup.complete", started

        self.loop.run_until_complete(start())
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            await self.lifespan_in.put({"type": "lifespan.shutdown"})
            await self.lifespan_out.get()
            if self.lifespan is not None:
                await self.lifespan

        try:
            self.loop.run_until_complete(stop())
        finally:
            self.loop.close()

    def request(self, method: str, url: str, body: bytes = b"", headers: Any = ()) -> Answer:
        parts = urlsplit(url)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": parts.path,
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": [(b"host", b"testserver"), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }

        async def call() -> Answer:
            sent = False
            status = 0
            chunks: list[bytes] = []

            async def receive() -> dict[str, Any]:
                nonlocal sent
                if sent:
                    await asyncio.sleep(3600)  # the client stays connected
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            await self.app(scope, receive, send)
            return Answer(status, b"".join(chunks))

        return self.loop.run_until_complete(call())

    def get(self, url: str) -> Answer:
        return self.request("GET", url)

    def post(self, url: str, json: Any) -> Answer:
        headers = [(b"content-type", b"application/json")]
        return self.request("POST", url, jsonlib.dumps(json).encode(), headers)

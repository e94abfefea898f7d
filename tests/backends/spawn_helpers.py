"""Run in processes started with ``spawn`` by ``test_pickling.py`` (importable there)."""

from __future__ import annotations

import importlib
import io
import os
from typing import Any


def register_unpickled(data: bytes, library: str, payload: bytes) -> str:
    """Unpickle a ``ServiceData`` with ``library`` and register ``payload``; its address."""
    service: Any = importlib.import_module(library).loads(data)
    address: str = service.register(io.BytesIO(payload), mime_type="application/octet-stream")
    service.cache.close()
    return address


def register_or_error(data: bytes, payload: bytes) -> str:
    """Like :func:`register_unpickled` (pickle), or the ``RuntimeError`` it raised."""
    try:
        return register_unpickled(data, "pickle", payload)
    except RuntimeError as exc:
        return f"RuntimeError: {exc}"


def pid() -> int:
    return os.getpid()

"""Every ``python`` block of the README and of ``docs/`` runs as printed.

Each block runs on its own, as a module (never as ``__main__``, so no server starts),
in a fresh namespace and an empty working directory. A block that builds an ``app``
(Dash or Flask) is then asked for its page, and a ``<!-- check: ... -->`` before the
block is evaluated and the address it returns fetched through the app's test client.
Blocks marked ``<!-- not-run: why -->`` are listed at the end of the run (see
``conftest.py``). Conventions: ``snippets.py``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import dash
import flask
import pytest

from dash_file_cache.caches.abstract import CacheAbstract
from dash_file_cache.services.data import ServiceData

from .asgi_client import AsgiClient
from .snippets import ROOT, Snippet, all_snippets, pages, run

SNIPPETS = all_snippets()
RUNNABLE = [s for s in SNIPPETS if not s.not_run]
#: A block may stay unrun only with a reason; this many at most (a new one is a decision).
MAX_NOT_RUN = 12


@contextmanager
def client_of(app: Any) -> Iterator[Any]:
    """A test client of ``app`` (a Dash app on any backend, or a Flask or ASGI app)."""
    server = app.server if isinstance(app, dash.Dash) else app
    if isinstance(server, flask.Flask):
        yield server.test_client()
        return
    with AsgiClient(server) as client:  # FastAPI/Starlette or Quart
        yield client


def addresses(value: Any) -> list[str]:
    """The service addresses in a callback's return value (a string or a tuple)."""
    values = value if isinstance(value, (tuple, list)) else [value]
    return [v for v in values if isinstance(v, str) and "?uid=" in v]


def trigger(app: dash.Dash, client: Any, prop_id: str, value: Any) -> list[Any]:
    """Fire the callback of ``app`` that ``prop_id`` (``"id.property"``) is an input of,
    as the browser does (POST ``/_dash-update-component``), with ``value`` for that input
    and None for its other inputs and states; the outputs' new values, in order."""
    found = [
        (output, spec, [f"{i['id']}.{i['property']}" for i in spec["inputs"]])
        for output, spec in app.callback_map.items()
    ]
    matching = [entry for entry in found if prop_id in entry[2]]
    assert matching, f"no callback of the app has the input {prop_id}"
    output, spec, inputs = matching[0]
    targets = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    outputs = [{"id": o.component_id, "property": o.component_property} for o in targets]
    payload = {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [
            {"id": i["id"], "property": i["property"], "value": value if key == prop_id else None}
            for i, key in zip(spec["inputs"], inputs, strict=True)
        ],
        "state": [{**s, "value": None} for s in spec["state"]],
        "changedPropIds": [prop_id],
    }
    answer = client.post("/_dash-update-component", json=payload)
    assert answer.status_code == 200, (prop_id, answer.status_code)
    response = (answer.json if hasattr(answer, "data") else answer.json())["response"]
    return [response[o["id"]][o["property"]] for o in outputs]


def close_all(scope: dict[str, Any], stack: ExitStack) -> None:
    """Release what the block left open (caches' processes and files, temp folders)."""
    for value in scope.values():
        if isinstance(value, ServiceData):
            stack.callback(value.cache.close)
        elif isinstance(value, CacheAbstract):
            stack.callback(value.close)
        elif isinstance(value, tempfile.TemporaryDirectory):
            stack.callback(value.cleanup)
        elif isinstance(value, dash.DiskcacheManager):
            stack.callback(value.handle.close)


@pytest.mark.parametrize("snippet", RUNNABLE, ids=[s.name for s in RUNNABLE])
def test_doc001_block_runs_as_printed(
    snippet: Snippet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with ExitStack() as stack:
        try:
            scope = run(snippet)
        except Exception as exc:  # pragma: no cover - the failure message
            raise AssertionError(f"{snippet.name} (line {snippet.line}) fails: {exc!r}") from exc
        close_all(scope, stack)
        app = scope.get("app")
        if snippet.check is not None:
            assert app is not None, f"{snippet.name}: a checked block must build `app`"
        if app is None:
            return
        with client_of(app) as client:
            if isinstance(app, dash.Dash) and app.layout is not None:  # a whole app
                assert client.get("/").status_code == 200
                assert client.get("/_dash-layout").status_code == 200
            if snippet.check is None:
                return
            helpers = {"trigger": lambda prop_id, value: trigger(app, client, prop_id, value)}
            result = eval(snippet.check, {**scope, **helpers})  # noqa: S307 - our own docs
            found = addresses(result)
            assert found, f"{snippet.name}: {snippet.check} returned no address: {result!r}"
            answer = client.get(found[0])
            assert answer.status_code == 200, (snippet.name, found[0], answer.status_code)
            body = answer.data if hasattr(answer, "data") else answer.content
            assert body, f"{snippet.name}: {found[0]} answered an empty body"


def test_doc002_blocks_not_run_say_why() -> None:
    skipped = [s for s in SNIPPETS if s.not_run]
    for snippet in skipped:
        print(f"not run: {snippet.name} (line {snippet.line}): {snippet.not_run}")
        assert len(snippet.not_run.split()) >= 3, f"{snippet.name}: say why it is not run"
        assert snippet.check is None
    assert len(skipped) <= MAX_NOT_RUN, [s.name for s in skipped]
    assert len(RUNNABLE) >= 10  # the README's and the guides' blocks are found


def test_doc003_markers_sit_right_before_a_block() -> None:
    """A marker anywhere else, or a block the extraction does not see (indented in a
    list), would silently not apply: every marker and every block is accounted for."""
    import re

    for path in pages():
        page = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        markers = len(re.findall(r"^[ \t]*<!-- (?:not-run|check): ", text, re.M))
        used = sum(1 for s in SNIPPETS if s.page == page and (s.not_run or s.check))
        assert markers == used, f"{page}: a not-run/check marker is not right before a block"
        fences = len(re.findall(r"^[ \t]*```python", text, re.M))
        found = sum(1 for s in SNIPPETS if s.page == page)
        assert fences == found, f"{page}: a python block the extraction misses (indented?)"

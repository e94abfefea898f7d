"""The README's quick start runs as printed: a click shows the registered SVG; and every
Python snippet of the README and the deployment guide runs as printed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dash.testing.wait import until

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
DOCS = [README, ROOT / "docs" / "deploy.md"]


def quick_start_code() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "the Quick start section has no python block"
    return match.group(1)


def test_readme001_quick_start_shows_the_svg(dash_duo: Any) -> None:
    code = quick_start_code()
    assert len(code.splitlines()) <= 30
    namespace: dict[str, Any] = {"__name__": "readme_quick_start"}
    exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - our own README
    dash_duo.start_server(namespace["app"])
    dash_duo.find_element("#draw").click()
    image = dash_duo.wait_for_element("#picture")
    script = "return arguments[0].complete ? arguments[0].naturalWidth : 0"
    until(lambda: dash_duo.driver.execute_script(script, image) == 120, timeout=10)
    assert dash_duo.driver.execute_script("return arguments[0].naturalHeight", image) == 40
    assert dash_duo.get_logs() == []


def snippets() -> list[tuple[str, int, str]]:
    """``(document, number, code)`` of every ``python`` block of the documents."""
    found = []
    for document in DOCS:
        blocks = re.findall(r"```python\n(.*?)```", document.read_text(encoding="utf-8"), re.S)
        found += [(document.name, number, code) for number, code in enumerate(blocks, 1)]
    return found


def test_readme002_every_snippet_runs_as_printed() -> None:
    """Each block runs on its own (no name it does not define), as a module would."""
    found = snippets()
    assert len(found) >= 3
    for document, number, code in found:
        namespace: dict[str, Any] = {"__name__": f"snippet_{number}"}
        try:
            exec(compile(code, f"{document} python block {number}", "exec"), namespace)  # noqa: S102
        except Exception as exc:  # pragma: no cover - the failure message
            raise AssertionError(f"{document}, python block {number} fails: {exc!r}") from exc

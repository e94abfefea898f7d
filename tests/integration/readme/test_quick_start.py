"""The README's quick start runs as printed: a click shows the registered SVG."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dash.testing.wait import until

README = Path(__file__).resolve().parents[3] / "README.md"


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

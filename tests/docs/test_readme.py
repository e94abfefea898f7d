"""The README, the front page: its set-up commands, its quick start (in Chromium: a
click shows the registered SVG), and its links into the documentation site."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dash.testing.wait import until

from .snippets import ROOT

README = ROOT / "README.md"
#: The two commands the README opens with (`.ci/run` runs the second one).
SET_UP = [
    "python3 -m pip install -e . && python3 usage.py",
    "bash scripts/setup.sh && python3 -m pytest && python3 -m nox",
]
QUICK_START_LINES = 30  # at most


def readme() -> str:
    return README.read_text(encoding="utf-8")


def quick_start_code() -> str:
    section = readme().split("## Quick start", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "the Quick start section has no python block"
    return match.group(1)


def test_readme001_opens_with_the_two_set_up_commands() -> None:
    text = readme()
    first_section = text.split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)\n```", first_section, re.S)
    assert blocks == SET_UP


def test_readme002_quick_start_is_short() -> None:
    assert len(quick_start_code().splitlines()) <= QUICK_START_LINES


def test_readme003_links_into_the_site_resolve() -> None:
    """Relative links (docs pages, the changelog) name files that exist, so they work on
    GitHub as on the site; the site's own links are checked by its strict build."""
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme())
    local = [link for link in links if "://" not in link]
    assert any(link.startswith("docs/") and link.endswith(".md") for link in local)
    for link in local:
        assert (ROOT / link).exists(), f"README links to {link}, which does not exist"


@pytest.mark.browser
def test_readme004_quick_start_shows_the_svg(dash_duo: Any) -> None:
    code = quick_start_code()
    namespace: dict[str, Any] = {"__name__": "readme_quick_start"}
    exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - our own README
    dash_duo.start_server(namespace["app"])
    dash_duo.find_element("#draw").click()
    image = dash_duo.wait_for_element("#picture")
    script = "return arguments[0].complete ? arguments[0].naturalWidth : 0"
    until(lambda: dash_duo.driver.execute_script(script, image) == 120, timeout=10)
    assert dash_duo.driver.execute_script("return arguments[0].naturalHeight", image) == 40
    assert dash_duo.get_logs() == []

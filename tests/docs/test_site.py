"""The documentation site builds with ``mkdocs build --strict`` and no warning at all,
and shows what it promises (generated props tables, the API from docstrings, no
resource fetched from the internet)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .snippets import ROOT

BUILD_TIMEOUT = 300  # s
METADATA = ROOT / "dash_file_cache" / "components" / "metadata.json"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(where)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    problems = [line for line in output.splitlines() if re.match(r"\s*(WARNING|ERROR)\b", line)]
    assert problems == [], output
    return where


def text_of(page: Path) -> str:
    return re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))


def test_site001_builds_strict_without_warnings(site: Path) -> None:
    assert (site / "index.html").is_file()
    for page in ("tutorial", "deploy", "reference/python-api", "reference/components"):
        assert (site / page / "index.html").is_file(), page


def test_site002_props_tables_come_from_the_metadata(site: Path) -> None:
    page = (site / "reference" / "components" / "index.html").read_text(encoding="utf-8")
    assert "<!-- props:" not in page
    for component in json.loads(METADATA.read_text(encoding="utf-8")).values():
        for prop in component["props"]:
            if prop != "setProps":
                assert f"<code>{prop}</code>" in page, (component["displayName"], prop)


def test_site003_api_reference_is_rendered_from_docstrings(site: Path) -> None:
    html = (site / "reference" / "python-api" / "index.html").read_text(encoding="utf-8")
    for name in ("CachePlain", "CacheQueue", "CacheFile", "CacheRedis", "CacheAbstract"):
        assert re.search(rf'id="dash_file_cache\.caches\.\w+\.{name}"', html), name
    for method in ("register", "register_request", "serve", "stream", "current_owner"):
        assert f'id="dash_file_cache.services.data.ServiceData.{method}"' in html, method
    page = text_of(site / "reference" / "python-api" / "index.html")
    assert ":class:" not in page and ":param" not in page


def test_site004_nothing_is_fetched_from_the_internet(site: Path) -> None:
    """No font, script or stylesheet from another host (the site works offline)."""
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="(https?://[^"]+)"', html)
        assert remote == [], (page, remote)

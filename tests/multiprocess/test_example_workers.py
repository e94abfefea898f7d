"""Example 7 under real gunicorn workers, driven by real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dash.testing.wait import until

from ..helpers import wait_until
from .servers import gunicorn

LOADED_WIDTH = "return arguments[0].complete ? arguments[0].naturalWidth : 0"


def expected_csv(n_clicks: int) -> str:
    values = [(n_clicks * 37 + i * 53) % 100 + 10 for i in range(8)]
    return "bar,value\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))


@pytest.fixture
def gunicorn_example(tmp_path: Path) -> Iterator[str]:
    env = {"DFC_CACHE_DIR": str(tmp_path / "cache")}
    with gunicorn("examples.ex7_gunicorn_workers:server", env, "--workers=3") as port:
        yield f"http://127.0.0.1:{port}"


def test_ex007_chart_and_data_from_any_worker(dash_br: Any, gunicorn_example: str) -> None:
    dash_br.server_url = gunicorn_example
    dash_br.wait_for_element("#make")
    for round_ in (1, 2):
        dash_br.find_element("#make").click()
        dash_br.wait_for_contains_text("#made-by", "worker", timeout=20)
        image = dash_br.find_element("#chart")
        until(lambda i=image: dash_br.driver.execute_script(LOADED_WIDTH, i) == 340, timeout=20)
        link = dash_br.find_element("#data-link")
        assert "download=true" in link.get_attribute("href")
        link.click()
        saved = Path(dash_br.download_path) / f"chart-{round_}.csv"
        wait_until(saved.exists, timeout=20, what=f"{saved.name} to be saved")
        wait_until(lambda s=saved, r=round_: s.read_text() == expected_csv(r), timeout=20)
    assert dash_br.get_logs() == []

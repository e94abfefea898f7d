"""The example programs in ``examples/`` run as documented.

The Dash examples (1, 2, 3, 5) are driven in headless Chromium with ``dash_duo``: every
image must really load in the browser, at the size its SVG declares. Example 4 (plain
Flask) is exercised through Flask's test client.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import flask
import psutil
import pytest
import requests
from dash.testing import wait

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
ASSETS = EXAMPLES / "assets"
STEMS = {
    1: "ex1_stringio_svg",
    2: "ex2_swap_svg_files",
    3: "ex3_background_callback",
    4: "ex4_flask_service",
    5: "ex5_cache_file",
    8: "ex8_prepare_then_download",  # driven in tests/integration/components/test_preparing.py
}
CIRCLE = (120, 120)  # the declared width/height of assets/circle.svg
SQUARE = (200, 150)  # ... and of assets/square.svg
ADDRESS = re.compile(r"/cached-data\?uid=[0-9a-f]{32}")
IMAGE_TIMEOUT = 15  # s: a callback, then the image fetched and decoded
BACKGROUND_TIMEOUT = 40  # s: a worker process is forked and polled for each job


@functools.cache
def load_example(number: int) -> ModuleType:
    """Import ``examples/exN_*.py`` once per session (as the tests' own module)."""
    stem = STEMS[number]
    name = f"dfc_examples_{stem}"
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # Dash(__name__) looks its module up
    spec.loader.exec_module(module)
    return module


# -- browser helpers ---------------------------------------------------------------------

LOADED_IMAGE = """
const img = document.querySelector(arguments[0]);
if (!img || !img.getAttribute("src") || !img.complete || img.naturalWidth === 0) {
    return null;
}
return [img.getAttribute("src"), img.naturalWidth, img.naturalHeight];
"""


def wait_for_image(dash_duo: Any, previous_src: str | None = None) -> tuple[str, int, int]:
    """Wait until ``#image`` shows a *new* source, fully loaded; return (src, w, h)."""
    dash_duo.wait_for_element("#image")

    def loaded() -> list[Any] | None:
        found = dash_duo.driver.execute_script(LOADED_IMAGE, "#image")
        return found if found and found[0] != previous_src else None

    src, width, height = wait.until(
        loaded,
        timeout=IMAGE_TIMEOUT,
        msg=f"#image did not load a new source (previous: {previous_src!r})",
    )
    assert ADDRESS.fullmatch(src), src
    return src, width, height


def fetch(dash_duo: Any, src: str) -> requests.Response:
    """GET an address from the running app, outside the browser."""
    return requests.get(dash_duo.server_url + src, timeout=10)  # reads the whole body


def assert_not_found(response: requests.Response) -> None:
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == 404
    assert body["message"] == "Not Found"
    assert isinstance(body["error"], str) and body["error"]


# -- importing ---------------------------------------------------------------------------

IMPORT_ALL = r"""
import importlib.util, json, sys
import dash, flask, psutil

def refuse(*args, **kwargs):
    raise AssertionError("an example started a server while being imported")

flask.Flask.run = refuse
dash.Dash.run = refuse
apps = {}
for path in sys.argv[1:]:
    name = "example_" + path.rsplit("/", 1)[-1][:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    apps[name] = type(module.app).__module__ + "." + type(module.app).__name__
me = psutil.Process()
connections = getattr(me, "net_connections", None) or me.connections  # psutil < 6
print(json.dumps({
    "apps": apps,
    "listening": [c.laddr[1] for c in connections("inet") if c.status == "LISTEN"],
    "children": [p.pid for p in me.children(recursive=True)],
}))
"""


def test_ex000_import_builds_apps_without_serving_or_leftover_processes() -> None:
    """Importing every example builds its ``app``, serves nothing, leaves nothing running."""
    paths = [str(EXAMPLES / f"{stem}.py") for stem in STEMS.values()]
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["apps"] == {
        f"example_{stem}": "flask.app.Flask" if number == 4 else "dash.dash.Dash"
        for number, stem in STEMS.items()
    }
    assert report["listening"] == []

    def gone(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    # Example 3's multiprocessing manager may run while the program does, not after.
    for pid in report["children"]:
        wait.until(lambda pid=pid: gone(pid), timeout=10, msg=f"process {pid} outlived it")


def test_ex000_examples_have_docstring_with_run_command() -> None:
    for stem in STEMS.values():
        module = load_example(int(stem[2]))
        assert module.__doc__ and f"python examples/{stem}.py" in module.__doc__


def test_ex000_assets_declare_their_sizes() -> None:
    for name, (width, height) in (("circle.svg", CIRCLE), ("square.svg", SQUARE)):
        text = (ASSETS / name).read_text(encoding="utf-8")
        assert f'width="{width}" height="{height}"' in text


# -- example 1: an SVG in a StringIO, one-time -------------------------------------------


@pytest.mark.browser
def test_ex001_stringio_svg_loads_once(dash_duo: Any) -> None:
    ex1 = load_example(1)
    assert isinstance(ex1.app, dash.Dash)
    dash_duo.start_server(ex1.app)

    dash_duo.find_element("#draw").click()
    src, width, height = wait_for_image(dash_duo)
    assert (width, height) == (ex1.svg_width(1), ex1.SVG_HEIGHT) == (140, 80)

    # The browser fetched it: a one-time item is gone for anyone else.
    assert_not_found(fetch(dash_duo, src))

    dash_duo.find_element("#draw").click()
    src2, width, height = wait_for_image(dash_duo, previous_src=src)
    assert (width, height) == (ex1.svg_width(2), ex1.SVG_HEIGHT) == (180, 80)
    assert_not_found(fetch(dash_duo, src2))

    assert dash_duo.get_logs() == []


# -- example 2: swap two files by path ---------------------------------------------------


@pytest.mark.browser
def test_ex002_swap_svg_files_changes_size(dash_duo: Any) -> None:
    ex2 = load_example(2)
    dash_duo.start_server(ex2.app)

    first, width, height = wait_for_image(dash_duo)  # the initial callback shows the circle
    assert (width, height) == CIRCLE
    dash_duo.wait_for_text_to_equal("#name", "circle.svg")

    dash_duo.find_element("#swap").click()
    second, width, height = wait_for_image(dash_duo, previous_src=first)
    assert (width, height) == SQUARE
    dash_duo.wait_for_text_to_equal("#name", "square.svg")

    dash_duo.find_element("#swap").click()
    third, width, height = wait_for_image(dash_duo, previous_src=second)
    assert (width, height) == CIRCLE
    assert third != first  # each registration has an address of its own

    # Not one-time: the first address still serves the file, read from disk.
    response = fetch(dash_duo, first)
    assert response.status_code == 200
    assert response.content == (ASSETS / "circle.svg").read_bytes()
    assert response.headers["Content-Type"].startswith("image/svg+xml")

    assert dash_duo.get_logs() == []


# -- example 3: a background callback into a CacheQueue ----------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_ex003_background_callback_registers_each_kind(dash_duo: Any) -> None:
    ex3 = load_example(3)
    assert isinstance(ex3.jobs, dash.DiskcacheManager)
    dash_duo.start_server(ex3.app)

    expected = {"stringio": (240, 80), "bytesio": (160, 160), "path": SQUARE}
    src = None
    for kind, size in expected.items():
        dash_duo.find_element(f"#kind input[value='{kind}']").click()
        dash_duo.wait_for_element("#register:not([disabled])", timeout=BACKGROUND_TIMEOUT)
        dash_duo.find_element("#register").click()
        dash_duo.wait_for_contains_text(
            "#worker", f"{kind} registered by process", timeout=BACKGROUND_TIMEOUT
        )
        src, width, height = wait_for_image(dash_duo, previous_src=src)
        assert (width, height) == size, kind
        # The real DiskcacheManager ran the callback in another (forked) process.
        worker_pid = int(dash_duo.find_element("#worker").text.rsplit(" ", 1)[-1])
        assert worker_pid != os.getpid()

    # The items reached the web process's store through the queue.
    assert len(ex3.cache) == len(expected)
    assert dash_duo.get_logs() == []


# -- example 4: plain Flask --------------------------------------------------------------


@pytest.fixture
def client() -> flask.testing.FlaskClient:
    return load_example(4).create_app().test_client()


def register(client: flask.testing.FlaskClient, name: Any, form: bool = False) -> Any:
    if form:
        return client.post("/register", data={"name": name})
    return client.post("/register", json={"name": name})


def assert_bad_request(response: Any) -> None:
    assert response.status_code == 400
    assert response.is_json
    body = response.get_json()
    assert body["code"] == 400 and isinstance(body["error"], str) and body["error"]


def test_ex004_flask_lists_the_files() -> None:
    ex4 = load_example(4)
    assert isinstance(ex4.app, flask.Flask)
    response = ex4.app.test_client().get("/")
    assert response.status_code == 200
    assert response.get_json() == {"files": ["circle.svg", "square.svg"]}


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_ex004_flask_register_serves_once(client: Any, form: bool) -> None:
    response = register(client, "circle.svg", form=form)
    assert response.status_code == 200
    addr = response.get_json()["addr"]
    assert ADDRESS.fullmatch(addr)

    with client.get(addr) as served:
        assert served.status_code == 200
        assert served.headers["Content-Type"].startswith("image/svg+xml")
        assert served.data == (ASSETS / "circle.svg").read_bytes()

    with client.get(addr) as again:
        assert again.status_code == 404
        body = again.get_json()
        assert body["code"] == 404 and body["message"] == "Not Found" and body["error"]


def test_ex004_flask_second_file_evicts_the_first(client: Any) -> None:
    first = register(client, "circle.svg").get_json()["addr"]
    second = register(client, "square.svg").get_json()["addr"]
    with client.get(first) as evicted:
        assert evicted.status_code == 404
        assert evicted.get_json()["error"]
    with client.get(second) as served:
        assert served.status_code == 200
        assert served.data == (ASSETS / "square.svg").read_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "../pyproject.toml",
        "../../pyproject.toml",
        "nope.svg",
        "",
        "CIRCLE.SVG",
        "./circle.svg",
        "assets/circle.svg",
        str(ASSETS / "circle.svg"),
        "/etc/passwd",
        "..",
        123,
        None,
        ["circle.svg"],
    ],
)
def test_ex004_flask_refuses_unlisted_names(client: Any, name: Any) -> None:
    assert_bad_request(register(client, name))
    if isinstance(name, str):
        assert_bad_request(register(client, name, form=True))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"data": {"file": "circle.svg"}},
        {"json": ["circle.svg"]},
        {"data": "{not json", "content_type": "application/json"},
    ],
    ids=["empty", "other-field", "json-list", "bad-json"],
)
def test_ex004_flask_refuses_malformed_requests(client: Any, kwargs: dict[str, Any]) -> None:
    assert_bad_request(client.post("/register", **kwargs))


# -- example 5: a CacheFile in a temporary directory -------------------------------------


@pytest.mark.browser
def test_ex005_cache_file_serves_from_temp_dir(dash_duo: Any) -> None:
    ex5 = load_example(5)
    cache_dir = Path(ex5.cache.cache_dir)
    assert cache_dir.is_dir()
    assert cache_dir.parent == Path(tempfile.gettempdir())
    dash_duo.start_server(ex5.app)

    dash_duo.find_element("#draw").click()
    drawn, width, height = wait_for_image(dash_duo)
    assert (width, height) == (ex5.svg_width(1), ex5.SVG_HEIGHT) == (150, 90)
    dash_duo.wait_for_text_to_equal("#status", f"1 item(s) cached in {cache_dir}")

    dash_duo.find_element("#show-file").click()
    _, width, height = wait_for_image(dash_duo, previous_src=drawn)
    assert (width, height) == CIRCLE
    dash_duo.wait_for_text_to_equal("#status", f"2 item(s) cached in {cache_dir}")

    # The drawing was written into the cache directory and is served again from there.
    response = fetch(dash_duo, drawn)
    assert response.status_code == 200
    assert response.content == ex5.draw_svg(1).encode("utf-8")
    assert any(path.is_file() for path in cache_dir.rglob("*.val"))

    assert dash_duo.get_logs() == []

"""dash-file-cache 0.2.0's own example programs, unchanged, against this package.

The examples come from 0.2.0's source distribution on the package index (its
``examples/`` folder; nothing of it is kept in this repository). Each runs as its
docstring says, in headless Chromium (the Dash ones) or through Flask's test client.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from dash.testing.wait import until

pytestmark = pytest.mark.browser

RELEASE = "dash-file-cache==0.2.0"
ADDRESS_PREFIX = "/cached-data?uid="
LOADED = "const i = arguments[0]; return i.complete && i.naturalWidth > 0 && i.src;"
TIMEOUT = 30  # s (background jobs start a process each)


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """0.2.0's ``examples/`` folder, from its sdist (``pip download``)."""
    where = tmp_path_factory.mktemp("dfc-0.2.0")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary"]
        + [":all:", "--dest", str(where), RELEASE],
        check=True,
        timeout=300,
    )
    (sdist,) = where.glob("dash_file_cache-0.2.0.tar.gz")
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if "/examples/" in m.name and m.isfile()]
        archive.extractall(where, members=members, filter="data")
    (folder,) = where.glob("*/examples")
    return folder


@pytest.fixture
def load(examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``load(name)``: import ``examples/<name>.py`` as a module of its own (its
    ``diskcache.Cache("./cache")`` lands in a temporary working directory)."""
    monkeypatch.chdir(tmp_path)
    loaded: list[str] = []

    def _load(name: str) -> ModuleType:
        module_name = f"dfc_v020_{name}"
        spec = importlib.util.spec_from_file_location(module_name, examples / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        loaded.append(module_name)
        spec.loader.exec_module(module)
        return module

    yield _load
    for name in loaded:
        sys.modules.pop(name, None)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shown_image(dash_duo: Any, previous: str | None = None) -> str:
    """Wait until ``#cache`` shows a new, decoded image; its ``src``."""
    image = dash_duo.find_element("#cache")

    def loaded() -> Any:
        src = dash_duo.driver.execute_script(LOADED, image)
        return src if src and src != previous else None

    return str(until(loaded, timeout=TIMEOUT))


def click_each_source(dash_duo: Any) -> None:
    """The StringIO, BytesIO and Path buttons: each image is registered and shown."""
    previous = None
    for button, kind in (("strio", "StringIO"), ("bytesio", "BytesIO"), ("path", "str")):
        dash_duo.find_element(f"#btn-{button}").click()
        dash_duo.wait_for_text_to_equal("#type", kind, timeout=TIMEOUT)
        until(lambda p=previous: dash_duo.find_element("#addr").text not in ("", p), TIMEOUT)
        address = dash_duo.find_element("#addr").text
        assert address.startswith(ADDRESS_PREFIX)
        previous = shown_image(dash_duo, previous)
        assert previous.endswith(address)


def test_single_process(dash_duo: Any, load: Any) -> None:
    """ "Preparing and serving the data dynamically in the same process" (CachePlain)."""
    module = load("single_process")
    dash_duo.start_server(module.app)
    click_each_source(dash_duo)


def test_change_image(dash_duo: Any, load: Any) -> None:
    """ "Serving multiple dynamically loaded images": two images, swapped by buttons."""
    module = load("change_image")
    dash_duo.start_server(module.app)
    previous = None
    for button in ("#btn-img1", "#btn-img2", "#btn-img1"):
        dash_duo.find_element(button).click()
        previous = shown_image(dash_duo, previous)


def test_tempfile_cache(dash_duo: Any, load: Any) -> None:
    """ "Preparing a file in a background callback, served by a temporary-file-based
    cache" (CacheFile(None), DiskcacheManager)."""
    module = load("tempfile_cache")
    module.wrapped_app.load()
    dash_duo.start_server(module.wrapped_app.app)
    click_each_source(dash_duo)


def test_background_callback(dash_duo: Any, load: Any) -> None:
    """A background callback registering into a CacheQueue whose queue is set after
    construction, from a ``multiprocess`` spawn-context manager (as its ``__main__``)."""
    import multiprocess

    module = load("background_callback")
    manager = multiprocess.get_context("spawn").Manager()
    try:
        module.wrapped_app.load(manager.Queue(1))
        dash_duo.start_server(module.wrapped_app.app)
        click_each_source(dash_duo)
    finally:
        manager.shutdown()


def test_download_file(dash_duo: Any, load: Any, examples: Path) -> None:
    """ "Downloading a file served by the cache" with Downloader (mitm ignored) and
    ServiceDownloader (which warns that it serves nothing)."""
    module = load("download_file")
    with pytest.warns(FutureWarning, match="ServiceDownloader serves nothing"):
        module.wrapped_app.load()
    dash_duo.start_server(module.wrapped_app.app)
    dash_duo.find_element("#btn").click()
    dash_duo.wait_for_text_to_equal("#type", "str", timeout=TIMEOUT)
    assert dash_duo.find_element("#addr").text.startswith(ADDRESS_PREFIX)
    saved = Path(dash_duo.download_path) / "test_image.svg"
    until(saved.exists, timeout=TIMEOUT)
    until(lambda: sha256(saved) == sha256(examples / "test_image.svg"), timeout=TIMEOUT)
    until(lambda: "'type': 'success'" in dash_duo.find_element("#dlstats").text, TIMEOUT)
    status = dash_duo.find_element("#dlstats").text
    assert "'http_code': 200" in status and "'code': 'success'" in status


def test_flask_services(load: Any, examples: Path) -> None:
    """ "The cache APIs served by a pure Flask application": one-time addresses, the
    404 JSON of a consumed or evicted item (CachePlain(1))."""
    module = load("flask_services")
    client = module.app.test_client()
    assert client.get("/").json == {"files": ["test1", "test2"]}
    first = client.post("/file?name=test1").json["addr"]
    assert first.startswith(ADDRESS_PREFIX)
    served = client.get(first)
    assert served.status_code == 200
    assert served.data == (examples / "test_image.svg").read_bytes()
    consumed = client.get(first)
    assert consumed.status_code == 404 and "error" in consumed.json
    evicted = client.post("/file?name=test1").json["addr"]
    client.post("/file?name=test2")
    assert client.get(evicted).status_code == 404
    assert os.path.basename(first) != os.path.basename(evicted)

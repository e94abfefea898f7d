"""The names dash-file-cache 0.2.0 apps import, used as those apps use them.

``tests/docs/test_api_compat.py`` checks (with griffe) that they exist with 0.2.0's
signatures; these tests check that they work: ``dash_file_cache.version``,
``dash_file_cache.utilities``, ``dash_file_cache.caches.tempfile``, ``Downloader`` and
``PlainDownloader`` taking ``url`` first, and ``ServiceData.allowed_cross_origin``.
"""

from __future__ import annotations

import io
import json
import multiprocessing
from pathlib import Path

import pytest

import dash_file_cache as dfc

ROOT = Path(__file__).resolve().parent.parent.parent


def _child_reports_main_process(queue: multiprocessing.Queue[bool], folder: str) -> None:
    """In a spawned child: report is_in_main_process(), after trying to remove ``folder``
    (which only the main process may do)."""
    from dash_file_cache.utilities import is_in_main_process, remove_temp_dir

    remove_temp_dir(folder)
    queue.put(is_in_main_process())


def test_v020api001_version_module() -> None:
    from dash_file_cache.version import __version__

    assert "version" in dfc.__all__
    assert __version__ == dfc.version.__version__ == dfc.__version__
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert __version__ == package["version"]  # the one version source (see test_quality)


def test_v020api002_utilities_is_exported() -> None:
    assert "utilities" in dfc.__all__
    assert set(dfc.utilities.__all__) == {
        "is_in_main_process",
        "remove_temp_dir",
        "TempDir",
        "StreamFinalizer",
    }


def test_v020api003_is_in_main_process_only_in_the_main_process(tmp_path: Path) -> None:
    from dash_file_cache.utilities import is_in_main_process

    assert is_in_main_process() is True
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[bool] = context.Queue()
    child = context.Process(target=_child_reports_main_process, args=(queue, str(tmp_path)))
    child.start()
    try:
        assert queue.get(timeout=60) is False
    finally:
        child.join(timeout=60)
    assert child.exitcode == 0
    assert tmp_path.is_dir()  # remove_temp_dir() did nothing in the child


def test_v020api004_temp_dir_removes_its_folder(tmp_path: Path) -> None:
    from dash_file_cache.utilities import TempDir

    made = TempDir()
    folder = Path(made.path)
    (folder / "item.bin").write_bytes(b"data")
    assert folder.is_dir() and not made.is_removed
    made.remove()
    assert made.is_removed and not folder.exists()

    given = tmp_path / "nested" / "cache"
    named = TempDir(given)
    assert named.path == str(given) and given.is_dir()
    (given / "item.bin").write_bytes(b"data")
    del named  # the finalizer removes it when the object goes away
    assert not given.exists()


def test_v020api005_remove_temp_dir(tmp_path: Path) -> None:
    from dash_file_cache.utilities import remove_temp_dir

    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "item.txt").write_text("x", encoding="utf-8")
    remove_temp_dir(folder)
    assert not folder.exists()
    remove_temp_dir(folder)  # a missing folder is no error
    remove_temp_dir(str(tmp_path / "never-made"))


def test_v020api006_stream_finalizer() -> None:
    from dash_file_cache.utilities import StreamFinalizer

    seen: list[bytes] = []
    stream = io.BytesIO(b"payload")
    stream.seek(3)
    finalizer = StreamFinalizer(
        stream, truncate=True, callback_on_exit=lambda f: seen.append(f.read())
    )
    with finalizer as fobj:
        assert fobj is stream and fobj.tell() == 0
        assert fobj.read() == b"payload"
    assert seen == [b"payload"]
    assert stream.getvalue() == b"" and not stream.closed

    closing = io.StringIO("text")
    with StreamFinalizer(closing, close=True) as fobj:
        assert fobj.read() == "text"
    assert closing.closed


def test_v020api007_cache_file_at_its_0_2_0_path(tmp_path: Path) -> None:
    from dash_file_cache.caches.tempfile import CacheFile

    assert CacheFile is dfc.CacheFile is dfc.caches.file.CacheFile
    assert dfc.caches.tempfile.CacheFile is CacheFile
    assert "tempfile" in dfc.caches.__all__
    cache = CacheFile(str(tmp_path / "cache"))
    service = dfc.ServiceData(cache)
    address = service.register(io.BytesIO(b"hello"), file_name="a.bin", mime_type="x/y")
    uid = address.rsplit("uid=", 1)[-1]
    assert uid in cache


@pytest.mark.parametrize("component", [dfc.Downloader, dfc.PlainDownloader])
def test_v020api008_downloaders_take_url_first(component: type) -> None:
    made = component("/cached-data?uid=abc")
    assert made.url == "/cached-data?uid=abc"
    assert getattr(made, "id", None) is None
    both = component("/addr", "dl")
    assert (both.url, both.id) == ("/addr", "dl")
    keywords = component(id="dl", url="/addr")
    assert keywords.to_plotly_json()["props"] == {"id": "dl", "url": "/addr"}


def test_v020api009_allowed_cross_origin_property() -> None:
    cache = dfc.CachePlain(4)
    assert dfc.ServiceData(cache).allowed_cross_origin == ""
    service = dfc.ServiceData(cache, allowed_cross_origin="*")
    assert service.allowed_cross_origin == "*"
    with pytest.raises(AttributeError):
        service.allowed_cross_origin = "https://example.org"  # type: ignore[misc]

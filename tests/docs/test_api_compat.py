"""The public Python API stays compatible: griffe compares ``dash_file_cache`` with (a)
dash-file-cache 0.2.0, from its sdist on the package index, and (b) the names and
signatures of the reference (``REFERENCE.md``, the user's ``ServiceData`` page),
transcribed below as a stub package.

Any breaking change griffe finds (a public name removed or renamed, a parameter
removed, moved, made keyword-only or given another default, ...) fails, unless it is in
an allowlist below with the reason it is intended. A new break is either a mistake
(restore the name) or a decision (add it here, with its reason, and to CHANGELOG.md).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import griffe
import pytest

import dash_file_cache

from .releases import release_source

INSTALLED = Path(dash_file_cache.__file__).resolve().parent.parent

#: Breaks from 0.2.0 made on purpose, as ``"<path in the package>[(<parameter>)]: <kind>"``.
ALLOWED_FROM_0_2_0 = {
    # Documented in "Migrate from dash-file-cache 0.2.0": pass it by keyword, or to serve().
    "services.data.ServiceData.__init__(allowed_cross_origin): PARAMETER_CHANGED_KIND",
    # ServiceDownloader serves nothing now (StreamSaver's helper page is gone; it warns).
    "services.downloader.ServiceDownloader.path_local: OBJECT_REMOVED",
    # Dash 3 no longer passes loading_state to components (the generated classes follow).
    "components.Downloader.Downloader.LoadingState: OBJECT_REMOVED",
    "components.Downloader.Downloader.__init__(loading_state): PARAMETER_REMOVED",
    "components.PlainDownloader.PlainDownloader.LoadingState: OBJECT_REMOVED",
    "components.PlainDownloader.PlainDownloader.__init__(loading_state): PARAMETER_REMOVED",
    # The cache contract is the reference's load(key) -> (info, deferred loader), one
    # call (one lock, one round trip); 0.2.0's load_info/load_data were its two halves.
    "caches.abstract.CacheAbstract.load_info: OBJECT_REMOVED",
    "caches.abstract.CacheAbstract.load_data: OBJECT_REMOVED",
    "caches.memory.CachePlain.load_info: OBJECT_REMOVED",
    "caches.memory.CachePlain.load_data: OBJECT_REMOVED",
    "caches.memory.CacheQueue.load_info: OBJECT_REMOVED",
    "caches.memory.CacheQueue.load_data: OBJECT_REMOVED",
    "caches.tempfile.CacheFile.load_info: OBJECT_REMOVED",
    "caches.tempfile.CacheFile.load_data: OBJECT_REMOVED",
    # 0.2.0's storage internals (its LRU dict, mirror threads, file layout), replaced by
    # the bounded, process-safe backends; the reference names none of them.
    "caches.lrudict: OBJECT_REMOVED",
    "caches.memory.CachePlain.cache: OBJECT_REMOVED",
    "caches.memory.CacheQueue.cache: OBJECT_REMOVED",
    "caches.memory.CacheQueue.mirror: OBJECT_REMOVED",
    "caches.memory.CacheQueue.threads: OBJECT_REMOVED",
    "caches.memory.CacheQueue.CacheQueueMirror: OBJECT_REMOVED",
    "caches.tempfile.CacheFile.dir: OBJECT_REMOVED",
    "caches.tempfile.CacheFile.key_to_path: OBJECT_REMOVED",
    "services.reqstream: OBJECT_REMOVED",
    "services.utilities: OBJECT_REMOVED",
    # Their own __repr__/__str__ went with those internals (object's are inherited).
    "caches.memory.CachePlain.__repr__: OBJECT_REMOVED",
    "caches.memory.CachePlain.__str__: OBJECT_REMOVED",
    "caches.memory.CacheQueue.__repr__: OBJECT_REMOVED",
    "caches.memory.CacheQueue.__str__: OBJECT_REMOVED",
    "caches.tempfile.CacheFile.__repr__: OBJECT_REMOVED",
    "caches.tempfile.CacheFile.__str__: OBJECT_REMOVED",
    # The item metadata the caches store (size in bytes, ETag, owner, ...): 0.2.0's
    # per-source typed dicts and its `type`/`data_size` keys are not stored any more.
    "caches.typehints.Deferred: OBJECT_REMOVED",
    "caches.typehints.CachedPath: OBJECT_REMOVED",
    "caches.typehints.CachedStringIO: OBJECT_REMOVED",
    "caches.typehints.CachedBytesIO: OBJECT_REMOVED",
    "caches.typehints.CachedFileInfo.type: OBJECT_REMOVED",
    "caches.typehints.CachedFileInfo.data_size: OBJECT_REMOVED",
}

#: Breaks from 0.2.0 NOT decided yet: raised with the maintainers (issue 23). Each is
#: either restored (then delete the line: the check then guards it) or moved up to
#: ALLOWED_FROM_0_2_0 with its reason and a CHANGELOG entry.
UNDECIDED_FROM_0_2_0: set[str] = set()

#: REFERENCE.md's public API, as a stub package: its import paths and aliases, and the
#: signatures it states (names, order, defaults). Nothing of it may break.
REFERENCE_STUB = {
    "__init__.py": """
        from . import caches, components, services
        from .caches import CacheFile, CachePlain, CacheQueue
        from .components import CachedImage, DownloadLink
        from .services import ServiceData

        __all__ = ["caches", "components", "services", "CacheFile", "CachePlain",
                   "CacheQueue", "CachedImage", "DownloadLink", "ServiceData"]
    """,
    "services/__init__.py": """
        from . import data
        from .data import ServiceData

        __all__ = ["data", "ServiceData"]
    """,
    "services/data.py": """
        class ServiceData:
            def __init__(self, cache, service_name="/cached-data", chunk_size=1): ...
            def register(self, fobj, file_name="", content_type="", mime_type="image/jpeg",
                         one_time_service=False, download=False): ...
            def stream(self, uid, download=False): ...
            def serve(self, app, endpoint=None): ...
            @property
            def cache(self): ...
            @property
            def chunk_size(self): ...
            @chunk_size.setter
            def chunk_size(self, value): ...
    """,
    "caches/__init__.py": """
        from . import abstract
        from .abstract import CacheAbstract
        from .file import CacheFile
        from .memory import CachePlain, CacheQueue

        __all__ = ["abstract", "CacheAbstract", "CacheFile", "CachePlain", "CacheQueue"]
    """,
    "caches/abstract.py": """
        class CacheAbstract:
            def __contains__(self, key): ...
            def dump(self, key, info, data): ...
            def load(self, key): ...
            def remove(self, key): ...
    """,
    "caches/memory.py": """
        from .abstract import CacheAbstract

        class CachePlain(CacheAbstract):
            def __init__(self, cache_size): ...

        class CacheQueue(CacheAbstract):
            def __init__(self, cache_size, qobj=None): ...
    """,
    "caches/file.py": """
        from .abstract import CacheAbstract

        class CacheFile(CacheAbstract):
            def __init__(self, cache_dir=None, chunk_size=1): ...
    """,
    "components/__init__.py": """
        from .CachedImage import CachedImage
        from .DownloadLink import DownloadLink
    """,
    "components/CachedImage.py": "class CachedImage: ...",
    "components/DownloadLink.py": "class DownloadLink: ...",
}


def breakages(old: griffe.Object, new: griffe.Object) -> set[str]:
    """Each breaking change from ``old`` to ``new``, as the allowlists spell it."""
    found = set()
    for breakage in griffe.find_breaking_changes(old, new):
        parameter = getattr(breakage.old_value, "name", None)
        where = breakage.obj.path.removeprefix("dash_file_cache.")
        if isinstance(breakage.old_value, griffe.Parameter) and parameter:
            where += f"({parameter})"
        found.add(f"{where}: {breakage.kind.name}")
    return found


def load(folder: Path) -> griffe.Object:
    """``dash_file_cache`` as found in ``folder``, by static analysis (nothing imported)."""
    return griffe.load(
        "dash_file_cache", search_paths=[str(folder)], try_relative_path=False, resolve_aliases=True
    )


@pytest.fixture(scope="module")
def current() -> griffe.Object:
    return load(INSTALLED)


def test_api001_nothing_of_0_2_0_breaks_unannounced(current: griffe.Object) -> None:
    old = load(release_source("0.2.0"))
    found = breakages(old, current)
    allowed = ALLOWED_FROM_0_2_0 | UNDECIDED_FROM_0_2_0
    assert found - allowed == set(), "a public name or signature of 0.2.0 broke"
    # An entry nothing matches any more was fixed (or mistyped): keep the lists exact.
    assert allowed - found == set(), "allowlisted breaks that no longer happen"


def test_api002_the_reference_api_is_kept(current: griffe.Object, tmp_path: Path) -> None:
    for name, source in REFERENCE_STUB.items():
        path = tmp_path / "dash_file_cache" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    assert breakages(load(tmp_path), current) == set()


def test_api003_the_check_sees_a_removed_name(current: griffe.Object, tmp_path: Path) -> None:
    """The comparison is not vacuous: a stub missing from the current API is reported,
    and so is a parameter of ``register()`` whose default changed."""
    stub = tmp_path / "dash_file_cache"
    stub.mkdir()
    (stub / "__init__.py").write_text(
        "from .services import ServiceData\n"
        "class CacheGone: ...\n"
        "__all__ = ['ServiceData', 'CacheGone']\n",
        encoding="utf-8",
    )
    (stub / "services").mkdir()
    (stub / "services" / "__init__.py").write_text("from .data import ServiceData\n")
    (stub / "services" / "data.py").write_text(
        "class ServiceData:\n    def register(self, fobj, file_name='x'): ...\n", encoding="utf-8"
    )
    found = breakages(load(tmp_path), current)
    assert "CacheGone: OBJECT_REMOVED" in found
    assert any("register(file_name)" in entry for entry in found), found

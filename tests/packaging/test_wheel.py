"""The package as users install it (run by ``nox -s wheel`` against the built wheel)."""

from __future__ import annotations

import os
import tarfile
import zipfile
from pathlib import Path

import pytest

import dash_file_cache as dfc

WHEEL = os.environ.get("DFC_WHEEL")
pytestmark = pytest.mark.skipif(not WHEEL, reason="run by `nox -s wheel` on the built wheel")

SHIPPED = (
    "dash_file_cache/py.typed",
    "dash_file_cache/dash_file_cache.min.js",
    "dash_file_cache/dash_file_cache.min.js.map",
    "dash_file_cache/components/metadata.json",
    "dash_file_cache/components/package-info.json",
    "dash_file_cache/services/worker.js",
)


def test_the_package_is_imported_from_the_installed_wheel() -> None:
    location = Path(dfc.__file__).resolve()
    assert "site-packages" in location.parts, location
    for name in SHIPPED:
        assert (location.parents[1] / name).is_file(), f"{name} is not installed"


def test_the_wheel_holds_the_package_files_and_the_license() -> None:
    assert WHEEL is not None
    with zipfile.ZipFile(WHEEL) as archive:
        names = archive.namelist()
    for name in SHIPPED:
        assert name in names, f"{name} is missing from the wheel"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names


def test_the_sdist_holds_the_license_and_the_built_bundle() -> None:
    sdist = os.environ["DFC_SDIST"]
    with tarfile.open(sdist) as archive:
        names = [n.split("/", 1)[1] for n in archive.getnames() if "/" in n]
    assert "LICENSE" in names
    assert "dash_file_cache/dash_file_cache.min.js" in names


def test_the_backend_extras_bring_what_each_backend_needs() -> None:
    """``pip install dash-file-cache[fastapi]`` / ``[quart]``: a Dash with backends (4.2+),
    the framework and the server the guide deploys on."""
    from importlib.metadata import requires

    declared = requires("dash-file-cache") or []
    for extra, framework in (("fastapi", "fastapi"), ("quart", "quart")):
        wanted = [r.split(";")[0].replace(" ", "") for r in declared if f'extra == "{extra}"' in r]
        names = {r.split(">")[0].split("=")[0].split("[")[0] for r in wanted}
        assert {"dash", framework, "uvicorn"} <= names, (extra, wanted)
        assert "dash>=4.2" in wanted, (extra, wanted)

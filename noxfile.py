"""The test matrix: ``python3 -m nox`` (each session in a fresh virtualenv).

- ``fast-3.10`` … ``fast-3.13``: the non-browser suites (services, backends, concurrency,
  fuzz) on every interpreter of the machine image (pyenv), against the newest Dash;
- ``oldest_dash``: the same plus the component browser tests, against Dash 3.0.0;
- ``wheel``: build the sdist and the wheel, install the wheel (not the checkout) in a
  fresh virtualenv and run the README quick start and a component test in Chromium
  against it, from a copy of the tests, so a file missing from the wheel is caught.

The full suite (browser, multi-process, nginx) runs on the machine's own Python through
the README's test command.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nox

nox.options.sessions = ["fast", "oldest_dash", "wheel"]
nox.options.reuse_existing_virtualenvs = False
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
FAST = ["tests/services", "tests/backends", "tests/concurrency", "tests/fuzz"]
OLDEST_DASH = "3.0.0"


def _pyenv_interpreters() -> None:
    """Put pyenv's interpreters (3.10 … 3.13) on PATH, so nox finds ``python3.X``."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return
    found = []
    for version in PYTHONS:
        found += sorted(glob.glob(f"{root.stdout.strip()}/versions/{version}.*/bin"))[-1:]
    os.environ["PATH"] = os.pathsep.join([*found, os.environ.get("PATH", "")])


_pyenv_interpreters()


@nox.session(python=PYTHONS)
def fast(session: nox.Session) -> None:
    """The non-browser suites against the newest Dash."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-q", "-m", "not browser", *FAST, *session.posargs)


@nox.session(python="3.11")
def oldest_dash(session: nox.Session) -> None:
    """The oldest supported Dash: non-browser suites and the component browser tests."""
    session.install("-e", ".[test]", f"dash[dev,testing]=={OLDEST_DASH}")
    session.run("python", "-c", f"import dash; assert dash.__version__ == {OLDEST_DASH!r}")
    session.run(
        "python", "-m", "pytest", "-q", *FAST, "tests/integration/components", *session.posargs
    )


@nox.session(python="3.11")
def wheel(session: nox.Session) -> None:
    """Build the distributions, install the wheel, test the installed package."""
    dist = Path(tempfile.mkdtemp(prefix="dfc-dist-"))
    work = Path(tempfile.mkdtemp(prefix="dfc-wheel-tests-"))
    try:
        session.install("build")
        session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT))
        (built,) = dist.glob("*.whl")
        (sdist,) = dist.glob("*.tar.gz")
        session.install(f"{built}[test]")
        shutil.copytree(ROOT / "tests", work / "tests")
        for name in ("README.md", "pyproject.toml"):
            shutil.copy(ROOT / name, work / name)
        env = {"DFC_WHEEL": str(built), "DFC_SDIST": str(sdist)}
        session.chdir(work)
        session.run(
            "python",
            "-m",
            "pytest",
            "-q",
            "tests/packaging",
            "tests/integration/readme",
            "tests/integration/components/test_cached_image.py::test_cimg001_svg_from_callback_loads",
            env=env,
        )
    finally:
        shutil.rmtree(dist, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)

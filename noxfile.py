"""The test matrix: ``python3 -m nox`` (each session in a fresh virtualenv).

- ``fast-3.10`` … ``fast-3.13``: the non-browser suites (services, backends, concurrency,
  fuzz) on every interpreter of the machine image (pyenv), against the newest Dash;
- ``oldest_dash``: the same plus the component browser tests, against Dash 3.0.0;
- ``oldest_backends``: the ASGI suites (FastAPI and Quart backends, Chromium included)
  and the services, against Dash 4.2.0, the first with ``backend=``;
- ``wheel``: build the sdist and the wheel, check them (``twine check --strict``,
  ``check-wheel-contents``), install the wheel (not the checkout) in a
  fresh virtualenv and run the README's checks (its quick start in Chromium) and a
  component test against it, from a copy of the tests, so a file missing from the wheel
  is caught;
- ``examples``: each example program, then every Python block of the README and of the
  documentation site (``tests/docs/snippets.py``), with only the installs their text
  names (the package, then each extra a page or an example's docstring asks for), in a
  fresh virtualenv without the test dependencies.

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

nox.options.sessions = ["fast", "oldest_dash", "oldest_backends", "wheel", "examples"]
nox.options.reuse_existing_virtualenvs = False
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
FAST = [
    "tests/services",
    "tests/backends",
    "tests/concurrency",
    "tests/fuzz",
    "tests/asgi",
    "tests/generated",
]
OLDEST_DASH = "3.0.0"
#: The first Dash with ``backend=`` (FastAPI and Quart); the newest runs in ``fast``.
OLDEST_BACKENDS_DASH = "4.2.0"


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
def oldest_backends(session: nox.Session) -> None:
    """The oldest Dash with backends (4.2.0): the suites of the FastAPI and Quart backends
    (contract, differential, owners, Chromium) and the services."""
    session.install("-e", ".[test]", f"dash[dev,testing]=={OLDEST_BACKENDS_DASH}")
    session.run("python", "-c", f"import dash; assert dash.__version__ == {OLDEST_BACKENDS_DASH!r}")
    session.run("python", "-m", "pytest", "-q", "tests/asgi", "tests/services", *session.posargs)


@nox.session(python="3.11")
def wheel(session: nox.Session) -> None:
    """Build the distributions, install the wheel, test the installed package."""
    dist = Path(tempfile.mkdtemp(prefix="dfc-dist-"))
    work = Path(tempfile.mkdtemp(prefix="dfc-wheel-tests-"))
    try:
        session.install("build", "twine", "check-wheel-contents")
        session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT))
        (built,) = dist.glob("*.whl")
        (sdist,) = dist.glob("*.tar.gz")
        # The metadata renders on the package index; the wheel holds no stray files.
        session.run("python", "-m", "twine", "check", "--strict", str(built), str(sdist))
        session.run("check-wheel-contents", str(built))
        session.install(f"{built}[test]")
        shutil.copytree(ROOT / "tests", work / "tests")
        shutil.copytree(ROOT / "docs", work / "docs")  # the pages tests/docs reads
        shutil.copytree(ROOT / "examples", work / "examples")  # which the pages include
        for name in ("README.md", "CHANGELOG.md", "pyproject.toml"):
            shutil.copy(ROOT / name, work / name)
        env = {"DFC_WHEEL": str(built), "DFC_SDIST": str(sdist)}
        session.chdir(work)
        session.run(
            "python",
            "-m",
            "pytest",
            "-q",
            "tests/packaging",
            "tests/docs/test_readme.py",
            "tests/integration/components/test_cached_image.py::test_cimg001_svg_from_callback_loads",
            env=env,
        )
    finally:
        shutil.rmtree(dist, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


#: Import an example as the program it is (not as __main__: no server is started).
_IMPORT = """
import importlib.util, sys
path = sys.argv[1]
spec = importlib.util.spec_from_file_location("example_under_test", path)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
print("imported", path)
"""


@nox.session(python="3.11")
def examples(session: nox.Session) -> None:
    """The examples and snippets with only the installs their docstrings and text name."""
    session.install("-e", ".")
    for name in ("ex1_stringio_svg", "ex2_swap_svg_files", "ex4_flask_service", "ex5_cache_file"):
        session.run("python", "-c", _IMPORT, f"examples/{name}.py")
    session.install("-e", ".[background]")
    session.run("python", "-c", _IMPORT, "examples/ex3_background_callback.py")
    session.install("-e", ".[celery]")
    session.run("python", "-c", _IMPORT, "examples/ex6_celery_redis.py")
    session.install("-e", ".[gunicorn]")
    session.run("gunicorn", "--check-config", "examples.ex7_gunicorn_workers:server")
    # The pages' blocks: the owners guide names dash-auth, the FastAPI guide the asgi extra,
    # the generated-content guide the pandas and images extras.
    session.install("-e", ".[auth,asgi,pandas,images]")
    session.run("python", "tests/docs/snippets.py")

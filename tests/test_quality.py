"""Static checks: ruff over the hand-written Python, mypy --strict over the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff_is_clean() -> None:
    result = run(
        "ruff", "check", "dash_file_cache", "tests", "benchmarks", "examples", "demo", "usage.py"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_version_everywhere() -> None:
    """pyproject.toml, package.json (and so the components) and ``__version__`` agree."""
    import json

    import tomllib

    import dash_file_cache

    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    javascript = json.loads((ROOT / "package.json").read_text())["version"]
    assert python == javascript == dash_file_cache.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{python}]" in changelog

"""The HTTP core knows no server interface: its modules import no web framework, and
only each other (and the caches); the adapters are the only way in and out."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "dash_file_cache" / "services"
CORE = {
    "wire",
    "conditions",
    "http",
    "answer",
    "respond",
    "remote",
    "cors",
    "policy",
    "offload",
    "ownership",
    "register",
    "context",
    "worker",
    "generated",
    "shared_generated",
    "sources",
}
FRAMEWORKS = ("flask", "werkzeug", "starlette", "fastapi", "quart", "anyio", "dash", "uvicorn")


def imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import in ``path``, nested ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


@pytest.mark.parametrize("module", sorted(CORE))
def test_core_module_imports_no_framework(module: str) -> None:
    for level, name in imports(SERVICES / f"{module}.py"):
        if level == 0:
            assert name.split(".")[0] not in FRAMEWORKS, f"{module}.py imports {name}"
        elif level == 1:
            assert name.split(".")[0] in CORE, f"{module}.py imports the adapter .{name}"
        else:
            assert name.startswith("caches"), f"{module}.py imports {'.' * level}{name}"


def test_every_adapter_goes_through_the_core() -> None:
    """The adapters import the core's answer, and none makes answers of its own."""
    for adapter in ("wsgi", "asgi", "direct", "mount"):
        tree = ast.parse((SERVICES / f"{adapter}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "json_error", f"{adapter}.py makes an error answer"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value.lower() != "content-length", f"{adapter}.py sets a length"
    assert "from .answer import" in (SERVICES / "mount.py").read_text()

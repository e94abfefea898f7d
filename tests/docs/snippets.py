"""The ``python`` code blocks of the README and of the documentation site (``docs/``).

Plain Python, no pytest: ``noxfile.py`` runs these blocks with only the installs the
pages name, and ``tests/docs/test_snippets.py`` runs them under pytest.

Conventions of the pages (HTML comments, invisible on GitHub and on the site):

- ``<!-- not-run: why -->`` on the line right before a block: the block cannot run on
  its own (it needs a server, a worker, ...); it is counted and listed, never run.
- ``<!-- check: expression -->`` right before a block: after the block has run, the
  expression is evaluated in its namespace (typically a callback called directly); an
  address it returns (or the first address in a tuple) is fetched from the block's
  ``app`` and must answer 200 with a body.
- ``--8<-- "path"`` inside a block (pymdownx.snippets, as the site renders it) stands for
  the file at ``path`` from the repository root; the block then runs as that file
  (``__file__`` is set to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
#: A fenced ``python`` block at the start of a line; group 1 its code.
BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
NOT_RUN = re.compile(r"<!-- not-run: (.+?) -->")
CHECK = re.compile(r"<!-- check: (.+?) -->")
INCLUDE = re.compile(r'^--8<-- "([^"]+)"$', re.M)


@dataclass(frozen=True)
class Snippet:
    """One ``python`` block of a page."""

    page: str  #: the page, relative to the repository root
    number: int  #: 1 for the page's first python block
    line: int  #: where the block starts in the page
    code: str  #: the code, with ``--8<--`` includes expanded
    included: str | None  #: the file a block made of one include stands for
    not_run: str | None  #: why the block is not run (``<!-- not-run: ... -->``)
    check: str | None  #: the ``<!-- check: ... -->`` expression

    @property
    def name(self) -> str:
        return f"{self.page}#{self.number}"


def pages() -> list[Path]:
    """The README and every page of the site (the hooks' folder holds no page)."""
    site = sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.relative_to(DOCS).parts)
    return [ROOT / "README.md", *site]


def expand(code: str) -> tuple[str, str | None]:
    """``code`` with each include replaced by the file; the file if that is all it is."""
    paths = INCLUDE.findall(code)
    expanded = INCLUDE.sub(lambda m: (ROOT / m.group(1)).read_text(encoding="utf-8"), code)
    only = len(paths) == 1 and code.strip() == f'--8<-- "{paths[0]}"'
    return expanded, str(ROOT / paths[0]) if only else None


def snippets(page: Path) -> list[Snippet]:
    """The python blocks of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    found = []
    for number, match in enumerate(BLOCK.finditer(text), 1):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        not_run = NOT_RUN.fullmatch(before)
        check = CHECK.fullmatch(before)
        code, included = expand(match.group(1))
        found.append(
            Snippet(
                page=page.relative_to(ROOT).as_posix(),
                number=number,
                line=text.count("\n", 0, match.start()) + 1,
                code=code,
                included=included,
                not_run=not_run.group(1) if not_run else None,
                check=check.group(1) if check else None,
            )
        )
    return found


def all_snippets() -> list[Snippet]:
    return [snippet for page in pages() for snippet in snippets(page)]


def namespace(snippet: Snippet) -> dict[str, object]:
    """A fresh module namespace for ``snippet`` (never ``__main__``: no server starts)."""
    module = re.sub(r"\W", "_", snippet.name)
    return {
        "__name__": f"docs_snippet_{module}",
        "__file__": snippet.included or str(ROOT / snippet.page),
    }


def run(snippet: Snippet) -> dict[str, object]:
    """Run ``snippet`` as a module, importable by its name while it runs (as a file of
    the app would be: its functions pickle); its namespace."""
    import sys
    import types

    module = types.ModuleType(namespace(snippet)["__name__"])  # type: ignore[arg-type]
    scope = module.__dict__
    scope.update(namespace(snippet))
    where = f"{snippet.page} (python block {snippet.number}, line {snippet.line})"
    code = compile(snippet.code, snippet.included or where, "exec")
    sys.modules[module.__name__] = module
    try:
        exec(code, scope)  # noqa: S102 - our own documentation
    finally:
        sys.modules.pop(module.__name__, None)
    return scope


def main() -> None:
    """Run every block, each in a fresh namespace, in a temporary working directory."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dfc-docs-") as where:
        os.chdir(where)
        for snippet in all_snippets():
            if snippet.not_run:
                print("not run:", snippet.name, "-", snippet.not_run)
            else:
                run(snippet)
                print("ran:", snippet.name)
        os.chdir(ROOT)


if __name__ == "__main__":  # what noxfile.py's `examples` session runs
    main()

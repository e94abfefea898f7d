"""The docs suite's summary: which documentation blocks are not run, and why."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Listed whenever this folder was collected (this file is loaded only then)."""
    from .snippets import all_snippets

    skipped = [s for s in all_snippets() if s.not_run]
    terminalreporter.section(f"documentation blocks not run: {len(skipped)}")
    for snippet in skipped:
        terminalreporter.write_line(f"{snippet.name} (line {snippet.line}): {snippet.not_run}")

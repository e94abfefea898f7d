"""MkDocs hook: the components' props tables, generated at build time from their metadata.

A page line ``<!-- props: DownloadLink -->`` becomes a table of that component's props
(name, type, default, description), read from ``dash_file_cache/components/metadata.json``,
which ``npm run build`` writes from the components' PropTypes and doc comments. So the
reference always says what the built components accept. An unknown component name, or a
component whose props the page does not show, fails the build.

Also: reST roles left in docstrings (``:class:`~a.b.C```) are shown as code (``C``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
METADATA = ROOT / "dash_file_cache" / "components" / "metadata.json"
MARKER = re.compile(r"^<!-- props: (\w+) -->$", re.M)
#: JavaScript literals of defaults, as a Python callback sees them.
PYTHON = {"null": "None", "true": "True", "false": "False"}
#: Props Dash manages itself; documented by Dash, not here.
HIDDEN = {"setProps"}
#: Rendered docstrings: `:class:`~pkg.Name`` is `:class:<code>~pkg.Name</code>` in the HTML.
ROLE = re.compile(r":(?:class|mod|meth|func|attr|exc|data|obj):<code>(~?)([^<]+)</code>")


def components() -> dict[str, dict[str, Any]]:
    """``{display name: metadata}`` of every generated component."""
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    return {entry["displayName"]: entry for entry in metadata.values()}


def type_name(prop_type: dict[str, Any] | None) -> str:
    """A short Python-side name of a PropTypes type."""
    if not prop_type:
        return ""
    name = prop_type["name"]
    value = prop_type.get("value")
    if name == "enum":
        return " \\| ".join(item["value"] for item in value)
    if name == "union":
        return " \\| ".join(type_name(item) for item in value)
    if name in ("shape", "exact"):
        return "dict (" + ", ".join(f"`{key}`" for key in value) + ")"
    if name == "objectOf":
        return f"dict of {type_name(value)}"
    if name == "arrayOf":
        return f"list of {type_name(value)}"
    return {
        "string": "str",
        "number": "number",
        "bool": "bool",
        "object": "dict",
        "node": "component(s) or text",
        "func": "function",
    }.get(name, name)


def cell(text: str) -> str:
    """One Markdown table cell: one line, no column break."""
    return " ".join(text.split()).replace("|", "\\|")


def props_table(name: str) -> str:
    """The Markdown table of the props of component ``name``."""
    found = components()
    if name not in found:
        raise PluginError(f"<!-- props: {name} -->: no component {name!r} in {METADATA}")
    rows = ["| prop | type | default | description |", "| --- | --- | --- | --- |"]
    for prop, info in found[name]["props"].items():
        if prop in HIDDEN:
            continue
        default = info.get("defaultValue", {}).get("value")
        shown = f"`{cell(PYTHON.get(default, default))}`" if default is not None else ""
        rows.append(
            f"| `{prop}` | {type_name(info.get('type'))} | {shown} "
            f"| {cell(info.get('description', ''))} |"
        )
    return "\n".join(rows)


#: The components whose props a page of this build showed.
_shown: set[str] = set()


def expand(markdown: str) -> str:
    """``markdown`` with each props marker replaced by its table."""

    def table(match: re.Match[str]) -> str:
        _shown.add(match.group(1))
        return props_table(match.group(1))

    return MARKER.sub(table, markdown)


def on_pre_build(**_kwargs: Any) -> None:
    _shown.clear()


def on_page_markdown(markdown: str, **_kwargs: Any) -> str:
    return expand(markdown)


def on_post_build(**_kwargs: Any) -> None:
    missing = sorted(set(components()) - _shown)
    if missing:
        raise PluginError(f"no page shows the props of {', '.join(missing)}: add <!-- props: -->")


def on_page_content(html: str, **_kwargs: Any) -> str:
    def code(match: re.Match[str]) -> str:
        target = match.group(2)
        return f"<code>{target.rsplit('.', 1)[-1] if match.group(1) else target}</code>"

    return ROLE.sub(code, html)

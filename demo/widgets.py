"""The page's building blocks: cards, file rows and the live status of a component."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, html

from demo.files import MIB

GIB = 1024 * MIB  # bytes


def size_text(size: int | None) -> str:
    """A byte count for people: ``1536`` -> ``"1.5 KiB"``; None -> ``"?"``."""
    if size is None:
        return "?"
    if size < 1024:
        return f"{size} B"
    if size < MIB:
        return f"{size / 1024:.1f} KiB"
    if size < GIB:
        return f"{size / MIB:.1f} MiB"
    return f"{size / GIB:.1f} GiB"


def status_text(status: str, loaded: int | None, total: int | None, error: str | None) -> str:
    """The words next to a status chip."""
    if error and status == "error":
        return error
    if status in ("loading", "downloading"):
        text = f"{size_text(loaded)} of {size_text(total)}"
        if loaded is not None and total:
            text += f" · {loaded * 100 // total}%"
        return text
    if status in ("loaded", "completed"):
        return "in the browser's download manager" if loaded is None else size_text(total or loaded)
    if status == "aborted":
        return f"cancelled after {size_text(loaded)}"
    return "ready"


def status_view(
    status: str | None, progress: dict[str, int | None] | None, error: str | None = None
) -> html.Div:
    """A status chip and the bytes so far, with the raw values as data attributes
    (``data-status``, ``data-loaded``, ``data-total``; the demo's test reads them).

    :param status: a ``CachedImage``'s or ``DownloadLink``'s ``status``; None: idle.
    :param progress: its ``progress``, ``{"loaded", "total"}`` in bytes.
    :param error: its ``error``, shown when the status is ``"error"``.
    :returns: the view.
    """
    status = status or "idle"
    progress = progress or {}
    loaded, total = progress.get("loaded"), progress.get("total")
    attributes: dict[str, Any] = {
        "data-status": status,
        "data-loaded": "" if loaded is None else str(loaded),
        "data-total": "" if total is None else str(total),
    }
    return html.Div(
        [
            html.Span(status, className=f"chip chip--{status}"),
            html.Span(status_text(status, loaded, total, error)),
        ],
        className="status",
        **attributes,
    )


def show_status(app: dash.Dash, component: str, view: str) -> None:
    """Keep the element ``view`` showing ``component``'s status, progress and error.

    :param app: the demo's app.
    :param component: the id of a ``CachedImage`` or ``DownloadLink``.
    :param view: the id of the element to fill with :func:`status_view`.
    """
    app.callback(
        Output(view, "children"),
        Input(component, "status"),
        Input(component, "progress"),
        Input(component, "error"),
    )(status_view)


def card(step: int, title: str, note: Any, *children: Any) -> html.Section:
    """One numbered section of the page (``id="section-<step>"``).

    :param step: its number.
    :param title: its heading.
    :param note: the text under the heading.
    :param children: its content.
    """
    head = html.Div(
        [
            html.Span(str(step), className="step"),
            html.Div([html.H2(title), html.P(note, className="card__note")]),
        ],
        className="card__head",
    )
    return html.Section([head, *children], className="card", id=f"section-{step}")


def file_row(
    icon: str, name: Any, meta: Any, *actions: Any, status_id: str, wide: bool = False
) -> html.Li:
    """One downloadable file: an icon, its name and description, its buttons and status.

    :param icon: ``bin``, ``csv`` or ``txt``, the icon's label and colour.
    :param name: the file's name.
    :param meta: what it is.
    :param actions: its buttons.
    :param status_id: the id of its status view (see :func:`show_status`).
    :param wide: put the buttons under the description, with room for a progress bar
        and a Cancel button beside them.
    """
    return html.Li(
        [
            html.Div(icon.upper(), className=f"file__icon file__icon--{icon}"),
            html.Div(
                [html.Div(name, className="file__name"), html.Div(meta, className="file__meta")]
            ),
            html.Div(
                [
                    html.Div(list(actions), className="file__buttons"),
                    html.Div(status_view("idle", None), id=status_id),
                ],
                className="file__actions",
            ),
        ],
        className="file file--wide" if wide else "file",
    )

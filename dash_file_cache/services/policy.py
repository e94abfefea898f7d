"""What a served item may do in a browser: the headers that keep it data, never the app.

Items are served from the app's own origin, so an item opened as a document (an SVG or
HTML file in a tab, an ``<iframe>``) would run its scripts with the app's privileges,
and a JavaScript item could be registered as a service worker controlling the app.
Every item response therefore carries:

- ``Content-Security-Policy`` (:func:`item_policy`): ``sandbox`` (no script, form,
  plugin, pop-up or top navigation; an opaque origin) and ``default-src 'none'`` with
  only images, media and inline styles allowed, so the browser's own image, media and
  PDF viewers still work. Audio and video get ``sandbox allow-same-origin``: Chromium's
  media document in an opaque origin refuses its own source (a CORS error from origin
  ``null``); they still run no script. Measured in Chromium 156: PNG, JPEG and SVG
  display, PDFs open in the viewer (top level and in an ``<iframe>``), audio and video
  play and seek, attachments save; an SVG's or HTML file's script never runs.
  ``register(..., trusted=True)`` leaves the policy out for content the app made itself.
- ``Cross-Origin-Resource-Policy`` (:func:`resource_policy`): ``same-origin`` unless the
  service names origins that may read it (``serve(allowed_cross_origin=...)``), so no
  other site can embed the items with ``<img>``/``<video>`` by default.

A request made to install an item as a service worker (``Service-Worker: script``) is
refused with a JSON 403 before the item is looked up (:func:`wants_service_worker`).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = (
    "ERROR_POLICY",
    "ITEM_POLICY",
    "MEDIA_POLICY",
    "item_policy",
    "resource_policy",
    "wants_service_worker",
)

_SOURCES = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
#: The policy of every item but audio and video (and trusted items, which have none).
ITEM_POLICY = f"sandbox; {_SOURCES}"
#: Audio and video: same sources, same-origin sandbox (see the module's comment).
MEDIA_POLICY = f"sandbox allow-same-origin; {_SOURCES}"
#: JSON errors of the service: nothing to load, nothing to run.
ERROR_POLICY = "sandbox; default-src 'none'"


def item_policy(content_type: str, trusted: bool = False) -> str | None:
    """The ``Content-Security-Policy`` of an item of ``content_type`` (``None``: none)."""
    if trusted:
        return None
    base = content_type.partition("/")[0].strip().lower()
    return MEDIA_POLICY if base in ("audio", "video") else ITEM_POLICY


def resource_policy(cross_origin: bool) -> str:
    """The ``Cross-Origin-Resource-Policy`` of the service's answers.

    :param cross_origin: whether the service lets other origins read its items.
    """
    return "cross-origin" if cross_origin else "same-origin"


def wants_service_worker(headers: Mapping[str, str]) -> bool:
    """Whether a request (its headers, by lower-case name) would install its answer as a
    service worker."""
    header = headers.get("service-worker")
    dest = headers.get("sec-fetch-dest")
    return (header is not None and header.strip().lower() == "script") or (
        dest is not None and dest.strip().lower() == "serviceworker"
    )

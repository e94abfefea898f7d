"""Binding items to owners, and per-item lifetimes: the checks ``ServiceData`` runs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from ..caches.typehints import CachedFileInfo
from .context import in_request
from .wire import RequestView

__all__ = ("OwnerResolver", "digest", "may_fetch", "owner_of_registration")

#: A function of no arguments, run in a request, naming who asks (``None``: nobody).
OwnerResolver = Callable[[], "str | None"]


def digest(owner: str) -> str:
    """What is stored for an owner: a SHA-256 digest, not the name itself."""
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()[:32]


def owner_of_registration(owner: str | None, resolve: OwnerResolver | None) -> str | None:
    """The owner digest a new item gets.

    :raises TypeError: if ``owner`` is not a ``str`` or ``None``.
    :raises ValueError: if ``owner`` is empty.
    :raises RuntimeError: if the service binds items to owners (``resolve_owner``) and
        ``register()`` runs outside a request without ``owner=``: the item would be
        public by mistake (e.g. in a background callback).
    """
    if owner is not None:
        if not isinstance(owner, str):
            raise TypeError(f"owner must be a str or None, not {type(owner).__name__}")
        if not owner:
            raise ValueError("owner must not be empty")
        return digest(owner)
    if resolve is None:
        return None
    if not in_request():
        raise RuntimeError(
            "register() ran outside a request on a service with resolve_owner: pass "
            "owner=... (for example from a dcc.Store filled by the layout) so the item "
            "is bound to its user"
        )
    resolved = resolve()
    return None if resolved is None else digest(resolved)


def may_fetch(info: CachedFileInfo, resolve: OwnerResolver | None, view: RequestView) -> bool:
    """Whether the request ``view`` may fetch an item (owned items: only its owner)."""
    owner = info.get("owner")
    if owner is None:
        return True
    if resolve is None or not in_request():
        return False
    resolved = resolve()
    return resolved is not None and digest(resolved) == owner

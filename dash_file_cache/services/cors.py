"""Cross-origin access to the service (CORS): which origins, and the headers they get."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ("CorsPolicy", "Origins", "cors_headers", "parse_cors")

#: ``None``: no CORS; ``"*"``: any origin; else the exact origins allowed.
Origins = frozenset[str] | str | None

_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+")
#: Response headers a cross-origin page may read (the components need these).
EXPOSED = "Content-Length, Content-Disposition, Content-Range, Content-Type, ETag, Accept-Ranges"
#: Request headers a cross-origin page may send: conditional and range requests, and
#: credentials (``DownloadLink(headers={"Authorization": "Bearer …"})``).
ALLOWED_REQUEST_HEADERS = "Range, If-None-Match, If-Range, If-Match, Authorization"
PREFLIGHT_MAX_AGE = "600"  # seconds


@dataclass(frozen=True)
class CorsPolicy:
    """Who may read the service's responses from another origin, and with credentials."""

    origins: Origins
    credentials: bool = False


def parse_cors(origins: str | Iterable[str] | None, credentials: object) -> CorsPolicy:
    """Validate ``allowed_cross_origin`` and ``allow_credentials`` together.

    :raises TypeError: if an argument has the wrong type.
    :raises ValueError: if an origin is malformed, or credentials are allowed without
        explicit origins (browsers refuse credentials with ``*``).
    """
    parsed = parse_origins(origins)
    if not isinstance(credentials, bool):
        raise TypeError(f"allow_credentials must be a bool, not {type(credentials).__name__}")
    if credentials and not isinstance(parsed, frozenset):
        raise ValueError(
            "allow_credentials=True needs allowed_cross_origin to name the origins "
            "(browsers refuse credentialed requests answered for '*')"
        )
    return CorsPolicy(parsed, credentials)


def parse_origins(value: str | Iterable[str] | None) -> Origins:
    """Validate ``allowed_cross_origin``: ``None``, ``"*"``, an origin or several.

    :raises TypeError: if it is not a str, an iterable of str, or None.
    :raises ValueError: if an origin is not ``scheme://host[:port]``.
    """
    if value is None:
        return None
    if value == "*":
        return "*"
    if isinstance(value, str):
        value = [value]
    elif not isinstance(value, Iterable):
        raise TypeError(
            "allowed_cross_origin must be '*', an origin, a list of origins or None, "
            f"not {type(value).__name__}"
        )
    origins = []
    for origin in value:
        if not isinstance(origin, str):
            raise TypeError(f"allowed_cross_origin holds a {type(origin).__name__}, not a str")
        if not _ORIGIN.fullmatch(origin.rstrip("/")):
            raise ValueError(
                f"allowed_cross_origin must hold origins like 'https://host:port', got {origin!r}"
            )
        origins.append(origin.rstrip("/"))
    return frozenset(origins)


def cors_headers(origin: str | None, policy: CorsPolicy) -> list[tuple[str, str]]:
    """The headers letting an allowed ``origin`` read an answer (none without CORS)."""
    origins = policy.origins
    if origins is None:
        return []
    headers = [("Vary", "Origin")]
    if origins == "*":
        allowed = "*"
    elif origin is not None and origin in origins:
        allowed = origin
    else:
        return headers
    headers += [
        ("Access-Control-Allow-Origin", allowed),
        ("Access-Control-Expose-Headers", EXPOSED),
        ("Access-Control-Allow-Methods", "GET, HEAD"),
        ("Access-Control-Allow-Headers", ALLOWED_REQUEST_HEADERS),
        ("Access-Control-Max-Age", PREFLIGHT_MAX_AGE),
    ]
    if policy.credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return headers

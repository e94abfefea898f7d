"""Who is asking: ready-made owner resolvers for ``ServiceData(..., resolve_owner=...)``.

A resolver is a function of no arguments, called inside the request that registers an
item and inside each request that fetches one; it returns a string naming the user (or
browser), or ``None`` for nobody in particular. An item registered with an owner is
served only to requests that resolve to the same owner; to anyone else it answers
exactly what an unknown uid answers (404, same JSON), so its existence is not confirmed.

On every backend (Flask; FastAPI/Starlette; Quart): :func:`browser_session`,
:func:`basic_auth` given a verifier, and :func:`request_user`. Flask only:
:func:`flask_login`, and :func:`basic_auth` used bare (it finds dash-auth's ``BasicAuth``
on the Flask app). A resolver of your own reads the request through
:func:`request_headers` and :func:`request_session`, which work on every backend.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast, overload

import flask

from .services import context

__all__ = (
    "SESSION_KEY",
    "PasswordCheck",
    "basic_auth",
    "browser_session",
    "flask_login",
    "request_headers",
    "request_session",
    "request_user",
)

logger = logging.getLogger("dash_file_cache.owners")

#: The key of the random per-browser id in Flask's signed session cookie.
SESSION_KEY = "dash_file_cache_owner"


#: Checks a user name and password: ``True`` when they match.
PasswordCheck = Callable[[str, str], bool]
#: What :func:`basic_auth` verifies passwords against: a dash-auth ``BasicAuth``, a
#: mapping or iterable of ``(user, password)`` pairs, or a :data:`PasswordCheck`.
Verifier = Any
_AUTH_HOOK = "Auth._protect.<locals>.before_request_auth"  # dash-auth's before_request


@overload
def basic_auth() -> str | None: ...


@overload
def basic_auth(verifier: Verifier, /) -> Callable[[], str | None]: ...


def basic_auth(verifier: Verifier | None = None, /) -> str | None | Callable[[], str | None]:
    """The user of HTTP Basic authentication, once their password is verified.

    Two ways to use it:

    - ``resolve_owner=owners.basic_auth``: the password is checked against the
      dash-auth ``BasicAuth`` that protects the current app (its user list or its
      ``auth_func``); without one, this raises :class:`RuntimeError`;
    - ``resolve_owner=owners.basic_auth(verifier)``: checked against ``verifier``, a
      dash-auth ``BasicAuth``, a mapping or list of ``(user, password)`` pairs, or a
      function ``(user, password) -> bool``.

    A request without Basic credentials, or with a wrong password, is nobody (``None``),
    so a route dash-auth leaves public (``public_routes``, public callbacks) cannot be used
    to pass as a user: an item owned by someone is then answered as an unknown uid (404).

    :param verifier: what passwords are checked against (see above); none: resolve now.
    :returns: ``"basic:<user>"`` or ``None`` (no verifier given); else a resolver.
    :raises RuntimeError: (no verifier) if the app has no dash-auth ``BasicAuth``.
    :raises TypeError: if ``verifier`` is none of the accepted kinds.
    """
    if verifier is None:
        return _resolve_basic(_check_of(_app_basic_auth()))
    return _BasicResolver(_check_of(verifier))


class _BasicResolver:
    """``basic_auth(verifier)``: a resolver that pickles when its check does."""

    def __init__(self, check: PasswordCheck) -> None:
        self._check = check

    def __call__(self) -> str | None:
        return _resolve_basic(self._check)


def _basic_credentials() -> tuple[str, str] | None:
    """``(user, password)`` from the current request's ``Authorization: Basic``."""
    scheme, _, token = request_headers().get("authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep and user else None


def _resolve_basic(check: PasswordCheck) -> str | None:
    credentials = _basic_credentials()
    if credentials is None:
        return None
    user, password = credentials
    try:
        verified = check(user, password)
    except Exception:  # a broken check lets nobody in, and says so
        logger.exception("dash-file-cache: the Basic password check failed")
        return None
    return f"basic:{user}" if verified is True else None


class _UsersCheck:
    """Checks passwords against a user list, in constant time per comparison."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._known = {str(user): str(password) for user, password in users.items()}

    def __call__(self, user: str, password: str) -> bool:
        expected = self._known.get(user)
        if expected is None:  # compare anyway: the time taken says nothing of the user
            hmac.compare_digest(password.encode(), password.encode())
            return False
        return hmac.compare_digest(expected.encode(), password.encode())


def _users_check(users: Mapping[str, str]) -> PasswordCheck:
    return _UsersCheck(users)


def _check_of(verifier: Verifier) -> PasswordCheck:
    """A password check from a dash-auth ``BasicAuth``, users, or a check function."""
    auth_func = getattr(verifier, "_auth_func", None)
    if callable(auth_func):  # dash-auth BasicAuth(auth_func=...)
        return cast(PasswordCheck, auth_func)
    users = getattr(verifier, "_users", None)
    if isinstance(users, Mapping):  # dash-auth BasicAuth(app, {user: password})
        return _users_check(users)
    if isinstance(verifier, Mapping):
        return _users_check(verifier)
    if callable(verifier):
        return cast(PasswordCheck, verifier)
    if isinstance(verifier, Iterable) and not isinstance(verifier, (str, bytes)):
        pairs = list(verifier)
        if all(isinstance(pair, (tuple, list)) and len(pair) == 2 for pair in pairs):
            return _users_check(dict(pairs))
    raise TypeError(
        "basic_auth needs a dash-auth BasicAuth, a mapping or list of (user, password) "
        f"pairs, or a function (user, password) -> bool, not {type(verifier).__name__}"
    )


def _app_basic_auth() -> Any:
    """The dash-auth ``BasicAuth`` guarding the current app (found by its request hook)."""
    if not flask.has_app_context():
        raise RuntimeError(
            "owners.basic_auth used bare finds dash-auth's BasicAuth on a Flask app; on "
            "FastAPI or Quart pass what to verify against: owners.basic_auth({'alice': "
            "'secret'}) or owners.basic_auth(check)"
        )
    for hook in flask.current_app.before_request_funcs.get(None, ()):
        if getattr(hook, "__qualname__", "") != _AUTH_HOOK:
            continue
        for cell in getattr(hook, "__closure__", None) or ():
            auth = cell.cell_contents
            if hasattr(auth, "_users") or hasattr(auth, "_auth_func"):
                return auth
    raise RuntimeError(
        "owners.basic_auth verifies passwords against the app's dash-auth BasicAuth, and "
        "this app has none: pass what to verify against, e.g. "
        "resolve_owner=owners.basic_auth({'alice': 'secret'}) or "
        "owners.basic_auth(check) with check(user, password) -> bool"
    )


def flask_login() -> str | None:
    """The id of Flask-Login's ``current_user`` when logged in, else ``None``.

    :raises RuntimeError: if Flask-Login is not installed.
    """
    try:
        from flask_login import current_user
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "the flask_login resolver needs Flask-Login: pip install flask-login"
        ) from None
    if not current_user.is_authenticated:
        return None
    return f"flask-login:{current_user.get_id()}"


def browser_session() -> str:
    """A random id per browser, kept in the app's signed session cookie (for apps without
    a login). The id is made on first use, in the response that hands out the address,
    so the browser holds it before it fetches.

    The session is Flask's or Quart's (the app needs a ``secret_key``), or on
    FastAPI/Starlette the one Starlette's ``SessionMiddleware`` keeps (with Dash:
    ``app.server.add_middleware(SessionMiddleware, secret_key=...)``).

    :raises RuntimeError: if the app cannot sign a session cookie (see above).
    """
    session = request_session()
    owner = session.get(SESSION_KEY)
    if not isinstance(owner, str):
        owner = session[SESSION_KEY] = secrets.token_hex(16)
    return f"session:{owner}"


def request_user(attribute: str = "user") -> Callable[[], str | None]:
    """A resolver naming the user your authentication put on the request.

    - FastAPI/Starlette: ``request.user`` of Starlette's ``AuthenticationMiddleware`` when
      authenticated (its ``identity``), else ``request.state.<attribute>`` set by your
      middleware;
    - Flask: ``flask.g.<attribute>`` set by a ``before_request`` hook.

    The value is a str, or an object whose ``identity``, ``id`` or ``username`` is used.
    Quart apps: the service answers before Quart's hooks run, so use
    :func:`browser_session` or :func:`basic_auth` there.

    :returns: a resolver giving ``"user:<name>"``, or ``None`` for nobody.
    :raises TypeError: if ``attribute`` is not a non-empty str.
    """
    if not isinstance(attribute, str) or not attribute:
        raise TypeError("attribute must be a non-empty str")
    return _RequestUser(attribute)


class _RequestUser:
    """``request_user(attribute)``: picklable, for background callbacks and workers."""

    def __init__(self, attribute: str) -> None:
        self._attribute = attribute

    def __call__(self) -> str | None:
        if flask.has_request_context():
            found = flask.g.get(self._attribute)
        else:
            scope = context.scope() or {}
            user = scope.get("user")
            if getattr(user, "is_authenticated", False):
                found = getattr(user, "identity", None) or getattr(user, "display_name", None)
            else:
                state = scope.get("state") or {}
                found = state.get(self._attribute) if isinstance(state, Mapping) else None
        name = _user_name(found)
        return None if name is None else f"user:{name}"


def _user_name(found: object) -> str | None:
    if isinstance(found, str):
        return found or None
    for field in ("identity", "id", "username"):
        value = getattr(found, field, None)
        if isinstance(value, (str, int)) and str(value):
            return str(value)
    return None


def request_headers() -> Mapping[str, str]:
    """The current request's headers by lower-case name, on any backend (empty outside
    a request): for resolvers of your own."""
    return context.headers()


def request_session() -> Any:
    """The current request's session on any backend (see :func:`browser_session`).

    :raises RuntimeError: outside a request, or if the app cannot sign a session.
    """
    return context.session()

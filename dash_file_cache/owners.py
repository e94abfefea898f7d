"""Who is asking: ready-made owner resolvers for ``ServiceData(..., resolve_owner=...)``.

A resolver is a function of no arguments, called inside the request that registers an
item and inside each request that fetches one; it returns a string naming the user (or
browser), or ``None`` for nobody in particular. An item registered with an owner is
served only to requests that resolve to the same owner; to anyone else it answers
exactly what an unknown uid answers (404, same JSON), so its existence is not confirmed.
"""

from __future__ import annotations

import secrets

import flask

__all__ = ("SESSION_KEY", "basic_auth", "browser_session", "flask_login")

#: The key of the random per-browser id in Flask's signed session cookie.
SESSION_KEY = "dash_file_cache_owner"


def basic_auth() -> str | None:
    """The user name of HTTP Basic authentication, as checked by dash-auth's ``BasicAuth``.

    dash-auth verifies the ``Authorization`` header of every request; this reads the
    user it names.
    """
    auth = flask.request.authorization
    if auth is None or not auth.username:
        return None
    return f"basic:{auth.username}"


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
    """A random id per browser, kept in Flask's signed session cookie (for apps without
    a login). The app needs a ``secret_key``; the id is made on first use, in the
    response that hands out the address, so the browser holds it before it fetches.

    :raises RuntimeError: if the app has no ``secret_key`` (Flask cannot sign the cookie).
    """
    if not flask.current_app.secret_key:
        raise RuntimeError(
            "the browser_session resolver needs app.secret_key (Flask signs the session cookie)"
        )
    owner = flask.session.get(SESSION_KEY)
    if not isinstance(owner, str):
        owner = flask.session[SESSION_KEY] = secrets.token_hex(16)
    return f"session:{owner}"

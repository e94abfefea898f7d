"""Items bound to their owner: every other requester gets the 404 of an unknown uid."""

from __future__ import annotations

import base64
import io
from typing import Any

import flask
import pytest

import dash_file_cache as dfc

from .conftest import served

PAYLOAD = bytes(range(256)) * 64


USERS = {"alice": "secret", "bob": "secret"}


def basic(user: str, password: str = "secret") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def owned(cache: dfc.CacheAbstract) -> tuple[dfc.ServiceData, flask.Flask]:
    service = dfc.ServiceData(cache, resolve_owner=dfc.owners.basic_auth(USERS))
    return service, served(service)


def register_as(app: flask.Flask, service: dfc.ServiceData, user: str, **kwargs: Any) -> str:
    with app.test_request_context("/", headers=basic(user)):
        return service.register(io.BytesIO(PAYLOAD), **kwargs)


def test_only_the_owner_fetches_and_others_see_an_unknown_uid(owned: Any) -> None:
    service, app = owned
    client = app.test_client()
    address = register_as(app, service, "alice")
    assert client.get(address, headers=basic("alice")).data == PAYLOAD
    unknown = client.get("/cached-data?uid=" + "0" * 32, headers=basic("bob"))
    for headers in (basic("bob"), {}):
        refused = client.get(address, headers=headers)
        assert refused.status_code == 404
        assert refused.data == unknown.data  # existence is not confirmed
        assert refused.headers["Content-Type"] == unknown.headers["Content-Type"]
        assert client.head(address, headers=headers).status_code == 404
        ranged = client.get(address, headers={**headers, "Range": "bytes=0-9"})
        assert ranged.status_code == 404
    etag = client.head(address, headers=basic("alice")).headers["ETag"]
    cached = client.get(address, headers={**basic("bob"), "If-None-Match": etag})
    assert cached.status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        basic("alice", "wrong-password"),
        basic("alice", ""),
        basic("mallory", "secret"),
        {"Authorization": "Basic !!not-base64!!"},
        {"Authorization": "Bearer alice"},
    ],
)
def test_a_forged_password_is_nobody(owned: Any, headers: dict[str, str]) -> None:
    """The user name alone proves nothing: a wrong password gets the unknown-uid 404, and
    registers nothing in the user's name."""
    service, app = owned
    client = app.test_client()
    address = register_as(app, service, "alice", one_time_service=True)
    refused = client.get(address, headers=headers)
    assert refused.status_code == 404
    assert refused.json is not None and "no cached item" in refused.json["error"]
    with app.test_request_context("/", headers=headers):
        assert service.current_owner() is None
        public = service.register(io.BytesIO(b"anyone"))  # nobody's: a bearer link
    assert client.get(public).data == b"anyone"
    assert client.get(address, headers=basic("alice")).data == PAYLOAD


def test_basic_auth_verifiers() -> None:
    """Users as a mapping or pairs, or a check function; a failing check is nobody."""
    app = flask.Flask(__name__)

    def check(user: str, password: str) -> bool:
        if user == "boom":
            raise OSError("the user directory is down")
        return password == user[::-1]

    resolvers = [
        dfc.owners.basic_auth({"ada": "ada"[::-1]}),
        dfc.owners.basic_auth([("ada", "ada"[::-1])]),
        dfc.owners.basic_auth(check),
    ]
    for resolve in resolvers:
        with app.test_request_context("/", headers=basic("ada", "ada")):
            assert resolve() == "basic:ada"
        with app.test_request_context("/", headers=basic("ada", "nope")):
            assert resolve() is None
        with app.test_request_context("/"):
            assert resolve() is None
    with app.test_request_context("/", headers=basic("boom", "x")):
        assert resolvers[2]() is None
    for wrong in (3, "alice", [("a", "b", "c")]):
        with pytest.raises(TypeError, match="basic_auth needs"):
            dfc.owners.basic_auth(wrong)


def test_basic_auth_checks_against_the_apps_dash_auth() -> None:
    """``resolve_owner=owners.basic_auth`` finds dash-auth's BasicAuth on the app (a user
    list or an ``auth_func``); an app without one is told what to pass."""
    import dash
    import dash_auth

    listed = dash.Dash(__name__)
    dash_auth.BasicAuth(listed, USERS)
    checked = dash.Dash(__name__)
    dash_auth.BasicAuth(checked, auth_func=lambda user, password: password == "secret")
    for app in (listed.server, checked.server):
        with app.test_request_context("/", headers=basic("alice")):
            assert dfc.owners.basic_auth() == "basic:alice"
        with app.test_request_context("/", headers=basic("alice", "wrong-password")):
            assert dfc.owners.basic_auth() is None
    with flask.Flask(__name__).test_request_context("/", headers=basic("alice")):
        with pytest.raises(RuntimeError, match="has none: pass what to verify against"):
            dfc.owners.basic_auth()


def test_a_refused_request_never_consumes_a_one_time_item(owned: Any) -> None:
    service, app = owned
    client = app.test_client()
    address = register_as(app, service, "alice", one_time_service=True)
    for _ in range(3):
        assert client.get(address, headers=basic("bob")).status_code == 404
    assert client.get(address, headers=basic("alice")).data == PAYLOAD
    assert client.get(address, headers=basic("alice")).status_code == 404


def test_explicit_owner_outside_a_request(owned: Any) -> None:
    service, app = owned
    with pytest.raises(RuntimeError, match="owner="):
        service.register(io.BytesIO(b"x"))  # would be public by mistake
    address = service.register(io.BytesIO(PAYLOAD), owner="basic:alice")
    client = app.test_client()
    assert client.get(address, headers=basic("alice")).data == PAYLOAD
    assert client.get(address, headers=basic("bob")).status_code == 404


@pytest.mark.parametrize(("owner", "error"), [(3, TypeError), ("", ValueError)])
def test_bad_owner(owner: Any, error: type) -> None:
    with pytest.raises(error, match="owner"):
        dfc.ServiceData(dfc.CachePlain(2)).register(io.BytesIO(b"x"), owner=owner)


def test_without_a_resolver_owned_items_are_served_to_nobody() -> None:
    service = dfc.ServiceData(dfc.CachePlain(4))
    address = service.register(io.BytesIO(b"x"), owner="someone")
    assert served(service).test_client().get(address).status_code == 404


def test_per_item_ttl_is_shorter_than_the_caches(cache: dfc.CacheAbstract, clock: Any) -> None:
    service = dfc.ServiceData(cache)
    client = served(service).test_client()
    short = service.register(io.BytesIO(b"short"), ttl=60)
    long = service.register(io.BytesIO(b"long"))
    clock.advance(59)
    assert client.get(short).data == b"short"
    clock.advance(2)
    assert client.get(short).status_code == 404
    assert client.get(long).data == b"long"


@pytest.mark.parametrize("ttl", [0, -1, "5"])
def test_bad_ttl(ttl: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="ttl"):
        dfc.ServiceData(dfc.CachePlain(2)).register(io.BytesIO(b"x"), ttl=ttl)


# -- the ready-made resolvers, through HTTP ------------------------------------------------


def app_with(resolver: Any) -> tuple[flask.Flask, dfc.ServiceData]:
    app = flask.Flask(__name__)
    app.secret_key = "test only"
    service = dfc.ServiceData(dfc.CachePlain(16), resolve_owner=resolver)
    service.serve(app)

    @app.post("/make")
    def make() -> dict[str, str]:
        return {"addr": service.register(io.BytesIO(flask.request.get_data()))}

    return app, service


def test_browser_session_binds_items_to_each_browser() -> None:
    app, _ = app_with(dfc.owners.browser_session)
    first, second = app.test_client(), app.test_client()  # two cookie jars
    mine = first.post("/make", data=b"first's").get_json()["addr"]
    theirs = second.post("/make", data=b"second's").get_json()["addr"]
    assert first.get(mine).data == b"first's"
    assert second.get(theirs).data == b"second's"
    assert first.get(theirs).status_code == 404
    assert second.get(mine).status_code == 404
    assert app.test_client().get(mine).status_code == 404  # a new browser


def test_browser_session_needs_a_secret_key() -> None:
    app, _ = app_with(dfc.owners.browser_session)
    app.secret_key = None
    app.testing = True  # let the error reach the test
    with pytest.raises(RuntimeError, match="secret_key"):
        app.test_client().post("/make", data=b"x")


def test_flask_login_binds_items_to_the_logged_in_user() -> None:
    flask_login = pytest.importorskip("flask_login")

    class User(flask_login.UserMixin):  # type: ignore[name-defined,misc]
        def __init__(self, name: str) -> None:
            self.id = name

    app, _ = app_with(dfc.owners.flask_login)
    manager = flask_login.LoginManager(app)
    manager.user_loader(User)

    @app.post("/login/<name>")
    def login(name: str) -> str:
        flask_login.login_user(User(name))
        return "ok"

    alice, bob, anonymous = app.test_client(), app.test_client(), app.test_client()
    alice.post("/login/alice")
    bob.post("/login/bob")
    address = alice.post("/make", data=b"alice's").get_json()["addr"]
    assert alice.get(address).data == b"alice's"
    assert bob.get(address).status_code == 404
    assert anonymous.get(address).status_code == 404
    public = anonymous.post("/make", data=b"anyone's").get_json()["addr"]
    assert bob.get(public).data == b"anyone's"  # registered by nobody: not bound

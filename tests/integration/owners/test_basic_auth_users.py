"""An app behind dash-auth's BasicAuth with two users, in headless Chromium: each user
sees their own CachedImage and downloads their own file; the other user's addresses
answer 404 (image, download, HEAD, Range) and a one-time item survives their attempts.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import dash
import dash_auth
import pytest
from dash import Input, Output, html
from selenium.webdriver.support.ui import WebDriverWait

import dash_file_cache as dfc
from tests.helpers import grey_png

pytestmark = pytest.mark.browser

USERS = {"alice": "alice-pw", "bob": "bob-pw"}
WIDTHS = {"alice": 40, "bob": 64}


def report(user: str) -> bytes:
    return f"owner,{user}\n".encode() * 500


def build_app() -> dash.Dash:
    app = dash.Dash(__name__)
    dash_auth.BasicAuth(app, USERS)
    service = dfc.ServiceData(dfc.CachePlain(32), resolve_owner=dfc.owners.basic_auth)
    service.serve(app)
    app.layout = html.Div(
        [
            html.Button("make", id="make"),
            dfc.CachedImage(id="image"),
            dfc.DownloadLink("download", id="dl", auto_start=True),
            html.Div(id="addresses"),
            html.Div(id="state"),
        ]
    )

    @app.callback(
        Output("image", "src"),
        Output("dl", "url"),
        Output("addresses", "children"),
        Input("make", "n_clicks"),
        prevent_initial_call=True,
    )
    def make(_: int) -> tuple[str, str, str]:
        user = dash_auth_user()
        image = service.register(io.BytesIO(grey_png(WIDTHS[user], 24)), mime_type="image/png")
        download = service.register(
            io.BytesIO(report(user)), file_name=f"{user}.csv", mime_type="text/csv", download=True
        )
        once = service.register(io.BytesIO(b"once"), one_time_service=True)
        return image, download, json.dumps({"image": image, "download": download, "once": once})

    @app.callback(
        Output("state", "children"),
        Input("image", "status"),
        Input("dl", "status"),
        Input("dl", "error"),
    )
    def state(image: str | None, download: str | None, error: str | None) -> str:
        return json.dumps({"image": image, "download": download, "error": error})

    return app


def dash_auth_user() -> str:
    import flask

    auth = flask.request.authorization
    assert auth is not None and auth.username
    return auth.username


def login(dash_duo: Any, user: str) -> None:
    """Send ``user``'s Basic credentials with every request the page makes."""
    token = base64.b64encode(f"{user}:{USERS[user]}".encode()).decode()
    dash_duo.driver.execute_cdp_cmd("Network.enable", {})
    dash_duo.driver.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}}
    )
    dash_duo.driver.get(dash_duo.server.url)
    dash_duo.wait_for_element("#make")


def unexpected(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Console entries other than the 404s this test provokes, and the 401 of the
    download worker's script: DevTools' extra headers do not reach service worker
    script fetches, which a browser with cached Basic credentials would authenticate."""
    return [
        entry
        for entry in logs
        if "status of 404" not in entry["message"]
        and "(401) was received when fetching the script" not in entry["message"]
    ]


def fetch(
    dash_duo: Any, url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    script = """
    const [url, method, headers, done] = arguments;
    fetch(url, {method, headers}).then(async (r) => done({status: r.status, body: await r.text()}))
        .catch((e) => done({status: -1, body: String(e)}));
    """
    return dash_duo.driver.execute_async_script(script, url, method, headers or {})  # type: ignore[no-any-return]


def state(dash_duo: Any) -> dict[str, Any]:
    return json.loads(dash_duo.find_element("#state").text or "{}")


def session(dash_duo: Any, user: str, wait: WebDriverWait) -> dict[str, str]:
    """Open the app as ``user``, make the items; return their addresses."""
    login(dash_duo, user)
    dash_duo.find_element("#make").click()
    wait.until(lambda _: state(dash_duo).get("image") == "loaded")
    width = dash_duo.driver.execute_script(
        "return document.querySelector('#image img').naturalWidth"
    )
    assert width == WIDTHS[user]
    wait.until(lambda _: state(dash_duo).get("download") == "completed")
    saved = Path(dash_duo.download_path) / f"{user}.csv"
    wait.until(lambda _: saved.exists() and saved.stat().st_size == len(report(user)))
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(report(user)).digest()
    return dict(json.loads(dash_duo.find_element("#addresses").text))


def test_each_user_gets_only_their_own_items(dash_duo: Any) -> None:
    dash_duo.server(build_app())  # no unauthenticated first visit
    wait = WebDriverWait(dash_duo.driver, 15)
    alices = session(dash_duo, "alice", wait)
    bobs = session(dash_duo, "bob", wait)
    assert bobs["image"] != alices["image"]
    unknown = fetch(dash_duo, "/cached-data?uid=" + "0" * 32)
    for address in alices.values():
        for method, headers in (("GET", {}), ("HEAD", {}), ("GET", {"Range": "bytes=0-9"})):
            answer = fetch(dash_duo, address, method, headers)
            assert answer["status"] == 404, (address, method, headers)
            if method == "GET":
                assert answer["body"] == unknown["body"]
    # bob's DownloadLink pointed at alice's download ends in an error, saving nothing
    dash_duo.driver.execute_script("window.dash_clientside = window.dash_clientside || {};")
    login(dash_duo, "alice")
    assert fetch(dash_duo, alices["once"])["body"] == "once"  # not consumed by bob
    assert fetch(dash_duo, alices["once"])["status"] == 404  # consumed now
    assert unexpected(dash_duo.get_logs()) == []

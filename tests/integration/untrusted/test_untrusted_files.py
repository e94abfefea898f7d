"""Serving untrusted files, in headless Chromium against a real server: what an item
opened in a tab cannot do (run script, become a service worker, drop its attachment), and
what must keep working (images, media with seek, PDFs in the viewer, downloads)."""

from __future__ import annotations

import base64
import io
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import dash
import dash_auth
import flask
import pytest
from dash import html
from selenium.webdriver.support.ui import WebDriverWait

import dash_file_cache as dfc
from tests.helpers import grey_png, live_server

pytestmark = pytest.mark.browser

ASSETS = Path(__file__).with_name("assets")
WAIT = 20  # seconds
#: Chromium's PDF viewer: a frame of this extension appears when a PDF is shown.
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"
#: Runs as soon as the document is parsed: a changed title, a call to the app, and a read
#: of the app's layout (what an attacker's file would do on the app's origin).
PAYLOAD_SCRIPT = (
    "document.title = 'pwned';"
    "fetch('/beacon?ran=' + location.search.slice(5, 13));"
    "fetch('/_dash-layout').then((r) => r.text())"
    ".then((t) => fetch('/beacon?layout=' + t.length));"
)
EVIL_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><title>item</title>'
    f'<rect width="40" height="20" fill="red"/><script>{PAYLOAD_SCRIPT}</script></svg>'
)
EVIL_HTML = (
    "<!doctype html><html><head><title>item</title></head><body><p>hello</p>"
    f"<script>{PAYLOAD_SCRIPT}</script>"
    "<img src='x' onerror=\"fetch('/beacon?onerror=' + location.search.slice(5, 13))\">"
    "</body></html>"
)
WORKER_JS = "self.addEventListener('fetch', (e) => e.respondWith(new Response('pwned')));"


def make_pdf() -> bytes:
    """A one-page PDF saying "Hello PDF", with a correct cross-reference table."""
    text = b"BT /F1 24 Tf 20 100 Td (Hello PDF) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


class Site:
    """A Dash app serving one item of each kind, and a beacon route recording calls."""

    def __init__(self) -> None:
        self.beacons: list[str] = []
        self.app = dash.Dash(__name__)
        self.service = dfc.ServiceData(dfc.CachePlain(64))
        self.service.serve(self.app)

        @self.app.server.route("/beacon")
        def beacon() -> str:
            self.beacons.append(flask.request.query_string.decode())
            return "ok"

        reg = self.service.register
        self.svg = reg(io.StringIO(EVIL_SVG), mime_type="image/svg+xml")
        self.html = reg(io.StringIO(EVIL_HTML), mime_type="text/html")
        self.trusted = reg(io.StringIO(EVIL_HTML), mime_type="text/html", trusted=True)
        self.js = reg(io.StringIO(WORKER_JS), mime_type="application/javascript")
        self.png = reg(io.BytesIO(grey_png(30, 20)), mime_type="image/png")
        self.jpeg = reg(ASSETS / "photo.jpg", mime_type="image/jpeg")
        self.video = reg(ASSETS / "clip.webm", mime_type="video/webm")
        self.pdf = reg(io.BytesIO(make_pdf()), file_name="hello.pdf", mime_type="application/pdf")
        self.csv = reg(
            io.BytesIO(b"a,b\n1,2\n"), file_name="t.csv", mime_type="text/csv", download=True
        )
        images = [("png", self.png), ("jpeg", self.jpeg), ("svg", self.svg)]
        self.app.layout = html.Div(
            [html.Img(id=f"img-{name}", src=src) for name, src in images]
            + [dfc.CachedImage(id=f"cimg-{name}", src=src) for name, src in images]
            + [html.Video(id="video", src=self.video, preload="auto")]
            + [html.Iframe(id="frame", src=self.pdf, style={"width": 400, "height": 300})]
        )


@pytest.fixture
def site(dash_duo: Any) -> Site:
    built = Site()
    dash_duo.start_server(built.app)
    return built


def wait(driver: Any, predicate: Any, message: str) -> Any:
    return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(lambda _d: predicate(), message)


def open_in_tab(dash_duo: Any, address: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + address)
    wait(
        dash_duo.driver,
        lambda: dash_duo.driver.execute_script("return document.readyState") == "complete",
        f"{address} never finished loading",
    )


def test_svg_and_html_items_run_no_script_in_a_tab(dash_duo: Any, site: Site) -> None:
    """The SVG and HTML items load (their markup is there) but their scripts never run:
    the title is theirs and the app is never called. The same HTML registered
    ``trusted=True`` does run (so this test can see a script that runs)."""
    driver = dash_duo.driver
    for address in (site.svg, site.html):
        open_in_tab(dash_duo, address)
        assert driver.title == "item"
        assert driver.execute_script("return document.querySelector('rect, p') !== null")
    open_in_tab(dash_duo, site.trusted)
    trusted_uid = site.trusted.split("uid=")[1][:8]
    wait(driver, lambda: any(f"ran={trusted_uid}" in b for b in site.beacons), "control ran")
    wait(driver, lambda: any(b.startswith("layout=") for b in site.beacons), "control read")
    assert driver.title == "pwned"
    for address in (site.svg, site.html):
        uid = address.split("uid=")[1][:8]
        assert not any(uid in b for b in site.beacons), site.beacons


def test_no_item_becomes_a_service_worker(dash_duo: Any, site: Site) -> None:
    """From the app's page (a secure context): an item's address is refused as a worker
    script; the service's worker is refused any scope wider than the service path."""
    dash_duo.wait_for_element("#img-png")
    results = dash_duo.driver.execute_async_script(
        """
        const [item, done] = arguments;
        const attempt = (script, options) => navigator.serviceWorker.register(script, options)
            .then((r) => 'scope ' + new URL(r.scope).pathname, (e) => 'refused ' + e.name);
        (async () => {
            const out = {};
            out.item = await attempt(item, { scope: '/cached-data' });
            out.itemRoot = await attempt(item);
            out.wide = await attempt('/cached-data/sw.js', { scope: '/' });
            out.other = await attempt('/cached-data/sw.js', { scope: '/_dash-layout' });
            out.old = await attempt('/cached-data-sw.js', { scope: '/' });
            out.own = await attempt('/cached-data/sw.js', { scope: '/cached-data' });
            for (const r of await navigator.serviceWorker.getRegistrations()) {
                await r.unregister();
            }
            return out;
        })().then(done, (e) => done({ failed: String(e) }));
        """,
        site.js,
    )
    assert results["item"].startswith("refused"), results
    assert results["itemRoot"].startswith("refused"), results
    assert results["wide"] == "refused SecurityError", results
    assert results["other"] == "refused SecurityError", results
    assert results["old"].startswith("refused"), results
    assert results["own"] == "scope /cached-data", results


def test_images_still_display(dash_duo: Any, site: Site) -> None:
    """PNG, JPEG and SVG items display in ``<img>`` and in CachedImage."""
    driver = dash_duo.driver
    for name in ("png", "jpeg", "svg"):
        for prefix in ("img", "cimg"):
            selector = f"#{prefix}-{name}" + (" img" if prefix == "cimg" else "")
            wait(
                driver,
                lambda s=selector: driver.execute_script(
                    "const i = document.querySelector(arguments[0]);"
                    "return i !== null && i.complete && i.naturalWidth > 0;",
                    s,
                ),
                f"{selector} never displayed",
            )
    open_in_tab(dash_duo, site.png)  # opened on its own: Chromium's image document
    assert driver.execute_script("return document.querySelector('img').naturalWidth") == 30


def test_video_plays_and_seeks_in_the_page_and_in_a_tab(dash_duo: Any, site: Site) -> None:
    driver = dash_duo.driver
    dash_duo.wait_for_element("#video")
    seeked = driver.execute_async_script(
        """
        const done = arguments[0];
        const v = document.getElementById('video');
        const seek = () => {
            v.addEventListener('seeked', () => done([v.currentTime, v.duration]), { once: true });
            v.currentTime = 2.5;
        };
        if (v.readyState >= 1) { seek(); } else { v.addEventListener('loadedmetadata', seek); }
        v.addEventListener('error', () => done(['error', v.error.code]));
        """
    )
    assert seeked[0] == pytest.approx(2.5, abs=0.2) and seeked[1] > 3, seeked
    # Opened on its own: Chromium's media document, whose timers do not run (sandboxed):
    # polled from here.
    open_in_tab(dash_duo, site.video)
    state = "const v = document.querySelector('video'); return [v.readyState, v.duration];"
    wait(driver, lambda: driver.execute_script(state)[0] >= 1, "the video never loaded")
    driver.execute_script("document.querySelector('video').currentTime = 2.5;")
    position = "const v = document.querySelector('video'); return !v.seeking && v.currentTime;"
    wait(driver, lambda: abs((driver.execute_script(position) or 0) - 2.5) < 0.2, "no seek")


def viewer_frames(driver: Any) -> list[str]:
    targets = driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
    return [t["url"] for t in targets if t["url"].startswith(PDF_VIEWER)]


def test_pdf_opens_in_the_viewer(dash_duo: Any, site: Site) -> None:
    """In the page's ``<iframe>`` and in a tab of its own. (A parent ``<iframe sandbox>``
    would block Chromium's viewer: no viewer frame appears then, which is what this
    checks against.)"""
    driver = dash_duo.driver
    dash_duo.wait_for_element("#frame")
    wait(driver, lambda: viewer_frames(driver), "no PDF viewer in the page's iframe")
    open_in_tab(dash_duo, site.pdf)
    wait(driver, lambda: viewer_frames(driver), "no PDF viewer in the tab")
    assert driver.execute_script("return document.contentType") == "application/pdf"


def test_a_download_item_saves_without_the_query(dash_duo: Any, site: Site) -> None:
    """``download=True`` is the item's: opening the bare address saves the file."""
    driver = dash_duo.driver
    dash_duo.wait_for_element("#img-png")
    page = driver.current_url
    bare = site.csv.removesuffix("&download=true")
    assert bare != site.csv
    driver.get(dash_duo.server_url + bare)
    saved = Path(dash_duo.download_path) / "t.csv"
    # Chromium reserves the final name (an empty file) before the bytes land.
    wait(
        driver,
        lambda: saved.exists() and saved.read_bytes() == b"a,b\n1,2\n",
        "the download=True item was not saved",
    )
    assert driver.current_url == page  # nothing was shown instead


def fetch_as_alice(driver: Any, address: str) -> list[list[Any]]:
    """``[status, body]`` of fetching ``address`` as Alice with a wrong password, with no
    credentials, then with her password."""
    return driver.execute_async_script(  # type: ignore[no-any-return]
        """
        const [address, done] = arguments;
        const get = (password) => fetch(address, password === null ? {} : {
            headers: { Authorization: 'Basic ' + btoa('alice:' + password) },
        }).then(async (r) => [r.status, await r.text()]);
        Promise.all([get('wrong-password'), get(null), get('alice-pw')]).then(done);
        """,
        address,
    )


def test_a_forged_basic_password_gets_the_unknown_uid_404(dash_duo: Any) -> None:
    """dash-auth leaves the service route public; a request naming Alice with a wrong
    password gets the unknown-uid 404 (not her file); her password gets it. With the
    route protected, dash-auth answers an anonymous request first (401)."""
    users = {"alice": "alice-pw"}
    app = dash.Dash(__name__)
    dash_auth.BasicAuth(app, users, public_routes=["/cached-data", "/blank"])
    app.server.add_url_rule("/blank", "blank", lambda: "<!doctype html><title>b</title>")
    service = dfc.ServiceData(dfc.CachePlain(8), resolve_owner=dfc.owners.basic_auth)
    service.serve(app)
    address = service.register(io.BytesIO(b"alice's data"), owner="basic:alice")
    app.layout = html.Div()
    with live_server(app.server) as url:  # dash-auth refuses the page: no dash_duo server
        dash_duo.driver.get(url + "/blank")
        fetched = fetch_as_alice(dash_duo.driver, address)
    (forged, forged_body), (anonymous, _), (real, real_body) = fetched
    assert (forged, anonymous, real) == (404, 404, 200), fetched
    assert "no cached item" in forged_body and "alice" not in forged_body
    assert real_body == "alice's data"


def test_dash_auth_answers_first_when_the_route_is_protected() -> None:
    """Route not public: dash-auth refuses a wrong password and no credentials (401, with
    its login challenge, which a browser would prompt for: asked over HTTP here) before
    the service is asked; the right password gets the item."""
    app = dash.Dash(__name__)
    dash_auth.BasicAuth(app, {"alice": "alice-pw"})
    service = dfc.ServiceData(dfc.CachePlain(8), resolve_owner=dfc.owners.basic_auth)
    service.serve(app)
    address = service.register(io.BytesIO(b"alice's data"), owner="basic:alice")
    app.layout = html.Div()
    answers = []
    with live_server(app.server) as url:
        for password in ("wrong-password", None, "alice-pw"):
            request = urllib.request.Request(url + address)
            if password is not None:
                token = base64.b64encode(f"alice:{password}".encode()).decode()
                request.add_header("Authorization", f"Basic {token}")
            try:
                with urllib.request.urlopen(request, timeout=WAIT) as response:
                    answers.append((response.status, response.read()))
            except urllib.error.HTTPError as refused:
                answers.append((refused.code, refused.read()))
                refused.close()
    assert answers == [(401, b"Login Required"), (401, b"Login Required"), (200, b"alice's data")]

"""Video and audio from addresses: ``html.Video``/``html.Audio`` load, seek and play MP4,
WebM, WAV and MP3 items on each cache (CachePlain, CacheFile, CacheRedis), in Chromium,
the seeks answered with 206.

The clips (3-4 s, a few KB) were made once with ffmpeg (``testsrc`` and ``sine``); the
WAV is written by the test with the standard library's ``wave``.
"""

from __future__ import annotations

import http.client
import io
import math
import struct
import wave
from pathlib import Path
from typing import Any

import dash
import pytest
from dash import html

import dash_file_cache as dfc

pytestmark = pytest.mark.browser

ASSETS = Path(__file__).parent / "assets"
MEDIA = [
    ("video", "mp4", "video/mp4"),
    ("video", "webm", "video/webm"),
    ("audio", "wav", "audio/wav"),
    ("audio", "mp3", "audio/mpeg"),
]
#: Loads the element's metadata, seeks to 2 s, then plays (muted) until time moves on.
SEEK_AND_PLAY = """
const [id, done] = arguments;
const media = document.getElementById(id);
media.muted = true;
const fail = (reason) => done(['error', media.error ? media.error.code : String(reason)]);
media.addEventListener('error', () => fail('error event'), { once: true });
const play = () => {
    const from = media.currentTime;
    media.play().then(() => {
        const check = () => media.currentTime > from + 0.2
            ? done([from, media.currentTime, media.duration])
            : setTimeout(check, 50);
        check();
    }, fail);
};
const seek = () => {
    media.addEventListener('seeked', play, { once: true });
    media.currentTime = 2.0;
};
if (media.readyState >= 1) { seek(); }
else { media.addEventListener('loadedmetadata', seek, { once: true }); }
"""


def tone_wav(seconds: float = 3.0, rate: int = 8000) -> bytes:
    """A 440 Hz tone as 16-bit mono PCM WAV."""
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return out.getvalue()


def files(tmp_path: Path) -> dict[str, Path]:
    wav = tmp_path / "tone.wav"
    wav.write_bytes(tone_wav())
    return {
        "mp4": ASSETS / "clip.mp4",
        "webm": ASSETS / "clip.webm",
        "wav": wav,
        "mp3": ASSETS / "tone.mp3",
    }


@pytest.fixture(params=["plain", "file", "redis"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "plain":
        return dfc.CachePlain(16)
    if request.param == "file":
        return dfc.CacheFile(tmp_path / "cache")
    url = request.getfixturevalue("redis_server")
    return dfc.CacheRedis(url, key_prefix=f"media-{request.node.name}:")


def test_media_elements_load_seek_and_play(dash_duo: Any, cache: Any, tmp_path: Path) -> None:
    app = dash.Dash(__name__)
    service = dfc.ServiceData(cache)
    service.serve(app)
    sources = files(tmp_path)
    addresses = {}
    elements = []
    for kind, ext, mime in MEDIA:
        # Registered as bytes: CacheFile and CacheRedis store their own copies.
        data = io.BytesIO(sources[ext].read_bytes())
        addresses[ext] = service.register(data, file_name=f"clip.{ext}", mime_type=mime)
        element = html.Video if kind == "video" else html.Audio
        elements.append(element(id=f"media-{ext}", src=addresses[ext], preload="auto"))
    app.layout = html.Div(elements)
    dash_duo.start_server(app)
    # A click gives the page user activation: Chromium plays audio only after one.
    dash_duo.wait_for_element(f"#media-{MEDIA[0][1]}").click()
    for _, ext, _ in MEDIA:
        dash_duo.wait_for_element(f"#media-{ext}")
        result = dash_duo.driver.execute_async_script(SEEK_AND_PLAY, f"media-{ext}")
        assert result[0] != "error", (ext, result)
        start, now, duration = result
        assert start == pytest.approx(2.0, abs=0.25), (ext, result)
        assert now > start and duration > 2.5, (ext, result)
        # The seek is a Range request on the wire: answered 206 from this cache.
        host, port = dash_duo.server_url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request("GET", addresses[ext], headers={"Range": "bytes=100-199"})
            response = conn.getresponse()
            assert response.status == 206 and len(response.read()) == 100
            assert response.getheader("Content-Type") == dict((e, m) for _, e, m in MEDIA)[ext]
        finally:
            conn.close()

"""A real nginx in front of an app, configured with the snippets of docs/deploy/ verbatim."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..conftest import free_port
from ..helpers import wait_until

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"

_MAIN = """
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
{user}
events {{ worker_connections 256; }}
http {{
    access_log {work}/access.log;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include /etc/nginx/mime.types;
    upstream dash_app {{ server 127.0.0.1:{upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        include {snippet};
        {extra}
    }}
}}
"""


@contextmanager
def nginx(
    work: Path, snippet: str, upstream: int, extra: str = "", worker_user: str | None = None
) -> Iterator[int]:
    """Run nginx with ``docs/deploy/<snippet>`` (and ``extra``) in its server block.

    :param worker_user: run the workers as this user (``"nobody nogroup"``), as a real
        deployment does; ``None``: as root (when the tests run as root), so they can
        enter pytest's private folders.
    Yields nginx's port.
    """
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        raise AssertionError("nginx is not installed (scripts/setup.sh installs it)")
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # As root, nginx's workers would run as nobody, who cannot enter pytest's 0700 folders.
    user = "user root;" if os.geteuid() == 0 else ""
    if worker_user is not None and os.geteuid() == 0:
        user = f"user {worker_user};"
    conf = work / "nginx.conf"
    conf.write_text(
        _MAIN.format(
            work=work,
            user=user,
            upstream=upstream,
            port=port,
            snippet=DEPLOY / snippet,
            extra=extra,
        )
    )
    with front_server([binary, "-c", str(conf)], port, "nginx"):
        yield port


@contextmanager
def front_server(
    command: list[str], port: int, name: str, env: dict[str, str] | None = None
) -> Iterator[None]:
    """Run ``command`` until the block ends, once it listens on ``port``."""
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE) as server:
        try:
            wait_until(lambda: _listening(port) or server.poll() is not None, 30, name)
            if server.poll() is not None:
                errors = server.stderr.read().decode() if server.stderr else ""
                raise AssertionError(f"{name} failed to start: {errors}")
            yield
        finally:
            server.terminate()
            server.wait(30)
            if server.stderr is not None:
                server.stderr.close()


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0

"""A real Apache httpd in front of an app, with docs/deploy/apache-xsendfile.conf verbatim."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import free_port
from .nginx import DEPLOY, front_server

MODULES = Path("/usr/lib/apache2/modules")
_MAIN = """
ServerRoot /etc/apache2
ServerName 127.0.0.1
PidFile {work}/httpd.pid
ErrorLog {work}/error.log
Listen 127.0.0.1:{port}
{user}
TypesConfig /etc/mime.types
Define DASH_APP 127.0.0.1:{upstream}
{modules}
Include {snippet}
"""
_LOADED = ("mpm_event", "authz_core", "mime", "proxy", "proxy_http", "xsendfile")


@contextmanager
def apache(work: Path, upstream: int) -> Iterator[int]:
    """Run Apache with the documented snippet in front of ``upstream``; yield its port."""
    binary = shutil.which("apache2") or "/usr/sbin/apache2"
    if not os.path.exists(binary) or not (MODULES / "mod_xsendfile.so").exists():
        pytest.fail("apache2 and mod_xsendfile are not installed (scripts/setup.sh installs them)")
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # As root, Apache refuses to serve as root: its workers run as www-data.
    user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
    modules = "\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in _LOADED)
    conf = work / "httpd.conf"
    conf.write_text(
        _MAIN.format(
            work=work,
            port=port,
            user=user,
            upstream=upstream,
            modules=modules,
            snippet=DEPLOY / "apache-xsendfile.conf",
        )
    )
    env = {**os.environ, "APACHE_RUN_DIR": str(work), "APACHE_LOCK_DIR": str(work)}
    command = [binary, "-f", str(conf), "-DFOREGROUND"]
    with front_server(command, port, "apache", env):
        yield port

"""Fault: ``CacheFile`` on a real, small, full filesystem (an 8 MiB tmpfs).

As root the tmpfs is mounted here and the scenario runs in this process; otherwise it
runs in a subprocess inside a user and mount namespace (``unshare``), where mounting a
tmpfs is allowed. If neither is permitted, the test is skipped and says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from . import disk_full_scenario
from .procs import ROOT

SIZE = "8m"
NO_MOUNT = 97  # exit code of the namespaced shell when its mount fails


def mount_tmpfs(mount: Path) -> str | None:
    """Mount the tmpfs as root; ``None`` on success, else why not."""
    if os.geteuid() != 0:
        return "not running as root"
    command = ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except OSError as exc:
        return f"mount: {exc}"
    if result.returncode != 0:
        return f"mount: {result.stderr.strip() or result.returncode}"
    return None


def unmount(mount: Path) -> None:
    result = subprocess.run(["umount", str(mount)], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:  # still busy: detach it, so it goes once unused
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def run_in_namespace(mount: Path, why_not_root: str) -> None:
    """Run the scenario under ``unshare --user --map-root-user --mount``, or skip."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip(f"mounting a tmpfs is not permitted here: {why_not_root}; no unshare")
    script = (
        f'mount -t tmpfs -o size={SIZE} tmpfs "$1" || exit {NO_MOUNT}; '
        'exec "$2" -m tests.faults.disk_full_scenario "$1"'
    )
    command = [unshare, "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh"]
    result = subprocess.run(
        [*command, str(mount), sys.executable],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == NO_MOUNT or result.stderr.startswith("unshare:"):
        reason = result.stderr.strip().splitlines()[-1:] or [f"exit {result.returncode}"]
        pytest.skip(f"mounting a tmpfs is not permitted here: {why_not_root}; {reason[0]}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert disk_full_scenario.OK in result.stdout, result.stdout + result.stderr


def test_cache_file_on_a_full_disk(tmp_path: Path) -> None:
    """Registering more than the free space raises ENOSPC, leaves no partial file, gives
    the space back, and the cache keeps serving old and new items byte-exact."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    why_not = mount_tmpfs(mount)
    if why_not is not None:
        run_in_namespace(mount, why_not)
        return
    try:
        assert os.statvfs(mount).f_blocks * os.statvfs(mount).f_frsize <= 8 * 1024 * 1024
        disk_full_scenario.run(mount)
    finally:
        unmount(mount)

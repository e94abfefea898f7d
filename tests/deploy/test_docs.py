"""The deployment guide shows the configurations the tests run, verbatim."""

from __future__ import annotations

import pytest

from .nginx import DEPLOY


@pytest.mark.parametrize(
    "name",
    [
        "gunicorn.conf.py",
        "nginx-offload.conf",
        "nginx-strip-prefix.conf",
        "nginx-keep-prefix.conf",
        "apache-xsendfile.conf",
    ],
)
def test_the_guide_quotes_each_configuration_whole(name: str) -> None:
    guide = (DEPLOY.parent / "deploy.md").read_text()
    assert (DEPLOY / name).read_text().rstrip() in guide

"""Dash on its FastAPI backend serving a ``CacheRedis`` (the prefix of
``tests/multiprocess/gunicorn_app.py``), for the Redis restart test."""

from __future__ import annotations

import os

import dash

import dash_file_cache as dfc

dash_app = dash.Dash(__name__, backend="fastapi")
dash_app.layout = dash.html.Div("redis")
dfc.ServiceData(dfc.CacheRedis(os.environ["DFC_REDIS_URL"], key_prefix="hosts:")).serve(dash_app)
app = dash_app.server

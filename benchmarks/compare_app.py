"""The app each gunicorn case of ``compare_gunicorn.py`` runs (``BENCH_CASE``: the case).

``hooked``: ours on ``CachePlain`` in an app with a ``before_request`` hook, so the
service's route goes through Flask's routing rather than being answered before it.

``dcc``: a Dash app whose callback answers with ``dcc.send_file`` (the file base64-encoded
in the callback's JSON); its "paths" name the callback request to POST.

It is copied beside the data and run from there, so that the 0.2.0 virtualenv imports its
own ``dash_file_cache``, not this checkout's.
"""

from __future__ import annotations

import os

import flask

case, big, small = os.environ["BENCH_CASE"], os.environ["BENCH_BIG"], os.environ["BENCH_SMALL"]
server = flask.Flask(__name__)
version = "-"
if case == "flask":
    data = open(small, "rb").read()
    paths = {"big": "/file/big", "small": "/file/small", "memory": "/memory", "same": "/same"}

    @server.get("/file/<which>")
    def file(which):
        path = big if which == "big" else small
        return flask.send_file(path, mimetype="application/octet-stream")

    @server.get("/memory")
    def memory():
        return flask.Response(data, mimetype="application/octet-stream")

    @server.get("/same")
    def same():  # the file read per request, with the headers ServiceData sends
        with open(small, "rb", buffering=0) as source:
            body = source.read()
        headers = {
            "Content-Disposition": "inline; filename=\"small.bin\"; filename*=UTF-8''small.bin",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
            "Accept-Ranges": "bytes",
            "ETag": '"0123456789abcdef0123456789abcdef"',
        }
        return flask.Response(body, mimetype="application/octet-stream", headers=headers)
elif case == "dcc":
    import dash
    from dash import Input, Output, dcc, html

    app = dash.Dash(__name__, server=server)
    app.layout = html.Div([html.Button(id="big"), html.Button(id="small"), dcc.Download(id="dl")])

    @app.callback(
        Output("dl", "data"),
        Input("big", "n_clicks"),
        Input("small", "n_clicks"),
        prevent_initial_call=True,
    )
    def send(_big, _small):
        which = dash.callback_context.triggered_id
        return dcc.send_file(big if which == "big" else small)

    paths = {"big": "dcc:big", "small": "dcc:small"}
else:  # ServiceData as both READMEs show it: serve(app), then register(path)
    import dash_file_cache as dfc

    version = dfc.__version__
    if case == "hooked":  # any before_request hook sends the route through Flask

        @server.before_request
        def hook():
            return None

    if case == "CacheFile":
        cache = dfc.CacheFile(os.environ["BENCH_DIR"])
    elif case == "CacheRedis":
        cache = dfc.CacheRedis(os.environ["BENCH_REDIS"])
    else:  # ours or 0.2.0
        cache = dfc.CachePlain(4)
    service = dfc.ServiceData(cache)
    service.serve(server)
    mime = "application/octet-stream"
    paths = {w: service.register(p, mime_type=mime) for w, p in (("big", big), ("small", small))}


@server.get("/_info")
def info():
    return {"version": version, "paths": paths}

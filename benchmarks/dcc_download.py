"""``dcc.Download`` + ``dcc.send_file`` against ``ServiceData`` on one large file.

Both run in one Dash app in a fresh server process per case. ``dcc.send_file`` answers the
callback request with the whole file base64-encoded inside the JSON; ``ServiceData``
streams it from disk. The client makes exactly the request the browser would make
(the callback POST, or the GET of the registered address) and receives every byte. The
server's peak memory growth (``VmHWM``, reset before the request) and the time until the
client holds the file are printed, with ratios against ``dcc.send_file``.

Run: ``python benchmarks/dcc_download.py [--size-mb 256]``
"""

from __future__ import annotations

import argparse
import base64
import json
import time

from measure import MIB, random_file, server_process

SERVER = r"""
import sys, dash, dash_file_cache as dfc
from dash import Input, Output, dcc, html
from werkzeug.serving import make_server
path, port = sys.argv[1], int(sys.argv[2])
app = dash.Dash(__name__)
service = dfc.ServiceData(dfc.CachePlain(4))
service.serve(app)
app.layout = html.Div([html.Button(id="go"), dcc.Download(id="download")])
@app.callback(Output("download", "data"), Input("go", "n_clicks"), prevent_initial_call=True)
def send(n):
    return dcc.send_file(path)
server = make_server("127.0.0.1", port, app.server, threaded=True)
print(service.register(path, download=True, mime_type="application/octet-stream"), flush=True)
server.serve_forever()
"""

CALLBACK = {
    "output": "download.data",
    "outputs": {"id": "download", "property": "data"},
    "inputs": [{"id": "go", "property": "n_clicks", "value": 1}],
    "changedPropIds": ["go.n_clicks"],
    "state": [],
}


def run(case: str, path: str, size: int) -> tuple[float, float]:
    """(peak memory growth MiB, seconds until the client holds the file)."""
    with server_process(SERVER, path, warm_up="/_dash-layout") as server:
        conn = server.conn
        start = time.perf_counter()
        if case == "dcc.send_file":
            body = json.dumps(CALLBACK).encode()
            headers = {"Content-Type": "application/json"}
            conn.request("POST", "/_dash-update-component", body=body, headers=headers)
            answer = json.loads(conn.getresponse().read())
            data = answer["response"]["download"]["data"]
            received = len(base64.b64decode(data["content"]))
        else:
            conn.request("GET", server.address)
            response = conn.getresponse()
            received = 0
            while chunk := response.read(MIB):
                received += len(chunk)
        elapsed = time.perf_counter() - start
        assert received == size, (case, received)
        return server.peak_growth_mib(), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=256, help="file size in MiB")
    args = parser.parse_args()
    size = args.size_mb * MIB
    with random_file(args.size_mb) as path:
        results = {case: run(case, path, size) for case in ("dcc.send_file", "ServiceData")}
    ref_mem, ref_time = results["dcc.send_file"]
    print(f"file: {args.size_mb} MiB, one request each, Werkzeug threaded server on 127.0.0.1")
    header = ("case", "server peak growth", "time", "memory vs dcc", "time vs dcc")
    print("{:14} {:>19} {:>8} {:>14} {:>12}".format(*header))
    for case, (mem, seconds) in results.items():
        print(
            f"{case:14} {mem:15.1f} MiB {seconds:7.2f}s {mem / ref_mem:13.3f}x "
            f"{seconds / ref_time:11.3f}x"
        )


if __name__ == "__main__":
    main()

"""Example 4: the data service in a plain Flask app (no Dash).

``GET /`` lists the files of the ``assets`` folder beside this script. ``POST /register``
with a JSON body ``{"name": "circle.svg"}`` (or a form field ``name``) registers one of
them with ``one_time_service=True`` and answers ``{"addr": "/cached-data?uid=..."}``.
The first ``GET`` of that address streams the file; a second one answers 404 with a
JSON body holding ``"error"``. The cache keeps a single item (``CachePlain(1)``), so
registering another file evicts the previous one (its address answers 404 too).
Only names from the listing are accepted: anything else (``../pyproject.toml``, an
absolute path, an unknown name) answers 400 with a JSON ``"error"``.

Needs only this package (``pip install -e .`` from the repository). Run it with::

    python examples/ex4_flask_service.py

then, for example::

    curl http://127.0.0.1:5000/
    curl -X POST -H "Content-Type: application/json" -d '{"name": "circle.svg"}' \\
        http://127.0.0.1:5000/register
    curl "http://127.0.0.1:5000/cached-data?uid=..."   # the addr returned just above
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import flask

import dash_file_cache as dfc

FOLDER = Path(__file__).resolve().parent / "assets"


def list_files() -> list[str]:
    """The names of the regular files (not links, not hidden) directly in ``FOLDER``."""
    return sorted(
        entry.name
        for entry in FOLDER.iterdir()
        if entry.is_file() and not entry.is_symlink() and not entry.name.startswith(".")
    )


def bad_request(error: str) -> tuple[flask.Response, int]:
    """A 400 answer shaped like the service's own errors."""
    return flask.jsonify(code=400, message="Bad Request", error=error), 400


def create_app() -> flask.Flask:
    """A Flask app with its own one-item cache and data service."""
    app = flask.Flask(__name__)
    service = dfc.ServiceData(dfc.CachePlain(1))
    service.serve(app)

    @app.get("/")
    def index() -> flask.Response:
        return flask.jsonify(files=list_files())

    @app.post("/register")
    def register() -> flask.Response | tuple[flask.Response, int]:
        request = flask.request
        fields = request.get_json(silent=True) if request.is_json else request.form
        name = fields.get("name") if isinstance(fields, dict) else None  # form: a dict too
        # Never build a path from the request: accept only a name from the listing.
        if not isinstance(name, str) or name not in list_files():
            return bad_request("'name' must be one of the files listed by GET /")
        mime_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        addr = service.register(FOLDER / name, mime_type=mime_type, one_time_service=True)
        return flask.jsonify(addr=addr)

    return app


app = create_app()


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000, debug=False)

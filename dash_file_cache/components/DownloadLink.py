# AUTO GENERATED FILE - DO NOT EDIT

import typing  # noqa: F401
from typing_extensions import TypedDict, NotRequired, Literal # noqa: F401
from dash.development.base_component import Component, _explicitize_args
try:
    from dash.types import NumberType  # noqa: F401
except ImportError:
    # Backwards compatibility for dash<=4.1.0
    if typing.TYPE_CHECKING:
        raise
    NumberType = typing.Union[  # noqa: F401
        typing.SupportsFloat, typing.SupportsInt, typing.SupportsComplex
    ]

ComponentSingleType = typing.Union[str, int, float, Component, None]
ComponentType = typing.Union[
    ComponentSingleType,
    typing.Sequence[ComponentSingleType],
]


class DownloadLink(Component):
    """A DownloadLink component.
A download button with an in-page progress bar and a Cancel button, for files of any
size.

Clicking it (or, with `auto_start`, a callback setting `url`) downloads `url` under
`file_name`, else the name in the response's Content-Disposition (RFC 5987
`filename*` first, then `filename`), else the last segment of the URL. Where the page
can use the service's download worker (HTTPS or localhost, a service of the page's
origin), the file streams to disk through the browser's download manager with
progress, Cancel and resume ("worker" mode). Elsewhere files up to `max_in_memory`
bytes are fetched into memory first ("memory" mode), larger ones are handed to the
browser's own download ("native" mode, status "delegated").

`id`, `className` and `style` apply to the wrapping element, which holds the
button, and while downloading the progress bar and the Cancel button. The look
comes from zero-specificity rules on the class names `dfc-download-link`,
`dfc-download-link__button`, `dfc-download-link__cancel` and `dfc-progress*`, so any
CSS of the app overrides it.

Callbacks can read `n_clicks`, `status`, `progress`, `error` and `mode`; each
state change is one update, and `progress` changes at most every 100 ms.

Without a `url` (and without `auto_start`, where a click may make the app set one)
the button is disabled (`aria-disabled`, described as "Nothing to download yet.").
A failed or cancelled download says so next to the button (class
`dfc-download-link__outcome`, plus `dfc-download-link__outcome--error` for a
failure) until the next one starts.

Preparing: while the app still makes the file, a callback can show that in the
same place through `preparing`, `{"label": str, "value": number, "total": number}`:
a progress bar (class `dfc-download-link__preparing`) captioned with `label`, at
`value` of `total` steps, or indeterminate while `total` is None. A Dash background
callback sets it with `progress=[Output(id, "preparing")]` and `set_progress(...)`,
then returns the file's address to `url` with `auto_start=True`: the component
clears `preparing` (sets it to None) as the download starts. The button reads as
busy and ignores clicks while `preparing` is set; give the callback
`running=[(Output(id, "preparing"), {...}, None)]` so that it is cleared however
the callback ends.

Keyword arguments:

- children (a list of or a singular dash component, string or number; optional):
    The button's label (text or components). Default: \"Download\".

- id (string; optional):
    The ID used to identify this component in Dash callbacks.

- auto_start (boolean; default False):
    Start downloading without a click whenever a callback sets `url`,
    to a new address or to the same one again. (The `url` the
    component is first rendered with never starts by itself.).

- cancel_label (string; default "Cancel"):
    Text, and accessible name, of the Cancel button shown while
    downloading.

- className (string; optional):
    CSS class(es) of the wrapping element.

- credentials (a value equal to: "omit", "same-origin", "include"; default "same-origin"):
    Whether requests carry the browser's cookies and HTTP
    authentication, as `fetch()`'s `credentials` option:
    \"same-origin\" (default) only to the page's own origin;
    \"include\" to a cross-origin service too (its `serve()` must name
    this page's origin and set `allow_credentials=True`), e.g. for
    items bound to their owner; \"omit\" never. The browser's own
    download (\"native\" mode) always sends the cookies the browser's
    rules allow.

- error (string; optional):
    (Read-only, set by the component.) Why the last download failed:
    the `error` text of the service's JSON answer (e.g. for a 404, or
    an item that changed or went away while a dropped connection was
    being resumed), else the HTTP status text or network error; None
    after a success.

- file_name (string; optional):
    Save the file under this name. None: the name from the response's
    Content-Disposition, else the last segment of the URL's path. (In
    \"native\" mode the server's Content-Disposition name takes
    precedence.).

- headers (dict with strings as keys and values of type string; optional):
    Request headers sent with every request of the download (e.g.
    `{\"Authorization\": \"Bearer …\"}`), in every mode that can send
    them; a download that would need \"native\" mode fails instead,
    since the browser's own download cannot send headers. A
    cross-origin service must allow them (CORS).

- max_in_memory (number; default 268435456):
    Only where the download worker cannot be used (see `mode`): the
    largest file, in bytes, downloaded through memory with a progress
    bar; larger files and files of unknown size are handed to the
    browser's download manager (\"native\" mode). The size comes from
    a HEAD request. 0: always native. None: no limit and no HEAD
    request. Default 268435456 (256 MiB).

- mode (a value equal to: "worker", "memory", "native"; optional):
    (Read-only, set by the component.) How the current or last
    download is saved, set once known (None before): \"worker\"
    (streamed to disk by the service's download worker, with progress,
    Cancel and resume), \"memory\" (fetched with progress into memory,
    then saved) or \"native\" (handed to the browser's own download
    manager).

- n_clicks (number; default 0):
    Number of times the button was clicked (to start a download, or
    without `url`).

- preparing (dict; optional):
    What the app is doing before there is a file to download, shown in
    place of the download progress: `{\"label\": str, \"value\":
    number, \"total\": number}`, a bar captioned `label` (default
    \"Preparing\") at `value` of `total` (any unit: steps, rows,
    pages), indeterminate while `total` is None. None (default):
    nothing is being prepared. Typically set by a background callback
    through `progress=[Output(id, \"preparing\")]` and
    `set_progress(({\"label\": ..., \"value\": i, \"total\": n},))`,
    which then returns the address to `url` (with `auto_start`). The
    component sets it back to None when a download starts; while it is
    set, the button reads as busy and ignores clicks.

    `preparing` is a dict with keys:

    - label (string; optional)

    - value (number; optional)

    - total (number; optional)

- progress (dict; optional):
    (Read-only, set by the component.) Bytes received so far,
    `{\"loaded\": int, \"total\": int or None}`; `total` is None while
    the size is unknown. Updated at most every 100 ms while
    downloading and once at the end; after \"aborted\" or \"error\" it
    says where the download stopped. In \"native\" mode `loaded` is
    None.

    `progress` is a dict with keys:

    - loaded (number; optional)

    - total (number; optional)

- status (a value equal to: "idle", "downloading", "completed", "delegated", "aborted", "error"; optional):
    (Read-only, set by the component.) \"downloading\" while running,
    then \"completed\" (the last byte was handed to the browser, which
    saves the file), \"delegated\" (handed to the browser's own
    download manager, whose progress and end the page cannot see:
    \"native\" mode), \"aborted\" (cancelled, or stopped by a new
    `url`; nothing saved) or \"error\" (see `error`). Callbacks get
    None until the first download unless the layout sets it (e.g.
    \"idle\").

- url (string; optional):
    The address to download, typically the value returned by
    `ServiceData.register(..., download=True)`. Without it a click
    only counts `n_clicks` (a callback may then set `url`; see
    `auto_start`). A new `url` stops a download of another address
    that is still running (status \"aborted\")."""
    _children_props: typing.List[str] = []
    _base_nodes = ['children']
    _namespace = 'dash_file_cache'
    _type = 'DownloadLink'
    Progress = TypedDict(
        "Progress",
            {
            "loaded": NotRequired[NumberType],
            "total": NotRequired[NumberType]
        }
    )

    Preparing = TypedDict(
        "Preparing",
            {
            "label": NotRequired[str],
            "value": NotRequired[NumberType],
            "total": NotRequired[NumberType]
        }
    )


    def __init__(
        self,
        children: typing.Optional[ComponentType] = None,
        id: typing.Optional[typing.Union[str, dict]] = None,
        url: typing.Optional[str] = None,
        file_name: typing.Optional[str] = None,
        className: typing.Optional[str] = None,
        style: typing.Optional[typing.Any] = None,
        n_clicks: typing.Optional[NumberType] = None,
        status: typing.Optional[Literal["idle", "downloading", "completed", "delegated", "aborted", "error"]] = None,
        progress: typing.Optional["Progress"] = None,
        error: typing.Optional[str] = None,
        mode: typing.Optional[Literal["worker", "memory", "native"]] = None,
        auto_start: typing.Optional[bool] = None,
        max_in_memory: typing.Optional[NumberType] = None,
        cancel_label: typing.Optional[str] = None,
        headers: typing.Optional[typing.Dict[typing.Union[str, float, int], str]] = None,
        credentials: typing.Optional[Literal["omit", "same-origin", "include"]] = None,
        preparing: typing.Optional["Preparing"] = None,
        **kwargs
    ):
        self._prop_names = ['children', 'id', 'auto_start', 'cancel_label', 'className', 'credentials', 'error', 'file_name', 'headers', 'max_in_memory', 'mode', 'n_clicks', 'preparing', 'progress', 'status', 'style', 'url']
        self._valid_wildcard_attributes =            []
        self.available_properties = ['children', 'id', 'auto_start', 'cancel_label', 'className', 'credentials', 'error', 'file_name', 'headers', 'max_in_memory', 'mode', 'n_clicks', 'preparing', 'progress', 'status', 'style', 'url']
        self.available_wildcard_properties =            []
        _explicit_args = kwargs.pop('_explicit_args')
        _locals = locals()
        _locals.update(kwargs)  # For wildcard attrs and excess named props
        args = {k: _locals[k] for k in _explicit_args if k != 'children'}

        super(DownloadLink, self).__init__(children=children, **args)

setattr(DownloadLink, "__init__", _explicitize_args(DownloadLink.__init__))

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
A download button with an in-page progress bar and a Cancel button.

Clicking it (or, with `auto_start`, a callback setting `url`) fetches `url` with
streamed progress and saves the file under `file_name`, else the name in the
response's Content-Disposition (RFC 5987 `filename*` first, then `filename`), else
the last segment of the URL. Files above `max_in_memory` bytes, or of unknown
size, go to the browser's own download manager instead ("native" mode), so a huge
file never has to fit in the tab's memory; the size is learnt from a HEAD request.

`id`, `className` and `style` apply to the wrapping element, which holds the
button, and while downloading the progress bar and the Cancel button. The look
comes from zero-specificity rules on the class names `dfc-download-link`,
`dfc-download-link__button`, `dfc-download-link__cancel` and `dfc-progress*`, so any
CSS of the app overrides it.

Callbacks can read `n_clicks`, `status`, `progress`, `error` and `mode`; each
state change is one update, and `progress` changes at most every 100 ms.

Keyword arguments:

- children (a list of or a singular dash component, string or number; optional):
    The button's label (text or components). Default: \"Download\".

- id (string; optional):
    The ID used to identify this component in Dash callbacks.

- auto_start (boolean; default False):
    When a callback sets or changes `url`, start downloading it
    without a click. (The `url` the component is first rendered with
    never starts by itself.).

- cancel_label (string; default "Cancel"):
    Text of the Cancel button shown while downloading (its accessible
    name is always \"Cancel download\").

- className (string; optional):
    CSS class(es) of the wrapping element.

- error (string; optional):
    (Read-only, set by the component.) Why the last download failed:
    the `error` text of the service's JSON answer (e.g. for a 404),
    else the HTTP status text or network error; None after a success.

- file_name (string; optional):
    Save the file under this name. None: the name from the response's
    Content-Disposition, else the last segment of the URL's path. (In
    \"native\" mode the server's Content-Disposition name takes
    precedence.).

- max_in_memory (number; default 268435456):
    The largest file, in bytes, downloaded through memory with a
    progress bar; larger files and files of unknown size are handed to
    the browser's download manager. The size comes from a HEAD
    request. 0: always native. None: no limit and no HEAD request.
    Default 268435456 (256 MiB).

- mode (a value equal to: "memory", "native"; optional):
    (Read-only, set by the component.) How the last completed download
    was saved: \"memory\" (fetched with progress, saved from a Blob)
    or \"native\" (handed to the browser's download manager because it
    is larger than `max_in_memory` or of unknown size). None while
    downloading.

- n_clicks (number; default 0):
    Number of times the button was clicked.

- progress (dict; optional):
    (Read-only, set by the component.) Bytes received so far,
    `{\"loaded\": int, \"total\": int or None}`; `total` is None while
    the size is unknown. Updated at most every 100 ms while
    downloading and once at the end. In \"native\" mode `loaded` is
    None: the browser does the transfer.

    `progress` is a dict with keys:

    - loaded (number; optional)

    - total (number; optional)

- status (a value equal to: "idle", "downloading", "completed", "aborted", "error"; optional):
    (Read-only, set by the component.) \"downloading\" while running,
    then \"completed\", \"aborted\" (cancelled, nothing saved) or
    \"error\" (see `error`). Callbacks get None until the first
    download unless the layout sets it.

- url (string; optional):
    The address to download, typically the value returned by
    `ServiceData.register(..., download=True)`. Without it a click
    only counts `n_clicks` (a callback may then set `url`; see
    `auto_start`)."""
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


    def __init__(
        self,
        children: typing.Optional[ComponentType] = None,
        id: typing.Optional[typing.Union[str, dict]] = None,
        url: typing.Optional[str] = None,
        file_name: typing.Optional[str] = None,
        className: typing.Optional[str] = None,
        style: typing.Optional[typing.Any] = None,
        n_clicks: typing.Optional[NumberType] = None,
        status: typing.Optional[Literal["idle", "downloading", "completed", "aborted", "error"]] = None,
        progress: typing.Optional["Progress"] = None,
        error: typing.Optional[str] = None,
        mode: typing.Optional[Literal["memory", "native"]] = None,
        auto_start: typing.Optional[bool] = None,
        max_in_memory: typing.Optional[NumberType] = None,
        cancel_label: typing.Optional[str] = None,
        **kwargs
    ):
        self._prop_names = ['children', 'id', 'auto_start', 'cancel_label', 'className', 'error', 'file_name', 'max_in_memory', 'mode', 'n_clicks', 'progress', 'status', 'style', 'url']
        self._valid_wildcard_attributes =            []
        self.available_properties = ['children', 'id', 'auto_start', 'cancel_label', 'className', 'error', 'file_name', 'max_in_memory', 'mode', 'n_clicks', 'progress', 'status', 'style', 'url']
        self.available_wildcard_properties =            []
        _explicit_args = kwargs.pop('_explicit_args')
        _locals = locals()
        _locals.update(kwargs)  # For wildcard attrs and excess named props
        args = {k: _locals[k] for k in _explicit_args if k != 'children'}

        super(DownloadLink, self).__init__(children=children, **args)

setattr(DownloadLink, "__init__", _explicitize_args(DownloadLink.__init__))

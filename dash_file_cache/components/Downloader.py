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


class Downloader(Component):
    """A Downloader component.
The compatibility API of dash-file-cache 0.2.0: a download started by setting `url`.

Each time a callback sets `url` (a string, or `{url, file_name_fallback}`), the file
is downloaded; then `url` is reset to `""` and `status` reports the outcome as 0.2.0
did (`{type, code, http_code}`, `type` one of "success", "error-connect",
"error-config", "error-io", "error-unknown"). It saves the way `DownloadLink` does
(the service's download worker where the page can use it, else in memory up to 256
MiB, else the browser's own download), not through StreamSaver, so `mitm` is ignored
(with a console warning). It renders nothing visible; new code should use
`DownloadLink`, which shows progress and Cancel.

Keyword arguments:

- id (string; optional):
    The ID used to identify this component in Dash callbacks.

- allow_cross_origin (boolean; default False):
    Allow a `url` of another origin (which must answer with CORS
    headers). Without it such a download ends at once with
    `status.type` \"error-config\".

- headers (dict; optional):
    Extra request headers of the download (e.g. authentication).

- mitm (string; optional):
    Accepted for dash-file-cache 0.2.0 code and ignored (0.2.0 named a
    StreamSaver \"man in the middle\" page here); a console warning
    says so once.

- status (dict; optional):
    The outcome of the last download, set when it ends: `type` (also
    sent as `code`, as 0.2.0 did) and `http_code`. \"success\" also
    for a file handed to the browser's own download (its HTTP status
    is then assumed to be 200).

    `status` is a dict with keys:

    - type (a value equal to: "success", "error-connect", "error-config", "error-io", "error-unknown"; optional)

    - code (a value equal to: "success", "error-connect", "error-config", "error-io", "error-unknown"; optional)

    - http_code (number; optional)

- url (dict; default ""):
    The address to download: setting it starts a download, after which
    it is reset to `\"\"`. A string, or `{url, file_name_fallback}`
    where `file_name_fallback` names the file when the response's
    Content-Disposition gives no name.

    `url` is a string | dict with keys:

    - url (string; required)

    - file_name_fallback (string; optional)"""
    _children_props: typing.List[str] = []
    _base_nodes = ['children']
    _namespace = 'dash_file_cache'
    _type = 'Downloader'
    Url = TypedDict(
        "Url",
            {
            "url": str,
            "file_name_fallback": NotRequired[str]
        }
    )

    Status = TypedDict(
        "Status",
            {
            "type": NotRequired[Literal["success", "error-connect", "error-config", "error-io", "error-unknown"]],
            "code": NotRequired[Literal["success", "error-connect", "error-config", "error-io", "error-unknown"]],
            "http_code": NotRequired[NumberType]
        }
    )


    def __init__(
        self,
        url: typing.Optional[typing.Union[str, "Url"]] = None,
        id: typing.Optional[typing.Union[str, dict]] = None,
        headers: typing.Optional[dict] = None,
        allow_cross_origin: typing.Optional[bool] = None,
        status: typing.Optional["Status"] = None,
        mitm: typing.Optional[str] = None,
        **kwargs
    ):
        self._prop_names = ['id', 'allow_cross_origin', 'headers', 'mitm', 'status', 'url']
        self._valid_wildcard_attributes =            []
        self.available_properties = ['id', 'allow_cross_origin', 'headers', 'mitm', 'status', 'url']
        self.available_wildcard_properties =            []
        _explicit_args = kwargs.pop('_explicit_args')
        _locals = locals()
        _locals.update(kwargs)  # For wildcard attrs and excess named props
        args = {k: _locals[k] for k in _explicit_args}

        super(Downloader, self).__init__(**args)

setattr(Downloader, "__init__", _explicitize_args(Downloader.__init__))

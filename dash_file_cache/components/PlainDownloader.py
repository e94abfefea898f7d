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


class PlainDownloader(Component):
    """A PlainDownloader component.
The compatibility API of dash-file-cache 0.2.0: each time a callback sets `url`, the
browser downloads it by itself (a hidden `<a href download>`), then `url` is reset to
`""`. No request headers, no progress and no status, as in 0.2.0; new code should use
`DownloadLink`.

Keyword arguments:

- id (string; optional):
    The ID used to identify this component in Dash callbacks.

- url (string; default ""):
    The address to download: setting it starts the browser's own
    download, after which it is reset to `\"\"`."""
    _children_props: typing.List[str] = []
    _base_nodes = ['children']
    _namespace = 'dash_file_cache'
    _type = 'PlainDownloader'


    def __init__(
        self,
        url: typing.Optional[str] = None,
        id: typing.Optional[typing.Union[str, dict]] = None,
        **kwargs
    ):
        self._prop_names = ['id', 'url']
        self._valid_wildcard_attributes =            []
        self.available_properties = ['id', 'url']
        self.available_wildcard_properties =            []
        _explicit_args = kwargs.pop('_explicit_args')
        _locals = locals()
        _locals.update(kwargs)  # For wildcard attrs and excess named props
        args = {k: _locals[k] for k in _explicit_args}

        super(PlainDownloader, self).__init__(**args)

setattr(PlainDownloader, "__init__", _explicitize_args(PlainDownloader.__init__))

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


class CachedImage(Component):
    """A CachedImage component.
An image loaded with progress: a progress bar while it loads, then the picture.

For an item of a service on the page's own origin (and `credentials` not "omit"),
a HEAD asks whether its answer may be reused (it may, unless it is a one-time item);
then the picture loads as fast as a plain `<img>`, decoding as the bytes arrive.
When it is still loading after 250 ms, a fetch that the browser's HTTP cache joins
to that same transfer counts its bytes for the progress (nothing is downloaded
twice; a quicker load reports no values in between). Anything else (another origin,
a one-time item, an answer that cannot be reused) is fetched with progress, kept as
a Blob and shown through an object URL. When `src` changes, the previous image stays
on screen until the new one has loaded (no flicker), and a load still running for an
older `src` is aborted. Every object URL the component makes is revoked when its
image is replaced and when the component unmounts.

`id`, `className` and `style` apply to the wrapping inline-block element; `alt`,
`width` and `height` to the `<img>` itself, which never grows wider than the
wrapper. While the first image loads, a placeholder of `width` x `height` (when
given in pixels) holds the progress bar; later loads show it over the current image.
The look comes from zero-specificity rules on the class names `dfc-cached-image`,
`dfc-cached-image__img`, `dfc-cached-image__placeholder` and `dfc-progress*`, so
any CSS of the app overrides it.

Callbacks can read `status`, `progress` and `error`: they change once per state
change, and `progress` at most every 100 ms while loading.

When an address fails (a 404, a network error, data that is not an image), the
component shows why in place of the image: "<alt> could not be loaded: <error>", in
an element of class `dfc-cached-image__error` (`role="alert"`), until the next `src`.

Keyword arguments:

- id (string; optional):
    The ID used to identify this component in Dash callbacks.

- alt (string; default ""):
    Alternative text of the image.

- className (string; optional):
    CSS class(es) of the wrapping element.

- credentials (a value equal to: "omit", "same-origin", "include"; default "same-origin"):
    Whether the request carries the browser's cookies and HTTP
    authentication, as `fetch()`'s `credentials` option:
    \"same-origin\" (default) only to the page's own origin;
    \"include\" to a cross-origin service too (its `serve()` must name
    this page's origin and set `allow_credentials=True`), e.g. for
    items bound to their owner; \"omit\" never.

- error (string; optional):
    (Read-only, set by the component.) Why the last load failed: the
    `error` text of the service's JSON answer (e.g. for a 404), else
    the HTTP status text or network error; None when the last load
    succeeded.

- height (number | string; optional):
    The `height` attribute of the `<img>` (CSS pixels).

- progress (dict; optional):
    (Read-only, set by the component.) Bytes received so far,
    `{\"loaded\": int, \"total\": int or None}`; `total` is None while
    the size is unknown (no `Content-Length`). Updated at most every
    100 ms while loading (for an item of the page's own service, once
    the load has taken 250 ms: a quicker one goes from 0 to its end),
    and once more when loaded (then `total` is the final size) or
    failed (where it stopped).

    `progress` is a dict with keys:

    - loaded (number; optional)

    - total (number; optional)

- show_progress (boolean; default True):
    Whether to show a progress bar (`role=\"progressbar\"`) while
    loading.

- src (string; optional):
    The address of the image, typically the value returned by
    `ServiceData.register(...)`. Changing it loads the new image (the
    old one stays visible until then); an empty value clears the
    image.

- status (a value equal to: "idle", "loading", "loaded", "error"; default "idle"):
    (Read-only, set by the component.) \"idle\" without `src`,
    \"loading\" while the bytes arrive, \"loaded\" once the image is
    shown, \"error\" when the fetch failed (see `error`). Callbacks
    get None until the first change unless the layout sets it.

- width (number | string; optional):
    The `width` attribute of the `<img>` (CSS pixels)."""
    _children_props: typing.List[str] = []
    _base_nodes = ['children']
    _namespace = 'dash_file_cache'
    _type = 'CachedImage'
    Progress = TypedDict(
        "Progress",
            {
            "loaded": NotRequired[NumberType],
            "total": NotRequired[NumberType]
        }
    )


    def __init__(
        self,
        id: typing.Optional[typing.Union[str, dict]] = None,
        src: typing.Optional[str] = None,
        alt: typing.Optional[str] = None,
        className: typing.Optional[str] = None,
        style: typing.Optional[typing.Any] = None,
        width: typing.Optional[typing.Union[NumberType, str]] = None,
        height: typing.Optional[typing.Union[NumberType, str]] = None,
        status: typing.Optional[Literal["idle", "loading", "loaded", "error"]] = None,
        progress: typing.Optional["Progress"] = None,
        error: typing.Optional[str] = None,
        show_progress: typing.Optional[bool] = None,
        credentials: typing.Optional[Literal["omit", "same-origin", "include"]] = None,
        **kwargs
    ):
        self._prop_names = ['id', 'alt', 'className', 'credentials', 'error', 'height', 'progress', 'show_progress', 'src', 'status', 'style', 'width']
        self._valid_wildcard_attributes =            []
        self.available_properties = ['id', 'alt', 'className', 'credentials', 'error', 'height', 'progress', 'show_progress', 'src', 'status', 'style', 'width']
        self.available_wildcard_properties =            []
        _explicit_args = kwargs.pop('_explicit_args')
        _locals = locals()
        _locals.update(kwargs)  # For wildcard attrs and excess named props
        args = {k: _locals[k] for k in _explicit_args}

        super(CachedImage, self).__init__(**args)

setattr(CachedImage, "__init__", _explicitize_args(CachedImage.__init__))

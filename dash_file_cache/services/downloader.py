"""``ServiceDownloader``: kept so that apps written for dash-file-cache 0.2.0 run unchanged.

In 0.2.0 it served the StreamSaver.js page and worker that its ``Downloader`` needed
(``Downloader(mitm=...)``). Downloads now stream through the download worker each
:class:`~dash_file_cache.ServiceData` serves itself, so this service has nothing left
to serve: :meth:`ServiceDownloader.serve` checks its arguments and warns once.
"""

from __future__ import annotations

import warnings

import dash
import flask

__all__ = ("ServiceDownloader",)

_warned = False


class ServiceDownloader:
    """The 0.2.0 service of the downloader's helper pages; now a no-op (see the module).

    :param service_name: the URL path 0.2.0 served its pages under.
    :param allowed_cross_origin: accepted as in 0.2.0; unused.
    :raises TypeError: if an argument has the wrong type.
    """

    def __init__(
        self, service_name: str = "/dfc-downloader", allowed_cross_origin: str | None = None
    ) -> None:
        if not isinstance(service_name, str):
            raise TypeError(f"service_name must be a str, not {type(service_name).__name__}")
        if allowed_cross_origin is not None and not isinstance(allowed_cross_origin, str):
            raise TypeError(
                "allowed_cross_origin must be a str or None, "
                f"not {type(allowed_cross_origin).__name__}"
            )
        self._service_name = service_name.strip()
        self._allowed_cross_origin = (allowed_cross_origin or "").strip()

    @property
    def allowed_cross_origin(self) -> str:
        """The origin given at construction (``""``: none); unused."""
        return self._allowed_cross_origin

    def serve(self, app: dash.Dash | flask.Flask, endpoint: str | None = None) -> None:
        """Accept the app as 0.2.0 did; nothing is served. Warns once per process
        (:class:`FutureWarning`) that the call can be removed.

        :raises TypeError: if ``app`` is neither a ``dash.Dash`` nor a ``flask.Flask``.
        """
        global _warned
        if not isinstance(app, (dash.Dash, flask.Flask)):
            raise TypeError(f"app must be a dash.Dash or flask.Flask, not {type(app).__name__}")
        if not _warned:
            _warned = True
            warnings.warn(
                "ServiceDownloader serves nothing any more: Downloader and DownloadLink "
                "stream through the download worker of ServiceData; remove "
                "ServiceDownloader(...).serve(app) and Downloader's mitm",
                FutureWarning,
                stacklevel=2,
            )

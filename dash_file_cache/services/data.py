"""The data service: register files, stream them back over HTTP (:class:`ServiceData`)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

import dash
import flask

from ..caches.abstract import CacheAbstract, check_positive, check_ttl
from ..caches.memory import CacheQueue
from ..caches.typehints import CachedData, CachedFileInfo
from .address import Binding, current_app
from .context import in_request
from .cors import parse_cors
from .generated import ProducerTable, is_generated, make_generated
from .mount import mount
from .offload import DEFAULT_LOCATION, parse_offload
from .ownership import OwnerResolver, owner_of_registration
from .register import Source, check_arguments, make_item, make_remote_item, parse_remote_hosts
from .respond import respond
from .setup_checks import check_shared_by_workers
from .shared_generated import is_shared, pack_source
from .wire import RequestView
from .wsgi import current_view, to_flask_response

__all__ = ("ServiceData",)

_SERVICE_NAME = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@/-]*")


class ServiceData:
    """Service provider for streaming data.

    It keeps temporary items in a cache and serves each at an address of its own, to be
    shown in the page or downloaded.

    :param cache: the cache hosting the items: a ``CachePlain``, ``CacheQueue`` or
        ``CacheFile`` (any :class:`~dash_file_cache.caches.abstract.CacheAbstract`).
    :param service_name: the URL path the service is mounted at.
    :param chunk_size: the chunk size, in MB, when streaming an item to users (``>= 1``).
    :param resolve_owner: keyword-only; a function of no arguments naming who makes the
        current request (see :mod:`dash_file_cache.owners`: ``basic_auth``,
        ``flask_login``, ``browser_session``). Items registered in a request are bound to
        its owner and served only to requests resolving to the same owner; anyone else
        gets the 404 of an unknown uid. ``None`` (default): addresses are bearer links.
    :param remote_hosts: keyword-only; the hosts :meth:`register_request` may fetch from,
        as ``"files.example.com"`` (any port) or ``"files.example.com:8443"``, also
        enforced on redirects. ``None`` (default): any host.
    :raises TypeError: if ``cache`` is not a cache, or an argument has the wrong type.
    :raises ValueError: if ``service_name`` is not a URL path, ``chunk_size < 1`` or an
        entry of ``remote_hosts`` is not a host.
    """

    def __init__(
        self,
        cache: CacheAbstract[CachedFileInfo, CachedData],
        service_name: str = "/cached-data",
        chunk_size: int = 1,
        *,
        resolve_owner: OwnerResolver | None = None,
        remote_hosts: Iterable[str] | None = None,
        allowed_cross_origin: str | Iterable[str] | None = None,
    ) -> None:
        if isinstance(cache, type) and issubclass(cache, CacheAbstract):
            raise TypeError(
                f"cache must be a cache instance, not the class {cache.__name__}: "
                f"create one, e.g. ServiceData({cache.__name__}(...))"
            )
        if not isinstance(cache, CacheAbstract):
            raise TypeError(
                "cache must be a CachePlain, CacheQueue, CacheFile or another CacheAbstract, "
                f"not {type(cache).__name__}"
            )
        if not isinstance(service_name, str):
            raise TypeError(f"service_name must be a str, not {type(service_name).__name__}")
        if not _SERVICE_NAME.fullmatch(service_name):
            raise ValueError(
                "service_name must be a URL path starting with '/' without query or fragment, "
                f"got {service_name!r}"
            )
        self._cache = cache
        self._service_name = service_name
        self._chunk_size = 1
        self.chunk_size = chunk_size
        self._bindings: list[Binding] = []
        #: The address of a service unpickled away from its apps (see ``__getstate__``).
        self._fixed_address: str | None = None
        if resolve_owner is not None and not callable(resolve_owner):
            raise TypeError("resolve_owner must be a function of no arguments, or None")
        self._resolve_owner = resolve_owner
        self._remote_hosts = parse_remote_hosts(remote_hosts)
        if allowed_cross_origin is not None and not isinstance(allowed_cross_origin, str):
            if isinstance(allowed_cross_origin, Iterable):  # a generator is read once
                allowed_cross_origin = tuple(allowed_cross_origin)
        parse_cors(allowed_cross_origin, False)  # checked now, used by serve()
        self._allowed_cross_origin = allowed_cross_origin
        #: Addresses handed out before the first serve() (see serve()).
        self._unbound_addresses = 0
        #: The sources of generated items registered in this process (made on first use).
        self._producers: ProducerTable | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (``pickle``, ``dill``: background callbacks under ``spawn``, Celery
        tasks): the cache, the settings and the address items get, not the apps the
        service is bound to. Unpickled, it registers into the same cache (shared caches
        are shared with the original) and hands out the same addresses; it serves
        nothing until :meth:`serve` is called on it."""
        state = dict(self.__dict__)
        state["_bindings"] = []
        state["_fixed_address"] = self._address()
        state["_producers"] = None  # sources run in the process that registered them
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def cache(self) -> CacheAbstract[CachedFileInfo, CachedData]:
        """The cache of this service."""
        return self._cache

    @property
    def service_name(self) -> str:
        """The URL path this service is mounted at."""
        return self._service_name

    @property
    def resolve_owner(self) -> OwnerResolver | None:
        """The function naming who makes a request (``None``: addresses are bearer links)."""
        return self._resolve_owner

    @property
    def allowed_cross_origin(self) -> str:
        """The origins given to the constructor's ``allowed_cross_origin``, as 0.2.0 read
        them: ``"*"``, the origins joined by ``", "``, or ``""`` for none (``serve()``'s
        own ``allowed_cross_origin`` takes precedence where it is given)."""
        value = self._allowed_cross_origin
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        return ", ".join(value)

    @property
    def chunk_size(self) -> int:
        """The chunk size when streaming the cached file to users. The unit is MB."""
        return self._chunk_size

    @chunk_size.setter
    def chunk_size(self, value: int) -> None:
        self._chunk_size = check_positive("chunk_size", value)

    # -- registering -----------------------------------------------------------------

    def register(
        self,
        fobj: Source,
        file_name: str = "",
        content_type: str = "",
        mime_type: str = "image/jpeg",
        one_time_service: bool = False,
        download: bool = False,
        *,
        owner: str | None = None,
        ttl: float | None = None,
        trusted: bool = False,
        size: int | None = None,
    ) -> str:
        """Register a new file (a path or a file-like object) to the cache, or content
        the app makes while it is sent.

        A ``StringIO`` is encoded with the charset that ``content_type`` states, else
        UTF-8 (stated in ``Content-Type`` for textual types). A ``BytesIO`` is registered
        whole, whatever its position. A path is served from disk as it is when fetched.

        Generated content (see :mod:`dash_file_cache.services.generated`): an iterable or
        generator of ``bytes``/``str`` chunks, an async iterable of them, or a callable
        returning one of these (or ``bytes``/``str``), run only when the browser first
        asks. Its first reader streams while the bytes are kept, so later requests,
        ranges and resumes are served from the stored copy; ``str`` chunks are encoded
        in ``content_type``'s charset, else UTF-8. On a cache of this process
        (``CachePlain``, ``CacheFile()``) any of these forms; on a cache shared by
        workers or hosts (``CacheFile(directory)``, ``CacheRedis``) a source that pickles
        (a module-level function, or ``functools.partial`` of one), run once by whichever
        process gets the first request (:mod:`dash_file_cache.services.shared_generated`).

        :param fobj: the path, a ``StringIO``/``BytesIO`` holding the file, or generated
            content (above).
        :param file_name: the name when downloaded; empty: the path's base name, or a
            generated name with an extension guessed from ``mime_type``.
        :param content_type: the ``Content-Type`` of the response (may carry a charset);
            empty: ``mime_type``.
        :param mime_type: the MIME type of the file.
        :param one_time_service: remove the item once it has been served (its body sent)
            once; recommended for one-time downloads.
        :param download: serve the item as an attachment (``Content-Disposition:
            attachment``) whatever the address's query says; the returned address also
            carries ``&download=true``. ``False``: inline, unless the query asks for a
            download.
        :param owner: keyword-only; bind the item to this owner (the string the
            service's ``resolve_owner`` returns for that user), for code that runs
            outside a request, such as background callbacks. ``None``: the owner of the
            current request, if the service resolves owners.
        :param ttl: keyword-only; seconds the item lives, when shorter than the cache's
            own ``ttl`` (``None``: the cache's).
        :param size: keyword-only; generated content only: its length in bytes, when the
            app knows it (sent as ``Content-Length`` from the first byte; a source that
            makes another number of bytes fails the item). ``None``: sent chunked until
            complete.
        :param trusted: keyword-only; ``True`` serves the item without the sandbox
            policy every item gets (``Content-Security-Policy``, see
            :mod:`dash_file_cache.services.policy`), so an HTML page or SVG the app made
            itself runs its scripts, with the app's privileges, when opened. Never for
            content a user supplied. Items still cannot become service workers.
        :returns: the URL (``{prefix}{service_name}?uid=…``, the prefix being the app's
            public path prefix, see :meth:`serve`) for fetching the item.
        :raises TypeError: if an argument has the wrong type.
        :raises ValueError: if a media type is malformed, a ``StringIO`` cannot be encoded
            in its charset, a path is not a regular file, the item exceeds the cache's
            ``max_bytes``, or generated content does not pickle for a shared cache (or
            the cache is a ``CacheQueue``).
        :raises FileNotFoundError: if the path does not exist.
        :raises RuntimeError: if the service resolves owners and this runs outside a
            request without ``owner=``.
        """
        check_arguments(
            file_name,
            content_type,
            mime_type,
            one_time_service=one_time_service,
            download=download,
            trusted=trusted,
        )
        uid = secrets.token_hex(16)
        lifetime = check_ttl(ttl)
        owned_by = owner_of_registration(owner, self._resolve_owner)
        created = self._cache.clock()
        if is_generated(fobj) and is_shared(self._cache):
            info, _ = make_generated(
                uid, fobj, file_name, content_type, mime_type, one_time_service, created, size
            )
            if size is not None:
                info["stated_size"] = size
            packed = pack_source(fobj, type(self._cache).__name__)
            return self._store(uid, info, packed, owned_by, lifetime, download, trusted)
        if is_generated(fobj):
            producers = self._generated_table()
            info, producer = make_generated(
                uid, fobj, file_name, content_type, mime_type, one_time_service, created, size
            )
            producer.folder, producer.limit = producers.folder, self._cache.max_bytes
            address = self._store(uid, info, b"", owned_by, lifetime, download, trusted)
            producers.add(uid, producer)
            producers.sweep(self._cache.is_in)  # items evicted meanwhile lose their spool
            return address
        if size is not None:
            raise TypeError("size= is for generated content (an iterable or a callable) only")
        info, data = make_item(
            uid, fobj, file_name, content_type, mime_type, one_time_service, created
        )
        return self._store(uid, info, data, owned_by, lifetime, download, trusted)

    def _generated_table(self) -> ProducerTable:
        """This process's producers; refuses a ``CacheQueue`` (its items are served by
        the main process, which cannot run a background process's source).

        :raises ValueError: for a ``CacheQueue`` (or another cache of other processes).
        """
        if not self._cache.process_private or isinstance(self._cache, CacheQueue):
            raise ValueError(
                "generated content (an iterable, async iterable or callable) needs a cache "
                "that can run it where it is served: CachePlain or CacheFile() in the "
                "serving process, or CacheFile(directory) / CacheRedis, which run a "
                "callable that pickles in whichever process is asked; "
                f"{type(self._cache).__name__} cannot. Register a path or bytes there instead"
            )
        if self._producers is None:
            self._producers = ProducerTable()
        return self._producers

    def register_request(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        file_name_fallback: str = "",
        download: bool = True,
        *,
        one_time_service: bool = False,
        owner: str | None = None,
        ttl: float | None = None,
        timeout: float = 30.0,
    ) -> str:
        """Register a remote HTTP(S) file, requested from ``url`` when a browser asks.

        Nothing is fetched now: each request for the item requests ``url`` (with
        ``headers`` and the browser's ``Range``) and streams the answer through, never
        held whole. A remote 404 answers 404; other remote errors, an unreachable host
        and a timeout answer a JSON 502 or 504 (see :mod:`.remote`).

        It is a request made by the server: never pass a URL a user chose, or users can
        make the server fetch its internal addresses (SSRF). Pin the hosts it may reach
        with ``ServiceData(remote_hosts=...)``.

        :param url: an ``http://`` or ``https://`` URL with a host, ASCII, no credentials.
        :param headers: request headers (e.g. ``Authorization``), sent to the URL's origin
            only, not to another one it redirects to.
        :param file_name_fallback: the download name when the remote's
            ``Content-Disposition`` and the URL's last path segment give none.
        :param download: serve as an attachment; the address carries ``&download=true``.
        :param one_time_service: keyword-only; remove the item once a GET has sent its
            body (not on HEAD or a failed fetch); such items are always sent whole.
        :param owner: keyword-only; bind the item to this owner (see :meth:`register`).
        :param ttl: keyword-only; seconds the item lives (see :meth:`register`).
        :param timeout: keyword-only; seconds to wait for the remote to connect, answer
            or send more bytes.
        :returns: the URL of the item, as :meth:`register` returns it.
        :raises TypeError: if an argument has the wrong type.
        :raises ValueError: if ``url`` is not an http(s) URL with a host or its host is
            not in ``remote_hosts``, a header is malformed or reserved (``Host``,
            ``Range``…), or ``timeout`` is not a positive number.
        :raises RuntimeError: as :meth:`register`, on a service with ``resolve_owner``.
        """
        uid, hosts, created = secrets.token_hex(16), self._remote_hosts, self._cache.clock()
        flags = {"one_time_service": one_time_service, "download": download}
        info, data = make_remote_item(
            uid, url, headers, file_name_fallback, timeout, hosts, created, **flags
        )
        lifetime = check_ttl(ttl)
        owned_by = owner_of_registration(owner, self._resolve_owner)
        return self._store(uid, info, data, owned_by, lifetime, download, False)

    def _store(
        self,
        uid: str,
        info: CachedFileInfo,
        data: CachedData,
        owned_by: str | None,
        lifetime: float | None,
        download: bool,
        trusted: bool,
    ) -> str:
        """Add the flags to a new item, store it, and return its address."""
        if owned_by is not None:
            info["owner"] = owned_by
        if download:
            info["download"] = True
        if trusted:
            info["trusted"] = True
        if lifetime is not None:
            info["expires"] = info["created"] + lifetime
        check_shared_by_workers(
            self._cache, asgi=any(not isinstance(b.server, flask.Flask) for b in self._bindings)
        )
        self._cache.dump(uid, info, data)
        if not self._bindings and self._fixed_address is None:
            self._unbound_addresses += 1
        address = f"{self._address()}?uid={uid}"
        return f"{address}&download=true" if download else address

    def current_owner(self) -> str | None:
        """The owner of the current request, as ``resolve_owner`` names it.

        Read it where a request exists (a layout function, a normal callback) and pass
        it to ``register(..., owner=...)`` where none does (a background callback).
        Forging it gains nothing: an item registered for someone else is served only
        to them.

        :returns: ``None`` outside a request, without a resolver, or for nobody.
        """
        if self._resolve_owner is None or not in_request():
            return None
        return self._resolve_owner()

    # -- serving -----------------------------------------------------------------------

    def stream(self, uid: str, download: bool = False) -> flask.Response:
        """Wrap a cached data item in a streaming response.

        Users do not need to call this: the service calls it for each request. Inside a
        request it answers ``Range``, ``If-None-Match`` and ``HEAD`` as the HTTP contract
        says; a one-time item is claimed (removed) only by a response that sends its body.

        :param uid: the uid of the item.
        :param download: serve the data as an attachment to be saved.
        :returns: the response.
        :raises FileNotFoundError: if no live item has this uid (or its file is gone).
        """
        view = current_view() if flask.has_request_context() else RequestView("GET")
        answer = respond(
            self._cache, uid, download, self._chunk_size, None, self._resolve_owner, view
        )
        return to_flask_response(answer)

    def serve(
        self,
        app: dash.Dash | flask.Flask | Any,
        endpoint: str | None = None,
        *,
        allowed_cross_origin: str | Iterable[str] | None = None,
        allow_credentials: bool = False,
        public_prefix: str | None = None,
        offload: str | None = None,
        offload_location: str = DEFAULT_LOCATION,
    ) -> None:
        """Add the service to an app: a Dash app on any backend (Flask, and since Dash 4.2
        ``backend="fastapi"`` or ``"quart"``), or a bare Flask, FastAPI/Starlette or Quart
        app. On the ASGI ones the answers are the same (one HTTP core,
        :mod:`dash_file_cache.services.answer`), and bodies are sent without blocking the
        event loop (each chunk read in a thread; see :mod:`dash_file_cache.services.asgi`).
        Owners work on every backend (see :mod:`dash_file_cache.owners` for which
        resolvers read what).

        Behind a path prefix, addresses work with no setting in the common cases:

        - Dash: the route is ``routes_pathname_prefix`` + ``service_name`` and addresses
          start with ``requests_pathname_prefix`` (so ``url_base_pathname``, proxies that
          strip the prefix and Dash Pages all work, in a request or at start-up);
        - Flask: addresses start with the request's ``SCRIPT_NAME`` (e.g. Werkzeug's
          ``ProxyFix`` with ``X-Forwarded-Prefix``), outside a request with the app's
          ``APPLICATION_ROOT``.

        Call it before registering items outside a request. Bound to several apps, a
        registration inside a request uses the current app's binding, else the last one.

        The route is answered before Flask's routing, with the same answers, while the
        app has no request hook, signal receiver or earlier ``wsgi_app`` middleware that
        would see it (then through Flask; see :mod:`dash_file_cache.services.direct`).

        :param app: the application where the service will be bound.
        :param endpoint: the endpoint name; ``None`` derives one from ``service_name``.
        :param allowed_cross_origin: keyword-only; origins (``"https://host:port"``) whose
            pages may fetch the items with ``fetch()``/XHR, as used by ``CachedImage`` and
            ``DownloadLink``; ``"*"`` allows any origin; ``None`` (default) sends no CORS
            headers, so only same-origin pages can read the responses.
        :param allow_credentials: keyword-only; ``True`` lets the pages of the origins
            named in ``allowed_cross_origin`` send the browser's cookies and HTTP
            authentication (``Access-Control-Allow-Credentials: true``), as components
            with ``credentials="include"`` do, e.g. to fetch items bound to their owner
            from another origin. Only with explicit origins, never ``"*"``.
        :param public_prefix: keyword-only; the path prefix under which browsers reach
            the app (``"/app/"``), for setups the defaults above cannot see.
        :param offload: keyword-only; ``"x-accel-redirect"`` hands the transfer of
            file-backed items (registered paths, ``CacheFile`` items) to nginx after every
            check is done, so a download never holds an app worker; ``None`` (default):
            Python streams every item. ``"x-sendfile"``: the same for Apache's
            ``mod_xsendfile``, except one-time items, which Python streams (Apache would
            answer ``Range`` on them). See ``docs/deploy.md`` for both configurations.
        :param offload_location: keyword-only; the prefix of nginx's ``internal``
            locations: files go to ``{offload_location}ranged/<path>`` and, for one-time
            items, ``{offload_location}whole/<path>`` (no ranges).
        :raises TypeError: if ``app`` is none of the apps above (the message names them),
            or an argument has the wrong type.
        :raises ValueError: if the endpoint or the path is already bound on that app, an
            origin is malformed, ``allow_credentials`` is set without explicit origins, or the
            service's address would not reach it (a ``service_name``
            holding a Dash requests prefix that differs from the routes prefix, or naming
            one of Dash's own routes).
        """
        if allowed_cross_origin is None:
            allowed_cross_origin = self._allowed_cross_origin
        cors = parse_cors(allowed_cross_origin, allow_credentials)
        handover = parse_offload(offload, offload_location)
        binding = mount(self, app, endpoint, cors, handover, public_prefix)
        if self._unbound_addresses and binding.address() != self._service_name:
            raise RuntimeError(
                f"register() ran {self._unbound_addresses} time(s) before serve(): those "
                f"addresses start {self._service_name!r}, but this app's items are at "
                f"{binding.address()!r}, so browsers would not reach them. Call "
                "service.serve(app) before registering items"
            )
        self._bindings.append(binding)

    def _address(self) -> str:
        """The path browsers request for this service now (see :meth:`serve`)."""
        if not self._bindings:
            return self._fixed_address or self._service_name
        if flask.has_app_context():
            for binding in reversed(self._bindings):
                if binding.server is current_app():
                    return binding.address()
        return self._bindings[-1].address()

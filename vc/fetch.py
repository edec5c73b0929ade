"""Fetching remote documents safely (SSRF-hardened HTTPS); the only core module that opens sockets.

Nothing else in the core imports this module: functions that need a remote document take a
``Fetcher``. The shells choose ``SafeHttpFetcher`` (network) or ``StaticFetcher`` (in memory).

What ``SafeHttpFetcher`` guarantees, per hop (the first URL and every redirect target):

* https only; plain http only to a loopback address and only with ``allow_http_loopback``
  (the development mode); no other scheme; no credentials in the URL;
* the host is resolved once, here, and *every* address it resolves to must be public: private,
  loopback (unless ``allow_loopback``), link-local (169.254/16 is the cloud metadata service),
  multicast, reserved, unspecified, carrier-grade NAT (100.64/10), and the IPv4-mapped, 6to4 and
  NAT64 forms of these are refused before any connection is made;
* the connection goes to the vetted address itself (pinned: a DNS answer that changes between
  the check and the connection cannot move it), while the Host header, SNI and certificate
  verification use the host name;
* redirects are followed by hand, at most ``max_redirects``; the body is read in chunks up to
  ``max_bytes``; one deadline of ``timeout`` seconds covers the whole fetch, enforced by a
  watchdog that shuts the socket down, so a server that trickles bytes cannot stretch it.

Errors: ``UnsafeUrlError`` for a refused URL or address, ``FetchError`` for everything else;
no socket, ssl or http.client exception escapes.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Final, Protocol
from urllib.parse import urljoin, urlsplit

from vc.dates import Clock, utcnow
from vc.errors import FetchError, UnsafeUrlError

DEFAULT_ACCEPT: Final = (
    "application/vc+ld+json, application/vc, application/ld+json;q=0.9, application/json;q=0.8"
)
USER_AGENT: Final = "Diplomat/0.1"
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS: Final = {"https": 443, "http": 80}
_CHUNK: Final = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the IP addresses it resolves to, as strings.
Resolver = Callable[[str, int], Sequence[str]]
# (ip, port, timeout) -> a connected TCP socket.
Connector = Callable[[str, int, float], socket.socket]

_CGNAT: Final = ipaddress.IPv4Network("100.64.0.0/10")  # RFC 6598 shared address space
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL: Final = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215 local-use


@dataclass(frozen=True)
class FetchResult:
    """What a fetch returned. ``content_type`` is the media type alone, lower-cased (no
    parameters; "" when absent); ``headers`` has lower-case names, repeated headers joined."""

    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(hash=False)
    fetched_at: datetime
    etag: str | None


class Fetcher(Protocol):
    """Anything that turns a URL into a FetchResult, raising FetchError (or UnsafeUrlError)."""

    def __call__(self, url: str, *, accept: str = ...) -> FetchResult: ...


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def _check_header_value(value: object, name: str) -> str:
    if not isinstance(value, str) or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise FetchError(f"{name} must be a string without control characters")
    return value


def address_refusal(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why ``ip`` must not be contacted, or None when it may be."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = address_refusal(embedded, allow_loopback=allow_loopback)
            return None if inner is None else f"{inner} (embedded in IPv6 {ip})"
        if ip in _NAT64_LOCAL:
            return "local-use NAT64 address"
        if ip.is_site_local:
            return "site-local address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_loopback:
        return None if allow_loopback else "loopback address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "carrier-grade NAT address"
    if ip.is_private:
        return "private address"
    if ip.is_reserved:
        return "reserved address"
    if not ip.is_global:
        return "address that is not globally routable"
    return None


def _is_loopback(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def _system_connector(ip: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((ip, port), timeout=timeout)


@dataclass(frozen=True)
class VettedUrl:
    """A URL that passed vetting: the addresses to connect to and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    request_path: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == _DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"


class _Watchdog:
    """Shuts the tracked socket down when the deadline passes, so blocked reads end at once."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _shutdown(self) -> None:
        if self._sock is not None:
            # socket.socket.shutdown, not SSLSocket.shutdown: cut the TCP connection under TLS
            # without touching the TLS object another thread is blocked in.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._shutdown()

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                self._shutdown()

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sock = None
        self._timer.join()


@dataclass(frozen=True)
class _Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    locations: tuple[str, ...] = ()


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, default ports made explicit; unparsable: a value no real
    origin has (the next hop's vetting refuses it with the reason)."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return "", url, None


class SafeHttpFetcher:
    """A Fetcher over the network that refuses to be pointed at anything but public HTTPS.

    Redirects are followed only within the same origin (scheme, host, port) unless
    ``cross_host_redirects`` is set: what a DID document or status list says is trusted because
    of where it was published.

    ``resolver`` and ``connector`` default to the system's getaddrinfo and TCP connect; tests
    inject them (the resolver is called exactly once per hop and the connector only ever sees
    vetted addresses). ``ssl_context`` must verify certificates and host names.
    """

    remote = True  # each fetch waits on the network: callers may ask for several at once

    def __init__(
        self,
        *,
        max_bytes: int = 256 * 1024,
        timeout: float = 5.0,
        allow_loopback: bool = False,
        allow_http_loopback: bool = False,
        max_redirects: int = 3,
        cross_host_redirects: bool = False,
        clock: Clock = utcnow,
        ssl_context: ssl.SSLContext | None = None,
        resolver: Resolver | None = None,
        connector: Connector | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError("max_bytes must be a positive integer")
        if not timeout > 0:
            raise ValueError("timeout must be positive")
        if isinstance(max_redirects, bool) or not isinstance(max_redirects, int):
            raise ValueError("max_redirects must be an integer")
        if max_redirects < 0:
            raise ValueError("max_redirects must not be negative")
        if ssl_context is not None and (
            not ssl_context.check_hostname or ssl_context.verify_mode != ssl.CERT_REQUIRED
        ):
            raise ValueError("ssl_context must verify certificates and host names")
        self._max_bytes = max_bytes
        self._timeout = float(timeout)
        self._allow_loopback = allow_loopback
        self._allow_http_loopback = allow_http_loopback
        self._max_redirects = max_redirects
        self._cross_host_redirects = cross_host_redirects
        self._clock = clock
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._resolver: Resolver = resolver or _system_resolver
        self._connector: Connector = connector or _system_connector
        self._user_agent = _check_header_value(user_agent, "user_agent")

    def __call__(self, url: str, *, accept: str = DEFAULT_ACCEPT) -> FetchResult:
        return self.fetch(url, accept=accept)

    def fetch(
        self, url: str, *, accept: str = DEFAULT_ACCEPT, if_none_match: str | None = None
    ) -> FetchResult:
        """GET ``url``, following redirects. With ``if_none_match`` (an ETag) a 304 Not Modified
        comes back as a FetchResult with status 304 and an empty body.

        Raises UnsafeUrlError for a refused URL or address (first or any redirect, and a redirect
        to another origin unless ``cross_host_redirects``), FetchError
        for a non-2xx status, too large a body, too many redirects, a timeout or a network/TLS
        failure.
        """
        deadline = time.monotonic() + self._timeout
        headers = {
            "Accept": _check_header_value(accept, "accept"),
            "Accept-Encoding": "identity",
            "User-Agent": self._user_agent,
            "Connection": "close",
        }
        if if_none_match is not None:
            headers["If-None-Match"] = _check_header_value(if_none_match, "if_none_match")
        current = url
        for _hop in range(self._max_redirects + 1):
            target = self.vet(current)
            response = self._exchange(target, headers, deadline, conditional=bool(if_none_match))
            if response.status in REDIRECT_STATUSES:
                if len(response.locations) != 1 or not response.locations[0]:
                    raise FetchError(
                        f"{target.url}: HTTP {response.status} without exactly one Location"
                    )
                current = urljoin(target.url, response.locations[0].strip())
                if not self._cross_host_redirects and _origin(current) != _origin(target.url):
                    # A DID document or a status list is the issuer's word only when it comes
                    # from the issuer's own origin: a redirect elsewhere hands that word to
                    # whoever runs the other host.
                    raise UnsafeUrlError(
                        f"{target.url}: redirect to another origin refused ({current[:200]})"
                    )
                continue
            return FetchResult(
                url=url,
                final_url=target.url,
                status=response.status,
                content_type=_media_type(response.headers.get("content-type")),
                body=response.body,
                headers=response.headers,
                fetched_at=self._clock(),
                etag=response.headers.get("etag"),
            )
        raise FetchError(f"{url}: more than {self._max_redirects} redirects")

    # -- vetting -----------------------------------------------------------------------------

    def vet(self, url: object) -> VettedUrl:
        """Check ``url`` and resolve its host; raises UnsafeUrlError when it must not be fetched
        (FetchError when the host does not resolve). Makes no connection."""
        if not isinstance(url, str):
            raise UnsafeUrlError(f"URL must be a string, not {type(url).__name__}")
        if not url.isascii() or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
            raise UnsafeUrlError("URL must be ASCII without spaces or control characters")
        try:
            parts = urlsplit(url)
            explicit_port = parts.port
        except ValueError as exc:
            raise UnsafeUrlError(f"URL {url!r} cannot be parsed: {exc}") from exc
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise UnsafeUrlError(f"URL scheme {scheme or '(none)'!r} refused: only https")
        if scheme == "http" and not self._allow_http_loopback:
            raise UnsafeUrlError(f"plain http refused: {url!r}; only https")
        if "@" in parts.netloc or parts.username is not None or parts.password is not None:
            raise UnsafeUrlError("URL with credentials (user:password@) refused")
        host = parts.hostname
        if not host:
            raise UnsafeUrlError(f"URL {url!r} has no host")
        port = explicit_port if explicit_port is not None else _DEFAULT_PORTS[scheme]
        if port == 0:
            raise UnsafeUrlError("port 0 refused")

        addresses = self._resolve(host, port)
        parsed: list[IPAddress] = []
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError as exc:
                raise UnsafeUrlError(f"{host} resolved to a non-address {address!r}") from exc
            reason = address_refusal(ip, allow_loopback=self._allow_loopback)
            if reason is not None:
                raise UnsafeUrlError(f"{host} refused: {address} is a {reason}")
            parsed.append(ip)
        if scheme == "http" and not all(_is_loopback(ip) for ip in parsed):
            raise UnsafeUrlError(f"plain http refused for {host}: only https, or http to loopback")
        request_path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return VettedUrl(
            url=parts._replace(fragment="").geturl(),
            scheme=scheme,
            host=host,
            port=port,
            request_path=request_path,
            addresses=tuple(str(ip) for ip in parsed),
        )

    def _resolve(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]  # a literal: nothing to resolve
        except ValueError:
            pass
        try:
            addresses = list(self._resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise FetchError(f"{host} resolves to no address")
        return addresses

    # -- the exchange ------------------------------------------------------------------------

    def _remaining(self, deadline: float) -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"timed out after {self._timeout:g}s")
        return remaining

    def _exchange(
        self, target: VettedUrl, headers: dict[str, str], deadline: float, *, conditional: bool
    ) -> _Response:
        watchdog = _Watchdog(self._remaining(deadline))
        sock: socket.socket | None = None
        response: http.client.HTTPResponse | None = None
        try:
            sock = self._connect(target, deadline)
            watchdog.track(sock)
            if target.scheme == "https":
                sock = self._start_tls(sock, target, watchdog, deadline)
            connection = http.client.HTTPConnection(target.host, target.port)
            connection.sock = sock  # already connected to the vetted address: no second lookup
            connection.request(
                "GET", target.request_path, headers={"Host": target.host_header, **headers}
            )
            sock.settimeout(self._remaining(deadline))
            response = connection.getresponse()
            return self._read(target, response, conditional=conditional, deadline=deadline)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if watchdog.fired or time.monotonic() >= deadline or isinstance(exc, TimeoutError):
                raise FetchError(f"{target.url}: timed out after {self._timeout:g}s") from exc
            raise FetchError(f"{target.url}: {type(exc).__name__}: {exc}") from exc
        finally:
            watchdog.cancel()
            if response is not None:
                response.close()
            if sock is not None:
                sock.close()

    def _connect(self, target: VettedUrl, deadline: float) -> socket.socket:
        failure: OSError = OSError(f"{target.host} has no address")
        for address in target.addresses:
            try:
                return self._connector(address, target.port, self._remaining(deadline))
            except OSError as exc:
                failure = exc
        raise failure

    def _start_tls(
        self, raw: socket.socket, target: VettedUrl, watchdog: _Watchdog, deadline: float
    ) -> ssl.SSLSocket:
        # SNI and certificate verification against the host name, on the pinned connection.
        try:
            tls = self._ssl_context.wrap_socket(
                raw, server_hostname=target.host, do_handshake_on_connect=False
            )
        except BaseException:
            raw.close()
            raise
        watchdog.track(tls)
        try:
            tls.settimeout(self._remaining(deadline))
            tls.do_handshake()
        except BaseException:
            tls.close()
            raise
        return tls

    def _read(
        self,
        target: VettedUrl,
        response: http.client.HTTPResponse,
        *,
        conditional: bool,
        deadline: float,
    ) -> _Response:
        collected: dict[str, str] = {}
        locations: list[str] = []
        for name, value in response.getheaders():
            if name.lower() == "location":
                locations.append(value)
            key = name.lower()
            collected[key] = f"{collected[key]}, {value}" if key in collected else value
        headers = MappingProxyType(collected)
        status = response.status
        if status in REDIRECT_STATUSES or (status == 304 and conditional):
            return _Response(status, headers, b"", tuple(locations))
        if not 200 <= status < 300:
            raise FetchError(
                f"{target.url}: HTTP {status} {response.reason}".rstrip(), http_status=status
            )
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise FetchError(
                f"{target.url}: response too large ({declared} bytes > {self._max_bytes})"
            )
        body = bytearray()
        while True:
            self._remaining(deadline)
            chunk = response.read(min(_CHUNK, self._max_bytes + 1 - len(body)))
            if not chunk:
                break
            body += chunk
            if len(body) > self._max_bytes:
                raise FetchError(f"{target.url}: response too large (> {self._max_bytes} bytes)")
        return _Response(status, headers, bytes(body))


StaticValue = bytes | str | tuple[bytes | str, str] | tuple[int, bytes | str, str]


class StaticFetcher:
    """An in-memory Fetcher for tests and offline use.

    ``mapping`` maps a URL (without fragment) to a body (bytes, or str encoded as UTF-8), to
    ``(body, content_type)`` or to ``(status, body, content_type)``; a non-2xx status raises
    FetchError as the network fetcher would. Unknown URLs raise FetchError. Every URL asked for is
    appended to ``requests``.
    """

    remote = False  # answers from memory: nothing to gain by asking for several at once

    def __init__(
        self,
        mapping: Mapping[str, StaticValue],
        *,
        content_type: str = "application/json",
        clock: Clock = utcnow,
    ) -> None:
        self._documents: dict[str, tuple[int, bytes, str]] = {}
        for url, value in mapping.items():
            self._documents[url.split("#", 1)[0]] = self._normalise(url, value, content_type)
        self._clock = clock
        self.requests: list[str] = []

    @staticmethod
    def _normalise(url: str, value: object, content_type: str) -> tuple[int, bytes, str]:
        status: object = 200
        body: object = value
        if isinstance(value, tuple) and len(value) == 2:
            body, content_type = value
        elif isinstance(value, tuple) and len(value) == 3:
            status, body, content_type = value
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not isinstance(status, int) or not isinstance(body, bytes):
            raise TypeError(f"StaticFetcher: bad value for {url!r}")
        if not isinstance(content_type, str):
            raise TypeError(f"StaticFetcher: bad content type for {url!r}")
        return status, body, content_type

    def __call__(self, url: str, *, accept: str = DEFAULT_ACCEPT) -> FetchResult:
        if not isinstance(url, str):
            raise UnsafeUrlError(f"URL must be a string, not {type(url).__name__}")
        self.requests.append(url)
        key = url.split("#", 1)[0]
        document = self._documents.get(key)
        if document is None:
            raise FetchError(f"{url}: no such document (offline fetcher)")
        status, body, content_type = document
        if not 200 <= status < 300:
            raise FetchError(f"{key}: HTTP {status}", http_status=status)
        headers = MappingProxyType({"content-type": content_type, "content-length": str(len(body))})
        return FetchResult(
            url=url,
            final_url=key,
            status=status,
            content_type=_media_type(content_type),
            body=body,
            headers=headers,
            fetched_at=self._clock(),
            etag=None,
        )

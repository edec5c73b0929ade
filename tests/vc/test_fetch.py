"""Tests for vc.fetch against real HTTP and HTTPS servers on 127.0.0.1.

No test contacts an address outside 127.0.0.0/8: the "public" host is a name the injected
resolver maps to 8.8.8.8, and the injected connector, the only way the fetcher opens sockets,
turns 8.8.8.8 into 127.0.0.1 and refuses anything else. Private ranges are tested with URLs that
must be refused before any connection (the connector records every call, and the tests check it).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from vc.errors import FetchError, UnsafeUrlError
from vc.fetch import (
    Fetcher,
    FetchResult,
    SafeHttpFetcher,
    StaticFetcher,
    address_refusal,
)

PUBLIC_IP = "8.8.8.8"  # only ever seen by the rerouting connector below, never contacted
FIXED_NOW = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
DOC = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:example:doc"}
DOC_BYTES = json.dumps(DOC).encode()
ETAG = '"v1"'


# --- a real HTTP(S) server --------------------------------------------------------------------


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class ServerState:
    stop: threading.Event = field(default_factory=threading.Event)
    seen: list[Seen] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)


def make_handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(
            self,
            status: int,
            body: bytes = b"",
            headers: dict[str, str] | None = None,
            *,
            chunked: bool = False,
        ) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if chunked:
                for start in range(0, len(body), 10_000):
                    piece = body[start : start + 10_000]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(body)
            self.close_connection = True

        def trickle(self, head: bytes, byte: bytes) -> None:
            self.wfile.write(head)
            self.wfile.flush()
            for _ in range(300):  # at most 60 s, normally ended by the client or by teardown
                if state.stop.wait(0.2):
                    break
                self.wfile.write(byte)
                self.wfile.flush()
            self.close_connection = True

        def do_GET(self) -> None:
            state.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            route = parts.path
            if route == "/ok":
                if self.headers.get("If-None-Match") == ETAG:
                    self.send_response(304)
                    self.send_header("ETag", ETAG)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    return
                self.reply(
                    200,
                    DOC_BYTES,
                    {"Content-Type": "application/ld+json; charset=utf-8", "ETag": ETAG},
                )
            elif route == "/bytes":
                body = b"x" * int(query["n"])
                self.reply(200, body, {"Content-Type": "text/plain"}, chunked="chunked" in query)
            elif route == "/status":
                self.reply(int(query["code"]), b"nope")
            elif route == "/redirect":
                self.reply(int(query.get("code", "302")), b"", {"Location": query["to"]})
            elif route == "/redirect-nowhere":
                self.reply(302, b"")
            elif route == "/redirect-twice":
                self.send_response(302)
                self.send_header("Location", "/ok")
                self.send_header("Location", "/bytes?n=1")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif route == "/loop":
                self.reply(302, b"", {"Location": "/loop"})
            elif route == "/slow":
                state.stop.wait(float(query.get("s", "10")))
                self.reply(200, b"late")
            elif route == "/drip-header":
                self.trickle(b"HTTP/1.1 200 OK\r\nX-Drip: ", b"a")
            elif route == "/drip-body":
                self.trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", b"a")
            elif route == "/garbage":
                self.wfile.write(b"THIS IS NOT HTTP\r\n\r\n")
                self.close_connection = True
            elif route == "/hangup":
                self.close_connection = True
            else:
                self.reply(404, b"not found")

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: ServerState, tls: ssl.SSLContext | None = None) -> None:
        self.state = state
        self.tls = tls
        super().__init__(("127.0.0.1", 0), make_handler(state))

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(10)
        try:
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except OSError:
            return  # the client refused our certificate: that is what some tests want
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hang up on purpose (size cap, timeouts)


@dataclass
class Running:
    server: Server
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def state(self) -> ServerState:
        return self.server.state

    def close(self) -> None:
        self.state.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def start(tls: ssl.SSLContext | None = None) -> Running:
    server = Server(ServerState(), tls)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return Running(server, thread)


@pytest.fixture(scope="module")
def http_server() -> Iterator[Running]:
    running = start()
    yield running
    running.close()


@dataclass(frozen=True)
class Pki:
    ca_pem: str
    cert_file: Path
    key_file: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throw-away CA and a server certificate for public.test and diplomat.test."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Diplomat test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "public.test")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(name) for name in ("public.test", "diplomat.test", "rebind.test")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("pki")
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Pki(ca.public_bytes(serialization.Encoding.PEM).decode(), cert_file, key_file)


@pytest.fixture(scope="module")
def https_server(pki: Pki) -> Iterator[Running]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    state_holder: list[ServerState] = []

    def remember_sni(_obj: Any, name: str | None, _ctx: ssl.SSLContext) -> None:
        state_holder[0].sni.append(name)

    context.sni_callback = remember_sni
    running = start(context)
    state_holder.append(running.state)
    yield running
    running.close()


@pytest.fixture
def client_tls(pki: Pki) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=pki.ca_pem)


# --- injected resolver and connector ----------------------------------------------------------


class Dns:
    """A resolver from a table; counts lookups per host."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append(host)
        if host not in self.table:
            try:  # numeric shorthands such as 127.1, as getaddrinfo reads them (no network)
                return [socket.inet_ntoa(socket.inet_aton(host))]
            except OSError:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return self.table[host]


DNS_TABLE = {
    "public.test": [PUBLIC_IP],
    "diplomat.test": [PUBLIC_IP],
    "other.test": [PUBLIC_IP],
    "private.test": ["10.1.2.3"],
    "metadata.test": ["169.254.169.254"],
    "cgnat.test": ["100.64.1.1"],
    "mapped.test": ["::ffff:10.0.0.1"],
    "mixed.test": [PUBLIC_IP, "10.0.0.1"],
    "loopback.test": ["127.0.0.1"],
    "localhost": ["127.0.0.1", "::1"],
}


class Reroute:
    """The fetcher's only way out: 8.8.8.8 goes to a local port, every other address is refused
    (and recorded, so a test can prove no connection to it was even attempted)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.calls: list[tuple[str, int]] = []

    def __call__(self, ip: str, port: int, timeout: float) -> socket.socket:
        self.calls.append((ip, port))
        if ip == PUBLIC_IP:
            return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        if ipaddress.ip_address(ip).is_loopback:
            return socket.create_connection((ip, port), timeout=timeout)
        raise ConnectionRefusedError(f"test connector: {ip} is not reachable from tests")


def public_fetcher(
    https_server: Running, client_tls: ssl.SSLContext, **kwargs: Any
) -> tuple[SafeHttpFetcher, Dns, Reroute]:
    dns = Dns(dict(DNS_TABLE))
    reroute = Reroute(https_server.port)
    options: dict[str, Any] = {
        "ssl_context": client_tls,
        "resolver": dns,
        "connector": reroute,
        "clock": lambda: FIXED_NOW,
    }
    options.update(kwargs)
    return SafeHttpFetcher(**options), dns, reroute


def dev_fetcher(**kwargs: Any) -> SafeHttpFetcher:
    return SafeHttpFetcher(
        allow_loopback=True, allow_http_loopback=True, clock=lambda: FIXED_NOW, **kwargs
    )


# --- refusals before any connection -----------------------------------------------------------


def test_loopback_refused_by_default(http_server: Running) -> None:
    before = len(http_server.state.seen)
    url = f"http://127.0.0.1:{http_server.port}/ok"
    with pytest.raises(UnsafeUrlError, match="http"):
        SafeHttpFetcher()(url)
    with pytest.raises(UnsafeUrlError, match="loopback"):
        SafeHttpFetcher(allow_http_loopback=True)(url)
    with pytest.raises(UnsafeUrlError, match="loopback"):
        SafeHttpFetcher()(f"https://127.0.0.1:{http_server.port}/ok")
    with pytest.raises(UnsafeUrlError, match="loopback"):
        SafeHttpFetcher()(f"https://localhost:{http_server.port}/ok")
    assert len(http_server.state.seen) == before  # nothing reached the server


REFUSED = [
    "http://[::ffff:127.0.0.1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:10.0.0.1]/",
    "https://0.0.0.0/",
    "https://[::]/",
    "https://169.254.169.254/latest",
    "https://[::ffff:169.254.169.254]/latest",
    "https://[64:ff9b::a9fe:a9fe]/latest",  # NAT64 of 169.254.169.254
    "https://[2002:a9fe:a9fe::]/latest",  # 6to4 of 169.254.169.254
    "https://10.0.0.1/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://224.0.0.1/",
    "https://240.0.0.1/",
    "https://255.255.255.255/",
    "https://[::1]/",
    "https://[fe80::1]/",
    "https://[fc00::1]/",
    "https://[fec0::1]/",
    "https://[ff02::1]/",
    "https://127.0.0.1/",
    "https://127.1/",  # inet_aton shorthands resolve to loopback
    "https://2130706433/",
    "https://0x7f000001/",
    "https://user:pass@public.test/",
    "https://user@public.test/",
    "https://:pass@public.test/",
    "http://public.test/",
    "ftp://public.test/file",
    "file:///etc/passwd",
    "gopher://public.test/",
    "javascript:alert(1)",
    "data:application/json,{}",
    "//public.test/",
    "public.test/status",
    "",
    "https:///nohost",
    "https://public.test:0/",
    "https://public.test:99999/",
    "https://public.test:port/",
    "https://pub lic.test/",
    "https://public.test/\r\nX-Injected: 1",
    "https://bücher.test/",
    "https://private.test/",
    "https://metadata.test/latest",
    "https://cgnat.test/",
    "https://mapped.test/",
    "https://mixed.test/",  # one bad address is enough
    "https://loopback.test/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused_before_connecting(
    url: str, https_server: Running, client_tls: ssl.SSLContext
) -> None:
    fetcher, _, reroute = public_fetcher(https_server, client_tls)
    with pytest.raises(UnsafeUrlError):
        fetcher(url)
    assert reroute.calls == []


@pytest.mark.parametrize("url", [url for url in REFUSED if ".test" not in url])
def test_refused_by_the_system_resolver_too(url: str) -> None:
    """Without injected parts (real getaddrinfo) the literal and scheme cases are refused; the
    names under .test exist only in the injected resolver, so they are left out here."""
    with pytest.raises(UnsafeUrlError):
        SafeHttpFetcher()(url)


def test_non_string_url_refused() -> None:
    with pytest.raises(UnsafeUrlError):
        SafeHttpFetcher()(42)  # type: ignore[arg-type]


def test_http_to_a_public_host_refused_even_in_dev_mode(
    https_server: Running, client_tls: ssl.SSLContext
) -> None:
    fetcher, _, reroute = public_fetcher(
        https_server, client_tls, allow_loopback=True, allow_http_loopback=True
    )
    with pytest.raises(UnsafeUrlError, match="only https"):
        fetcher("http://public.test/ok")
    assert reroute.calls == []


def test_unresolvable_host_is_a_fetch_error(
    https_server: Running, client_tls: ssl.SSLContext
) -> None:
    fetcher, _, reroute = public_fetcher(https_server, client_tls)
    with pytest.raises(FetchError) as caught:
        fetcher("https://nowhere.test/")
    assert not isinstance(caught.value, UnsafeUrlError)
    assert reroute.calls == []


def test_address_refusal_reasons() -> None:
    ip = ipaddress.ip_address
    assert address_refusal(ip("8.8.8.8")) is None
    assert address_refusal(ip("2606:4700::1111")) is None
    assert address_refusal(ip("127.0.0.1")) == "loopback address"
    assert address_refusal(ip("127.0.0.1"), allow_loopback=True) is None
    assert address_refusal(ip("::1"), allow_loopback=True) is None
    assert address_refusal(ip("10.0.0.1"), allow_loopback=True) == "private address"
    assert address_refusal(ip("169.254.169.254")) == "link-local address"
    assert address_refusal(ip("100.127.255.255")) == "carrier-grade NAT address"
    assert address_refusal(ip("0.0.0.0")) == "unspecified address"
    assert "embedded" in (address_refusal(ip("::ffff:192.168.0.1")) or "")
    assert address_refusal(ip("::ffff:8.8.8.8")) is None


# --- development mode over plain http to loopback --------------------------------------------


def test_dev_mode_fetches_from_loopback(http_server: Running) -> None:
    url = f"http://127.0.0.1:{http_server.port}/ok#fragment"
    result = dev_fetcher()(url)
    assert result == FetchResult(
        url=url,
        final_url=f"http://127.0.0.1:{http_server.port}/ok",
        status=200,
        content_type="application/ld+json",
        body=DOC_BYTES,
        headers=result.headers,
        fetched_at=FIXED_NOW,
        etag=ETAG,
    )
    assert result.headers["content-type"] == "application/ld+json; charset=utf-8"
    seen = http_server.state.seen[-1]
    assert seen.path == "/ok"  # no fragment on the wire
    assert seen.headers["host"] == f"127.0.0.1:{http_server.port}"
    assert "application/vc+ld+json" in seen.headers["accept"]
    assert seen.headers["accept-encoding"] == "identity"


def test_dev_mode_accepts_localhost_and_custom_accept(http_server: Running) -> None:
    result = dev_fetcher()(
        f"http://localhost:{http_server.port}/ok?x=1", accept="application/did+json"
    )
    assert result.body == DOC_BYTES
    seen = http_server.state.seen[-1]
    assert seen.path == "/ok?x=1"
    assert seen.headers["accept"] == "application/did+json"
    assert seen.headers["host"] == f"localhost:{http_server.port}"


def test_conditional_get(http_server: Running) -> None:
    fetcher = dev_fetcher()
    url = f"http://127.0.0.1:{http_server.port}/ok"
    first = fetcher.fetch(url)
    assert first.etag == ETAG
    again = fetcher.fetch(url, if_none_match=first.etag)
    assert (again.status, again.body, again.etag) == (304, b"", ETAG)
    changed = fetcher.fetch(url, if_none_match='"v0"')
    assert (changed.status, changed.body) == (200, DOC_BYTES)


def test_unasked_304_is_an_error(http_server: Running) -> None:
    with pytest.raises(FetchError, match="304"):
        dev_fetcher()(f"http://127.0.0.1:{http_server.port}/status?code=304")


@pytest.mark.parametrize("code", [400, 404, 410, 500, 503])
def test_non_2xx_is_a_fetch_error_with_the_status(http_server: Running, code: int) -> None:
    with pytest.raises(FetchError, match=str(code)) as caught:
        dev_fetcher()(f"http://127.0.0.1:{http_server.port}/status?code={code}")
    assert not isinstance(caught.value, UnsafeUrlError)


@pytest.mark.parametrize("chunked", [False, True])
def test_size_cap(http_server: Running, chunked: bool) -> None:
    base = f"http://127.0.0.1:{http_server.port}/bytes?{'chunked=1&' if chunked else ''}n="
    with pytest.raises(FetchError, match="too large"):
        dev_fetcher()(base + str(300 * 1024))  # default cap 256 KiB
    small = dev_fetcher(max_bytes=1000)
    assert len(small(base + "1000").body) == 1000  # exactly the cap is fine
    with pytest.raises(FetchError, match="too large"):
        small(base + "1001")


def test_timeout_on_a_sleeping_server(http_server: Running) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        dev_fetcher(timeout=0.5)(f"http://127.0.0.1:{http_server.port}/slow?s=10")
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("route", ["/drip-header", "/drip-body"])
def test_total_timeout_on_a_trickling_server(http_server: Running, route: str) -> None:
    """A byte every 0.2 s keeps every single read short; only the total deadline stops it."""
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        dev_fetcher(timeout=1.0)(f"http://127.0.0.1:{http_server.port}{route}")
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("route", ["/garbage", "/hangup"])
def test_broken_responses(http_server: Running, route: str) -> None:
    with pytest.raises(FetchError):
        dev_fetcher()(f"http://127.0.0.1:{http_server.port}{route}")


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError):
        dev_fetcher(timeout=2)(f"http://127.0.0.1:{port}/")


def test_header_injection_in_arguments_refused(http_server: Running) -> None:
    url = f"http://127.0.0.1:{http_server.port}/ok"
    with pytest.raises(FetchError):
        dev_fetcher()(url, accept="text/html\r\nX-Evil: 1")
    with pytest.raises(FetchError):
        dev_fetcher().fetch(url, if_none_match='"x"\r\nX-Evil: 1')


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/latest",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0:{port}/ok",
        "file:///etc/passwd",
    ],
)
def test_dev_mode_redirect_to_private_refused(http_server: Running, target: str) -> None:
    base = f"http://127.0.0.1:{http_server.port}"
    with pytest.raises(UnsafeUrlError):
        dev_fetcher()(f"{base}/redirect?to={target.format(port=http_server.port)}")


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_dev_mode_redirects_followed(http_server: Running, code: int) -> None:
    base = f"http://127.0.0.1:{http_server.port}"
    result = dev_fetcher()(f"{base}/redirect?code={code}&to=/ok")
    assert (result.status, result.body, result.final_url) == (200, DOC_BYTES, f"{base}/ok")


def test_redirect_limits(http_server: Running) -> None:
    base = f"http://127.0.0.1:{http_server.port}"
    with pytest.raises(FetchError, match="redirects"):
        dev_fetcher()(f"{base}/loop")
    with pytest.raises(FetchError, match="redirects"):
        dev_fetcher(max_redirects=0)(f"{base}/redirect?to=/ok")
    with pytest.raises(FetchError, match="Location"):
        dev_fetcher()(f"{base}/redirect-nowhere")
    with pytest.raises(FetchError, match="Location"):
        dev_fetcher()(f"{base}/redirect-twice")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_bytes": 0},
        {"max_bytes": True},
        {"timeout": 0},
        {"max_redirects": -1},
        {"user_agent": "x\r\ny"},
    ],
)
def test_bad_configuration(kwargs: dict[str, Any]) -> None:
    with pytest.raises((ValueError, FetchError)):
        SafeHttpFetcher(**kwargs)


def test_ssl_context_must_verify() -> None:
    lax = ssl.create_default_context()
    lax.check_hostname = False
    with pytest.raises(ValueError, match="verify"):
        SafeHttpFetcher(ssl_context=lax)


# --- HTTPS with a pinned address --------------------------------------------------------------


def test_https_to_a_public_host(https_server: Running, client_tls: ssl.SSLContext) -> None:
    fetcher, dns, reroute = public_fetcher(https_server, client_tls)
    result = fetcher("https://public.test/ok")
    assert (result.status, result.body, result.content_type) == (
        200,
        DOC_BYTES,
        "application/ld+json",
    )
    assert result.final_url == "https://public.test/ok"
    assert dns.lookups == ["public.test"]  # resolved once, by us
    assert reroute.calls == [(PUBLIC_IP, 443)]  # connected to the vetted address
    seen = https_server.state.seen[-1]
    assert seen.headers["host"] == "public.test"  # default port omitted
    assert https_server.state.sni[-1] == "public.test"


def test_dns_rebinding_cannot_move_the_connection(
    https_server: Running, client_tls: ssl.SSLContext
) -> None:
    """The name is resolved once per hop and that very address is used; a later answer (a
    rebinding to 10.0.0.1) is vetted afresh and refused."""
    answers = iter([[PUBLIC_IP], ["10.0.0.1"], ["10.0.0.1"]])
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> Sequence[str]:
        lookups.append(host)
        return next(answers)

    reroute = Reroute(https_server.port)
    fetcher = SafeHttpFetcher(ssl_context=client_tls, resolver=rebinding, connector=reroute)
    # the name is not in /etc/hosts or DNS: had http.client or ssl resolved it again, this fails
    assert fetcher("https://rebind.test/ok").body == DOC_BYTES
    assert reroute.calls == [(PUBLIC_IP, 443)]
    assert lookups == ["rebind.test"]
    with pytest.raises(UnsafeUrlError, match="private"):
        fetcher("https://rebind.test/ok")
    assert reroute.calls == [(PUBLIC_IP, 443)]
    assert lookups == ["rebind.test", "rebind.test"]


def test_https_with_explicit_port_sends_it_in_host(
    https_server: Running, client_tls: ssl.SSLContext
) -> None:
    fetcher, _, reroute = public_fetcher(https_server, client_tls)
    assert fetcher("https://diplomat.test:8443/ok").body == DOC_BYTES
    assert reroute.calls == [(PUBLIC_IP, 8443)]
    assert https_server.state.seen[-1].headers["host"] == "diplomat.test:8443"
    assert https_server.state.sni[-1] == "diplomat.test"


def test_https_certificate_for_another_name_refused(
    https_server: Running, client_tls: ssl.SSLContext
) -> None:
    fetcher, _, _ = public_fetcher(https_server, client_tls)
    with pytest.raises(FetchError, match=r"(?i)certificate|hostname"):
        fetcher("https://other.test/ok")


def test_https_untrusted_ca_refused(https_server: Running) -> None:
    fetcher, _, _ = public_fetcher(https_server, ssl.create_default_context())
    with pytest.raises(FetchError, match=r"(?i)certificate"):
        fetcher("https://public.test/ok")


def test_https_handshake_stall_times_out(client_tls: ssl.SSLContext) -> None:
    with socket.socket() as silent:  # accepts TCP (backlog) but never speaks TLS
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        fetcher = SafeHttpFetcher(
            ssl_context=client_tls,
            resolver=Dns(dict(DNS_TABLE)),
            connector=Reroute(silent.getsockname()[1]),
            timeout=0.7,
        )
        started = time.monotonic()
        with pytest.raises(FetchError, match="timed out"):
            fetcher("https://public.test/ok")
        assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    "target",
    [
        "https://127.0.0.1/ok",
        "http://127.0.0.1/ok",
        "https://localhost/ok",
        "https://10.0.0.1/",
        "http://10.0.0.1/",
        "https://169.254.169.254/latest",
        "https://[::ffff:127.0.0.1]/",
        "https://private.test/",
        "https://metadata.test/latest",
        "http://public.test/ok",  # downgrade to plain http
        "ftp://public.test/",
    ],
)
def test_redirect_from_a_public_host_to_a_refused_target(
    https_server: Running, client_tls: ssl.SSLContext, target: str
) -> None:
    fetcher, _, reroute = public_fetcher(https_server, client_tls)
    with pytest.raises(UnsafeUrlError):
        fetcher(f"https://public.test/redirect?to={target}")
    assert reroute.calls == [(PUBLIC_IP, 443)]  # only the first hop connected


def test_redirect_between_public_urls(https_server: Running, client_tls: ssl.SSLContext) -> None:
    fetcher, dns, reroute = public_fetcher(https_server, client_tls, cross_host_redirects=True)
    result = fetcher("https://public.test/redirect?code=301&to=https://diplomat.test/ok")
    assert (result.url, result.final_url) == (
        "https://public.test/redirect?code=301&to=https://diplomat.test/ok",
        "https://diplomat.test/ok",
    )
    assert result.body == DOC_BYTES
    assert dns.lookups == ["public.test", "diplomat.test"]  # each hop re-vetted
    assert reroute.calls == [(PUBLIC_IP, 443), (PUBLIC_IP, 443)]


def test_a_redirect_to_another_host_is_refused_by_default(
    https_server: Running, client_tls: ssl.SSLContext
) -> None:
    """A DID document or a status list is the issuer's word only from the issuer's origin."""
    fetcher, _, reroute = public_fetcher(https_server, client_tls)
    with pytest.raises(UnsafeUrlError, match="another origin"):
        fetcher("https://public.test/redirect?code=301&to=https://diplomat.test/ok")
    assert reroute.calls == [(PUBLIC_IP, 443)]  # the other host was never contacted
    same = fetcher("https://public.test/redirect?code=302&to=/ok")
    assert same.final_url == "https://public.test/ok" and same.body == DOC_BYTES


def test_redirect_loop_over_https(https_server: Running, client_tls: ssl.SSLContext) -> None:
    fetcher, _, reroute = public_fetcher(https_server, client_tls, max_redirects=2)
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetcher("https://public.test/loop")
    assert len(reroute.calls) == 3


# --- one contract, two implementations --------------------------------------------------------


@pytest.fixture(params=["static", "http"])
def fetcher_and_base(request: pytest.FixtureRequest) -> tuple[Fetcher, str]:
    if request.param == "static":
        base = "https://docs.example"
        static = StaticFetcher(
            {
                f"{base}/ok": (DOC_BYTES, "application/ld+json; charset=utf-8"),
                f"{base}/status?code=410": (410, b"gone", "text/plain"),
            },
            clock=lambda: FIXED_NOW,
        )
        return static, base
    server: Running = request.getfixturevalue("http_server")
    return dev_fetcher(), f"http://127.0.0.1:{server.port}"


def test_contract_known_document(fetcher_and_base: tuple[Fetcher, str]) -> None:
    fetcher, base = fetcher_and_base
    result = fetcher(f"{base}/ok#frag")
    assert (result.status, result.body, result.content_type) == (
        200,
        DOC_BYTES,
        "application/ld+json",
    )
    assert result.final_url == f"{base}/ok"
    assert result.url == f"{base}/ok#frag"
    assert result.fetched_at == FIXED_NOW
    assert result.headers["content-type"].startswith("application/ld+json")
    assert json.loads(result.body) == DOC


def test_contract_unknown_document(fetcher_and_base: tuple[Fetcher, str]) -> None:
    fetcher, base = fetcher_and_base
    with pytest.raises(FetchError):
        fetcher(f"{base}/missing")


def test_contract_error_status(fetcher_and_base: tuple[Fetcher, str]) -> None:
    fetcher, base = fetcher_and_base
    with pytest.raises(FetchError, match="410"):
        fetcher(f"{base}/status?code=410")


def test_static_fetcher_forms_and_log() -> None:
    static = StaticFetcher(
        {
            "https://a.example/text": "héllo",
            "https://a.example/bytes": b"\x00\x01",
            "https://a.example/typed": ("{}", "application/did+json"),
        }
    )
    assert static("https://a.example/text").body == "héllo".encode()
    assert static("https://a.example/bytes").content_type == "application/json"
    assert static("https://a.example/typed").content_type == "application/did+json"
    assert static.requests == [
        "https://a.example/text",
        "https://a.example/bytes",
        "https://a.example/typed",
    ]
    with pytest.raises(UnsafeUrlError):
        static(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        StaticFetcher({"https://a.example/": 42})  # type: ignore[dict-item]

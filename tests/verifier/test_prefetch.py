"""verifier.prefetch: a report's status lists fetched side by side from a real HTTP server on
127.0.0.1, each once, with the same outcomes as one after the other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest

from vc.dids import DidResolver
from vc.fetch import SafeHttpFetcher, StaticFetcher
from verifier import prefetch
from verifier.checks.facts import Facts
from verifier.checks.model import Status
from verifier.context import VerifierContext
from verifier.report import verify_credential
from verifier.statuscache import StatusListCache

WAIT = 20.0  # seconds a request waits for the other one before the server gives up (503)


class PairedServer:
    """Serves documents; with ``paired``, answers a request only once another request has
    arrived too (both in flight at once), else 503 after WAIT seconds."""

    def __init__(self, paired: bool) -> None:
        self.documents: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.barrier = threading.Barrier(2, timeout=WAIT) if paired else None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's naming
                server.requests.append(self.path)
                status, body = 200, server.documents.get(self.path)
                if server.barrier is not None:
                    try:
                        server.barrier.wait()
                    except threading.BrokenBarrierError:
                        status, body = 503, b""
                if body is None:
                    status, body = 404, b""
                self.send_response(status)
                self.send_header("Content-Type", "application/vc+ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "max-age=60")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def __enter__(self) -> PairedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.barrier is not None:
            self.barrier.abort()  # a request still waiting gives up at once
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _serve(kit: ModuleType, paired: bool) -> Iterator[tuple[PairedServer, str, str]]:
    with PairedServer(paired) as server:
        revocation, suspension = server.url("/status/r/1"), server.url("/status/s/1")
        server.documents["/status/r/1"] = kit.status_list(url=revocation, set_indexes=[5])
        server.documents["/status/s/1"] = kit.status_list(url=suspension, purpose="suspension")
        yield server, revocation, suspension


@pytest.fixture
def paired(kit: ModuleType) -> Iterator[tuple[PairedServer, str, str]]:
    yield from _serve(kit, paired=True)


@pytest.fixture
def plain(kit: ModuleType) -> Iterator[tuple[PairedServer, str, str]]:
    yield from _serve(kit, paired=False)


def _context(kit: ModuleType) -> tuple[VerifierContext, StatusListCache]:
    resolver = DidResolver()
    fetcher = SafeHttpFetcher(allow_loopback=True, allow_http_loopback=True, timeout=2 * WAIT)
    cache = StatusListCache(fetcher, resolver=resolver)
    return VerifierContext(resolver=resolver, status_lists=cache, now=kit.NOW), cache


def test_the_two_status_lists_are_in_flight_at_once(
    kit: ModuleType, paired: tuple[PairedServer, str, str]
) -> None:
    server, revocation, suspension = paired
    ctx, cache = _context(kit)
    credential = kit.signed_degree(
        status=[("revocation", revocation, 5), ("suspension", suspension, 7)]
    )
    report = verify_credential(credential, ctx)
    # Each list answered only because the other request was in flight too (else 503).
    assert report.check("status.revocation").status is Status.FAIL  # bit 5 is set
    assert report.check("status.suspension").status is Status.PASS
    assert sorted(server.requests) == ["/status/r/1", "/status/s/1"]
    assert cache.fetches == 2


def test_a_list_that_cannot_be_had_is_asked_once_and_reported_as_before(
    kit: ModuleType, plain: tuple[PairedServer, str, str]
) -> None:
    server, revocation, _suspension = plain
    missing = server.url("/status/gone/1")
    ctx, _cache = _context(kit)
    credential = kit.signed_degree(
        status=[("revocation", revocation, 6), ("suspension", missing, 7)]
    )
    report = verify_credential(credential, ctx)
    assert report.check("status.revocation").status is Status.PASS
    check = report.check("status.suspension")
    assert check.status is Status.INDETERMINATE and "could not be fetched" in check.message
    assert sorted(server.requests) == ["/status/gone/1", "/status/r/1"]  # no second try


def test_lists_fresh_in_the_cache_are_read_from_it(
    kit: ModuleType, plain: tuple[PairedServer, str, str]
) -> None:
    server, revocation, suspension = plain
    ctx, cache = _context(kit)
    credential = kit.signed_degree(
        status=[("revocation", revocation, 6), ("suspension", suspension, 7)]
    )
    assert not cache.is_fresh(revocation, now=kit.NOW)
    first = verify_credential(credential, ctx)
    assert cache.is_fresh(revocation, now=kit.NOW)
    assert cache.is_fresh(suspension + "#x", now=kit.NOW)
    assert prefetch.prefetched(Facts(ctx, kit.NOW, document=credential)) is None  # all fresh
    again = verify_credential(credential, ctx)
    assert [c.status for c in again.checks] == [c.status for c in first.checks]
    assert sorted(server.requests) == ["/status/r/1", "/status/s/1"]


def test_a_fetch_the_busy_pool_has_not_started_is_made_by_the_asking_thread(
    kit: ModuleType, plain: tuple[PairedServer, str, str]
) -> None:
    server, revocation, suspension = plain
    _ctx, cache = _context(kit)
    release = threading.Event()
    pool = prefetch._shared_pool()
    busy = [pool.submit(release.wait, 60) for _ in range(prefetch.POOL_THREADS)]
    try:
        view = prefetch.PrefetchedStatusLists(cache, [revocation, suspension], kit.NOW)
        # Every pool thread is held: the fetches wait in the queue, so get() takes them back.
        assert view.get(revocation, now=kit.NOW).url == revocation
        assert view.get(suspension, now=kit.NOW).url == suspension
        assert sorted(server.requests) == ["/status/r/1", "/status/s/1"]
    finally:
        release.set()
        for future in busy:
            future.result(timeout=30)


def test_lists_answered_from_memory_are_not_prefetched(kit: ModuleType) -> None:
    a, b = "https://u.example/status/1", "https://u.example/status/2"
    credential = kit.signed_degree(status=[("revocation", a, 1), ("suspension", b, 2)])
    resolver = DidResolver()
    in_memory = StatusListCache(StaticFetcher({a: b"", b: b""}), resolver=resolver)
    assert not in_memory.remote
    ctx = VerifierContext(resolver=resolver, status_lists=in_memory, now=kit.NOW)
    assert prefetch.prefetched(Facts(ctx, kit.NOW, document=credential)) is None
    assert StatusListCache(SafeHttpFetcher(), resolver=resolver).remote


def test_list_urls_are_those_the_checks_fetch_once_each(kit: ModuleType) -> None:
    a, b, c = (f"https://u.example/status/{n}" for n in (1, 2, 3))
    credential = kit.signed_degree(
        status=[("revocation", a, 1), ("suspension", b + "#frag", 2), ("refresh", c, 3)]
    )
    # No check reads a refresh list; each list once, without its fragment.
    assert prefetch.list_urls(credential) == [a, b]
    credential["credentialStatus"].append({"type": "BitstringStatusListEntry"})  # malformed
    assert prefetch.list_urls(credential) is None  # the checks may stop before fetching
    assert prefetch.list_urls({}) == []


def test_nothing_is_fetched_ahead_for_what_the_status_checks_skip(
    kit: ModuleType, plain: tuple[PairedServer, str, str]
) -> None:
    server, revocation, suspension = plain
    ctx, _cache = _context(kit)
    credential = kit.signed_degree(
        status=[("revocation", revocation, 6), ("suspension", suspension, 7)]
    )
    assert prefetch.prefetched(Facts(ctx, kit.NOW, document=None)) is None
    not_a_credential = {k: v for k, v in credential.items() if k != "@context"}
    assert prefetch.prefetched(Facts(ctx, kit.NOW, document=not_a_credential)) is None
    assert server.requests == []

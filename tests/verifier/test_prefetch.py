"""verifier.prefetch: a report's status lists fetched side by side from a real HTTP server on
127.0.0.1 (conftest's StatusServer), each once, with the same outcomes as one after the other."""

from __future__ import annotations

import threading
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


@pytest.fixture
def lists(kit: ModuleType, status_server: Any) -> tuple[Any, str, str]:
    """The server with a revocation list (bit 5 set) and a suspension list; their URLs."""
    revocation, suspension = status_server.url("/status/r/1"), status_server.url("/status/s/1")
    status_server.documents["/status/r/1"] = kit.status_list(url=revocation, set_indexes=[5])
    status_server.documents["/status/s/1"] = kit.status_list(url=suspension, purpose="suspension")
    return status_server, revocation, suspension


def _degree(kit: ModuleType, revocation: str, suspension: str, index: int = 6) -> dict[str, Any]:
    """A degree with a revocation entry at ``index`` and a suspension entry at 7."""
    return kit.signed_degree(
        status=[("revocation", revocation, index), ("suspension", suspension, 7)]
    )


def _context(kit: ModuleType) -> tuple[VerifierContext, StatusListCache]:
    resolver = DidResolver()
    fetcher = SafeHttpFetcher(allow_loopback=True, allow_http_loopback=True, timeout=2 * WAIT)
    cache = StatusListCache(fetcher, resolver=resolver)
    return VerifierContext(resolver=resolver, status_lists=cache, now=kit.NOW), cache


def _paths(server: Any) -> list[str]:
    return sorted(path for path, _etag in server.requests)


def test_the_two_status_lists_are_in_flight_at_once(
    kit: ModuleType, lists: tuple[Any, str, str]
) -> None:
    server, revocation, suspension = lists
    server.barrier = threading.Barrier(2, timeout=WAIT)
    ctx, cache = _context(kit)
    report = verify_credential(_degree(kit, revocation, suspension, index=5), ctx)
    # Each list answered only because the other request was in flight too (else 503).
    assert report.check("status.revocation").status is Status.FAIL  # bit 5 is set
    assert report.check("status.suspension").status is Status.PASS
    assert _paths(server) == ["/status/r/1", "/status/s/1"]
    assert cache.fetches == 2


def test_a_list_that_cannot_be_had_is_asked_once_and_reported_as_before(
    kit: ModuleType, lists: tuple[Any, str, str]
) -> None:
    server, revocation, _suspension = lists
    ctx, _cache = _context(kit)
    report = verify_credential(_degree(kit, revocation, server.url("/status/gone/1")), ctx)
    assert report.check("status.revocation").status is Status.PASS
    check = report.check("status.suspension")
    assert check.status is Status.INDETERMINATE and "could not be fetched" in check.message
    assert _paths(server) == ["/status/gone/1", "/status/r/1"]  # no second try


def test_lists_fresh_in_the_cache_are_read_from_it(
    kit: ModuleType, lists: tuple[Any, str, str]
) -> None:
    server, revocation, suspension = lists
    ctx, cache = _context(kit)
    credential = _degree(kit, revocation, suspension)
    assert not cache.is_fresh(revocation, now=kit.NOW)
    first = verify_credential(credential, ctx)
    assert cache.is_fresh(revocation, now=kit.NOW)
    assert cache.is_fresh(suspension + "#x", now=kit.NOW)
    assert prefetch.prefetched(Facts(ctx, kit.NOW, document=credential)) is None  # all fresh
    again = verify_credential(credential, ctx)
    assert [c.status for c in again.checks] == [c.status for c in first.checks]
    assert _paths(server) == ["/status/r/1", "/status/s/1"]


def test_a_fetch_the_busy_pool_has_not_started_is_made_by_the_asking_thread(
    kit: ModuleType, lists: tuple[Any, str, str]
) -> None:
    server, revocation, suspension = lists
    _ctx, cache = _context(kit)
    release = threading.Event()
    pool = prefetch._shared_pool()
    busy = [pool.submit(release.wait, 60) for _ in range(prefetch.POOL_THREADS)]
    try:
        view = prefetch.PrefetchedStatusLists(cache, [revocation, suspension], kit.NOW)
        # Every pool thread is held: the fetches wait in the queue, so get() takes them back.
        assert view.get(revocation, now=kit.NOW).url == revocation
        assert view.get(suspension, now=kit.NOW).url == suspension
        assert _paths(server) == ["/status/r/1", "/status/s/1"]
    finally:
        release.set()
        for future in busy:
            future.result(timeout=30)


def test_lists_answered_from_memory_are_not_prefetched(kit: ModuleType) -> None:
    a, b = "https://u.example/status/1", "https://u.example/status/2"
    resolver = DidResolver()
    in_memory = StatusListCache(StaticFetcher({a: b"", b: b""}), resolver=resolver)
    assert not in_memory.remote
    ctx = VerifierContext(resolver=resolver, status_lists=in_memory, now=kit.NOW)
    assert prefetch.prefetched(Facts(ctx, kit.NOW, document=_degree(kit, a, b))) is None
    assert StatusListCache(SafeHttpFetcher(), resolver=resolver).remote


def test_a_credential_naming_many_lists_gets_no_fan_out(kit: ModuleType) -> None:
    urls = [f"https://u.example/status/{n}" for n in range(prefetch.MAX_LISTS + 1)]
    credential = kit.signed_degree(status=[("revocation", url, 1) for url in urls])
    assert prefetch.list_urls(credential) == urls
    ctx, _cache = _context(kit)  # network fetcher, nothing cached: only the count says no
    assert prefetch.prefetched(Facts(ctx, kit.NOW, document=credential)) is None


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
    kit: ModuleType, lists: tuple[Any, str, str]
) -> None:
    server, revocation, suspension = lists
    ctx, _cache = _context(kit)
    credential = _degree(kit, revocation, suspension)
    assert prefetch.prefetched(Facts(ctx, kit.NOW, document=None)) is None
    not_a_credential = {k: v for k, v in credential.items() if k != "@context"}
    assert prefetch.prefetched(Facts(ctx, kit.NOW, document=not_a_credential)) is None
    assert server.requests == []

"""A report's status lists fetched side by side instead of one after the other.

A degree names two status lists (revocation and suspension, at two URLs). The checks read them in
turn, so a verifier that has neither cached (an employer opening a credential of a university it
has not seen for a while: the common case) waited two round trips to the university's server, one
after the other, before the first screen. ``prefetched`` starts fetching every list the credential
names that the cache does not hold fresh, at once, when the report begins; the checks then read
each list's outcome (the verified list, or the error, exactly what ``StatusListCache.get`` gives),
so nothing is fetched twice, a failure is reported as before, and the lists arrive while the
proof is being checked. The URLs are the ones the checks would fetch anyway (every check runs on
every report), so no request is made that the report would not make.

The fetches run on a small shared pool. A fetch the pool has not started by the time its check
asks for it is taken back and made by the asking thread, so a busy pool (a bulk job's reports) never
makes a report wait behind other reports' fetches.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from vc import status as bitstring
from vc.errors import DiplomatError
from verifier.context import VerifiedStatusList
from verifier.statuscache import StatusListCache

POOL_THREADS = 8
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="status-prefetch")
        return _pool


def list_urls(document: Mapping[str, Any]) -> list[str]:
    """The status list URLs of the document's well-formed Bitstring Status List entries, each
    once (without fragment), in order. Malformed entries are the checks' business."""
    status = document.get("credentialStatus")
    entries = status if isinstance(status, list) else [] if status is None else [status]
    urls: list[str] = []
    for raw in entries:
        try:
            entry = bitstring.parse_entry(raw)
        except DiplomatError:
            continue
        url = entry.list_credential.split("#", 1)[0]
        if url not in urls:
            urls.append(url)
    return urls


class PrefetchedStatusLists:
    """The status lists of one report (``verifier.context.StatusLists``): the lists in
    ``urls`` are being fetched through ``cache`` at ``now``; any other list, or the same at
    another moment, is asked of ``cache`` as usual."""

    def __init__(self, cache: StatusListCache, urls: list[str], now: datetime) -> None:
        self._cache = cache
        self._now = now
        pool = _shared_pool()
        self._pending: dict[str, Future[VerifiedStatusList]] = {
            url: pool.submit(cache.get, url, now=now) for url in urls
        }

    def get(self, url: str, *, now: datetime) -> VerifiedStatusList:
        pending = self._pending.get(url.split("#", 1)[0])
        if pending is None or now != self._now or pending.cancel():
            # Not prefetched, or not started yet: fetch it here (the pool is busy elsewhere).
            return self._cache.get(url, now=now)
        return pending.result()  # the list, or the very error cache.get raised


def prefetched(
    lists: object, document: Mapping[str, Any] | None, now: datetime
) -> PrefetchedStatusLists | None:
    """A view of ``lists`` with this document's status lists being fetched side by side, or
    None when there is nothing to overlap: fewer than two lists to fetch, a fetcher that does
    not wait on the network (in memory: threads would only add their overhead), or a
    status-list source that is not the cache."""
    if not isinstance(lists, StatusListCache) or not lists.remote or document is None:
        return None
    stale = [url for url in list_urls(document) if not lists.is_fresh(url, now=now)]
    if len(stale) < 2:
        return None
    return PrefetchedStatusLists(lists, stale, now)

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
from verifier.checks.facts import Facts
from verifier.context import VerifiedStatusList
from verifier.statuscache import StatusListCache

POOL_THREADS = 8
# The purposes whose checks fetch their list (verifier.checks.validity): not "refresh".
CHECKED_PURPOSES = frozenset({"revocation", "suspension", "message"})
# A degree names two or three lists.
MAX_LISTS = 4
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="status-prefetch")
        return _pool


def list_urls(document: Mapping[str, Any]) -> list[str] | None:
    """The status list URLs the checks will fetch for ``document``, each once (without fragment),
    in order: those of its revocation, suspension and message entries (the purposes
    verifier.checks.validity reads). None when an entry is not a well-formed Bitstring Status
    List entry: the checks may then stop before fetching (an unreadable purpose fails the
    revocation check at once), so nothing is fetched ahead of them."""
    urls: list[str] = []
    for raw in _entries(document):
        try:
            entry = bitstring.parse_entry(raw)
        except DiplomatError:
            return None
        url = entry.list_credential.split("#", 1)[0]
        if entry.purpose in CHECKED_PURPOSES and url not in urls:
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


def prefetched(facts: Facts) -> PrefetchedStatusLists | None:
    """A view of the report's status lists with the credential's lists being fetched side by
    side, or None when there is nothing to overlap: not a credential the status checks read,
    fewer than two lists to fetch or more than MAX_LISTS (read one by one, as before: a
    credential naming dozens of lists gets no fan-out), a fetcher that does not wait on the
    network (in memory: threads would only add their overhead), or a status-list source that is
    not the cache. Freshness is looked up on the URLs as written first, so a report whose lists
    are cached (the steady state) never parses its entries here."""
    lists = facts.ctx.status_lists
    if not isinstance(lists, StatusListCache) or not lists.remote:
        return None
    if facts.document is None or facts.version is None:
        return None  # the status checks are skipped: they fetch nothing
    written = _written_urls(facts.document)
    if sum(1 for url in written if not lists.is_fresh(url, now=facts.now)) < 2:
        return None
    urls = list_urls(facts.document)
    if urls is None or len(urls) > MAX_LISTS:
        return None
    stale = [url for url in urls if not lists.is_fresh(url, now=facts.now)]
    if len(stale) < 2:
        return None
    return PrefetchedStatusLists(lists, stale, facts.now)


def _written_urls(document: Mapping[str, Any]) -> set[str]:
    """The statusListCredential strings of the document's entries, without fragment, unchecked."""
    return {
        raw["statusListCredential"].split("#", 1)[0]
        for raw in _entries(document)
        if isinstance(raw, Mapping) and isinstance(raw.get("statusListCredential"), str)
    }


def _entries(document: Mapping[str, Any]) -> list[object]:
    status = document.get("credentialStatus")
    return status if isinstance(status, list) else [] if status is None else [status]

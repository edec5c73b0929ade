"""Status list credentials: fetched, their proof verified, cached in memory (TTL, ETag).

How long a list is fresh, in order of precedence:

1. ``Cache-Control: no-store`` / ``no-cache`` / ``max-age=0``: not reused (revalidated every time);
2. ``Cache-Control: max-age=N`` from the response;
3. the list's own ``ttl`` (Bitstring Status List §2.2, milliseconds);
4. ``default_ttl`` seconds.

Each is capped at ``max_ttl``. A stale entry with an ETag is revalidated with ``If-None-Match``
when the fetcher supports it (``SafeHttpFetcher.fetch``); a 304 refreshes the entry without
re-verifying the proof it already passed. The proof is verified with ``vc.proofs.verify`` and an
``AssertionMethod`` purpose bound to the list's own issuer; whether that issuer is the
credential's issuer is the status check's business (``verifier.checks.validity``), so one cached
list serves every credential that points at it. Failures are never cached.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from vc import jsonld, proofs, strictjson
from vc.dates import parse_datetime
from vc.dids import DidResolver
from vc.errors import (
    DiplomatError,
    FetchError,
    MalformedValueError,
    ProofVerificationError,
    StatusListError,
)
from vc.fetch import Fetcher, FetchResult
from vc.purposes import AssertionMethod, issuer_id
from verifier.context import VerifiedStatusList

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})\"?\s*(?:,|$)", re.IGNORECASE)
_NO_REUSE = re.compile(r"(?:^|,)\s*(no-store|no-cache)\s*(?:,|$|=)", re.IGNORECASE)


class ConditionalFetcher(Protocol):
    """A fetcher that can revalidate with an ETag (``SafeHttpFetcher.fetch``)."""

    def fetch(
        self, url: str, *, accept: str = ..., if_none_match: str | None = None
    ) -> FetchResult: ...


@dataclass(frozen=True)
class _Entry:
    credential: Mapping[str, Any]
    issuer: str
    signed_by: str
    fetched_at: datetime
    stored_at: datetime
    fresh_until: datetime
    etag: str | None
    valid_from: datetime | None
    valid_until: datetime | None


def freshness_seconds(
    headers: Mapping[str, str], credential: Mapping[str, Any], default_ttl: float, max_ttl: float
) -> float:
    """How long a fetched list may be reused without asking again (see the module docstring)."""
    cache_control = headers.get("cache-control", "")
    if _NO_REUSE.search(cache_control):
        return 0.0
    match = _MAX_AGE.search(cache_control)
    if match:
        return min(float(match.group(1)), max_ttl)
    subject = credential.get("credentialSubject")
    ttl = subject.get("ttl") if isinstance(subject, Mapping) else None
    if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0:
        return min(ttl / 1000.0, max_ttl)
    return min(default_ttl, max_ttl)


class StatusListCache:
    """The real ``verifier.context.StatusLists``: fetch with the injected Fetcher, verify, cache.

    Thread-safe; at most ``max_entries`` lists are kept (least recently used dropped first).
    ``on_lookup`` (metrics) is called with ``"hit"`` for a list served fresh from the cache and
    ``"miss"`` for one that had to be fetched or revalidated.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        resolver: DidResolver,
        loader: jsonld.DocumentLoader | None = None,
        default_ttl: float = 300.0,
        max_ttl: float = 86_400.0,
        max_entries: int = 256,
        on_lookup: Callable[[str], None] | None = None,
    ) -> None:
        if default_ttl < 0 or max_ttl < 0 or max_entries < 1:
            raise ValueError("TTLs must not be negative and max_entries must be positive")
        self._fetcher = fetcher
        self._resolver = resolver
        self._loader = loader
        self._default_ttl = default_ttl
        self._max_ttl = max_ttl
        self._max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        # One fetch per URL at a time: the other threads asking for it wait and read the cache
        # (a bulk job of 500 links to one issuer fetches its status list once, not per thread).
        self._fetching: dict[str, threading.Lock] = {}
        self.fetches = 0  # network round trips made (for tests and metrics)
        self.on_lookup = on_lookup

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get(self, url: str, *, now: datetime) -> VerifiedStatusList:
        """The verified list at ``url``: from the cache while fresh, else fetched (or
        revalidated) and verified. Raises FetchError (unreachable), UnsafeUrlError (refused URL),
        ParsingError / MalformedValueError / StatusListError (not a status list credential) or
        ProofVerificationError (its proof does not verify)."""
        key = url.split("#", 1)[0]
        entry = self._cached(key)
        if entry is not None and now < entry.fresh_until:
            self._observe("hit")
            return self._view(key, entry, now)
        with self._lock:
            fetching = self._fetching.setdefault(key, threading.Lock())
        try:
            with fetching:
                return self._refresh(key, now)
        finally:
            with self._lock:
                if not fetching.locked():
                    self._fetching.pop(key, None)

    @property
    def remote(self) -> bool:
        """Whether a fetch waits on the network (the fetcher's ``remote``; True if it does not
        say): then a report fetches its lists side by side (verifier.prefetch)."""
        return bool(getattr(self._fetcher, "remote", True))

    def is_fresh(self, url: str, *, now: datetime) -> bool:
        """Whether ``get(url, now=now)`` would be served from the cache without a fetch."""
        entry = self._cached(url.split("#", 1)[0])
        return entry is not None and now < entry.fresh_until

    def _cached(self, key: str) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _refresh(self, key: str, now: datetime) -> VerifiedStatusList:
        entry = self._cached(key)  # another thread may have fetched it while this one waited
        if entry is not None and now < entry.fresh_until:
            self._observe("hit")
            return self._view(key, entry, now)
        self._observe("miss")
        result = self._fetch(key, entry.etag if entry is not None else None)
        self.fetches += 1
        if entry is not None and result.status == 304:
            credential = entry.credential
            refreshed = _Entry(
                credential=credential,
                issuer=entry.issuer,
                signed_by=entry.signed_by,
                fetched_at=result.fetched_at,
                stored_at=now,
                fresh_until=now + timedelta(seconds=self._ttl(result, credential)),
                etag=result.etag or entry.etag,
                valid_from=entry.valid_from,
                valid_until=entry.valid_until,
            )
            self._store(key, refreshed)
            return self._view(key, refreshed, now)
        entry = self._verify(key, result, now)
        self._store(key, entry)
        return self._view(key, entry, now)

    # -- internals ---------------------------------------------------------------------------

    def _observe(self, result: str) -> None:
        if self.on_lookup is not None:
            self.on_lookup(result)

    def _fetch(self, url: str, etag: str | None) -> FetchResult:
        conditional = getattr(self._fetcher, "fetch", None)
        if etag is not None and callable(conditional):
            result: FetchResult = conditional(url, if_none_match=etag)
        else:
            result = self._fetcher(url)
        if result.status == 304 and etag is None:
            raise FetchError(f"{url}: unexpected 304 Not Modified")
        return result

    def _ttl(self, result: FetchResult, credential: Mapping[str, Any]) -> float:
        return freshness_seconds(result.headers, credential, self._default_ttl, self._max_ttl)

    def _verify(self, url: str, result: FetchResult, now: datetime) -> _Entry:
        credential = strictjson.loads_object(result.body, "status list credential")
        types = credential.get("type")
        if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
            raise StatusListError(f"{url} is not a BitstringStatusListCredential")
        if credential.get("id") not in (None, url):
            raise StatusListError(f"the list at {url} calls itself {credential.get('id')!r}")
        issuer = issuer_id(credential)
        checked = proofs.verify(
            credential,
            resolver=self._resolver,
            now=now,
            purpose=AssertionMethod(),
            loader=self._loader,
        )
        if not checked.verified:
            first = checked.errors[0]
            if isinstance(first, FetchError):
                raise first  # the signer's DID document could not be had: "could not check"
            raise ProofVerificationError(
                f"the status list's proof does not verify: {first.detail}"
            ) from first
        signer = checked.results[0].controller or issuer
        return _Entry(
            credential=credential,
            issuer=issuer,
            signed_by=signer,
            fetched_at=result.fetched_at,
            stored_at=now,
            fresh_until=now + timedelta(seconds=self._ttl(result, credential)),
            etag=result.etag,
            valid_from=_optional_date(credential, "validFrom"),
            valid_until=_optional_date(credential, "validUntil"),
        )

    def _store(self, key: str, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    @staticmethod
    def _view(url: str, entry: _Entry, now: datetime) -> VerifiedStatusList:
        return VerifiedStatusList(
            url=url,
            credential=entry.credential,
            issuer=entry.issuer,
            signed_by=entry.signed_by,
            fetched_at=entry.fetched_at,
            cache_age_seconds=max(0.0, (now - entry.stored_at).total_seconds()),
            valid_from=entry.valid_from,
            valid_until=entry.valid_until,
        )


def _optional_date(credential: Mapping[str, Any], name: str) -> datetime | None:
    value = credential.get(name)
    if value is None:
        return None
    try:
        return parse_datetime(value, f"status list {name}")
    except DiplomatError as exc:
        raise MalformedValueError(exc.detail) from exc

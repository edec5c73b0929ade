"""JSON-LD: an offline static document loader, safe-mode expansion, and bounded RDFC-1.0."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import orjson

from vc import ldpolicy, ldsnapshot, rdfc
from vc.errors import (
    ContextNotAllowedError,
    DiplomatError,
    ParsingError,
    SafeModeError,
)
from vc.ldcontext import ContextCompiler, Unsupported
from vc.ldpolicy import _check_context_value, vendored_contexts
from vc.ldquads import Walk, document_quads
from vc.schemas import CONTEXTS_DIR

__all__ = ["CONTEXTS_DIR", "vendored_contexts"]  # re-exported: their callers import them here

T = TypeVar("T")

DocumentLoader = Callable[[str, Mapping[str, Any] | None], dict[str, Any]]

# RDFC-1.0 §4.4 leaves "poison graphs" to implementations; the spec advises bounding the work.
# A degree credential needs no Hash N-Degree Quads call at all; 2,000 is far above any real VC.
DEFAULT_WORK_LIMIT = 2_000
EXPANSION_CACHE_SIZE = 64
# Quads are kept from a report's safe-mode check to its proof check, moments later: a few per
# thread of a worker are enough.
QUADS_CACHE_SIZE = 16
# Canonical N-Quads of flat documents (proof configurations): an issuer signing a cohort
# canonicalizes the same configuration for every credential signed in the same second.
CANONICAL_CACHE_SIZE = 16


class _Recent(Generic[T]):
    """At most ``size`` values by key, the least recently used dropped first; thread-safe."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, T] = OrderedDict()
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._items)

    def get(self, key: bytes) -> T | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: bytes, value: T) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class StaticDocumentLoader:
    """Serves only known documents; any other URL is a ContextNotAllowedError, never a fetch.

    Vendored contexts are tagged 'static' so pyld caches the processed contexts across calls.
    """

    def __init__(
        self, extra: Mapping[str, Mapping[str, Any]] | None = None, *, snapshot: bool = True
    ) -> None:
        self._documents: dict[str, Mapping[str, Any]] = dict(vendored_contexts())
        # Start the compiled contexts from vc.ldsnapshot's stored ones (False: pyld processes
        # every context, as tools/compile_contexts.py needs to make them again).
        self._snapshot = snapshot
        self._documents.update(extra or {})
        # Expansions made with this loader, by document text: a verification expands the
        # credential for the safe-mode check and again to canonicalize it; once is enough.
        self._expansions: _Recent[list[Any]] = _Recent(EXPANSION_CACHE_SIZE)
        # The quads of documents walked with the compiled contexts, by document text: the
        # safe-mode check of a credential also yields the quads of its unsecured form, which
        # the proof check canonicalizes (one expansion per verification).
        self._quads: _Recent[tuple[Any, ...]] = _Recent(QUADS_CACHE_SIZE)
        # Canonical N-Quads of flat documents, by hash name and document text (``canonize``).
        self._canonical: _Recent[str] = _Recent(CANONICAL_CACHE_SIZE)
        self._compiler: ContextCompiler | None = None
        self._accepted_contexts: set[tuple[str, ...] | None] = set()
        self._lock = threading.Lock()

    def compiler(self) -> ContextCompiler:
        """The compiled contexts this loader serves (made on first use, then kept)."""
        with self._lock:
            if self._compiler is None:
                # The stored snapshot holds the vendored contexts as they are: not for a loader
                # that serves another document at one of their URLs.
                pinned = self._snapshot and all(
                    self._documents.get(url) is document
                    for url, document in vendored_contexts().items()
                )
                self._compiler = ContextCompiler(self, ldsnapshot.stored() if pinned else None)
            return self._compiler

    def context_accepted(self, context: Any) -> bool:
        """Was this @context (a URL or a list of URLs) found acceptable before?"""
        return _urls(context) in self._accepted_contexts

    def accept_context(self, context: Any) -> None:
        """Remember a URL-only @context that passed the context policy (its verdict depends on
        the URLs and the loader alone, which never changes)."""
        urls = _urls(context)
        if urls is not None and len(self._accepted_contexts) < EXPANSION_CACHE_SIZE:
            with self._lock:
                self._accepted_contexts.add(urls)

    def has_quads(self) -> bool:
        """Are any quads remembered (is a look-up worth its key)?"""
        return bool(self._quads)

    def cached_quads(self, key: bytes) -> tuple[Any, ...] | None:
        return self._quads.get(key)

    def remember_quads(self, key: bytes, quads: tuple[Any, ...]) -> None:
        self._quads.put(key, quads)

    def cached_canonical(self, key: bytes) -> str | None:
        return self._canonical.get(key)

    def remember_canonical(self, key: bytes, text: str) -> None:
        self._canonical.put(key, text)

    def cached_expansion(self, key: bytes) -> list[Any] | None:
        found = self._expansions.get(key)
        return None if found is None else copy.deepcopy(found)

    def remember_expansion(self, key: bytes, expanded: list[Any]) -> None:
        self._expansions.put(key, copy.deepcopy(expanded))

    def forget_expansions(self) -> None:
        """Drop the cached expansions (benchmarks measure a document seen for the first time)."""
        for cache in (self._expansions, self._quads, self._canonical):
            cache.clear()

    def __contains__(self, url: str) -> bool:
        return url in self._documents

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        document = self._documents.get(url)
        if document is None:
            raise ContextNotAllowedError(
                f"context {url!r} is not one of the vendored contexts; Diplomat never loads "
                "contexts from the network"
            )
        # "static" lets pyld keep the processed context in its process-wide cache, keyed by URL
        # alone: only the vendored contexts, which every loader serves alike, may go there. An
        # extra context stays with the loader that knows it (another loader must not find it).
        tag = "static" if url in vendored_contexts() else None
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": tag}


def _urls(context: Any) -> tuple[str, ...] | None:
    if isinstance(context, str):
        return (context,)
    if isinstance(context, list) and all(isinstance(item, str) for item in context):
        return tuple(context)
    return None


_default_loader = StaticDocumentLoader()


def default_loader() -> StaticDocumentLoader:
    return _default_loader


def _translate(exc: Exception) -> DiplomatError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DiplomatError):
            return cause
        cause = getattr(cause, "cause", None) or cause.__cause__ or cause.__context__
    return ParsingError(f"JSON-LD processing failed: {exc}")


def check_context_policy(
    document: Mapping[str, Any],
    loader: DocumentLoader | None = None,
    *,
    redefinitions: bool = True,
) -> None:
    """The context policy (vc.ldpolicy) with this module's default loader. Raises SafeModeError
    (ParsingError for an @context entry that is not JSON-LD at all)."""
    ldpolicy.check_context_policy(document, loader or _default_loader, redefinitions=redefinitions)


def expand(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> list[Any]:
    """Expand in safe mode, under the context policy (``check_context_policy``). Raises
    SafeModeError, ContextNotAllowedError or ParsingError.

    With a StaticDocumentLoader (the default) the result is remembered for the same document
    text, so canonicalizing a document that was just checked does not expand it again.
    """
    _require_object(document)
    chosen = loader or _default_loader
    static = chosen if isinstance(chosen, StaticDocumentLoader) else None
    key = _cache_key(document) if static is not None else None
    if static is not None and key is not None and (found := static.cached_expansion(key)):
        return found
    check_context_policy(document, chosen, redefinitions=False)
    from vc import ldoracle

    try:
        expanded = ldoracle.expand(dict(document), chosen)
    except DiplomatError:
        raise
    except Exception as exc:  # pyld raises JsonLdError and assorted built-ins
        raise _translate(exc) from exc
    # After expansion (pyld refuses a protected term redefined, as a syntax error): an inline
    # term that redefines an unprotected one is valid JSON-LD that changes meaning.
    check_context_policy(document, chosen)
    if static is not None and key is not None:
        static.remember_expansion(key, expanded)
    return expanded


def _cache_key(document: Mapping[str, Any]) -> bytes | None:
    """The SHA-256 of the document's JSON text with sorted keys, or None when it is not plain
    JSON. orjson writes the text ten times faster than json.dumps; where orjson would make two
    documents look alike (a NaN or infinity written as null) or cannot write one (integers
    beyond 64 bits), json.dumps decides, refusing what JSON cannot carry. The digest, not the
    text, is kept: a cache of 8 kB texts was half a megabyte of every worker."""
    try:
        text = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        text = b"null"  # beyond 64 bits, or not JSON at all: json.dumps says which
    if b"null" in text:
        try:
            text = json.dumps(
                document, sort_keys=True, ensure_ascii=False, allow_nan=False
            ).encode()
        except (TypeError, ValueError):
            return None  # not plain JSON: let pyld judge it, uncached
    return hashlib.sha256(text).digest()


# --- the compiled path ------------------------------------------------------------------------
#
# Documents are turned into quads by vc.ldquads with contexts compiled once (vc.ldcontext); pyld
# stays the oracle (tests/vc/test_compiled_differential.py) and the fallback for what the
# compiled path does not implement. Every fallback is counted, by reason.
_fallbacks: Counter[str] = Counter()
_compiled_runs = 0
_counter_lock = threading.Lock()


def compiled_counts() -> dict[str, Any]:
    """How many documents the compiled path handled, and the pyld fallbacks by reason (for the
    operating metrics: a fallback is slower, never a different answer)."""
    with _counter_lock:
        return {"compiled": _compiled_runs, "fallbacks": dict(_fallbacks)}


def _count(reason: str | None) -> None:
    global _compiled_runs
    with _counter_lock:
        if reason is None:
            _compiled_runs += 1
        else:
            _fallbacks[reason] += 1


def _fallback_or_cause(exc: Exception) -> None:
    """Count what the compiled walk could not finish, for pyld's path to answer: a context the
    loader refuses (that path applies the whole context policy first, in document order, and may
    refuse another part before) or anything pyld's context processing or the walk met."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DiplomatError):
            _count(f"{type(cause).__name__} in context processing")
            return
        cause = getattr(cause, "cause", None) or cause.__cause__ or cause.__context__
    _count(f"{type(exc).__name__} in the compiled walk")


def _require_object(document: object) -> Mapping[str, Any]:
    """The document, if it is a JSON object: what Diplomat signs and verifies (a credential, a
    presentation, a proof configuration) always is. A top-level array is valid JSON-LD, but
    never one of those; ParsingError says so (the W3C test documents take policy=False)."""
    if not isinstance(document, Mapping):
        raise ParsingError(
            f"a JSON-LD document here is a JSON object, not {type(document).__name__}"
        )
    return document


def _walk(
    document: Mapping[str, Any] | list[Any], loader: StaticDocumentLoader, *, policy: bool = True
) -> Walk | None:
    """The document's quads by the compiled path, under the context policy and in safe mode;
    None when it must fall back to pyld (counted). Raises SafeModeError, ParsingError or
    ContextNotAllowedError. (``policy=False``: safe mode without the context policy, for the
    differential tests on W3C test documents.)"""
    if not policy:
        try:
            return document_quads(loader.compiler().root, document, policy=False)
        except Unsupported as exc:
            _count(exc.reason)
            return None
        except DiplomatError:
            raise
        except Exception as exc:  # as below: pyld gives the answer
            _fallback_or_cause(exc)
            return None
    document = _require_object(document)
    context = document.get("@context")
    if "@context" in document and not loader.context_accepted(context):
        _check_context_value(context, loader, "/@context", urls_only=False, redefinitions=False)
        loader.accept_context(context)
    proofs = document.get("proof")
    for index, proof in enumerate(proofs if isinstance(proofs, list) else [proofs]):
        if isinstance(proof, Mapping) and "@context" in proof:
            where = f"/proof/{index}/@context"
            try:
                _check_context_value(
                    proof["@context"], loader, where, urls_only=True, redefinitions=False
                )
            except DiplomatError:
                # The policy meets the document's keys in order and may refuse another part
                # first: let it say which (pyld's path applies the whole policy).
                _count("a proof @context the context policy refuses")
                return None
    try:
        walk = document_quads(loader.compiler().root, dict(document))
    except Unsupported as exc:
        _count(exc.reason)
        return None
    except DiplomatError:
        raise
    except Exception as exc:  # pyld's context processing refused a context, or
        # the walk met what it did not expect: pyld, run on the same document, gives the answer.
        _fallback_or_cause(exc)
        return None
    inline = context if isinstance(context, list) else [context]
    if any(isinstance(item, Mapping) for item in inline):
        _check_context_value(context, loader, "/@context", urls_only=False, redefinitions=True)
    _count(None)
    return walk


def _quads(
    document: Mapping[str, Any], loader: DocumentLoader | None, *, for_rdf: bool = True
) -> tuple[Any, ...] | None:
    """The document's quads (from the cache when this loader walked the same text before), or
    None to fall back to pyld. ``for_rdf=False`` (safe mode alone, as ``expand``) accepts a
    node reference that is a relative IRI, which canonicalization refuses (as pyld's toRdf
    does: it expands the expanded form again); its quads are then not kept."""
    chosen = loader or _default_loader
    if not isinstance(chosen, StaticDocumentLoader):
        _count("a document loader other than the static loader")
        return None
    # Only the safe-mode check remembers quads (for the proof check that follows it): a
    # canonicalization looks them up when some are kept, and spares the key otherwise.
    key = _cache_key(document) if not for_rdf or chosen.has_quads() else None
    if key is None and (not for_rdf or chosen.has_quads()):
        _count("a document that is not plain JSON")
        return None
    found = None if key is None else chosen.cached_quads(key)
    if found is not None:
        return found
    walk = _walk(document, chosen)
    if walk is None:
        return None
    if walk.relative_reference is not None:
        if not for_rdf:
            return ()
        raise SafeModeError(
            f"relative IRI {walk.relative_reference!r} is not defined by the @context and would "
            "be resolved against a base"
        )
    quads = tuple(walk.all_quads())
    if for_rdf:
        return quads
    if key is not None:
        chosen.remember_quads(key, quads)
    if walk.proof_quads and walk.unsecured_ok:
        unsecured_key = _cache_key({k: v for k, v in document.items() if k != "proof"})
        if unsecured_key is not None:
            chosen.remember_quads(unsecured_key, tuple(walk.main_quads()))
    return quads


def check_safe_mode(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> None:
    """Safe mode and the context policy (as ``expand``) without keeping the expanded form; the
    quads it makes are remembered for canonicalizing the document and its unsecured form.
    Raises SafeModeError, ContextNotAllowedError or ParsingError."""
    _require_object(document)
    if _quads(document, loader, for_rdf=False) is None:
        expand(document, loader)


def canonize(
    document: Mapping[str, Any],
    loader: DocumentLoader | None = None,
    *,
    hash_name: str = "sha256",
    work_limit: int = DEFAULT_WORK_LIMIT,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, expanded in safe mode.

    `hash_name` is RDFC-1.0's internal hash (SHA-384 for ecdsa-rdfc-2019 with P-384).
    Raises SafeModeError, ContextNotAllowedError, ParsingError or WorkLimitError.
    """
    _require_object(document)
    chosen = loader or _default_loader
    static = chosen if isinstance(chosen, StaticDocumentLoader) else None
    key = None if static is None else _flat_key(document, hash_name)
    if static is not None and key is not None and (found := static.cached_canonical(key)):
        return found
    quads = _quads(document, loader)
    if quads is not None:
        text = str(rdfc.canonical(quads, hash_name, work_limit))
        if static is not None and key is not None:
            static.remember_canonical(key, text)
        return text
    from vc import ldoracle

    try:
        return ldoracle.normalize(pyld_dataset(document, loader), hash_name, work_limit)
    except DiplomatError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc


def _flat_key(document: Mapping[str, Any], hash_name: str) -> bytes | None:
    """The canonical-form cache key of a flat document (no node objects in it: a proof
    configuration, 90 µs to canonicalize), or None for any other document (a credential: each
    one is new, and the key of a large text costs more than a look-up can save)."""
    if not isinstance(document, Mapping):
        return None  # a top-level array: not a configuration, and for the walk to judge
    for value in document.values():
        if isinstance(value, dict):
            return None
        if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
            return None
    key = _cache_key(document)
    return None if key is None else hash_name.encode() + b"\0" + key


def pyld_dataset(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> Any:
    """The document's RDF dataset by pyld (the oracle and the fallback), in safe mode."""
    from vc import ldoracle

    try:
        # Expansion is idempotent: RDF is produced from the (possibly cached) expanded form.
        expanded = expand(document, loader)
        return ldoracle.to_rdf(expanded, loader or _default_loader)
    except DiplomatError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc


def compiled_canonize(
    document: Any, loader: StaticDocumentLoader, *, hash_name: str = "sha256", policy: bool = True
) -> str | None:
    """The compiled path alone, uncached: canonical N-Quads, or None where it would fall back
    to pyld (the differential tests' subject). Raises as ``canonize``."""
    walk = _walk(document, loader, policy=policy)
    if walk is None:
        return None
    if walk.relative_reference is not None:
        raise SafeModeError(f"relative IRI {walk.relative_reference!r} would be resolved")
    return str(rdfc.canonical(walk.all_quads(), hash_name, DEFAULT_WORK_LIMIT))


def pyld_canonize(
    document: Any,
    loader: DocumentLoader,
    *,
    hash_name: str = "sha256",
    work_limit: int = DEFAULT_WORK_LIMIT,
    policy: bool = True,
) -> str:
    """pyld alone (the oracle): safe-mode expansion, toRdf and RDFC-1.0, under the context
    policy unless ``policy=False``. Raises as ``canonize``."""
    from vc import ldoracle

    if policy:
        dataset = pyld_dataset(document, loader)
    else:
        try:
            dataset = ldoracle.to_rdf(ldoracle.expand(document, loader), loader)
        except DiplomatError:
            raise
        except Exception as exc:
            raise _translate(exc) from exc
    return canonize_dataset(dataset, hash_name=hash_name, work_limit=work_limit)


def canonize_dataset(
    dataset: Any, *, hash_name: str = "sha256", work_limit: int = DEFAULT_WORK_LIMIT
) -> str:
    """RDFC-1.0 of a dataset in pyld's shape (the differential tests compare both paths).
    Raises WorkLimitError, or ParsingError for a dataset it cannot read."""
    from vc import ldoracle

    try:
        return ldoracle.normalize(dataset, hash_name, work_limit)
    except DiplomatError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc

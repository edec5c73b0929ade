"""JSON-LD: an offline static document loader, safe-mode expansion, and bounded RDFC-1.0."""

from __future__ import annotations

import copy
import hashlib
import json
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

from vc.contexts import UNDEFINED_TERMS_V2
from vc.errors import (
    ContextNotAllowedError,
    DiplomatError,
    ParsingError,
    SafeModeError,
    WorkLimitError,
)
from vc.ldcontext import ContextCompiler, Unsupported
from vc.ldquads import KEYWORD_LIKE, Walk, absolute, document_quads, to_dataset
from vc.schemas import CONTEXTS_DIR

DocumentLoader = Callable[[str, Mapping[str, Any] | None], dict[str, Any]]

# RDFC-1.0 §4.4 leaves "poison graphs" to implementations; the spec advises bounding the work.
# A degree credential needs no Hash N-Degree Quads call at all; 2,000 is far above any real VC.
DEFAULT_WORK_LIMIT = 2_000
EXPANSION_CACHE_SIZE = 64


@cache
def vendored_contexts() -> Mapping[str, Mapping[str, Any]]:
    """The context documents vendored under schemas/contexts, by URL (read once, never fetched)."""
    manifest = json.loads((CONTEXTS_DIR / "manifest.json").read_text(encoding="utf-8"))
    return {
        entry["url"]: json.loads((CONTEXTS_DIR / entry["file"]).read_text(encoding="utf-8"))
        for entry in manifest["contexts"]
    }


class StaticDocumentLoader:
    """Serves only known documents; any other URL is a ContextNotAllowedError, never a fetch.

    Vendored contexts are tagged 'static' so pyld caches the processed contexts across calls.
    """

    def __init__(self, extra: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._documents: dict[str, Mapping[str, Any]] = dict(vendored_contexts())
        self._documents.update(extra or {})
        # Expansions made with this loader, by document text: a verification expands the
        # credential for the safe-mode check and again to canonicalize it; once is enough.
        self._expansions: OrderedDict[str, list[Any]] = OrderedDict()
        # The quads of documents walked with the compiled contexts, by document text: the
        # safe-mode check of a credential also yields the quads of its unsecured form, which
        # the proof check canonicalizes (one expansion per verification).
        self._quads: OrderedDict[str, frozenset[Any]] = OrderedDict()
        self._compiler: ContextCompiler | None = None
        self._lock = threading.Lock()

    def compiler(self) -> ContextCompiler:
        """The compiled contexts this loader serves (made on first use, then kept)."""
        with self._lock:
            if self._compiler is None:
                self._compiler = ContextCompiler(self)
            return self._compiler

    def cached_quads(self, key: str) -> frozenset[Any] | None:
        with self._lock:
            found = self._quads.get(key)
            if found is not None:
                self._quads.move_to_end(key)
            return found

    def remember_quads(self, key: str, quads: frozenset[Any]) -> None:
        with self._lock:
            self._quads[key] = quads
            while len(self._quads) > EXPANSION_CACHE_SIZE:
                self._quads.popitem(last=False)

    def cached_expansion(self, key: str) -> list[Any] | None:
        with self._lock:
            found = self._expansions.get(key)
            if found is None:
                return None
            self._expansions.move_to_end(key)
            return copy.deepcopy(found)

    def remember_expansion(self, key: str, expanded: list[Any]) -> None:
        with self._lock:
            self._expansions[key] = copy.deepcopy(expanded)
            while len(self._expansions) > EXPANSION_CACHE_SIZE:
                self._expansions.popitem(last=False)

    def forget_expansions(self) -> None:
        """Drop the cached expansions (benchmarks measure a document seen for the first time)."""
        with self._lock:
            self._expansions.clear()
            self._quads.clear()

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


_default_loader = StaticDocumentLoader()


def default_loader() -> StaticDocumentLoader:
    return _default_loader


class _SafeProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld has no safe mode: refuse what expansion would silently drop or leave relative.

    Checked where pyld expands a node's own keys and its @id/@type values (`_expand_object`);
    other calls of `_expand_iri` are lookups against a not-yet-scoped context and are not checked.
    """

    def __init__(self) -> None:
        super().__init__()
        self.on_property_dropped = self._dropped

    @staticmethod
    def _dropped(expanded_property: Any) -> None:
        raise SafeModeError(
            f"property {expanded_property!r} is not defined by the @context and would be dropped"
        )

    def _expand(
        self, active_ctx: Any, active_property: Any, element: Any, *rest: Any, **kw: Any
    ) -> Any:
        # JSON-LD 1.1 §5.1.2 step 13.4.7.1: an @value must be a scalar or null (unless @json).
        # pyld drops an array @value and leaves an empty node, which then stands in for {}.
        if isinstance(element, dict):
            for key, value in element.items():
                if (
                    isinstance(value, list)  # pyld itself refuses an object @value
                    and isinstance(key, str)
                    and super()._expand_iri(active_ctx, key, vocab=True) == "@value"
                    and element.get("@type") != "@json"
                ):
                    raise SafeModeError(
                        "invalid value object: @value must be a string, number, boolean or null"
                    )
        return super()._expand(active_ctx, active_property, element, *rest, **kw)

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        result = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        if not isinstance(value, str) or not _called_from_expand_object():
            return result
        if result is None:
            kind = "keyword-like term" if KEYWORD_LIKE.match(value) else "term mapped to null"
            raise SafeModeError(f"{kind} {value!r} would be dropped by JSON-LD expansion")
        if isinstance(result, str) and not result.startswith("@") and not absolute(result):
            what = "term" if vocab else "relative IRI"
            raise SafeModeError(
                f"{what} {value!r} is not defined by the @context and would be "
                + ("dropped" if vocab else "resolved against a base")
            )
        return result


def _called_from_expand_object() -> bool:
    caller = sys._getframe(2)  # 0: this function, 1: _expand_iri, 2: its caller
    if caller.f_code.co_name.startswith("<") and caller.f_back is not None:
        caller = caller.f_back  # a comprehension inside _expand_object (Python < 3.12)
    return caller.f_code.co_name == "_expand_object"


def _options(loader: DocumentLoader | None) -> dict[str, Any]:
    # No base: a relative IRI must fail, not be resolved against where the document came from.
    return {"documentLoader": loader or _default_loader, "base": None, "safe": True}


def _translate(exc: Exception) -> DiplomatError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DiplomatError):
            return cause
        cause = getattr(cause, "cause", None) or cause.__cause__ or cause.__context__
    return ParsingError(f"JSON-LD processing failed: {exc}")


# --- the context policy of safe mode ------------------------------------------------------------
#
# What a degree verifier accepts as @context (README "JSON-LD context policy"):
# 1. URLs the loader serves (vendored, or pinned by the operator), in the document's top-level
#    @context, except UNDEFINED_TERMS_V2: its only content is a catch-all @vocab that declares
#    every undefined term defined, which is exactly what safe mode exists to refuse.
# 2. Inline context objects in that top-level @context only when they are purely additive: new
#    terms mapped to absolute IRIs (or {"@id", "@type", "@container"} objects); no @vocab, @base,
#    @import, @propagate, @language, @direction, no scoped @context, no keyword aliases, and no
#    term that a context before it already defines (VC-DM 2.0 §4.3: a term's meaning may not be
#    changed by the document that uses it; protected terms aside, pyld would let it happen).
#    A term definition identical to the one a vendored context gives that term is accepted as
#    it stands (it adds no meaning: a VC 1.1 credential's BitstringStatusListEntry, vc.status).
# 3. No @context anywhere else, except where one document embeds another: a Data Integrity
#    proof's own @context (jcs suites, URLs only) and the credentials of a presentation (the
#    same rules, recursively). A scoped @context inside credentialSubject would give the same
#    words another meaning in one part of the credential.
_INLINE_FORBIDDEN = frozenset(
    {"@vocab", "@base", "@import", "@propagate", "@language", "@direction", "@context"}
)
_INLINE_ALLOWED_KEYWORDS = frozenset({"@version", "@protected"})
_TERM_DEFINITION_KEYS = frozenset({"@id", "@type", "@container"})
_EMBEDDED_DOCUMENTS = frozenset({"verifiableCredential"})


def _defined_terms(context: Any, loader: DocumentLoader, depth: int = 0) -> set[str]:
    """The terms a context (a URL, an object or a list of them) defines at its top level."""
    if depth > 4:
        return set()
    if isinstance(context, list):
        return {t for item in context for t in _defined_terms(item, loader, depth + 1)}
    if isinstance(context, str):
        try:
            document = loader(context, None).get("document", {})
        except DiplomatError:
            return set()  # the loader refuses it again, with the reason, during expansion
        inner = document.get("@context") if isinstance(document, Mapping) else None
        return _defined_terms(inner, loader, depth + 1)
    if isinstance(context, Mapping):
        if set(context) == {"@context"}:  # an embedded context document (see above)
            return _defined_terms(context["@context"], loader, depth + 1)
        return {k for k in context if isinstance(k, str) and not k.startswith("@")}
    return set()


def _load_urls(context: Any, loader: DocumentLoader) -> None:
    """Ask the loader for every context URL in ``context``: ContextNotAllowedError for one that
    is neither vendored nor pinned."""
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, str):
            loader(item, None)


@cache
def _pinned_definitions() -> Mapping[str, tuple[Any, ...]]:
    """Every term definition of the vendored contexts, by term (a term may have several)."""
    found: dict[str, list[Any]] = {}
    for document in vendored_contexts().values():
        context = document.get("@context")
        if isinstance(context, Mapping):
            for term, definition in context.items():
                if isinstance(term, str) and not term.startswith("@"):
                    found.setdefault(term, []).append(definition)
    return {term: tuple(definitions) for term, definitions in found.items()}


def _is_pinned_definition(term: str, value: Any) -> bool:
    """The inline definition is, exactly, the definition a vendored context gives the term: it
    adds no meaning of its own (a VC 1.1 credential carries the VC 2.0 context's definition of
    BitstringStatusListEntry this way, as no context URL was assigned for VC 1.x)."""
    return any(value == pinned for pinned in _pinned_definitions().get(term, ()))


def _check_inline(
    item: Mapping[str, Any], earlier: set[str] | None, where: str, loader: DocumentLoader
) -> None:
    for key, value in item.items():
        if not isinstance(key, str):
            raise SafeModeError(f"an inline @context key at {where} is not a string")
        if key in _INLINE_FORBIDDEN:
            raise SafeModeError(
                f"an inline @context at {where} sets {key}: it would change how the rest of the "
                "credential is read, so it is refused (context policy)"
            )
        if key.startswith("@"):
            if key not in _INLINE_ALLOWED_KEYWORDS or (key == "@protected" and value is not True):
                raise SafeModeError(f"an inline @context at {where} sets {key!r}: refused")
            continue
        if earlier is not None and key in earlier:
            raise SafeModeError(
                f"an inline @context at {where} redefines the term {key!r}, which an earlier "
                "context already defines: a credential may add terms, not change them"
            )
        if value is None:
            continue  # un-defining a term: pyld refuses it for a protected term, safe mode on use
        if isinstance(value, Mapping) and _is_pinned_definition(key, value):
            continue
        iri = value.get("@id") if isinstance(value, Mapping) else value
        if isinstance(value, Mapping) and not set(value) <= _TERM_DEFINITION_KEYS:
            _load_urls(value.get("@context"), loader)  # a URL nobody serves: say that first
            extra = sorted(set(value) - _TERM_DEFINITION_KEYS)
            raise SafeModeError(
                f"the inline term {key!r} at {where} uses {', '.join(map(str, extra))}: an inline "
                "term may only give an @id, @type and @container"
            )
        if not isinstance(iri, str) or iri.startswith("@") or not absolute(iri):
            raise SafeModeError(
                f"the inline term {key!r} at {where} must map to an absolute IRI, not {iri!r}"
            )


def _check_context_value(
    context: Any, loader: DocumentLoader, where: str, *, urls_only: bool, redefinitions: bool
) -> None:
    items = context if isinstance(context, list) else [context]
    earlier: set[str] = set()
    for index, item in enumerate(items):
        here = f"{where}/{index}" if isinstance(context, list) else where
        if isinstance(item, Mapping) and set(item) == {"@context"}:
            # {"@context": {...}}: an embedded context document, read as the object it wraps
            # (pyld and jsonld.js unwrap it), under the same rules.
            item = item["@context"]
            here += "/@context"
        if isinstance(item, str):
            if item == UNDEFINED_TERMS_V2:
                raise SafeModeError(
                    f"{UNDEFINED_TERMS_V2} declares every undefined term defined (a catch-all "
                    "@vocab): it defeats safe mode, so a degree verifier refuses it"
                )
            earlier |= _defined_terms(item, loader)
        elif isinstance(item, Mapping) and not urls_only:
            _check_inline(item, earlier if redefinitions else None, here, loader)
            earlier |= _defined_terms(item, loader)
        elif isinstance(item, Mapping):
            raise SafeModeError(f"@context entry at {here} is an inline object: refused here")
        else:  # not JSON-LD at all (JSON-LD 1.1 §9.15: a context is a string, object or null)
            raise ParsingError(f"@context entry at {here} is a {type(item).__name__}")


def _check_nested(value: Any, loader: DocumentLoader, where: str, depth: int = 0) -> None:
    if depth > 64:
        return  # strictjson and pyld bound nesting; nothing legitimate is this deep
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_nested(item, loader, f"{where}/{index}", depth + 1)
        return
    if not isinstance(value, Mapping):
        return
    if "@context" in value:
        raise SafeModeError(
            f"an embedded @context at {where or '/'} is refused: a scoped context would give "
            "the same words another meaning in one part of the credential (context policy)"
        )
    for key, item in value.items():
        _check_nested(item, loader, f"{where}/{key}", depth + 1)


def check_context_policy(
    document: Mapping[str, Any],
    loader: DocumentLoader | None = None,
    *,
    redefinitions: bool = True,
) -> None:
    """Enforce the context policy above. Raises SafeModeError (ParsingError for an @context
    entry that is not JSON-LD at all). ``redefinitions=False`` leaves the check that an inline
    term is new to the caller (``expand`` makes it after pyld, which reports a protected term
    redefined as the syntax error it is)."""
    chosen = loader or _default_loader
    if "@context" in document:
        _check_context_value(
            document["@context"],
            chosen,
            "/@context",
            urls_only=False,
            redefinitions=redefinitions,
        )
    for key, value in document.items():
        if key == "@context":
            continue
        if key == "proof":
            for index, proof in enumerate(value if isinstance(value, list) else [value]):
                if isinstance(proof, Mapping):
                    if "@context" in proof:
                        _check_context_value(
                            proof["@context"],
                            chosen,
                            f"/proof/{index}/@context",
                            urls_only=True,
                            redefinitions=redefinitions,
                        )
                    _check_nested(
                        {k: v for k, v in proof.items() if k != "@context"},
                        chosen,
                        f"/proof/{index}",
                    )
            continue
        if key in _EMBEDDED_DOCUMENTS:
            for index, item in enumerate(value if isinstance(value, list) else [value]):
                if isinstance(item, Mapping):
                    check_context_policy(item, chosen, redefinitions=redefinitions)
                else:
                    _check_nested(item, chosen, f"/{key}/{index}")
            continue
        _check_nested(value, chosen, f"/{key}")


def expand(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> list[Any]:
    """Expand in safe mode, under the context policy (``check_context_policy``). Raises
    SafeModeError, ContextNotAllowedError or ParsingError.

    With a StaticDocumentLoader (the default) the result is remembered for the same document
    text, so canonicalizing a document that was just checked does not expand it again.
    """
    chosen = loader or _default_loader
    static = chosen if isinstance(chosen, StaticDocumentLoader) else None
    key = _cache_key(document) if static is not None else None
    if static is not None and key is not None and (found := static.cached_expansion(key)):
        return found
    check_context_policy(document, chosen, redefinitions=False)
    try:
        expanded = list(_SafeProcessor().expand(copy.deepcopy(dict(document)), _options(chosen)))
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


def _cache_key(document: Mapping[str, Any]) -> str | None:
    try:
        return json.dumps(document, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None  # not plain JSON: let pyld judge it, uncached


class _BoundedRdfc(URDNA2015):  # type: ignore[misc]
    """RDFC-1.0 (= URDNA2015) with a chosen hash and a bound on Hash N-Degree Quads work."""

    def __init__(self, hash_name: str, work_limit: int) -> None:
        super().__init__()
        self._hash_name = hash_name
        self._budget = work_limit

    def create_hash(self) -> Any:
        return hashlib.new(self._hash_name)

    def hash_n_degree_quads(self, id_: Any, issuer: Any) -> Any:
        self._budget -= 1
        if self._budget < 0:
            raise WorkLimitError(
                "RDFC-1.0 canonicalization exceeded its work limit (a 'poison' graph of "
                "interlinked blank nodes?)"
            )
        return super().hash_n_degree_quads(id_, issuer)


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


def _walk(document: Mapping[str, Any], loader: StaticDocumentLoader) -> Walk | None:
    """The document's quads by the compiled path, under the context policy and in safe mode;
    None when it must fall back to pyld (counted). Raises SafeModeError, ParsingError or
    ContextNotAllowedError."""
    context = document.get("@context")
    if "@context" in document:
        _check_context_value(context, loader, "/@context", urls_only=False, redefinitions=False)
    proofs = document.get("proof")
    for index, proof in enumerate(proofs if isinstance(proofs, list) else [proofs]):
        if isinstance(proof, Mapping) and "@context" in proof:
            where = f"/proof/{index}/@context"
            _check_context_value(
                proof["@context"], loader, where, urls_only=True, redefinitions=False
            )
    try:
        walk = document_quads(loader.compiler().root, dict(document))
    except Unsupported as exc:
        _count(exc.reason)
        return None
    except DiplomatError:
        raise
    except RecursionError:
        _count("nesting too deep for the compiled walk")
        return None
    except Exception as exc:  # pyld's context processing: JsonLdError and built-ins
        raise _translate(exc) from exc
    inline = context if isinstance(context, list) else [context]
    if any(isinstance(item, Mapping) for item in inline):
        _check_context_value(context, loader, "/@context", urls_only=False, redefinitions=True)
    _count(None)
    return walk


def _quads(document: Mapping[str, Any], loader: DocumentLoader | None) -> frozenset[Any] | None:
    """The document's quads (from the cache when this loader walked the same text before), or
    None to fall back to pyld."""
    chosen = loader or _default_loader
    if not isinstance(chosen, StaticDocumentLoader):
        _count("a document loader other than the static loader")
        return None
    key = _cache_key(document)
    if key is None:
        _count("a document that is not plain JSON")
        return None
    found = chosen.cached_quads(key)
    if found is not None:
        return found
    walk = _walk(document, chosen)
    if walk is None:
        return None
    quads = frozenset(walk.quads | walk.proof_quads)
    chosen.remember_quads(key, quads)
    if walk.proof_quads and walk.unsecured_ok:
        unsecured_key = _cache_key({k: v for k, v in document.items() if k != "proof"})
        if unsecured_key is not None:
            chosen.remember_quads(unsecured_key, frozenset(walk.quads))
    return quads


def check_safe_mode(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> None:
    """Safe mode and the context policy (as ``expand``) without keeping the expanded form; the
    quads it makes are remembered for canonicalizing the document and its unsecured form.
    Raises SafeModeError, ContextNotAllowedError or ParsingError."""
    if _quads(document, loader) is None:
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
    quads = _quads(document, loader)
    try:
        dataset = pyld_dataset(document, loader) if quads is None else to_dataset(quads)
        return str(
            _BoundedRdfc(hash_name, work_limit).main(dataset, {"format": "application/n-quads"})
        )
    except DiplomatError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc


def pyld_dataset(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> Any:
    """The document's RDF dataset by pyld (the oracle and the fallback), in safe mode."""
    try:
        # Expansion is idempotent: RDF is produced from the (possibly cached) expanded form.
        expanded = expand(document, loader)
        return _SafeProcessor().to_rdf(expanded, _options(loader))
    except DiplomatError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc


def canonize_dataset(
    dataset: Any, *, hash_name: str = "sha256", work_limit: int = DEFAULT_WORK_LIMIT
) -> str:
    """RDFC-1.0 of a dataset in pyld's shape (the differential tests compare both paths)."""
    return str(_BoundedRdfc(hash_name, work_limit).main(dataset, {"format": "application/n-quads"}))

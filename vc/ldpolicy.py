"""The JSON-LD context policy of safe mode: which @context values a degree verifier accepts."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from vc.contexts import UNDEFINED_TERMS_V2
from vc.errors import DiplomatError, ParsingError, SafeModeError
from vc.ldquads import absolute
from vc.schemas import CONTEXTS_DIR

DocumentLoader = Callable[[str, Mapping[str, Any] | None], dict[str, Any]]


@cache
def vendored_contexts() -> Mapping[str, Mapping[str, Any]]:
    """The context documents vendored under schemas/contexts, by URL (read once, never fetched)."""
    manifest = json.loads((CONTEXTS_DIR / "manifest.json").read_text(encoding="utf-8"))
    return {
        entry["url"]: json.loads((CONTEXTS_DIR / entry["file"]).read_text(encoding="utf-8"))
        for entry in manifest["contexts"]
    }


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
    loader: DocumentLoader,
    *,
    redefinitions: bool = True,
) -> None:
    """Enforce the context policy above. Raises SafeModeError (ParsingError for an @context
    entry that is not JSON-LD at all). ``redefinitions=False`` leaves the check that an inline
    term is new to the caller (``expand`` makes it after pyld, which reports a protected term
    redefined as the syntax error it is)."""
    chosen = loader
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

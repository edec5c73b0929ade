"""Compiled JSON-LD contexts: each (active context, local context) pair processed once, for good.

pyld applies a type-scoped context to a fresh clone of the active context with a new id, so its
processed-context cache never hits and a verification processes the same contexts again and again.
Here every processed context is an immutable ``CompiledContext`` (a table of ``Term``s), and the
result of applying a local context to it is remembered on it, keyed by the local context itself
(a URL, or the JSON text of an object). The processing itself is pyld's (JSON-LD 1.1 §4.1 "Context
Processing"), so term definitions, protection and errors are exactly the oracle's; only the
bookkeeping is ours. Contexts are served only by a ``StaticDocumentLoader`` (the pinned contexts),
whose documents never change, so a processed context never goes stale.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from typing import Any, Final, TypeVar

from vc.ldvocab import KEYWORD_PATTERN, KEYWORDS

_KEYWORD_PATTERN: Final = re.compile(KEYWORD_PATTERN)
_T = TypeVar("_T")
# pyld's absolute-IRI test (a scheme, or "_", then ":" and no whitespace); toRdf drops the rest.
# pyld anchors it with "$", which also matches before one final newline: "\n?\Z" says so.
ABSOLUTE_IRI: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*\n?\Z")
# A term definition keyword the compiled walk does not implement (none of the pinned credential
# contexts uses it): a document that reaches such a term is handed to pyld (see vc.ldquads).
_UNSUPPORTED_TERM_KEYS: Final = ("@reverse", "@language", "@direction", "@nest", "@index")
_SUPPORTED_CONTAINERS: Final = frozenset({"@set", "@list", "@graph"})
MAX_CHILDREN: Final = 256  # processed inline contexts remembered per parent context
# Expansions remembered per context and kind. Keys and types come from the contexts' terms, but
# @id values differ in every credential, and a document may use absolute IRIs as keys and types:
# a full memo starts again, so a worker's memory stays bounded whatever it is sent.
MAX_MEMO: Final = 512


def memo(table: dict[str, _T], key: str, value: _T) -> _T:
    """Remember ``value`` under ``key`` in a per-context memo of at most MAX_MEMO entries."""
    if len(table) >= MAX_MEMO:
        table.clear()
    table[key] = value
    return value


class Unsupported(Exception):
    """The compiled path does not implement what the document needs: use pyld instead (a
    signal, never shown to a caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Term:
    """One term definition, read from pyld's processed mapping (immutable once built)."""

    __slots__ = ("container", "context", "context_key", "iri", "type", "unsupported")

    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self.iri: str | None = mapping.get("@id")
        self.type: str | None = mapping.get("@type")
        self.container: frozenset[str] = frozenset(mapping.get("@container", ()))
        # A scoped context: the raw value (False for a scoped "@context": null), else None.
        self.context: Any = mapping.get("@context")
        self.context_key: Any = None if self.context is None else local_key(self.context)
        reasons = [key for key in _UNSUPPORTED_TERM_KEYS if key in mapping]
        if mapping.get("reverse"):
            reasons.append("@reverse")
        if self.container - _SUPPORTED_CONTAINERS:
            reasons.append("@container " + " ".join(sorted(self.container)))
        if "@graph" in self.container and self.container - {"@graph", "@set"}:
            reasons.append("@container " + " ".join(sorted(self.container)))
        if self.context is False:
            reasons.append("a scoped @context: null")
        self.unsupported: str | None = ", ".join(reasons) or None


def local_key(local: Any) -> Any:
    """The cache key of a local context: the URL, or the JSON text of anything else."""
    if isinstance(local, str):
        return local
    if isinstance(local, list) and all(isinstance(item, str) for item in local):
        return tuple(local)
    return json.dumps(local, sort_keys=True, ensure_ascii=False)


class CompiledContext:
    """An active context (JSON-LD 1.1 §4.1): terms, @vocab, and the context a type-scoped
    context reverts to. Never changes once built; ``process`` returns another one."""

    __slots__ = (
        "_children",
        "_compiler",
        "_iri",
        "_vocab_iri",
        "checked_keys",
        "checked_types",
        "previous",
        "pyld",
        "string_plans",
        "terms",
        "vocab",
    )

    def __init__(
        self, compiler: ContextCompiler, processed: Mapping[str, Any], *, keep: bool = True
    ) -> None:
        self._compiler = compiler
        self.pyld = processed
        self.terms: dict[str, Term | None] = {
            term: None if mapping is None else compiler.term(mapping, keep=keep)
            for term, mapping in processed["mappings"].items()
        }
        self.vocab: str | None = processed.get("@vocab")
        previous = processed.get("previousContext")
        self.previous = None if previous is None else compiler.wrap(previous)
        self._children: dict[Any, CompiledContext] = {}
        self._vocab_iri: dict[str, str | None] = {}
        self._iri: dict[str, str | None] = {}
        # Keys that passed the safe-mode checks of vc.ldquads, with their expansion.
        self.checked_keys: dict[str, str] = {}
        self.checked_types: dict[str, str] = {}
        self.string_plans: dict[str, Any] = {}  # vc.ldquads: how a string under a key expands
        if processed.get("processingMode", "json-ld-1.1") != "json-ld-1.1":
            raise Unsupported("JSON-LD 1.0 processing mode")
        if "@language" in processed or "@direction" in processed:
            raise Unsupported("a default @language or @direction")

    def process(
        self,
        local: Any,
        *,
        override_protected: bool = False,
        propagate: bool = True,
        key: Any = None,
    ) -> CompiledContext:
        """This context with ``local`` applied (JSON-LD 1.1 §4.1), from the cache when it was
        computed before. Raises what pyld raises for an invalid context."""
        cache_key = (local_key(local) if key is None else key, override_protected, propagate)
        found = self._children.get(cache_key)
        if found is not None:
            return found
        keep = len(self._children) < MAX_CHILDREN or isinstance(cache_key[0], str | tuple)
        made = self._compiler.process(self, local, override_protected, propagate, keep)
        if keep:
            self._children[cache_key] = made
        return made

    def transitions(self) -> list[tuple[Any, CompiledContext]]:
        """(cache key, result) of every local context applied to this one (vc.ldsnapshot)."""
        return list(self._children.items())

    def learn(self, cache_key: Any, made: CompiledContext) -> None:
        """Take a transition computed before (vc.ldsnapshot.restore)."""
        self._children[cache_key] = made

    def expand_vocab(self, value: str) -> str | None:
        """IRI expansion with vocab=true (JSON-LD 1.1 §5.2.2), as pyld does it."""
        try:
            return self._vocab_iri[value]
        except KeyError:
            return memo(self._vocab_iri, value, self._expand(value, vocab=True))

    def expand_id(self, value: str) -> str | None:
        """IRI expansion with vocab=false and no base (a relative IRI stays relative)."""
        try:
            return self._iri[value]
        except KeyError:
            return memo(self._iri, value, self._expand(value, vocab=False))

    def _expand(self, value: str, *, vocab: bool) -> str | None:
        # A transcription of pyld's _expand_iri without a local context or a base.
        if value in KEYWORDS:
            return value
        if _KEYWORD_PATTERN.match(value):
            return None
        if vocab and value in self.terms:
            term = self.terms[value]
            return None if term is None else term.iri
        colon = value.find(":")
        if colon > 0:
            prefix, suffix = value.split(":", 1)
            if prefix == "_" or suffix.startswith("//"):
                return value
            mapping = self.pyld["mappings"].get(prefix)
            if mapping and mapping["_prefix"]:
                return str(mapping["@id"]) + suffix
            if ABSOLUTE_IRI.match(value):
                return value
        if vocab and self.vocab is not None:
            return self.vocab + value
        return value


class ContextCompiler:
    """The compiled contexts of one document loader (its root, and all it has processed).

    Given a snapshot (vc.ldsnapshot: the contexts Diplomat's own credentials reach, processed by
    pyld ahead of time and stored with the vendored contexts), it starts with those contexts
    and their transitions in place, and imports pyld only for a pair the snapshot lacks."""

    def __init__(self, loader: Any, snapshot: Mapping[str, Any] | None = None) -> None:
        self._loader = loader
        self._pyld: tuple[Any, dict[str, Any]] | None = None  # pyld's processor and options
        self._wrapped: dict[int, tuple[Mapping[str, Any], CompiledContext]] = {}
        # One Term per term definition: pyld shares a definition among the contexts that inherit
        # it, and so do the compiled contexts (a few hundred Terms, not one per term and context).
        self._terms: dict[int, tuple[Mapping[str, Any], Term]] = {}
        self._lock = threading.RLock()
        if snapshot is not None:
            from vc.ldsnapshot import restore

            self.root = restore(self, snapshot)
        else:
            processor, options = self._processor()
            self.root = self.wrap(processor._get_initial_context(options))

    def _processor(self) -> tuple[Any, dict[str, Any]]:
        if self._pyld is None:
            from pyld import jsonld as pyld_jsonld
            from pyld.context_resolver import ContextResolver

            options: dict[str, Any] = {
                "documentLoader": self._loader,
                "base": None,
                "processingMode": "json-ld-1.1",
                "isFrame": False,
                "keepFreeFloatingNodes": False,
                "extractAllScripts": False,
                "contextResolver": ContextResolver({}, self._loader),
            }
            self._pyld = (pyld_jsonld.JsonLdProcessor(), options)
        return self._pyld

    def contexts(self) -> list[CompiledContext]:
        """Every context this compiler keeps, in the order it made them (vc.ldsnapshot)."""
        with self._lock:
            return [made for _processed, made in self._wrapped.values()]

    def term(self, mapping: Mapping[str, Any], *, keep: bool = True) -> Term:
        """The Term of one of pyld's term definitions (by identity, holding it: never reused);
        remembered only for a context that is kept, so the table stays bounded."""
        found = self._terms.get(id(mapping))
        if found is not None:
            return found[1]
        made = Term(mapping)
        if keep:
            self._terms[id(mapping)] = (mapping, made)
        return made

    def wrap(self, processed: Mapping[str, Any], *, keep: bool = True) -> CompiledContext:
        # Keyed by identity, holding the object so that the id is never reused; a context that
        # is not kept (one of too many inline contexts) is not remembered here either.
        found = self._wrapped.get(id(processed))
        if found is not None:
            return found[1]
        made = CompiledContext(self, processed, keep=keep)
        if keep:
            self._wrapped[id(processed)] = (processed, made)
        return made

    def process(
        self,
        active: CompiledContext,
        local: Any,
        override_protected: bool,
        propagate: bool,
        keep: bool,
    ) -> CompiledContext:
        with self._lock:  # pyld's resolver caches are not meant to be shared across threads
            processor, options = self._processor()
            processed = processor._process_context(
                active.pyld,
                local,
                dict(options),
                override_protected=override_protected,
                propagate=propagate,
            )
            return self.wrap(processed, keep=keep)

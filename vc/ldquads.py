"""JSON-LD to RDF quads in one pass with compiled contexts, in safe mode (no expanded copy).

The walk follows JSON-LD 1.1 Expansion (§5.1.2), Node Map Generation (§7.2) and Deserialize
JSON-LD to RDF (§8.1) as pyld implements them, key by key in the same (sorted) order, so that the
first problem it meets is the one pyld meets. Each node emits its triples when it is complete;
nothing is expanded twice. Safe mode is enforced here: a key that expands to nothing or to a
relative IRI, a relative @id or @type, an array @value raise SafeModeError as ``vc.jsonld`` does.
Anything else that is unusual (a feature the pinned credential contexts do not use, or input
pyld would reject as invalid JSON-LD) raises ``Unsupported``: the caller falls back to pyld, which
gives the exact answer or error, and counts the fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from vc.errors import SafeModeError
from vc.ldcontext import ABSOLUTE_IRI, CompiledContext, Unsupported, memo
from vc.ldterms import (
    KEYWORD_LIKE,
    ListObject,
    Node,
    Quad,
    QuadStore,
    Sink,
    Term,
    absolute,
    check_expanded,
    listed,
    literal,
    to_dataset,
)
from vc.ldvocab import KEYWORDS, RDF_TYPE

__all__ = ["KEYWORD_LIKE", "Quad", "absolute", "check_expanded", "to_dataset"]  # re-exported


_NODE_KEYWORDS: Final = frozenset({"@id", "@type", "@value", "@language", "@list", "@set"})
PROOF_KEY: Final = "proof"  # the key vc.proofs.unsecured removes
_SCALARS: Final = (str, int, float)  # bool is an int


def _checked_type(ctx: CompiledContext, name: str) -> str:
    """An @type value (or a term in @type position) expanded with vocab=true, safe-mode checked."""
    found = ctx.checked_types.get(name)
    if found is None:
        iri = ctx.expand_vocab(name)
        check_expanded(name, iri, vocab=True)
        found = memo(ctx.checked_types, name, str(iri))
    return found


def _string_plan(ctx: CompiledContext, key: str) -> tuple[str, str | None] | None:
    """How a string under ``key`` expands when nothing about the term needs the general path:
    ("literal", datatype), ("@id", None) or ("@vocab", None) (JSON-LD 1.1 §5.3.2); None when
    the term has a scoped context, a list or graph container, @json or an unsupported feature."""
    term = ctx.terms.get(key)
    if term is None:
        return ("literal", None)
    if term.unsupported or term.context is not None or term.type == "@json":
        return None
    if "@list" in term.container or "@graph" in term.container:
        return None
    if term.type in ("@id", "@vocab"):
        return (term.type, None)
    return ("literal", None if term.type == "@none" else term.type)


def _plain_string(walk: Walk, ctx: CompiledContext, key: str, value: str) -> Any:
    """A string under a plain term: what Walk._property -> _expand -> _value would make of it,
    decided once per context and key (_string_plan); None when the general path must run."""
    plan = ctx.string_plans.get(key, False)
    if plan is False:
        plan = memo(ctx.string_plans, key, _string_plan(ctx, key))
    if plan is None:
        return None
    mode, datatype = plan
    if mode == "literal":
        return literal(value, datatype, None)
    return walk._reference(ctx.expand_id(value) if mode == "@id" else ctx.expand_vocab(value))


def _value_object(rval: dict[str, Any], type_was_list: bool, free: bool) -> Term | None:
    """An expanded value object's literal (the checks of JSON-LD 1.1 §5.1.2 step 15, as pyld
    makes them), or None where pyld drops it. Raises Unsupported for what pyld refuses."""
    if set(rval) - {"@value", "@type", "@language"}:
        raise Unsupported("an invalid value object")
    types: list[str] = rval.get("@type", [])
    if types and ("@language" in rval or type_was_list or len(types) > 1):
        raise Unsupported("an invalid typed value")
    value = rval["@value"]
    if types == ["@json"]:
        pass
    elif value is None:
        return None
    elif "@language" in rval and not isinstance(value, str):
        raise Unsupported("a language-tagged value that is not a string")
    elif not all(ABSOLUTE_IRI.match(t) and not t.startswith("_:") for t in types):
        raise Unsupported("a typed value whose type is not an absolute IRI")
    if free:
        return None
    return literal(value, types[0] if types else None, rval.get("@language"))


class Walk:
    """One document's quads. ``policy`` refuses an @context below the top, except in the top
    node's proofs (the context policy of ``vc.jsonld``, which the caller applies)."""

    def __init__(self, *, policy: bool = True) -> None:
        self.policy = policy
        self.out = QuadStore()
        # The first node reference that is a relative IRI: pyld's toRdf expands the expanded
        # form again and safe mode refuses it then (an error of canonicalization, not of
        # expansion).
        self.relative_reference: str | None = None
        self.unsecured_ok = False  # True when ``quads`` alone is the document without "proof"
        self._sink: Sink = []
        self._in_proof = False
        self._proof_values: set[int] = set()

    # --- the whole document ------------------------------------------------------------------
    def run(self, root: CompiledContext, document: Any) -> None:
        self.unsecured_ok = isinstance(document, dict)
        self._expand(root, None, document, False, False, None, top=True)
        self._commit(None)

    def _commit(self, graph: str | None) -> None:
        out = self.out
        out.store(self._sink, graph, out.proof_quads if self._in_proof else out.quads)
        self._sink = []

    @property
    def proof_quads(self) -> dict[tuple[Any, ...], Term]:
        return self.out.proof_quads

    def all_quads(self) -> list[Quad]:
        """Every quad (a quad twice where pyld gives it twice)."""
        return [*listed(self.out.quads), *listed(self.out.proof_quads)]

    def main_quads(self) -> list[Quad]:
        """The quads of everything but the top node's "proof" key."""
        return listed(self.out.quads)

    # --- expansion (JSON-LD 1.1 §5.1.2, in pyld's order) -------------------------------------
    def _expand(
        self,
        ctx: CompiledContext,
        prop: str | None,
        element: Any,
        inside_list: bool,
        inside_index: bool,
        tsc: CompiledContext | None,
        top: bool = False,
        context_ok: bool = False,
    ) -> Any:
        if element is None:
            return None
        if isinstance(element, list):
            term = ctx.terms.get(prop) if prop is not None else None
            inside_list = inside_list or (term is not None and "@list" in term.container)
            out: list[Any] = []
            for item in element:
                got = self._expand(ctx, prop, item, inside_list, inside_index, tsc)
                if inside_list and isinstance(got, list):
                    got = ListObject(got)
                if got is None:
                    continue
                if isinstance(got, list):
                    out.extend(got)
                else:
                    out.append(got)
            return out
        if isinstance(element, dict):
            return self._node(ctx, prop, element, inside_list, inside_index, tsc, top, context_ok)
        if not isinstance(element, _SCALARS):
            raise Unsupported(f"a {type(element).__name__} in the document")
        if not inside_list and (prop is None or ctx.expand_vocab(prop) == "@graph"):
            return None
        return self._value(ctx, prop, element)

    def _value(self, ctx: CompiledContext, prop: str | None, value: Any) -> Any:
        # Value Expansion (JSON-LD 1.1 §5.3.2), pyld's _expand_value.
        expanded_prop = None if prop is None else ctx.expand_vocab(prop)
        if expanded_prop in ("@id", "@type"):
            raise Unsupported("a bare value under @id or @type")
        term = ctx.terms.get(prop) if prop is not None else None
        kind = term.type if term is not None else None
        if term is not None and term.unsupported:
            raise Unsupported(term.unsupported)
        if (kind == "@id" or expanded_prop == "@graph") and isinstance(value, str):
            return self._reference(ctx.expand_id(value))
        if kind == "@vocab" and isinstance(value, str):
            return self._reference(ctx.expand_vocab(value))
        if expanded_prop in KEYWORDS:
            raise Unsupported(f"a bare value under {expanded_prop}")
        datatype = kind if kind not in (None, "@id", "@vocab", "@none") else None
        return literal(value, datatype, None)

    def _reference(self, iri: str | None) -> Node:
        if iri is None or iri in KEYWORDS:
            raise Unsupported("a node reference that expands to nothing")
        if self.relative_reference is None and not iri.startswith("@") and not absolute(iri):
            self.relative_reference = iri
        return Node(self.out.resource(iri))

    def _node(
        self,
        ctx: CompiledContext,
        prop: str | None,
        element: dict[str, Any],
        inside_list: bool,
        inside_index: bool,
        tsc: CompiledContext | None,
        top: bool,
        context_ok: bool,
    ) -> Any:
        for key, value in element.items():
            if type(key) is not str:
                raise Unsupported("a key that is not a string")
            # JSON-LD 1.1 §5.1.2 step 13.4.7.1: @value is a scalar (or anything, for @json).
            if (
                type(value) is list
                and ctx.expand_vocab(key) == "@value"
                and element.get("@type") != "@json"
            ):
                raise SafeModeError(
                    "invalid value object: @value must be a string, number, boolean or null"
                )
        keys = sorted(element)
        expanded_prop = None if prop is None else ctx.expand_vocab(prop)
        prop_term = ctx.terms.get(prop) if prop is not None else None
        if tsc is None and ctx.previous is not None:
            tsc = ctx
        must_revert = not inside_index
        if must_revert and tsc is not None and len(element) <= 2 and "@context" not in element:
            for key in keys:
                found = tsc.expand_vocab(key)
                if found == "@value":
                    must_revert = False
                    ctx = tsc
                    break
                if found == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert and ctx.previous is not None:
            ctx = ctx.previous
        if prop_term is not None and prop_term.context is not None:
            ctx = ctx.process(prop_term.context, override_protected=True, key=prop_term.context_key)
        ctx, type_key, type_scoped = self._nested_context(ctx, element, keys, top or context_ok)
        rval, type_was_list = self._object(
            ctx, prop, expanded_prop, element, keys, type_key, type_scoped, top
        )
        return self._complete(rval, prop, expanded_prop, inside_list, type_was_list, top)

    def _nested_context(
        self, ctx: CompiledContext, element: dict[str, Any], keys: list[str], top: bool
    ) -> tuple[CompiledContext, str | None, CompiledContext]:
        if "@context" in element:
            if self.policy and not top:
                raise Unsupported("an embedded @context (the context policy judges it)")
            local = element["@context"]
            if isinstance(local, dict) and len(local) == 1 and "@context" in local:
                raise Unsupported("an @context that is only an embedded @context")
            ctx = ctx.process(local)
        type_scoped = ctx
        type_key = None
        for key in keys:
            if ctx.expand_vocab(key) != "@type":
                continue
            type_key = type_key or key
            value = element[key]
            names = [
                t for t in (value if isinstance(value, list) else [value]) if isinstance(t, str)
            ]
            for name in sorted(names):
                term = type_scoped.terms.get(name)
                if term is not None and term.context is not None and term.context is not False:
                    ctx = ctx.process(term.context, propagate=False, key=term.context_key)
        return ctx, type_key, type_scoped

    def _object(
        self,
        ctx: CompiledContext,
        prop: str | None,
        expanded_prop: str | None,
        element: dict[str, Any],
        keys: list[str],
        type_key: str | None,
        type_scoped: CompiledContext,
        top: bool,
    ) -> tuple[dict[str, Any], bool]:
        rval: dict[str, Any] = {}
        is_json_type = False
        type_was_list = False
        if type_key is not None:
            value = element[type_key]
            first = value[0] if value and isinstance(value, list) else value
            if isinstance(first, str):
                is_json_type = _checked_type(ctx, first) == "@json"
        unexpanded: Any = None
        for key in keys:
            value = element[key]
            if key == "@context":
                continue
            expanded = ctx.checked_keys.get(key)
            if expanded is None:
                expanded = ctx.expand_vocab(key)
                check_expanded(key, expanded, vocab=True)
                if expanded is None or not (ABSOLUTE_IRI.match(expanded) or expanded in KEYWORDS):
                    raise SafeModeError(
                        f"property {expanded!r} is not defined by the @context and would be dropped"
                    )
                memo(ctx.checked_keys, key, expanded)
            if expanded not in KEYWORDS:
                if type(value) is str and not top:
                    item = _plain_string(self, ctx, key, value)
                    if item is not None:
                        rval.setdefault(expanded, []).append(item)
                        continue
                self._property(ctx, prop, key, expanded, expanded_prop, value, rval, top)
                continue
            if expanded not in _NODE_KEYWORDS:
                raise Unsupported(f"the keyword {expanded}")
            if expanded in rval and expanded != "@type":
                raise Unsupported("colliding keywords")
            if expanded == "@id":
                if not isinstance(value, str):
                    raise Unsupported("an @id that is not a string")
                iri = ctx.expand_id(value)
                check_expanded(value, iri, vocab=False)
                if iri is None or iri in KEYWORDS:
                    raise Unsupported("an @id that is a keyword")
                rval["@id"] = iri
                continue
            if expanded == "@type":
                names = value if isinstance(value, list) else [value]
                if not all(isinstance(name, str) for name in names):
                    raise Unsupported("an @type that is not a string or a list of strings")
                type_was_list = type_was_list or isinstance(value, list)
                for name in names:
                    rval.setdefault("@type", []).append(_checked_type(type_scoped, name))
                continue
            if expanded == "@value":
                unexpanded = value
                if not is_json_type and isinstance(value, list | dict):
                    raise Unsupported("an @value that is an object or an array")
                rval["@value"] = value
                continue
            if expanded == "@language":
                if value is None:
                    continue
                if not isinstance(value, str):
                    raise Unsupported("an @language that is not a string")
                rval["@language"] = value.lower()
                continue
            self._property(ctx, prop, key, expanded, expanded_prop, value, rval, top)
        if (
            "@value" in rval
            and rval.get("@type") != ["@json"]
            and isinstance(unexpanded, list | dict)
        ):
            raise Unsupported("an @value that is an object or an array")
        return rval, type_was_list

    def _property(
        self,
        ctx: CompiledContext,
        prop: str | None,
        key: str,
        expanded: str,
        expanded_prop: str | None,
        value: Any,
        rval: dict[str, Any],
        top: bool,
    ) -> None:
        term = ctx.terms.get(key)
        if term is not None and term.unsupported:
            raise Unsupported(term.unsupported)
        term_ctx = ctx
        if term is not None and term.context is not None:
            term_ctx = ctx.process(term.context, override_protected=True, key=term.context_key)
        container = term.container if term is not None else frozenset()
        proof = top and key == PROOF_KEY
        if proof and expanded in KEYWORDS:
            self.unsecured_ok = False
        was_in_proof = self._in_proof
        if proof:
            self._in_proof = True
        got: Any
        try:
            if (
                type(value) is str
                and term_ctx is ctx
                and "@list" not in container
                and "@graph" not in container
                and expanded not in KEYWORDS
            ):
                # A string under a term: _expand -> _value, without the detours.
                got = self._value(ctx, key, value)
            elif expanded in ("@list", "@set"):
                is_list = expanded == "@list"
                next_prop = None if is_list and expanded_prop == "@graph" else prop
                got = self._expand(term_ctx, next_prop, value, is_list, False, None)
            elif term is not None and term.type == "@json":
                got = literal(value, "@json", None)
            elif "@graph" in container:
                got = self._graphs(term_ctx, key, value, context_ok=proof)
            else:
                got = self._expand(term_ctx, key, value, False, False, None)
        finally:
            self._in_proof = was_in_proof
        if got is None:
            return
        if "@list" in container and not isinstance(got, ListObject):
            got = ListObject(got if isinstance(got, list) else [got])
        values = got if isinstance(got, list) else [got]
        if proof:
            if not all(isinstance(v, Node) for v in values):
                self.unsecured_ok = False  # only node objects are told apart by identity
            self._proof_values.update(id(v) for v in values if isinstance(v, Node))
        rval.setdefault(expanded, []).extend(values)

    def _graphs(
        self, ctx: CompiledContext, key: str, value: Any, *, context_ok: bool
    ) -> list[Node]:
        # An @graph container (JSON-LD 1.1 §5.1.2 step 13.8.3): each value becomes a graph object,
        # named by a fresh blank node, holding that value's triples.
        out: list[Node] = []
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, list):
                raise Unsupported("an array inside an @graph container value")
            saved, self._sink = self._sink, []
            # A proof of the document may carry its own @context (the caller checked it).
            got = self._expand(ctx, key, item, False, False, None, context_ok=context_ok)
            inner, self._sink = self._sink, saved
            if isinstance(got, list):
                if len(got) > 1:
                    raise Unsupported("several values in one @graph container item")
                got = got[0] if got else None
            if got is None:
                if inner:
                    raise Unsupported("a dropped value with triples in an @graph container")
                continue
            if isinstance(got, ListObject):
                raise Unsupported("a list object as a graph")
            graph = self.out.blank()
            store = self.out
            store.store(inner, graph[1], store.proof_quads if self._in_proof else store.quads)
            out.append(Node(graph))
        return out

    # --- completing a node (the rest of §5.1.2, then §7.2 and §8.1) -------------------------
    def _complete(
        self,
        rval: dict[str, Any],
        prop: str | None,
        expanded_prop: str | None,
        inside_list: bool,
        type_was_list: bool,
        top: bool,
    ) -> Any:
        count = len(rval)
        free = not inside_list and (prop is None or expanded_prop == "@graph")
        if "@value" in rval:
            return _value_object(rval, type_was_list, free)
        if "@list" in rval or "@set" in rval:
            if count > 1:
                raise Unsupported("an invalid set or list object")
            if "@set" in rval:
                return rval["@set"]
            if free:
                raise Unsupported("a free-floating list object")
            return ListObject(rval["@list"])
        if "@language" in rval:
            if count == 1:
                return None
            raise Unsupported("@language on a node object")
        if free and (count == 0 or (count == 1 and "@id" in rval)):
            return None
        iri = rval.get("@id")
        subject = self.out.blank() if iri is None else self.out.resource(iri)
        if subject[0] == "I" and not ABSOLUTE_IRI.match(subject[1]):
            return Node(subject)  # pyld skips the triples of a subject that is not absolute
        sink = self._sink
        for name in rval.get("@type", ()):
            obj = self.out.resource(name)
            if obj[0] == "B" or ABSOLUTE_IRI.match(obj[1]):
                sink.append((subject, RDF_TYPE, obj, ("@type", obj)))
        for predicate, values in rval.items():
            # Every predicate here passed ABSOLUTE_IRI in _object (keys are checked there).
            if predicate in KEYWORDS or predicate.startswith("_:"):
                continue
            for value in values:
                found = self.out.object_term(value, sink)
                if found is None:
                    continue
                target, key = found
                if top and type(value) is Node and id(value) in self._proof_values:
                    self.out.store([(subject, predicate, target, key)], None, self.out.proof_quads)
                else:
                    sink.append((subject, predicate, target, key))
        return Node(subject)


def document_quads(
    root: CompiledContext, document: Mapping[str, Any] | list[Any], *, policy: bool = True
) -> Walk:
    """Walk a document into quads. Raises SafeModeError, Unsupported, or what pyld raises for
    an invalid context."""
    walk = Walk(policy=policy)
    walk.run(root, document)
    return walk

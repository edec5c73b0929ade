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

import re
from collections.abc import Mapping
from typing import Any, Final

from pyld.jsonld import (
    RDF_FIRST,
    RDF_JSON_LITERAL,
    RDF_LANGSTRING,
    RDF_NIL,
    RDF_REST,
    RDF_TYPE,
    XSD_BOOLEAN,
    XSD_DOUBLE,
    XSD_INTEGER,
    XSD_STRING,
    _canonicalize_double,
    _is_double,
    _is_integer,
    canonicalize,
)

from vc.errors import SafeModeError
from vc.ldcontext import ABSOLUTE_IRI, KEYWORDS, CompiledContext, Unsupported

# RDF terms as tuples: ("I", iri), ("B", label), ("L", lexical form, datatype, language or None).
Term = tuple[Any, ...]
Triple = tuple[Term, str, Term]
Quad = tuple[Term, str, Term, str | None]  # graph: None (default) or a blank node label

KEYWORD_LIKE: Final = re.compile(r"^@[a-zA-Z]+\Z")
_SCHEME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_NODE_KEYWORDS: Final = frozenset({"@id", "@type", "@value", "@language", "@list", "@set"})
PROOF_KEY: Final = "proof"  # the key vc.proofs.unsecured removes
_SCALARS: Final = (str, int, float)  # bool is an int
_JSON: Final = object()  # marks the value key of an @json literal


def absolute(iri: str) -> bool:
    """Safe mode's notion of absolute: a blank node or a scheme."""
    return iri.startswith("_:") or bool(_SCHEME.match(iri))


def check_expanded(value: str, result: str | None, *, vocab: bool) -> None:
    """Safe mode for one expanded key, @id or @type: raise SafeModeError for what JSON-LD would
    drop or leave relative."""
    if result is None:
        kind = "keyword-like term" if KEYWORD_LIKE.match(value) else "term mapped to null"
        raise SafeModeError(f"{kind} {value!r} would be dropped by JSON-LD expansion")
    if not result.startswith("@") and not absolute(result):
        what = "term" if vocab else "relative IRI"
        raise SafeModeError(
            f"{what} {value!r} is not defined by the @context and would be "
            + ("dropped" if vocab else "resolved against a base")
        )


def _checked_type(ctx: CompiledContext, name: str) -> str:
    """An @type value (or a term in @type position) expanded with vocab=true, safe-mode checked."""
    found = ctx.checked_types.get(name)
    if found is None:
        iri = ctx.expand_vocab(name)
        check_expanded(name, iri, vocab=True)
        found = ctx.checked_types[name] = str(iri)
    return found


class _Node:
    """An expanded node object (or a graph object's name): the RDF term that stands for it.
    (An expanded value object is its RDF literal, a plain tuple.)"""

    __slots__ = ("term",)

    def __init__(self, term: Term) -> None:
        self.term = term


class _List:
    """An expanded list object; its RDF collection is made where it is referenced."""

    __slots__ = ("items",)

    def __init__(self, items: list[Any]) -> None:
        self.items = items


def _literal(value: Any, datatype: str | None, language: str | None) -> Term:
    """The RDF literal of a JSON-LD value object, with the key pyld's node map compares value
    objects by (@value with Python's ==, @type, @language) as a fifth member."""
    term = _rdf_literal(value, datatype, language)
    if datatype == "@json":
        return (*term, (_JSON, term[1]))
    # pyld compares @value with ==, except that a boolean equals only a boolean (1 != true).
    return (*term, ((bool, value) if type(value) is bool else value, datatype, language))


def _rdf_literal(value: Any, datatype: str | None, language: str | None) -> Term:
    # pyld's _object_to_rdf for a value object (JSON-LD 1.1 §8.6 "Object to RDF Conversion").
    if type(value) is str and datatype != "@json" and datatype != XSD_DOUBLE:
        # The common case first (pyld's number tests are False for a string).
        if language is not None:
            return ("L", value, datatype or RDF_LANGSTRING, language)
        return ("L", value, datatype or XSD_STRING, None)
    if datatype == "@json":
        return ("L", canonicalize(value).decode("utf-8"), RDF_JSON_LITERAL, None)
    if isinstance(value, bool):
        return ("L", "true" if value else "false", datatype or XSD_BOOLEAN, None)
    if _is_double(value):
        return ("L", _canonicalize_double(value), datatype or XSD_DOUBLE, None)
    if datatype == XSD_DOUBLE:
        try:
            number = float(value)
        except (ValueError, TypeError):
            return ("L", value, XSD_DOUBLE, None)
        return ("L", _canonicalize_double(number), XSD_DOUBLE, None)
    if _is_integer(value) and abs(value) >= 1e21:
        return ("L", _canonicalize_double(value), datatype or XSD_DOUBLE, None)
    if _is_integer(value):
        return ("L", str(int(value)), datatype or XSD_INTEGER, None)
    if not isinstance(value, str):
        raise Unsupported(f"a {type(value).__name__} value")
    if language is not None:
        return ("L", value, datatype or RDF_LANGSTRING, language)
    return ("L", value, datatype or XSD_STRING, None)


class Walk:
    """One document's quads. ``policy`` refuses an @context below the top, except in the top
    node's proofs (the context policy of ``vc.jsonld``, which the caller applies)."""

    def __init__(self, *, policy: bool = True) -> None:
        self.policy = policy
        # Quads by (subject, predicate, graph, JSON-LD value): pyld's node map keeps one of each
        # JSON-LD value per subject and property (the first), so two JSON-LD values that give the
        # same RDF term (true and {"@value": true, "@type": xsd:boolean}) give the same quad
        # twice, as pyld does; the canonical N-Quads then hold it twice too.
        self.quads: dict[tuple[Any, ...], Term] = {}
        self.proof_quads: dict[tuple[Any, ...], Term] = {}  # what the top "proof" key gave
        # The first node reference that is a relative IRI: pyld's toRdf expands the expanded
        # form again and safe mode refuses it then (an error of canonicalization, not of
        # expansion).
        self.relative_reference: str | None = None
        self._json_values: set[tuple[Any, ...]] = set()
        self.unsecured_ok = False  # True when ``quads`` alone is the document without "proof"
        self._sink: list[tuple[Term, str, Term, Any]] = []  # (s, p, o, JSON-LD value key)
        self._labels: dict[str, str] = {}
        self._count = 0
        self._in_proof = False
        self._proof_values: set[int] = set()

    # --- blank nodes -----------------------------------------------------------------------
    def _blank(self, label: str | None = None) -> Term:
        if label is not None:
            found = self._labels.get(label)
            if found is not None:
                return ("B", found)
        made = f"_:b{self._count}"
        self._count += 1
        if label is not None:
            self._labels[label] = made
        return ("B", made)

    def _resource(self, iri: str) -> Term:
        return self._blank(iri) if iri.startswith("_:") else ("I", iri)

    # --- the whole document ------------------------------------------------------------------
    def run(self, root: CompiledContext, document: Any) -> None:
        self.unsecured_ok = isinstance(document, dict)
        self._expand(root, None, document, False, False, None, top=True)
        self._commit(None)

    def _commit(self, graph: str | None) -> None:
        self._store(self._sink, graph, self.proof_quads if self._in_proof else self.quads)
        self._sink = []

    def _store(
        self, triples: list[tuple[Term, str, Term, Any]], graph: str | None, target: dict[Any, Term]
    ) -> None:
        setdefault = target.setdefault
        for s, p, o, key in triples:
            if key[0] is _JSON:
                # pyld compares two @json values with ==, not by their JSON text: not mirrored.
                if (s, p, graph) in self._json_values:
                    raise Unsupported("two @json values of one property")
                self._json_values.add((s, p, graph))
            setdefault((s, p, graph, key), o)

    def all_quads(self) -> list[Quad]:
        """Every quad (a quad twice where pyld gives it twice)."""
        return [*self.main_quads(), *_listed(self.proof_quads)]

    def main_quads(self) -> list[Quad]:
        """The quads of everything but the top node's "proof" key."""
        return _listed(self.quads)

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
                    got = _List(got)
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
        return _literal(value, datatype, None)

    def _reference(self, iri: str | None) -> _Node:
        if iri is None or iri in KEYWORDS:
            raise Unsupported("a node reference that expands to nothing")
        if self.relative_reference is None and not iri.startswith("@") and not absolute(iri):
            self.relative_reference = iri
        return _Node(self._resource(iri))

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
                ctx.checked_keys[key] = expanded
            if expanded not in KEYWORDS:
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
                got = _literal(value, "@json", None)
            elif "@graph" in container:
                got = self._graphs(term_ctx, key, value, context_ok=proof)
            else:
                got = self._expand(term_ctx, key, value, False, False, None)
        finally:
            self._in_proof = was_in_proof
        if got is None:
            return
        if "@list" in container and not isinstance(got, _List):
            got = _List(got if isinstance(got, list) else [got])
        values = got if isinstance(got, list) else [got]
        if proof:
            if not all(isinstance(v, _Node) for v in values):
                self.unsecured_ok = False  # only node objects are told apart by identity
            self._proof_values.update(id(v) for v in values if isinstance(v, _Node))
        rval.setdefault(expanded, []).extend(values)

    def _graphs(
        self, ctx: CompiledContext, key: str, value: Any, *, context_ok: bool
    ) -> list[_Node]:
        # An @graph container (JSON-LD 1.1 §5.1.2 step 13.8.3): each value becomes a graph object,
        # named by a fresh blank node, holding that value's triples.
        out: list[_Node] = []
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
            if isinstance(got, _List):
                raise Unsupported("a list object as a graph")
            graph = self._blank()
            self._store(inner, graph[1], self.proof_quads if self._in_proof else self.quads)
            out.append(_Node(graph))
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
            return _literal(value, types[0] if types else None, rval.get("@language"))
        if "@list" in rval or "@set" in rval:
            if count > 1:
                raise Unsupported("an invalid set or list object")
            if "@set" in rval:
                return rval["@set"]
            if free:
                raise Unsupported("a free-floating list object")
            return _List(rval["@list"])
        if "@language" in rval:
            if count == 1:
                return None
            raise Unsupported("@language on a node object")
        if free and (count == 0 or (count == 1 and "@id" in rval)):
            return None
        iri = rval.get("@id")
        subject = self._blank() if iri is None else self._resource(iri)
        if subject[0] == "I" and not ABSOLUTE_IRI.match(subject[1]):
            return _Node(subject)  # pyld skips the triples of a subject that is not absolute
        sink = self._sink
        for name in rval.get("@type", ()):
            obj = self._resource(name)
            if obj[0] == "B" or ABSOLUTE_IRI.match(obj[1]):
                sink.append((subject, RDF_TYPE, obj, ("@type", obj)))
        for predicate, values in rval.items():
            # Every predicate here passed ABSOLUTE_IRI in _object (keys are checked there).
            if predicate in KEYWORDS or predicate.startswith("_:"):
                continue
            for value in values:
                found = self._object_term(value)
                if found is None:
                    continue
                target, key = found
                if top and type(value) is _Node and id(value) in self._proof_values:
                    self._store([(subject, predicate, target, key)], None, self.proof_quads)
                else:
                    sink.append((subject, predicate, target, key))
        return _Node(subject)

    def _object_term(self, value: Any) -> tuple[Term, Any] | None:
        """The RDF term of an expanded value and the key pyld's node map compares it by."""
        if isinstance(value, _Node):
            term = value.term
            if term[0] == "I" and not ABSOLUTE_IRI.match(term[1]):
                return None  # pyld drops a triple whose object is a relative IRI
            return term, ("@id", term)
        if type(value) is tuple:  # a value object: (RDF literal..., its JSON-LD value key)
            return value[:4], value[4]
        if isinstance(value, _List):
            self._count += 1
            return self._list_term(value.items), ("@list", self._count)  # never equal
        raise Unsupported(f"an expanded {type(value).__name__}")

    def _list_term(self, items: list[Any]) -> Term:
        # JSON-LD 1.1 §8.2 "List to RDF Conversion".
        if not items:
            return ("I", RDF_NIL)
        head = subject = self._blank()
        for index, item in enumerate(items):
            found = self._object_term(item)
            if found is None:
                raise Unsupported("a relative IRI inside a list")
            following = self._blank() if index < len(items) - 1 else ("I", RDF_NIL)
            self._sink.append((subject, RDF_FIRST, found[0], ("@first", subject)))
            self._sink.append((subject, RDF_REST, following, ("@rest", subject)))
            subject = following
        return head


def _term_dict(term: Term) -> dict[str, str]:
    if term[0] == "I":
        return {"type": "IRI", "value": term[1]}
    if term[0] == "B":
        return {"type": "blank node", "value": term[1]}
    made = {"type": "literal", "value": term[1], "datatype": term[2]}
    if term[3] is not None:
        made["language"] = term[3]
    return made


def _listed(quads: dict[tuple[Any, ...], Term]) -> list[Quad]:
    return [(key[0], key[1], obj, key[2]) for key, obj in quads.items()]


def to_dataset(quads: Any) -> dict[str, list[dict[str, Any]]]:
    """The quads in pyld's dataset shape (graph name -> triples), for RDFC-1.0."""
    dataset: dict[str, list[dict[str, Any]]] = {"@default": []}
    for subject, predicate, obj, graph in quads:
        dataset.setdefault("@default" if graph is None else graph, []).append(
            {
                "subject": _term_dict(subject),
                "predicate": {"type": "IRI", "value": predicate},
                "object": _term_dict(obj),
            }
        )
    return dataset


def document_quads(
    root: CompiledContext, document: Mapping[str, Any] | list[Any], *, policy: bool = True
) -> Walk:
    """Walk a document into quads. Raises SafeModeError, Unsupported, or what pyld raises for
    an invalid context."""
    walk = Walk(policy=policy)
    walk.run(root, document)
    return walk

"""RDF terms and the quad store of the one-pass JSON-LD walk (vc.ldquads).

Terms are tuples: ("I", iri), ("B", label), ("L", lexical form, datatype, language or None). A
value object's literal carries, as a fifth member, the key pyld's node map compares JSON-LD values
by; the store keeps the first quad of each (subject, predicate, graph, key), as pyld does.
"""

from __future__ import annotations

import re
from typing import Any, Final

from vc.errors import SafeModeError
from vc.ldcontext import ABSOLUTE_IRI, Unsupported
from vc.ldvocab import (
    RDF_FIRST,
    RDF_JSON_LITERAL,
    RDF_LANGSTRING,
    RDF_NIL,
    RDF_REST,
    XSD_BOOLEAN,
    XSD_DOUBLE,
    XSD_INTEGER,
    XSD_STRING,
    canonical_double,
    is_double,
    is_integer,
    json_literal,
)

Term = tuple[Any, ...]
Quad = tuple[Term, str, Term, str | None]  # graph: None (default) or a blank node label
Sink = list[tuple[Term, str, Term, Any]]  # (s, p, o, JSON-LD value key) of the graph being made

KEYWORD_LIKE: Final = re.compile(r"^@[a-zA-Z]+\Z")
_SCHEME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
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


class Node:
    """An expanded node object (or a graph object's name): the RDF term that stands for it.
    (An expanded value object is its RDF literal, a plain tuple.)"""

    __slots__ = ("term",)

    def __init__(self, term: Term) -> None:
        self.term = term


class ListObject:
    """An expanded list object; its RDF collection is made where it is referenced."""

    __slots__ = ("items",)

    def __init__(self, items: list[Any]) -> None:
        self.items = items


def literal(value: Any, datatype: str | None, language: str | None) -> Term:
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
        return ("L", json_literal(value), RDF_JSON_LITERAL, None)
    if isinstance(value, bool):
        return ("L", "true" if value else "false", datatype or XSD_BOOLEAN, None)
    if is_double(value):
        return ("L", canonical_double(value), datatype or XSD_DOUBLE, None)
    if datatype == XSD_DOUBLE:
        try:
            number = float(value)
        except (ValueError, TypeError):
            return ("L", value, XSD_DOUBLE, None)
        return ("L", canonical_double(number), XSD_DOUBLE, None)
    if is_integer(value) and abs(value) >= 1e21:
        return ("L", canonical_double(value), datatype or XSD_DOUBLE, None)
    if is_integer(value):
        return ("L", str(int(value)), datatype or XSD_INTEGER, None)
    if not isinstance(value, str):
        raise Unsupported(f"a {type(value).__name__} value")
    if language is not None:
        return ("L", value, datatype or RDF_LANGSTRING, language)
    return ("L", value, datatype or XSD_STRING, None)


class QuadStore:
    """The quads of one walk, the blank node labels it issued, and its RDF collections."""

    def __init__(self) -> None:
        # Quads by (subject, predicate, graph, JSON-LD value): pyld's node map keeps one of each
        # JSON-LD value per subject and property (the first), so two JSON-LD values that give the
        # same RDF term (true and {"@value": true, "@type": xsd:boolean}) give the same quad
        # twice, as pyld does; the canonical N-Quads then hold it twice too.
        self.quads: dict[tuple[Any, ...], Term] = {}
        self.proof_quads: dict[tuple[Any, ...], Term] = {}  # what the top "proof" key gave
        self._json_values: set[tuple[Any, ...]] = set()
        self._labels: dict[str, str] = {}
        self._count = 0

    def blank(self, label: str | None = None) -> Term:
        if label is not None:
            found = self._labels.get(label)
            if found is not None:
                return ("B", found)
        made = f"_:b{self._count}"
        self._count += 1
        if label is not None:
            self._labels[label] = made
        return ("B", made)

    def resource(self, iri: str) -> Term:
        return self.blank(iri) if iri.startswith("_:") else ("I", iri)

    def store(
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

    def object_term(self, value: Any, sink: Sink) -> tuple[Term, Any] | None:
        """The RDF term of an expanded value and the key pyld's node map compares it by."""
        if isinstance(value, Node):
            term = value.term
            if term[0] == "I" and not ABSOLUTE_IRI.match(term[1]):
                return None  # pyld drops a triple whose object is a relative IRI
            return term, ("@id", term)
        if type(value) is tuple:  # a value object: (RDF literal..., its JSON-LD value key)
            return value[:4], value[4]
        if isinstance(value, ListObject):
            self._count += 1
            return self.list_term(value.items, sink), ("@list", self._count)  # never equal
        raise Unsupported(f"an expanded {type(value).__name__}")

    def list_term(self, items: list[Any], sink: Sink) -> Term:
        # JSON-LD 1.1 §8.2 "List to RDF Conversion".
        if not items:
            return ("I", RDF_NIL)
        head = subject = self.blank()
        for index, item in enumerate(items):
            found = self.object_term(item, sink)
            if found is None:
                raise Unsupported("a relative IRI inside a list")
            following = self.blank() if index < len(items) - 1 else ("I", RDF_NIL)
            sink.append((subject, RDF_FIRST, found[0], ("@first", subject)))
            sink.append((subject, RDF_REST, following, ("@rest", subject)))
            subject = following
        return head


def term_dict(term: Term) -> dict[str, str]:
    if term[0] == "I":
        return {"type": "IRI", "value": term[1]}
    if term[0] == "B":
        return {"type": "blank node", "value": term[1]}
    made = {"type": "literal", "value": term[1], "datatype": term[2]}
    if term[3] is not None:
        made["language"] = term[3]
    return made


def listed(quads: dict[tuple[Any, ...], Term]) -> list[Quad]:
    return [(key[0], key[1], obj, key[2]) for key, obj in quads.items()]


def to_dataset(quads: Any) -> dict[str, list[dict[str, Any]]]:
    """The quads in pyld's dataset shape (graph name -> triples), for RDFC-1.0."""
    dataset: dict[str, list[dict[str, Any]]] = {"@default": []}
    for subject, predicate, obj, graph in quads:
        dataset.setdefault("@default" if graph is None else graph, []).append(
            {
                "subject": term_dict(subject),
                "predicate": {"type": "IRI", "value": predicate},
                "object": term_dict(obj),
            }
        )
    return dataset

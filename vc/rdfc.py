"""RDFC-1.0 for the common case: every blank node told apart by its first-degree hash.

RDFC-1.0 §4.4.3 steps 3-5 give each blank node the hash of its own quads (§4.6 Hash First Degree
Quads, other blank nodes written _:z) and issue canonical identifiers, in hash order, to the blank
nodes whose hash is unique. When every hash is unique, no Hash N-Degree Quads (§4.8) is needed and
that is the whole labelling; step 7 then relabels and sorts the N-Quads. A degree credential is
always this case (its blank nodes differ in their values). When two hashes collide, ``canonical``
returns None and the caller runs the full algorithm (pyld's, bounded by vc.jsonld). The N-Quads
are written as pyld writes them (``pyld.nquads.serialize_nquad``); the differential tests check
that both give the same text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any, Final

from pyld.jsonld import RDF_LANGSTRING, XSD_STRING

CANONICAL_PREFIX: Final = "_:c14n"
Quad = tuple[Any, str, Any, str | None]  # vc.ldquads terms; graph: None, "_:label" or an IRI


def _escape(value: str) -> str:
    # N-Quads string escapes, as pyld.nquads.escape (RDFC-1.0 §4.3 canonical N-Quads).
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace('"', '\\"')
    )


def _literal(term: tuple[Any, ...]) -> str:
    text = '"' + _escape(term[1]) + '"'
    datatype = term[2]
    if datatype == RDF_LANGSTRING:
        if term[3]:
            text += "@" + term[3]
    elif datatype != XSD_STRING:
        text += "^^<" + datatype + ">"
    return text


# A quad as pieces of its N-Quads line: (subject blank label or None, subject text, " <p> ",
# object blank label or None, object text, graph blank label or None, graph text).
_Pieces = tuple[str | None, str, str, str | None, str, str | None, str]


def _pieces(quad: Quad) -> _Pieces:
    subject, predicate, obj, graph = quad
    s_blank = subject[1] if subject[0] == "B" else None
    o_blank = obj[1] if obj[0] == "B" else None
    o_text = ""
    if obj[0] == "I":
        o_text = "<" + obj[1] + ">"
    elif o_blank is None:
        o_text = _literal(obj)
    g_blank = graph if graph is not None and graph.startswith("_:") else None
    g_text = "" if graph is None or g_blank is not None else " <" + graph + ">"
    return (
        s_blank,
        "" if s_blank is not None else "<" + subject[1] + ">",
        " <" + predicate + "> ",
        o_blank,
        o_text,
        g_blank,
        g_text,
    )


def _line(pieces: _Pieces, labels: dict[str, str]) -> str:
    s_blank, s_text, middle, o_blank, o_text, g_blank, g_text = pieces
    return (
        (s_text if s_blank is None else labels[s_blank])
        + middle
        + (o_text if o_blank is None else labels[o_blank])
        + (g_text if g_blank is None else " " + labels[g_blank])
        + " .\n"
    )


class _FirstDegree(dict[str, str]):
    """Hash First Degree Quads labels (RDFC-1.0 §4.6): the reference blank node is _:a, any
    other _:z."""

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference

    def __missing__(self, label: str) -> str:
        return "_:a" if label == self.reference else "_:z"


def canonical(quads: Collection[Quad], hash_name: str = "sha256") -> str | None:
    """The canonical N-Quads of a dataset whose blank nodes all have distinct first-degree
    hashes; None when some do not (the full algorithm is needed)."""
    pieces = [_pieces(quad) for quad in quads]
    mentions: dict[str, list[_Pieces]] = {}
    for piece in pieces:
        # A quad is listed once per blank node position it holds (RDFC-1.0 §4.4.3 step 2).
        for label in (piece[0], piece[3], piece[5]):
            if label is not None:
                mentions.setdefault(label, []).append(piece)
    hashes: dict[str, str] = {}
    for label, listed in mentions.items():
        digest = hashlib.new(hash_name)
        first_degree = _FirstDegree(label)
        for line in sorted(_line(piece, first_degree) for piece in listed):
            digest.update(line.encode("utf-8"))
        hashes[label] = digest.hexdigest()
    if len(set(hashes.values())) != len(hashes):
        return None
    labels = {
        label: f"{CANONICAL_PREFIX}{index}"
        for index, label in enumerate(sorted(hashes, key=hashes.__getitem__))
    }
    return "".join(sorted(_line(piece, labels) for piece in pieces))

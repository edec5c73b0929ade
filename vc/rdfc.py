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


# N-Quads string escapes, as pyld.nquads.escape (RDFC-1.0 §4.3 canonical N-Quads), in one pass.
_ESCAPES: Final = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"'})


def _escape(value: str) -> str:
    return value.translate(_ESCAPES)


def _literal(term: tuple[Any, ...]) -> str:
    text = '"' + _escape(term[1]) + '"'
    datatype = term[2]
    if datatype == RDF_LANGSTRING:
        if term[3]:
            text += "@" + term[3]
    elif datatype != XSD_STRING:
        text += "^^<" + datatype + ">"
    return text


def canonical(quads: Collection[Quad], hash_name: str = "sha256") -> str | None:
    """The canonical N-Quads of a dataset whose blank nodes all have distinct first-degree
    hashes; None when some do not (the full algorithm is needed)."""
    fixed: list[str] = []  # the lines of quads without blank nodes, final as they are
    # Quads with blank nodes: (subject label or None, subject text, " <p> ", object label or
    # None, object text, graph label or None, graph text + " .\n").
    pieces: list[tuple[Any, ...]] = []
    mentions: dict[str, list[int]] = {}
    for subject, predicate, obj, graph in quads:
        s_blank = subject[1] if subject[0] == "B" else None
        kind = obj[0]
        o_blank = obj[1] if kind == "B" else None
        g_blank = graph if graph is not None and graph.startswith("_:") else None
        middle = " <" + predicate + "> "
        o_text = "<" + obj[1] + ">" if kind == "I" else "" if kind == "B" else _literal(obj)
        g_text = " .\n" if graph is None or g_blank is not None else " <" + graph + "> .\n"
        if s_blank is None and o_blank is None and g_blank is None:
            fixed.append("<" + subject[1] + ">" + middle + o_text + g_text)
            continue
        index = len(pieces)
        pieces.append(
            (
                s_blank,
                "" if s_blank is not None else "<" + subject[1] + ">",
                middle,
                o_blank,
                o_text,
                g_blank,
                g_text,
            )
        )
        # A quad is listed once per blank node position it holds (RDFC-1.0 §4.4.3 step 2).
        for label in (s_blank, o_blank, g_blank):
            if label is not None:
                mentions.setdefault(label, []).append(index)
    hashes: dict[str, str] = {}
    for label, listed in mentions.items():
        # Hash First Degree Quads (§4.6): this blank node is _:a, every other one _:z.
        lines = []
        for index in listed:
            s_blank, s_text, middle, o_blank, o_text, g_blank, g_text = pieces[index]
            lines.append(
                (s_text if s_blank is None else "_:a" if s_blank == label else "_:z")
                + middle
                + (o_text if o_blank is None else "_:a" if o_blank == label else "_:z")
                + ("" if g_blank is None else " _:a" if g_blank == label else " _:z")
                + g_text
            )
        lines.sort()
        hashes[label] = hashlib.new(hash_name, "".join(lines).encode("utf-8")).hexdigest()
    if len(set(hashes.values())) != len(hashes):
        return None
    labels = {
        label: f"{CANONICAL_PREFIX}{index}"
        for index, label in enumerate(sorted(hashes, key=hashes.__getitem__))
    }
    for s_blank, s_text, middle, o_blank, o_text, g_blank, g_text in pieces:
        fixed.append(
            (s_text if s_blank is None else labels[s_blank])
            + middle
            + (o_text if o_blank is None else labels[o_blank])
            + ("" if g_blank is None else " " + labels[g_blank])
            + g_text
        )
    fixed.sort()
    return "".join(fixed)

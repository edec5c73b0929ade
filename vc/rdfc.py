"""RDFC-1.0 for the common case: every blank node told apart by its first-degree hash.

RDFC-1.0 §4.4.3 steps 3-5 give each blank node the hash of its own quads (§4.6 Hash First Degree
Quads, other blank nodes written _:z) and issue canonical identifiers, in hash order, to the blank
nodes whose hash is unique. When every hash is unique, no Hash N-Degree Quads (§4.8) is needed and
that is the whole labelling; step 7 then relabels and sorts the N-Quads. A degree credential is
usually this case (its blank nodes differ in their values). When two hashes collide (the inner
nodes of alike RDF lists, as a transcript's allowed grades), ``canonical`` returns None, or, given
a work limit, runs the rest of the algorithm itself (§4.4.3 step 6, Hash N-Degree Quads §4.8,
as pyld's URDNA2015 does, bounded like vc.jsonld's). The N-Quads
are written as pyld writes them (``pyld.nquads.serialize_nquad``); the differential tests check
that both give the same text.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Callable, Collection
from typing import Any, Final

from vc.errors import WorkLimitError
from vc.ldvocab import RDF_LANGSTRING, XSD_STRING

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


def _constructor(hash_name: str) -> Callable[..., Any]:
    """The hash's constructor itself (``hashlib.new`` looks it up on every call)."""
    found = (
        getattr(hashlib, hash_name, None) if hash_name in hashlib.algorithms_guaranteed else None
    )
    return found if callable(found) else functools.partial(hashlib.new, hash_name)


def canonical(
    quads: Collection[Quad], hash_name: str = "sha256", work_limit: int | None = None
) -> str | None:
    """The canonical N-Quads of a dataset. Without ``work_limit``: None when two blank nodes
    share a first-degree hash (the full algorithm is needed). With it: the full algorithm
    (Hash N-Degree Quads, §4.8, run at most ``work_limit`` times, else WorkLimitError)."""
    new_hash = _constructor(hash_name)
    fixed: list[str] = []  # the lines of quads without blank nodes, final as they are
    literals: dict[tuple[Any, ...], str] = {}  # written once each (a transcript repeats grades)
    append_fixed = fixed.append
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
        if kind == "I":
            o_text = "<" + obj[1] + ">"
        elif kind == "B":
            o_text = ""
        else:
            written = obj[1:4]
            o_text = literals.get(written) or literals.setdefault(written, _literal(obj))
        g_text = " .\n" if graph is None or g_blank is not None else " <" + graph + "> .\n"
        if s_blank is None and o_blank is None and g_blank is None:
            append_fixed("<" + subject[1] + ">" + middle + o_text + g_text)
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
        hashes[label] = new_hash("".join(lines).encode("utf-8")).hexdigest()
    if len(set(hashes.values())) == len(hashes):
        labels = {
            label: f"{CANONICAL_PREFIX}{index}"
            for index, label in enumerate(sorted(hashes, key=hashes.__getitem__))
        }
    elif work_limit is None:
        return None
    else:
        labels = _NDegree(pieces, mentions, hashes, hash_name, work_limit).labels()
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


class _NDegree:
    """RDFC-1.0 §4.4.3 steps 5-6 when first-degree hashes collide: canonical identifiers for
    the unique hashes, then Hash N-Degree Quads (§4.8) for each group of alike blank nodes.
    Identifier issuers are dicts (label -> issued identifier, in issue order)."""

    def __init__(
        self,
        pieces: list[tuple[Any, ...]],
        mentions: dict[str, list[int]],
        hashes: dict[str, str],
        hash_name: str,
        work_limit: int,
    ) -> None:
        self.pieces = pieces
        self.mentions = mentions
        self.hashes = hashes
        self.new_hash = _constructor(hash_name)
        self.budget = work_limit
        self.canonical: dict[str, str] = {}
        # Hash Related Blank Node (§4.7) inputs already hashed: alike lists repeat them.
        self.related: dict[str, str] = {}

    def _issue(self, issuer: dict[str, str], label: str, prefix: str) -> str:
        found = issuer.get(label)
        if found is None:
            found = issuer[label] = prefix + str(len(issuer))
        return found

    def labels(self) -> dict[str, str]:
        groups: dict[str, list[str]] = {}
        for label, digest in self.hashes.items():
            groups.setdefault(digest, []).append(label)
        ordered = sorted(groups.items())
        for _digest, group in ordered:  # step 5: unique hashes, in hash order
            if len(group) == 1:
                self._issue(self.canonical, group[0], CANONICAL_PREFIX)
        for _digest, group in ordered:  # step 6: the rest, by their n-degree hashes
            if len(group) == 1:
                continue
            results = []
            for label in group:
                if label in self.canonical:
                    continue
                results.append(self._n_degree(label, {label: "_:b0"}))
            results.sort(key=lambda result: result[0])
            for _hash, issuer in results:
                for existing in issuer:
                    self._issue(self.canonical, existing, CANONICAL_PREFIX)
        return self.canonical

    def _n_degree(self, label: str, issuer: dict[str, str]) -> tuple[str, dict[str, str]]:
        """Hash N-Degree Quads (§4.8): (hash, the issuer chosen)."""
        self.budget -= 1
        if self.budget < 0:
            raise WorkLimitError(
                "RDFC-1.0 canonicalization exceeded its work limit (a 'poison' graph of "
                "interlinked blank nodes?)"
            )
        canonical = self.canonical
        hashes = self.hashes
        memo = self.related
        related_hashes: dict[str, list[str]] = {}
        for index in self.mentions[label]:
            s_blank, _s, middle, o_blank, _o, g_blank, _g = self.pieces[index]
            for related, position in ((s_blank, "s"), (o_blank, "o"), (g_blank, "g")):
                if related is None or related == label:
                    continue
                # Hash Related Blank Node (§4.7)
                known = canonical.get(related) or issuer.get(related) or hashes[related]
                text = position + known if position == "g" else position + middle[1:-1] + known
                digest = memo.get(text)
                if digest is None:
                    digest = memo[text] = self.new_hash(text.encode("utf-8")).hexdigest()
                related_hashes.setdefault(digest, []).append(related)
        data = self.new_hash()
        for digest, related_list in sorted(related_hashes.items()):
            data.update(digest.encode("utf-8"))
            if len(related_list) == 1:
                # One permutation, chosen as it is (the loop below, without its comparisons).
                related = related_list[0]
                found = canonical.get(related)
                if found is not None:
                    data.update(found.encode("utf-8"))
                    continue
                found = issuer.get(related)
                if found is not None:
                    data.update(found.encode("utf-8"))
                    continue  # the issuer unchanged (its caller owns it: no copy needed)
                issuer = dict(issuer)
                path = self._issue(issuer, related, "_:b")
                result_hash, issuer = self._n_degree(related, issuer)
                path += self._issue(issuer, related, "_:b") + "<" + result_hash + ">"
                data.update(path.encode("utf-8"))
                continue
            chosen_path = ""
            chosen_issuer: dict[str, str] | None = None
            for permutation in itertools.permutations(related_list):
                copy = dict(issuer)
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    if related in canonical:
                        path += canonical[related]
                    else:
                        if related not in copy:
                            recursion.append(related)
                        path += self._issue(copy, related, "_:b")
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, copy = self._n_degree(related, copy)
                    path += self._issue(copy, related, "_:b") + "<" + result_hash + ">"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = copy
            data.update(chosen_path.encode("utf-8"))
            assert chosen_issuer is not None  # the first permutation is always chosen
            issuer = chosen_issuer
        return data.hexdigest(), issuer

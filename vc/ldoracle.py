"""pyld, the oracle: safe-mode expansion, toRdf and bounded RDFC-1.0 as pyld does them.

vc.jsonld turns documents into canonical N-Quads with compiled contexts (vc.ldcontext,
vc.ldquads, vc.rdfc) and comes here only for what that path does not implement (counted, never
a different answer) and for the differential tests, which compare both paths. This module is
imported on first need, so a process that only verifies Diplomat's credentials never loads pyld.
"""

from __future__ import annotations

import copy
import hashlib
import sys
from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

from vc.errors import SafeModeError, WorkLimitError
from vc.ldterms import KEYWORD_LIKE, absolute


class SafeProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
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


class BoundedRdfc(URDNA2015):  # type: ignore[misc]
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


def _options(loader: Any) -> dict[str, Any]:
    # No base: a relative IRI must fail, not be resolved against where the document came from.
    return {"documentLoader": loader, "base": None, "safe": True}


def expand(document: Mapping[str, Any] | list[Any], loader: Any) -> list[Any]:
    """Safe-mode expansion of a copy of ``document`` (no context policy: the caller's)."""
    return list(SafeProcessor().expand(copy.deepcopy(document), _options(loader)))


def to_rdf(expanded: list[Any], loader: Any) -> Any:
    """pyld's dataset of an expanded document (toRdf expands it again, in safe mode)."""
    return SafeProcessor().to_rdf(expanded, _options(loader))


def normalize(dataset: Any, hash_name: str, work_limit: int) -> str:
    """RDFC-1.0 canonical N-Quads of a dataset in pyld's shape."""
    return str(BoundedRdfc(hash_name, work_limit).main(dataset, {"format": "application/n-quads"}))

"""The JSON-LD and RDF constants of the compiled path, and pyld's lexical forms of numbers.

The compiled path (vc.ldcontext, vc.ldquads, vc.ldterms, vc.rdfc) must give byte for byte what
pyld, the oracle, gives; these are pyld 3's own values and one-line functions, transcribed here so
that a verifier worker runs it without importing pyld at all (pyld, with asyncio and frozendict
that it imports, is 4 MiB of every worker). tests/vc/test_ldvocab.py holds each to pyld's.
"""

from __future__ import annotations

import re
from numbers import Integral, Real
from typing import Any, Final

# pyld.jsonld.KEYWORDS: JSON-LD 1.1 keywords, and those of framing pyld also treats as keywords.
KEYWORDS: Final = frozenset(
    {
        "@base",
        "@container",
        "@context",
        "@default",
        "@direction",
        "@embed",
        "@explicit",
        "@first",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@omitDefault",
        "@preserve",
        "@propagate",
        "@protected",
        "@requireAll",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    }
)
KEYWORD_PATTERN: Final = "^@[a-zA-Z]+$"  # pyld.jsonld.KEYWORD_PATTERN

_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD: Final = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE: Final = _RDF + "type"
RDF_FIRST: Final = _RDF + "first"
RDF_REST: Final = _RDF + "rest"
RDF_NIL: Final = _RDF + "nil"
RDF_LANGSTRING: Final = _RDF + "langString"
RDF_JSON_LITERAL: Final = _RDF + "JSON"
XSD_BOOLEAN: Final = _XSD + "boolean"
XSD_DOUBLE: Final = _XSD + "double"
XSD_INTEGER: Final = _XSD + "integer"
XSD_STRING: Final = _XSD + "string"

_DOUBLE_EXPONENT: Final = re.compile(r"(\d)0*E\+?(-)?0*(\d)")


def is_integer(value: Any) -> bool:
    """pyld.jsonld._is_integer."""
    return isinstance(value, Integral) or (isinstance(value, Real) and float(value).is_integer())


def is_double(value: Any) -> bool:
    """pyld.jsonld._is_double."""
    return (
        not isinstance(value, Integral)
        and isinstance(value, Real)
        and not float(value).is_integer()
    )


def canonical_double(value: float) -> str:
    """pyld.jsonld._canonicalize_double: the canonical lexical form of an xsd:double."""
    return _DOUBLE_EXPONENT.sub(r"\1E\2\3", f"{value:1.15E}")


def json_literal(value: Any) -> str:
    """The lexical form of an @json literal: the JCS (RFC 8785) text pyld writes, by the module
    pyld itself uses (``c14n``, shipped in pyld's distribution; it imports nothing else)."""
    from c14n.Canonicalize import canonicalize

    return str(canonicalize(value).decode("utf-8"))

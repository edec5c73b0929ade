"""`make conformance`: the W3C VC suites (data model, EdDSA, ECDSA, Bitstring Status List) run
against Diplomat's own issuers and verifier on loopback; the suites are read from ../shared."""

"""Diplomat standards core: contexts, keys, DIDs, Data Integrity proofs, JOSE, status lists, errors. No I/O."""

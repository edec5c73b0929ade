"""Diplomat standards core: contexts, keys, DIDs, Data Integrity proofs, JOSE, status lists, errors. No I/O."""

from vc.lazylxml import defer_lxml_html

defer_lxml_html()  # before any module of the core imports pyld (vc.lazylxml says why)

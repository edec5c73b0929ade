"""Diplomat verifier: the report (checks, registry, recognition, web)."""

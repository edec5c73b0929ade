"""Diplomat issuer: the university side (degrees, storage, status, web)."""

"""Benchmarks: `python -m bench` times the standards core (and the issuer and verifier if present)."""

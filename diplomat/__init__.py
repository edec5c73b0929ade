"""Diplomat command line."""

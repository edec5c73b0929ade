"""Bulk verification for admissions offices: a CSV of share links or a ZIP of credential files in,
one results row per item out (JSON or CSV).

    inputs.py   the upload split into items, within limits (rows, files, uncompressed bytes)
    rows.py     one item verified into one row with the single-credential pipeline; rows as CSV
    store.py    jobs and rows in the verifier's database (any worker process serves progress)
    runner.py   the process's bounded worker pool

Used by the web app (verifier.web.bulk) and the CLI (``diplomat verify --bulk``).
"""

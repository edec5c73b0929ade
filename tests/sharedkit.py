"""Whether a missing ../shared is a skip or a failure (CI always has it: `.ci/run` sets
DIPLOMAT_REQUIRE_SHARED, and tests/conftest.py turns such skips into failures there)."""

from __future__ import annotations

import os
from typing import Any

REQUIRE_SHARED_ENV = "DIPLOMAT_REQUIRE_SHARED"


def is_missing_shared_skip(reason: str) -> bool:
    """Is this skip reason "../shared (or its vectors) is absent"? Every such skip in the suite
    names the shared folder and says it is absent or not found."""
    text = reason.lower()
    return "shared" in text and ("absent" in text or "not found" in text)


def shared_required(environ: Any = os.environ) -> bool:
    return str(environ.get(REQUIRE_SHARED_ENV, "")).strip() not in ("", "0")

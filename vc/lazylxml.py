"""lxml.html for pyld, imported the first time something uses it.

pyld imports ``lxml.html`` at its top level for one purpose: reading JSON-LD out of an HTML
document (``load_html``, for a loader that returns ``text/html``). Diplomat's loaders serve only
vendored contexts and never return HTML, yet lxml.etree cost every verifier worker 5 MiB of its
60. ``defer_lxml_html`` puts a placeholder ``lxml.html`` in its place that imports
the real module the first time anything asks it for an attribute, so pyld behaves exactly as
before if it ever does read HTML (tests/vc/test_lazylxml.py).

``vc/__init__.py`` calls ``defer_lxml_html`` so that whichever module of the core imports pyld
first, pyld finds the placeholder.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any


def defer_lxml_html() -> None:
    """Put the placeholder in place, unless lxml.html is imported already or lxml is missing."""
    if "lxml.html" in sys.modules:
        return  # already imported (or already deferred)
    try:
        import lxml  # type: ignore[import-untyped]  # the package is a few lines; lxml.etree weighs
    except ImportError:
        return  # pyld's own import says what is missing
    placeholder = types.ModuleType("lxml.html", "lxml.html, imported on first use (vc.lazylxml)")

    def __getattr__(name: str) -> Any:
        if sys.modules.get("lxml.html") is placeholder:
            del sys.modules["lxml.html"]
        if lxml.__dict__.get("html") is placeholder:
            del lxml.html
        return getattr(importlib.import_module("lxml.html"), name)

    placeholder.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules["lxml.html"] = placeholder
    lxml.html = placeholder

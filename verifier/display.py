"""Text a credential supplies, made safe to show: invisible and direction-changing characters
removed, and words that mix scripts (look-alike spoofing) flagged.

A credential's strings are chosen by whoever wrote it. Shown raw, a right-to-left override can
make a name read differently from what was signed (U+202E reverses what follows), a zero-width space can
make two different names look identical, and a Cyrillic "а" inside a Latin word makes a look-alike
of a real institution's name (Unicode Technical Report #36 §2, Unicode Security Mechanisms UTS #39
§5 "mixed-script detection"). Pure functions, no I/O.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Bidirectional formatting characters (UAX #9 §2): embeddings, overrides, isolates and marks.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
# Characters that occupy no width: they make different strings look the same.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u034f\u115f\u1160\u3164")
# Scripts whose letters are confusable with each other (UTS #39 §4 "confusables" are mostly
# between these three); a word mixing two of them is what a look-alike name is made of.
_CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


@dataclass(frozen=True)
class SafeText:
    """``text`` as it may be shown; ``problems`` says what was removed or looks suspicious."""

    text: str
    problems: tuple[str, ...] = ()


def _script(char: str) -> str | None:
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    for script in _CONFUSABLE_SCRIPTS:
        if name.startswith(script + " "):
            return script
    return None


def mixed_script_words(text: str) -> list[str]:
    """The words of ``text`` whose letters come from more than one of Latin, Cyrillic and
    Greek ("Аpple" with a Cyrillic А). Words wholly in one script (Kazakh in Cyrillic, English in
    Latin) are not flagged, whatever the rest of the text is."""
    found = []
    for word in text.split():
        scripts = {s for s in (_script(c) for c in word) if s is not None}
        if len(scripts) > 1:
            found.append(word)
    return found


def safe_text(value: str | None) -> SafeText | None:
    """Neutralise one displayed string: bidi controls, zero-width and other invisible format or
    control characters are removed (each kind named in ``problems``); mixed-script words are
    kept but named. None stays None."""
    if value is None:
        return None
    if value.isascii() and value.isprintable():
        # No bidi, zero-width, format or control character, and only Latin letters: as it is.
        return SafeText(str(value))
    problems: list[str] = []
    kept: list[str] = []
    bidi = invisible = control = False
    for char in value:
        if char in BIDI_CONTROLS:
            bidi = True
        elif char in ZERO_WIDTH:
            invisible = True
        elif unicodedata.category(char) in ("Cf", "Co", "Cn") or (
            unicodedata.category(char) == "Cc" and char not in "\t\n"
        ):
            control = True
        else:
            kept.append(char)
            continue
    if bidi:
        problems.append("bidirectional control characters (they reorder what is displayed)")
    if invisible:
        problems.append("zero-width characters (they hide differences between names)")
    if control:
        problems.append("invisible control or format characters")
    text = "".join(kept)
    mixed = mixed_script_words(text)
    if mixed:
        shown = ", ".join(repr(w) for w in mixed[:3])
        problems.append(f"words that mix Latin, Cyrillic or Greek letters (look-alikes): {shown}")
    return SafeText(text, tuple(problems))


def shown(value: str | None) -> str | None:
    """``value`` with invisible and direction-changing characters removed (for display)."""
    safe = safe_text(value)
    return None if safe is None else safe.text


__all__ = [
    "BIDI_CONTROLS",
    "ZERO_WIDTH",
    "SafeText",
    "mixed_script_words",
    "safe_text",
    "shown",
]

"""The languages Diplomat's texts are written in, and which one a BCP 47 tag gets.

Both services ship gettext catalogues for the same seven languages: the verifier's pages and
report (verifier/web/translations) and the issuer's public pages and messages to graduates
(issuer/translations). A reader's tag (``Accept-Language``, ``?lang=``, ``--lang``, a
degree's language of instruction) is matched to a catalogue by its primary subtag; Chinese is
Simplified unless the tag says Traditional (which gets none rather than the wrong script).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

# Catalogue name -> the language's own name (what a language switcher shows).
LANGUAGES: Mapping[str, str] = MappingProxyType(
    {
        "en": "English",
        "ja": "日本語",
        "ru": "Русский",
        "kk": "Қазақша",
        "zh_Hans": "简体中文",
        "ko": "한국어",
        "fr": "Français",
    }
)
# The catalogues written in Chinese, Japanese or Korean script: a PDF in one of them needs a CJK
# font (the verification record, the printed diploma).
CJK_LANGUAGES = frozenset({"ja", "ko", "zh_Hans"})
_TRADITIONAL = re.compile(r"^zh[-_](hant|tw|hk|mo)\b", re.IGNORECASE)


def catalogue_of(tag: str | None) -> str | None:
    """The shipped catalogue for a BCP 47 tag (``ja-JP`` -> ``ja``, ``zh-CN`` -> ``zh_Hans``),
    or None when none fits. Traditional Chinese gets none rather than Simplified."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-")
    if tag.lower().startswith("zh"):
        return None if _TRADITIONAL.match(tag) else "zh_Hans"
    primary = tag.split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def cldr_locale(catalogue: str) -> str:
    """The CLDR locale (Babel) that writes a catalogue's dates and names."""
    return "zh_Hans_CN" if catalogue == "zh_Hans" else catalogue

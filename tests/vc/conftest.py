"""tests/vc: pyld as the oracle of every canonicalization the tests make.

Every call of ``vc.jsonld.canonize`` and ``vc.jsonld.check_safe_mode`` in these tests (the W3C
vectors, the reference outputs, the hostile inputs, every credential the tests sign or verify) is
also made by pyld alone, and the two answers must be identical: the same canonical N-Quads, or an
error of the same class. A test that counts pyld's own calls opts out by naming itself in its
module's ``NO_PYLD_ORACLE``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from vc import jsonld
from vc.errors import DiplomatError


def outcome(run: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", the result) or ("error", the DiplomatError class name)."""
    try:
        return ("ok", run())
    except DiplomatError as exc:
        return ("error", type(exc).__name__)


@pytest.fixture(autouse=True)
def _pyld_oracle(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.originalname in getattr(request.module, "NO_PYLD_ORACLE", ()):
        yield
        return
    real_canonize = jsonld.canonize
    real_check = jsonld.check_safe_mode

    def canonize(
        document: Any,
        loader: Any = None,
        *,
        hash_name: str = "sha256",
        work_limit: int = jsonld.DEFAULT_WORK_LIMIT,
    ) -> str:
        chosen = loader or jsonld.default_loader()
        expected = outcome(
            lambda: jsonld.pyld_canonize(
                document, chosen, hash_name=hash_name, work_limit=work_limit
            )
        )
        try:
            got = real_canonize(document, loader, hash_name=hash_name, work_limit=work_limit)
        except DiplomatError as exc:
            assert ("error", type(exc).__name__) == expected, document
            raise
        assert ("ok", got) == expected, document
        return got

    def check_safe_mode(document: Any, loader: Any = None) -> None:
        expected = outcome(lambda: jsonld.expand(document, loader) and None)
        try:
            real_check(document, loader)
        except DiplomatError as exc:
            assert ("error", type(exc).__name__) == expected, document
            raise
        assert expected == ("ok", None), document

    monkeypatch.setattr(jsonld, "canonize", canonize)
    monkeypatch.setattr(jsonld, "check_safe_mode", check_safe_mode)
    yield

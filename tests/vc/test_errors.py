"""vc.errors: every error renders RFC 9457 problem details; statuses are as documented."""

from __future__ import annotations

import pytest

from vc import errors
from vc.errors import DiplomatError


def _all_subclasses(cls: type[DiplomatError]) -> list[type[DiplomatError]]:
    found: list[type[DiplomatError]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


# Only errors defined in vc.errors: other packages (issuer, verifier) subclass too.
CLASSES = sorted(
    (c for c in _all_subclasses(DiplomatError) if c.__module__ == "vc.errors"),
    key=lambda c: c.__name__,
)
# The documented 5xx: our own fault (ProofGenerationError) and an upstream failure (FetchError).
SERVER_SIDE = {"ProofGenerationError": 500, "FetchError": 502}
DOCUMENTED = {
    "ParsingError", "ContextNotAllowedError", "MalformedValueError", "UnsupportedSuiteError",
    "SafeModeError", "RangeValueError", "CryptographicSecurityError", "ProofVerificationError",
    "ProofGenerationError", "WeakKeyError", "ResolutionError", "FetchError", "UnsafeUrlError",
    "WorkLimitError", "StatusListError", "SignatureMismatchError", "RevokedKeyError",
    "PrivateKeyPublishedError",
}  # fmt: skip


def test_hierarchy_is_the_documented_one() -> None:
    assert {c.__name__ for c in CLASSES} == DOCUMENTED
    for name in DOCUMENTED:
        assert name in (errors.__doc__ or "")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_to_problem(cls: type[DiplomatError]) -> None:
    error = cls("something specific went wrong")
    problem = error.to_problem()
    assert set(problem) >= {"type", "title", "status", "detail"}
    assert problem["type"].startswith("https://")
    assert problem["title"] and problem["title"] != "Error"
    assert problem["detail"] == "something specific went wrong"
    assert problem["status"] == error.status
    assert isinstance(problem["code"], int) and problem["code"] < 0
    assert str(error) == "something specific went wrong"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_status_is_4xx_except_the_documented_5xx(cls: type[DiplomatError]) -> None:
    if cls.__name__ in SERVER_SIDE:
        assert cls.status == SERVER_SIDE[cls.__name__]
    else:
        assert 400 <= cls.status < 500


def test_pointer_and_instance() -> None:
    error = errors.MalformedValueError("bad date", pointer="/validFrom")
    problem = error.to_problem(instance="urn:uuid:1")
    assert problem["pointer"] == "/validFrom"
    assert problem["instance"] == "urn:uuid:1"
    assert "pointer" not in errors.ParsingError("x").to_problem()


def test_vc_problem_types() -> None:
    """VC-DM 2.0 §7.1 / VC-DI problem types and codes."""
    assert errors.ParsingError("x").to_problem()["code"] == -64
    assert errors.CryptographicSecurityError("x").to_problem()["code"] == -65
    assert errors.MalformedValueError("x").to_problem()["code"] == -66
    assert errors.RangeValueError("x").to_problem()["code"] == -67
    assert (
        errors.ProofVerificationError("x").to_problem()["type"].endswith("PROOF_VERIFICATION_ERROR")
    )
    assert isinstance(errors.WeakKeyError("x"), errors.CryptographicSecurityError)
    assert isinstance(errors.ContextNotAllowedError("x"), errors.ParsingError)
    assert isinstance(errors.UnsafeUrlError("x"), errors.FetchError)

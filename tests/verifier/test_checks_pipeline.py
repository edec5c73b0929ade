"""The check pipeline's edges: an unexpected error inside a check, and degree codes checked
against the ISCED tables of the core (vc/isced.py)."""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any, cast

import pytest

from vc.isced import ISCED_F_FIELDS
from verifier.checks.facts import Facts
from verifier.checks.model import CheckOutcome, Section, Severity, Status
from verifier.checks.pipeline import CheckSpec, run_checks
from verifier.report import Verdict, verify_credential


def _field_degree(kit: ModuleType, code: str) -> dict[str, Any]:
    document = kit.degree()
    alignment = document["credentialSubject"]["achievement"]["alignment"]
    alignment[1]["targetCode"] = code
    return cast(dict[str, Any], kit.sign(document))


def test_a_field_code_not_in_isced_f_leaves_the_accreditation_scope_undecided(
    kit: ModuleType,
) -> None:
    assert "0699" not in ISCED_F_FIELDS  # 06 and 069 exist, 0699 does not
    report = verify_credential(_field_degree(kit, "0699"), kit.context(destination="JP"))
    check = report.check("accreditation.scope_at_award_date")
    assert check.status is Status.INDETERMINATE
    assert check.severity is Severity.WARNING
    assert "'0699' is not an ISCED-F 2013 code" in check.message
    assert check.problem is not None and "0699" in str(check.problem["detail"])
    assert any(e.kind == "note" and "0699" in (e.detail or "") for e in check.evidence)
    # The document is still authentic and in force: a warning, not a failure.
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert report.verified


def test_a_listed_field_code_is_accepted(kit: ModuleType) -> None:
    assert ISCED_F_FIELDS["0612"] == "Database and network design and administration"
    report = verify_credential(_field_degree(kit, "0612"), kit.context(destination="JP"))
    assert report.check("accreditation.scope_at_award_date").status is Status.PASS


def test_an_unexpected_error_in_a_check_is_indeterminate_and_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(_facts: Facts) -> CheckOutcome:
        raise KeyError("boom")

    spec = CheckSpec("broken", Section.VALIDITY, Severity.WARNING, broken, {})
    with caplog.at_level(logging.ERROR, logger="verifier.checks.pipeline"):
        [result] = run_checks(cast(Facts, None), (spec,))
    assert result.status is Status.INDETERMINATE
    assert "KeyError while checking broken" in result.message
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "check broken could not be completed"
    assert record.exc_info is not None and record.exc_info[0] is KeyError
    assert "raise KeyError" in caplog.text  # the traceback itself is in the log

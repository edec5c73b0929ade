"""`diplomat verify` in-process: the full report, exit codes, --json, links, QR images, flags."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import webkit as kit
from babel.dates import format_date

from diplomat.cli import main

NOW = "2026-05-10T12:00:00Z"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DIPLOMAT_VERIFIER_COUNTRY",
        "DIPLOMAT_REGISTRIES",
        "DIPLOMAT_TRUSTED_OPERATORS",
        "DIPLOMAT_KNOWN_ISSUERS",
        "DIPLOMAT_CONVENTIONS",
        "DIPLOMAT_DEV_MODE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def server() -> Iterator[kit.DocumentServer]:
    with kit.DocumentServer() as documents:
        list_url = documents.url("/status/1")
        documents.put("/status/1", kit.status_list(list_url, revoked=[3]), "application/vc")
        documents.put("/share/good", kit.signed_degree(status_url=list_url, index=7))
        yield documents


@pytest.fixture
def files(tmp_path: Path, server: kit.DocumentServer) -> dict[str, Path]:
    list_url = server.url("/status/1")
    good = kit.signed_degree(status_url=list_url, index=7)
    return {
        "registry": kit.write_json(tmp_path / "registry.json", kit.signed_registry()),
        "good": kit.write_json(tmp_path / "good.json", good),
        "tampered": kit.write_json(tmp_path / "tampered.json", kit.tampered(good)),
        "revoked": kit.write_json(
            tmp_path / "revoked.json", kit.signed_degree(status_url=list_url, index=3)
        ),
    }


def _flags(files: dict[str, Path]) -> list[str]:
    return [
        "--registry",
        str(files["registry"]),
        "--trust",
        kit.OPERATOR.public.did_key,
        "--now",
        NOW,
        "--dev",
    ]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_good_credential_exits_0_with_the_four_sections(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, out, err = _run(capsys, "verify", str(files["good"]), "--for", "JP", *_flags(files))
    assert code == 0, err
    assert out == ""
    assert err.startswith("VERIFIED WITH WARNINGS")
    for line in (
        "Authenticity: ✓ pass",
        "Validity: ✓ pass",
        "Issuer legitimacy: ✓ pass",
        "Recognition: ? could not check",
    ):
        assert line in err
    assert "Tokyo Convention: unconfirmed" in err
    assert "Aigerim Sarsenbayeva" in err


def test_json_report_on_stdout(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, out, _ = _run(
        capsys, "verify", str(files["good"]), "--for", "kz", "--json", *_flags(files)
    )
    assert code == 0
    report = json.loads(out)
    assert report["verdict"] == "verified"
    assert report["destination_country"] == "KZ"
    assert report["checked_at"] == NOW


@pytest.mark.parametrize(
    ("name", "section"), [("tampered", "authenticity"), ("revoked", "validity")]
)
def test_failing_credentials_exit_1(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], name: str, section: str
) -> None:
    code, out, err = _run(capsys, "verify", str(files[name]), "--json", *_flags(files))
    assert code == 1
    report = json.loads(out)
    assert report["verdict"] == "not_verified"
    assert report["sections"][section]["status"] == "fail"
    assert "NOT VERIFIED" in err


def test_without_registries_legitimacy_could_not_be_checked(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, out, err = _run(capsys, "verify", str(files["good"]), "--json", "--now", NOW, "--dev")
    report = json.loads(out)
    assert report["sections"]["issuer_legitimacy"]["status"] == "indeterminate"
    assert report["destination_country"] == "KZ"  # the default destination
    assert code == 0  # genuine and in force; the legitimacy warning is printed
    assert "Issuer legitimacy: ? could not check" in err


def test_registry_from_the_environment(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIPLOMAT_REGISTRIES", str(files["registry"]))
    monkeypatch.setenv("DIPLOMAT_TRUSTED_OPERATORS", kit.OPERATOR.public.did_key)
    monkeypatch.setenv("DIPLOMAT_DEV_MODE", "1")
    code, out, _ = _run(capsys, "verify", str(files["good"]), "--json", "--now", NOW)
    assert code == 0
    assert json.loads(out)["sections"]["issuer_legitimacy"]["status"] == "pass"


def test_an_untrusted_registry_operator_is_reported_not_ignored(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, out, _ = _run(
        capsys,
        "verify",
        str(files["good"]),
        "--json",
        "--registry",
        str(files["registry"]),
        "--trust",
        kit.STRANGER.public.did_key,
        "--now",
        NOW,
        "--dev",
    )
    report = json.loads(out)
    registered = next(c for c in report["checks"] if c["id"] == "issuer.registered")
    assert registered["status"] == "indeterminate"
    assert "not a trusted registry operator" in registered["message"]["en"]
    assert code == 0


def test_share_link_and_verifier_link(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], server: kit.DocumentServer
) -> None:
    share = server.url("/share/good")
    for source in (share, kit.verifier_link("http://127.0.0.1:8002", share, "JP")):
        code, out, _ = _run(capsys, "verify", source, "--json", *_flags(files))
        assert code == 0
        assert json.loads(out)["sections"]["authenticity"]["status"] == "pass"
    assert ("/share/good", "application/json") in server.requests


def test_qr_image_file(
    capsys: pytest.CaptureFixture[str],
    files: dict[str, Path],
    server: kit.DocumentServer,
    tmp_path: Path,
) -> None:
    image = tmp_path / "qr.png"
    image.write_bytes(
        kit.qr_png(kit.verifier_link("http://127.0.0.1:8002", server.url("/share/good")))
    )
    code, out, _ = _run(capsys, "verify", str(image), "--json", *_flags(files))
    assert code == 0
    assert json.loads(out)["sections"]["validity"]["status"] == "pass"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["verify", "/nonexistent/diploma.json"], "cannot read"),
        (["verify", "https://10.0.0.1/share/x"], "private address"),
        (["verify", "https://169.254.169.254/"], "link-local"),
        (["verify", "https://127.0.0.1:9/share/x"], "loopback"),  # no --dev: loopback refused
        (["verify", "http://example.org/share/x"], "plain http refused"),
        (["verify", "__FILE__", "--for", "Japan"], "ISO 3166-1"),
        (["verify", "__FILE__", "--for", "XX"], "'XX' is not a country code in ISO 3166-1 alpha-2"),
        (["verify", "__FILE__", "--now", "yesterday"], "--now"),
        (["verify"], "arguments are required"),
    ],
)
def test_input_errors_exit_2(
    capsys: pytest.CaptureFixture[str],
    files: dict[str, Path],
    argv: list[str],
    words: str,
) -> None:
    argv = [str(files["good"]) if a == "__FILE__" else a for a in argv]
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert words in err


def test_status_list_on_plain_http_is_refused_outside_dev_mode(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, out, err = _run(capsys, "verify", str(files["good"]), "--json", "--now", NOW)
    # fail closed: a status list that may not be fetched is not "in force"; refusing to fetch it
    # is "could not check" (exit 2), not evidence that the credential is revoked (exit 1).
    assert code == 2
    report = json.loads(out)
    assert report["sections"]["validity"]["status"] != "pass"
    revocation = next(c for c in report["checks"] if c["id"] == "status.revocation")
    assert "plain http refused" in revocation["message"]["en"]
    assert "NOT VERIF" in err


def test_not_json_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = _run(capsys, "verify", str(bad))
    assert code == 2
    assert "not JSON" in err


# --- the recipient check --------------------------------------------------------------------------


@pytest.fixture
def identified(tmp_path: Path) -> Path:
    return kit.write_json(tmp_path / "identified.json", kit.identified_degree())


def test_recipient_email_that_matches_exits_0_and_says_so(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], identified: Path
) -> None:
    typed = "Aigerim.Sarsenbayeva@Student.Example.KZ"
    code, out, err = _run(
        capsys, "verify", str(identified), "--for", "KZ", "--recipient-email", typed,
        *_flags(files),
    )  # fmt: skip
    assert code == 0, err
    assert "[pass] recipient: Issued to the e-mail address a***@student.example.kz" in err
    assert "hashed with salt (sha256)" in err
    assert typed.lower() not in (out + err).lower()


def test_recipient_email_that_does_not_match_exits_1_even_though_genuine(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], identified: Path
) -> None:
    code, out, err = _run(
        capsys, "verify", str(identified), "--for", "KZ", "--json",
        "--recipient-email", "someone@else.example", *_flags(files),
    )  # fmt: skip
    assert code == 1
    assert err.startswith("VERIFIED WITH WARNINGS")  # genuine and in force ...
    assert "[fail] recipient: This credential was not issued to the e-mail address" in err
    report = json.loads(out)
    [check] = [c for c in report["checks"] if c["id"] == "recipient"]
    assert check["status"] == "fail" and report["verified"] is True
    assert "someone@else.example" not in out + err


def test_student_number_flag_and_an_unchecked_recipient(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], identified: Path
) -> None:
    code, _, err = _run(
        capsys, "verify", str(identified), "--student-number", kit.STUDENT_NUMBER, *_flags(files)
    )
    assert code == 0, err
    assert "[pass] recipient: Issued to the student number ***17" in err
    # The plain degree carries no identifiers: "could not check" is not a yes.
    code, _, err = _run(
        capsys, "verify", str(files["good"]), "--student-number", kit.STUDENT_NUMBER,
        *_flags(files),
    )  # fmt: skip
    assert code == 1
    assert "[indeterminate] recipient: Could not check the student number ***17" in err


def test_without_recipient_flags_the_exit_code_is_unchanged(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], identified: Path
) -> None:
    code, _, err = _run(capsys, "verify", str(identified), "--for", "KZ", *_flags(files))
    assert code == 0, err
    assert "recipient" not in err  # a not-applicable check is not printed


@pytest.mark.parametrize(
    "argv",
    [
        ["--recipient-email", "not-an-address"],
        ["--recipient-email", "a\x07@example.org"],
        ["--student-number", " "],
        ["--recipient-email", "a@example.org", "--student-number", "1"],
    ],
    ids=["shape", "control", "empty", "both"],
)
def test_bad_recipient_flags_are_usage_errors(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], identified: Path, argv: list[str]
) -> None:
    code, out, err = _run(capsys, "verify", str(identified), *argv, *_flags(files))
    assert code == 2 and out == ""
    assert "not-an-address" not in err and "a\x07@example.org" not in err


def test_lang_prints_the_human_lines_in_that_language(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, out, err = _run(
        capsys, "verify", str(files["tampered"]), "--lang", "ja-JP", *_flags(files)
    )
    assert code == 1 and out == ""
    assert err.startswith("✗ 検証されませんでした")  # "Not verified"
    assert "真正性: ✗ 不合格" in err  # "Authenticity: ✗ Failed"
    assert "署名が証明書と一致しません" in err and "署名が検証できません" in err
    code, _, err = _run(capsys, "verify", str(files["good"]), "--lang", "kk", *_flags(files))
    assert code == 0 and err.startswith("✓ ")
    assert "Түпнұсқалық: ✓ " in err  # "Authenticity: ✓ Passed"
    assert "VERIFIED" not in err
    # The headline and the degree line too, the award date as CLDR writes it in Kazakh.
    headline, degree = err.splitlines()[1:3]
    _code, _, english = _run(capsys, "verify", str(files["good"]), *_flags(files))
    assert headline.strip() and headline not in english
    assert degree.startswith("  Master of Science in Software Engineering — ")
    assert degree.endswith(
        ", Берілген күні: " + format_date(date(2024, 6, 30), "long", locale="kk")
    )


def test_an_unknown_lang_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, _, err = _run(capsys, "verify", str(files["good"]), "--lang", "de", *_flags(files))
    assert code == 2
    assert "no such language; choose one of en, ja, ru, kk, zh_Hans, ko, fr" in err

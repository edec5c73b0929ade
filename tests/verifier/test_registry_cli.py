"""`diplomat registry` and `diplomat conventions` in-process: an operator builds, signs and
inspects a registry the verifier then relies on; a maintainer updates the conventions dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import webkit as kit

from diplomat.cli import main
from diplomat.keyfile import save_key
from verifier.recognition import DATA_FILE, load_dataset

NOW = "2026-05-10T12:00:00Z"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DIPLOMAT_REGISTRIES", "DIPLOMAT_TRUSTED_OPERATORS", "DIPLOMAT_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DIPLOMAT_KEY_PASSPHRASE", raising=False)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _build(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[Path, Path, Path]:
    """new → add-institution → sign, with the operator's key file. Returns (draft, key, signed)."""
    key_file = tmp_path / "operator.pem"
    save_key(key_file, kit.OPERATOR, None)
    draft = tmp_path / "registry.json"
    signed = tmp_path / "registry.signed.json"
    operator = kit.OPERATOR.public.did_key
    steps = [
        [
            "registry",
            "new",
            "--name",
            "Test NIC registry",
            "--operator-did",
            operator,
            "--id",
            "https://nic.test.example/registry",
            "--as-of",
            "2026-04-01",
            "--out",
            str(draft),
        ],
        [
            "registry",
            "add-institution",
            str(draft),
            "--did",
            kit.UNIVERSITY.public.did_key,
            "--name",
            "en=Al-Farabi Test University",
            "--name",
            "kk=Әл-Фараби сынақ университеті",
            "--country",
            "KZ",
            "--body",
            "Test Accreditation Agency",
            "--levels",
            "6,7",
            "--fields",
            "06",
            "--from",
            "2020-01-01",
            "--until",
            "2030-12-31",
            "--source-url",
            "https://agency.test.example/decisions/9",
            "--retrieved",
            "2026-04-01",
        ],
        [
            "registry",
            "sign",
            str(draft),
            "--key",
            str(key_file),
            "--valid-from",
            "2026-04-01T00:00:00Z",
            "--out",
            str(signed),
        ],
    ]
    for argv in steps:
        code, _, err = _run(capsys, *argv)
        assert code == 0, err
    return draft, key_file, signed


def test_build_sign_inspect_and_verify_with_the_registry(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _draft, _, signed = _build(capsys, tmp_path)
    document = json.loads(signed.read_text())
    assert document["type"] == ["VerifiableCredential", "DiplomatAccreditationRegistry"]
    assert document["proof"]["verificationMethod"] == kit.vm(kit.OPERATOR)

    code, out, _ = _run(
        capsys,
        "registry",
        "inspect",
        str(signed),
        "--trust",
        kit.OPERATOR.public.did_key,
        "--now",
        NOW,
    )
    assert code == 0
    assert "signature verified" in out
    assert "Al-Farabi Test University [KZ]" in out
    assert "ISCED levels 6, 7; ISCED-F field 06" in out

    # The verifier relies on it: the degree (level 7, field 0613 ⊂ 06) is from an accredited issuer.
    credential = kit.write_json(tmp_path / "degree.json", kit.signed_degree())
    code, out, _ = _run(
        capsys,
        "verify",
        str(credential),
        "--json",
        "--registry",
        str(signed),
        "--trust",
        kit.OPERATOR.public.did_key,
        "--now",
        NOW,
    )
    report = json.loads(out)
    assert report["sections"]["issuer_legitimacy"]["status"] == "pass"
    assert report["summary"]["issuer_country"] == "KZ"
    assert code == 0


def test_inspect_refuses_an_operator_that_is_not_the_one_expected(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, _, signed = _build(capsys, tmp_path)
    code, out, err = _run(
        capsys, "registry", "inspect", str(signed), "--trust", kit.STRANGER.public.did_key
    )
    assert code == 2
    assert out == ""
    assert "not a trusted registry operator" in err


def test_inspect_without_trust_says_the_operator_was_not_pinned(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    draft, _, signed = _build(capsys, tmp_path)
    code, out, err = _run(capsys, "registry", "inspect", str(signed), "--now", NOW)
    assert code == 0 and "signature verified" in out
    assert "not pinned" in err
    code, out, _ = _run(capsys, "registry", "inspect", str(draft))
    assert code == 0 and "UNSIGNED" in out


def test_a_tampered_signed_registry_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, _, signed = _build(capsys, tmp_path)
    document = json.loads(signed.read_text())
    document["credentialSubject"]["registry"]["institutions"][0]["country"] = "JP"
    signed.write_text(json.dumps(document))
    code, _, err = _run(
        capsys, "registry", "inspect", str(signed), "--trust", kit.OPERATOR.public.did_key
    )
    assert code == 2
    assert "does not verify" in err


def test_sign_refuses_a_key_that_is_not_the_operators(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    draft, _, _ = _build(capsys, tmp_path)
    other_key = tmp_path / "other.pem"
    save_key(other_key, kit.STRANGER, None)
    out_file = tmp_path / "nope.json"
    code, _, err = _run(
        capsys, "registry", "sign", str(draft), "--key", str(other_key), "--out", str(out_file)
    )
    assert code == 2
    assert "operator" in err
    assert not out_file.exists()


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--levels", "9"], "level"),
        (["--from", "2020-13-01"], "--from"),
        (["--name", "no-equals-sign"], "--name"),
        (["--did", "not-a-did"], "did"),
    ],
)
def test_add_institution_rejects_bad_values_and_leaves_the_file_unchanged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flags: list[str], words: str
) -> None:
    draft, _, _ = _build(capsys, tmp_path)
    before = draft.read_bytes()
    base = {
        "--did": kit.UNLISTED.public.did_key,
        "--name": "en=Another University",
        "--country": "KZ",
        "--body": "Agency",
        "--levels": "6",
        "--from": "2021-01-01",
        "--source-url": "https://agency.test.example/decisions/10",
    }
    base.update(dict(zip(flags[::2], flags[1::2], strict=True)))
    argv = ["registry", "add-institution", str(draft)]
    for name, value in base.items():
        argv += [name, value]
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert words in err
    assert draft.read_bytes() == before


def test_import_dcc_normalises_a_known_issuer_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sample = Path(__file__).parent / "data" / "dcc-registry-sample.json"
    out_file = tmp_path / "known.json"
    code, _, err = _run(
        capsys,
        "registry",
        "import-dcc",
        str(sample),
        "--url",
        "https://dcc.test.example/r.json",
        "--out",
        str(out_file),
    )
    assert code == 0
    assert "not an accreditation" in err
    normalised = json.loads(out_file.read_text())
    source = json.loads(sample.read_text())
    entries = source.get("registry") or source.get("entries")
    assert set(normalised["registry"]) == set(entries)
    assert normalised["meta"]["url"] == "https://dcc.test.example/r.json"


def test_import_dcc_rejects_a_bad_list(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = kit.write_json(tmp_path / "bad.json", {"registry": {"not-a-did": {"name": "X"}}})
    code, _, err = _run(capsys, "registry", "import-dcc", str(bad), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "must be a DID" in err


# --- conventions ----------------------------------------------------------------------------------


def test_conventions_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "conventions", "show", "KZ", "JP", "--on", "2026-05-10")
    assert code == 0
    assert "Tokyo Convention: unconfirmed" in out
    assert "reservation:" in out
    code, out, _ = _run(capsys, "conventions", "show", "JP", "KR", "--on", "2026-05-10", "--json")
    assert code == 0
    assert json.loads(out)["outcome"] == "covered"
    code, _, err = _run(capsys, "conventions", "show", "KZ", "Japan")
    assert code == 2 and "ISO 3166-1" in err


@pytest.mark.parametrize("argv", [("KZ", "XX"), ("xx", "JP"), ("KZ", "EU")])
def test_conventions_show_refuses_an_unknown_country_code(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, str]
) -> None:
    code, out, err = _run(capsys, "conventions", "show", *argv)
    assert code == 2 and out == ""
    assert "is not a country code in ISO 3166-1 alpha-2 (the list of two-letter" in err
    assert "Traceback" not in err


def test_conventions_show_answers_with_since_confidence_and_sources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "conventions", "show", "KZ", "DE", "--on", "2026-12-03")
    assert code == 0
    assert out.startswith("Covered by the Lisbon Recognition Convention (both are parties:")
    assert "binding since 2026-11-23 (confidence: medium)" in out
    assert "DE: party, in force since 2007-10-01, computed" in out
    assert "ground for refusal: a substantial difference" in out
    assert "source: http://www.zakonpravo.kz/" in out
    assert "reservation" not in out  # KZ's Tokyo reservation has nothing to do with Germany
    code, out, _ = _run(capsys, "conventions", "show", "KZ", "JP", "--on", "2026-12-03", "--json")
    data = json.loads(out)
    assert data["outcome"] == "unconfirmed" and data["confidence"] is None
    tokyo = next(f for f in data["findings"] if f["convention_id"] == "tokyo-2011")
    assert "оговорку" in tokyo["reservations"][0]["quotes"][0]["quote"]


def _dataset_copy(tmp_path: Path) -> Path:
    target = tmp_path / "conventions.json"
    target.write_bytes(DATA_FILE.read_bytes())
    return target


def test_conventions_update_prints_changes_and_replaces_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = _dataset_copy(tmp_path)
    data = json.loads(target.read_text())
    data["dataset_version"] = data["dataset_version"] + ".test"
    tokyo = next(c for c in data["conventions"] if c["id"] == "tokyo-2011")
    kz = next(row for row in tokyo["parties"] if row["country"] == "KZ")
    kz["status"] = "party"
    new_file = kit.write_json(tmp_path / "new.json", data)
    code, out, err = _run(capsys, "conventions", "update", str(new_file), "--dataset", str(target))
    assert code == 0, err
    assert "dataset_version" in out
    assert "KZ status party_pending_confirmation → party" in out
    assert load_dataset(target).version == data["dataset_version"]
    assert list(tmp_path.glob(".conventions.json.*")) == []  # no temporary file left behind


def test_conventions_update_refuses_a_changed_dataset_with_the_same_version(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = _dataset_copy(tmp_path)
    before = target.read_bytes()
    data = json.loads(before)
    data["conventions"] = data["conventions"][:-1]
    new_file = kit.write_json(tmp_path / "new.json", data)
    code, _, err = _run(capsys, "conventions", "update", str(new_file), "--dataset", str(target))
    assert code == 2
    assert "new version" in err
    assert target.read_bytes() == before


def test_conventions_update_refuses_an_invalid_dataset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = _dataset_copy(tmp_path)
    before = target.read_bytes()
    new_file = kit.write_json(tmp_path / "new.json", {"dataset_version": "x"})
    code, _, err = _run(capsys, "conventions", "update", str(new_file), "--dataset", str(target))
    assert code == 2
    assert "schema" in err
    assert target.read_bytes() == before

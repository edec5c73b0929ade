"""`diplomat verify --bulk`: a CSV of share links or a ZIP of files in, a results CSV out, and
the exit codes (0 all genuine and in force, 1 some not, 2 the upload itself unusable)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import webkit as kit

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
        "DIPLOMAT_DEV",
        "DIPLOMAT_DEV_MODE",
        "DIPLOMAT_BULK_MAX_ROWS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def server() -> Iterator[kit.DocumentServer]:
    with kit.DocumentServer() as documents:
        list_url = documents.url("/status/1")
        documents.put("/status/1", kit.status_list(list_url, revoked=[3]), "application/vc")
        good = kit.signed_degree(status_url=list_url, index=7)
        documents.put("/share/good", good)
        documents.put("/share/good2", good)
        documents.put("/share/revoked", kit.signed_degree(status_url=list_url, index=3))
        documents.put("/share/tampered", kit.tampered(good))
        yield documents


def _flags(tmp_path: Path) -> list[str]:
    registry = kit.write_json(tmp_path / "registry.json", kit.signed_registry())
    return ["--registry", str(registry), "--trust", kit.OPERATOR.public.did_key]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_csv_of_good_links_exits_0_and_writes_the_results(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, server: kit.DocumentServer
) -> None:
    upload = tmp_path / "links.csv"
    upload.write_text(
        f"reference,url\nA-1,{server.url('/share/good')}\nA-2,{server.url('/share/good2')}\n"
    )
    out = tmp_path / "results.csv"
    code, stdout, err = _run(
        capsys, "verify", "--bulk", str(upload), "--out", str(out), "--for", "KZ",
        "--now", NOW, "--dev", *_flags(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    assert stdout == ""
    assert "checking 2 item(s)" in err and "2/2 checked" in err and "verified: 2" in err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["reference"], r["verdict"], r["validity"]) for r in rows] == [
        ("A-1", "verified", "pass"),
        ("A-2", "verified", "pass"),
    ]


def test_bad_rows_exit_1_and_say_why_on_their_rows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, server: kit.DocumentServer
) -> None:
    upload = tmp_path / "links.csv"
    links = ["/share/good", "/share/revoked", "/share/tampered", "/share/gone"]
    upload.write_text("\n".join([*(server.url(p) for p in links), "=HYPERLINK(1)"]) + "\n")
    code, stdout, err = _run(
        capsys, "verify", "--bulk", str(upload), "--for", "KZ", "--now", NOW, "--dev",
        *_flags(tmp_path),
    )  # fmt: skip
    assert code == 1, err
    rows = list(csv.DictReader(io.StringIO(stdout)))  # no --out: the CSV on stdout
    assert [r["verdict"] for r in rows] == [
        "verified",
        "not_verified",
        "not_verified",
        "input_error",
        "input_error",
    ]
    assert rows[1]["failing_checks"] == "status.revocation"
    assert rows[2]["failing_checks"] == "proof.signature"
    assert "the link no longer works" in rows[3]["detail"]
    assert rows[4]["input"] == "'=HYPERLINK(1)"  # a formula is written as text


def test_a_zip_of_credential_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, server: kit.DocumentServer
) -> None:
    upload = tmp_path / "files.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("A-1.json", server.documents["/share/good"][1])
        archive.writestr("A-2.json", server.documents["/share/tampered"][1])
    out = tmp_path / "results.csv"
    code, _, err = _run(
        capsys, "verify", "--bulk", str(upload), "--out", str(out), "--for", "KZ",
        "--now", NOW, "--dev", *_flags(tmp_path),
    )  # fmt: skip
    assert code == 1, err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["reference"], r["verdict"]) for r in rows] == [
        ("A-1.json", "verified"),
        ("A-2.json", "not_verified"),
    ]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["verify", "--bulk", "/nonexistent/links.csv"], "File not found"),
        (["verify", "--bulk", "__EMPTY__"], "the upload is empty"),
        (["verify", "--bulk", "__CSV__", "--out", "/nonexistent/dir/r.csv"], "does not exist"),
        (["verify", "--bulk", "__CSV__", "__CSV__"], "not both"),
        (["verify", "--bulk", "__CSV__", "--json"], "one credential"),
        (["verify"], "arguments are required: source"),
        (["verify", "__CSV__", "--out", "r.csv"], "--out goes with --bulk"),
    ],
)
def test_unusable_bulk_input_exits_2_naming_the_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], words: str
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    links = tmp_path / "links.csv"
    links.write_text("https://uni.example/share/x\n")
    argv = [a.replace("__EMPTY__", str(empty)).replace("__CSV__", str(links)) for a in argv]
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert words in err
    assert "Traceback" not in err


def test_a_missing_credential_file_is_not_called_a_parsing_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(capsys, "verify", "/nonexistent/diploma.json")
    assert code == 2
    assert "File not found" in err and "no such file" in err
    assert "Parsing error" not in err

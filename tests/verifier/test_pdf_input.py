"""A diploma PDF handed to the verifier: the upload page, POST /api/verify (application/pdf and a
multipart upload) and `diplomat verify file.pdf` take the credential attached to it and verify
it; an edited or swapped attachment fails; bad PDFs are clear 4xx problems or exit 2, never 500.

The diplomas are made by the issuer's renderer (issuer.web.diplomapdf) around credentials signed
here; the odd PDFs (no attachment, two, a non-credential) by fpdf2, attachments swapped with pypdf.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import webkit as kit
from flask import Flask
from flask.testing import FlaskClient
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from diplomat.cli import main
from issuer.web.diploma import diploma_view
from issuer.web.diplomapdf import ATTACHMENT_NAME, DiplomaLinks, render_diploma_pdf
from vc.errors import ParsingError
from verifier.pdfinput import (
    MAX_PDF_BYTES,
    PdfTooLargeError,
    credential_from_pdf,
    printed_agrees,
)
from verifier.web import create_app

NOW = "2026-05-10T12:00:00Z"


def diploma(credential: dict[str, Any], printed: dict[str, Any] | None = None) -> bytes:
    """The issuer's diploma PDF around ``credential`` (as the issuer stores it: indented JSON),
    its page showing ``printed`` instead when given (a page edited, the attachment kept)."""
    text = json.dumps(credential, ensure_ascii=False, indent=2)
    shown = json.dumps(printed, ensure_ascii=False) if printed is not None else text
    links = DiplomaLinks(
        verify_link="https://verify.example.org/verify?url=https%3A%2F%2Fu.example%2Fshare%2Fx",
        share_url="https://u.example/share/x",
        verifier_home="https://verify.example.org/",
    )
    return render_diploma_pdf(
        diploma_view(shown), text, links, now=datetime(2026, 5, 1, tzinfo=UTC)
    )


def plain_pdf(attachments: dict[str, bytes], *, compress: bool = False) -> bytes:
    """A one-page PDF from another producer with these embedded files."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "A diploma")
    for name, data in attachments.items():
        pdf.embed_file(bytes=data, basename=name, compress=compress)
    return bytes(pdf.output())


def swapped(pdf: bytes, content: bytes) -> bytes:
    """``pdf`` with its credential attachment replaced by ``content`` (same name), as an editor
    would do it: the page and everything else unchanged."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for attachment in list(writer.attachment_list):
        attachment.delete()
    writer.add_attachment(ATTACHMENT_NAME, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class World:
    app: Flask
    client: FlaskClient
    good: dict[str, Any]
    pdf: bytes
    tmp: Path
    registry: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("pdfinput")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    with kit.DocumentServer() as server:
        list_url = server.url("/status/1")
        server.put("/status/1", kit.status_list(list_url, revoked=[3]), "application/vc")
        good = kit.signed_degree(status_url=list_url, index=7)
        cfg = kit.config(registry, database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}")
        app = create_app(cfg, context_factory=kit.context_factory(cfg))
        yield World(app, app.test_client(), good, diploma(good), tmp, registry)


# ------------------------------------------------------------------ extraction


def test_the_attachment_is_extracted_byte_for_byte(world: World) -> None:
    embedded = json.dumps(world.good, ensure_ascii=False, indent=2).encode("utf-8")
    assert credential_from_pdf(world.pdf) == embedded


def test_another_producers_pdf_with_one_jwt_attachment_and_a_logo(world: World) -> None:
    pdf = plain_pdf({"logo.png": kit.noise_png(16), "credential.jwt": b"eyJ.a.b"})
    assert credential_from_pdf(pdf) == b"eyJ.a.b"


@pytest.mark.parametrize(
    ("pdf", "words"),
    [
        (plain_pdf({}), "carries no attached credential"),
        (plain_pdf({"photo.png": b"\x89PNG"}), "its attachments: photo.png"),
        (
            plain_pdf({"a.json": b"{}", "b.json": b"{}"}),
            "2 credential attachments (a.json, b.json)",
        ),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nthis is not a PDF body", "not a readable PDF"),
        (b"%PDF-1.4\n" + b"\x00" * 4096, "not a readable PDF"),
    ],
)
def test_bad_pdfs_are_parsing_errors(pdf: bytes, words: str) -> None:
    with pytest.raises(ParsingError) as caught:
        credential_from_pdf(pdf)
    assert words in caught.value.detail
    assert "upload the credential file itself" in caught.value.detail


def test_an_encrypted_pdf_is_refused() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain_pdf({"c.json": b"{}"}))))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ParsingError, match="encrypted"):
        credential_from_pdf(out.getvalue())


def test_size_limits() -> None:
    with pytest.raises(PdfTooLargeError) as caught:
        credential_from_pdf(b"%PDF-1.7\n" + b"\x00" * MAX_PDF_BYTES)
    assert caught.value.status == 413
    with pytest.raises(PdfTooLargeError, match=r"c\.json is 1048577 bytes"):
        credential_from_pdf(plain_pdf({"c.json": b" " * (1024 * 1024 + 1)}))


def test_a_compressed_50_mb_attachment_is_413_in_a_small_pdf(world: World) -> None:
    bomb = plain_pdf({"c.json": b" " * (50 * 1024 * 1024)}, compress=True)
    assert len(bomb) < 1024 * 1024  # under the body limit: the attachment's own limit applies
    with pytest.raises(PdfTooLargeError):
        credential_from_pdf(bomb)
    kit.assert_problem(
        world.client.post("/api/verify", data=bomb, content_type="application/pdf"), 413
    )


# ------------------------------------------------------------------ POST /api/verify


def test_api_verifies_the_pdf_as_it_verifies_the_credential(world: World) -> None:
    direct = world.client.post("/api/verify", json=world.good).get_json()
    as_pdf = world.client.post(
        "/api/verify", data=world.pdf, content_type="application/pdf"
    ).get_json()
    assert direct["verdict"] == "verified_with_warnings"
    assert as_pdf["verdict"] == direct["verdict"]
    assert as_pdf["checks"] == direct["checks"]


def test_api_takes_a_multipart_upload(world: World) -> None:
    response = world.client.post(
        "/api/verify",
        data={"file": (io.BytesIO(world.pdf), "diploma.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["verdict"] == "verified_with_warnings"


def test_an_edited_attachment_fails(world: World) -> None:
    text = json.dumps(world.good, ensure_ascii=False, indent=2)
    edited = text.replace("Aigerim Sarsenbayeva", "Aigerim Sarsenbayev")
    assert edited != text
    report = world.client.post(
        "/api/verify", data=swapped(world.pdf, edited.encode()), content_type="application/pdf"
    ).get_json()
    assert report["verdict"] == "not_verified"
    assert report["sections"]["authenticity"]["status"] == "fail"


def test_a_swapped_attachment_fails(world: World) -> None:
    # A forger's credential claiming the accredited university, signed with the forger's key.
    forged = kit.sign(kit.degree(), kit.STRANGER)
    report = world.client.post(
        "/api/verify",
        data=swapped(world.pdf, json.dumps(forged).encode()),
        content_type="application/pdf",
    ).get_json()
    assert report["verdict"] == "not_verified"
    assert report["sections"]["authenticity"]["status"] == "fail"
    tampered = world.client.post(
        "/api/verify",
        data=swapped(world.pdf, json.dumps(kit.tampered(world.good)).encode()),
        content_type="application/pdf",
    ).get_json()
    assert tampered["verdict"] == "not_verified"
    assert tampered["sections"]["authenticity"]["status"] == "fail"


def test_a_credential_of_another_issuer_in_the_pdf_is_reported_as_that_issuers(
    world: World,
) -> None:
    # Signed by its own (unlisted) issuer: authentic as itself, and the report says whose it
    # is: not accredited, the issuer's name "as the credential states it".
    other = kit.signed_degree(kit.UNLISTED)
    report = world.client.post(
        "/api/verify",
        data=swapped(world.pdf, json.dumps(other).encode()),
        content_type="application/pdf",
    ).get_json()
    assert report["verdict"] != "verified"
    assert report["sections"]["issuer_legitimacy"]["status"] == "fail"
    assert report["summary"]["issuer_did"] == kit.UNLISTED.public.did_key


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (plain_pdf({}), "no attached credential"),
        (plain_pdf({"a.json": b"{}", "b.jwt": b"x"}), "2 credential attachments"),
        (b"%PDF-1.7 garbage", "not a readable PDF"),
        (b"not a pdf at all", "not a readable PDF"),
        (plain_pdf({"c.json": b"[1, 2]"}), "attached credential is not readable"),
    ],
)
def test_api_bad_pdfs_are_400_problems(world: World, body: bytes, words: str) -> None:
    problem = kit.assert_problem(
        world.client.post("/api/verify", data=body, content_type="application/pdf"), 400
    )
    assert words in problem["detail"]


def test_api_multipart_without_the_file_field(world: World) -> None:
    problem = kit.assert_problem(
        world.client.post(
            "/api/verify",
            data={"other": (io.BytesIO(world.pdf), "diploma.pdf")},
            content_type="multipart/form-data",
        ),
        400,
    )
    assert "multipart field 'file'" in problem["detail"]


def test_a_50_mb_pdf_is_413(world: World) -> None:
    big = world.pdf + b"\n%" + b"x" * (50 * 1024 * 1024)
    kit.assert_problem(
        world.client.post("/api/verify", data=big, content_type="application/pdf"), 413
    )
    # The multipart body written out (the test client would spool a dict's file to disk).
    multipart = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + big + b"\r\n--B--\r\n"
    )
    kit.assert_problem(
        world.client.post(
            "/api/verify", data=multipart, content_type="multipart/form-data; boundary=B"
        ),
        413,
    )


# ------------------------------------------------------------------ printed text vs attachment


def test_printed_agrees_ignores_spacing_and_case() -> None:
    page = "certifies that\nAIGERIM Sarsen\nbayeva ... Diploma number  KZ-0001"
    assert printed_agrees(page, ["Aigerim Sarsenbayeva"], "KZ-0001") is True
    assert printed_agrees(page, ["", "Aigerim Sarsenbayeva"], None) is True
    assert printed_agrees(page, ["Aigerim Sarsenbayev a"], "KZ-0002") is False
    assert printed_agrees(page, ["Someone Else"], "KZ-0001") is False
    assert printed_agrees("  \n ", ["Aigerim"], "KZ-0001") is None
    assert printed_agrees(page, [""], "KZ-0001") is None


def _printed_on_page(world: World, pdf: bytes) -> str:
    response = world.client.post(
        "/verify/upload",
        data={"file": (io.BytesIO(pdf), "diploma.pdf"), "for": "JP"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    found = re.search(r'id="pdf-printed" data-printed="(\w+)"', response.get_data(as_text=True))
    assert found is not None
    return found[1]


def test_the_report_page_says_whether_the_print_shows_the_attachment(world: World) -> None:
    assert _printed_on_page(world, world.pdf) == "agrees"
    # The page edited to show another graduate, the genuine attachment kept.
    other = json.loads(json.dumps(world.good))
    other["credentialSubject"]["name"] = "Somebody Else"
    assert _printed_on_page(world, diploma(world.good, printed=other)) == "differs"
    # Another producer's page that shows neither, and a page with no text at all (a scan).
    text = json.dumps(world.good).encode()
    assert _printed_on_page(world, plain_pdf({"c.json": text})) == "differs"
    scan = FPDF()
    scan.add_page()
    scan.image(io.BytesIO(kit.qr_png("not text")), x=20, y=20, w=40)
    scan.embed_file(bytes=text, basename="c.json")
    assert _printed_on_page(world, bytes(scan.output())) == "unknown"


# ------------------------------------------------------------------ the upload page


def test_the_upload_page_reports_on_the_pdf(world: World) -> None:
    response = world.client.post(
        "/verify/upload",
        data={"file": (io.BytesIO(world.pdf), "diploma.pdf"), "for": "JP"},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:500]
    assert 'data-verdict="verified_with_warnings"' in page
    assert "Aigerim Sarsenbayeva" in page


def test_the_upload_page_says_what_is_wrong_with_a_pdf(world: World) -> None:
    response = world.client.post(
        "/verify/upload",
        data={"file": (io.BytesIO(plain_pdf({})), "scan.pdf")},
        content_type="multipart/form-data",
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "carries no attached credential" in page
    assert "Traceback" not in page


def test_the_landing_page_offers_pdf_uploads(world: World) -> None:
    page = world.client.get("/").get_data(as_text=True)
    assert "diploma PDF (.pdf)" in page
    assert "application/pdf" in page


# ------------------------------------------------------------------ diplomat verify file.pdf


def _flags(world: World) -> list[str]:
    return [
        "--registry",
        str(world.registry),
        "--trust",
        kit.OPERATOR.public.did_key,
        "--now",
        NOW,
        "--dev",
        "--for",
        "JP",
    ]


def test_cli_verifies_a_pdf(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    path = world.tmp / "diploma.pdf"
    path.write_bytes(world.pdf)
    assert main(["verify", str(path), *_flags(world)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("VERIFIED WITH WARNINGS")
    assert "Aigerim Sarsenbayeva" in err
    assert "PDF: the name and diploma number printed on it are those of its attached" in err
    other = json.loads(json.dumps(world.good))
    other["credentialSubject"]["name"] = "Somebody Else"
    path.write_bytes(diploma(world.good, printed=other))
    assert main(["verify", str(path), *_flags(world)]) == 0
    assert "! PDF: the name or diploma number printed on it is NOT" in capsys.readouterr().err


def test_cli_refuses_a_tampered_pdf(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    path = world.tmp / "tampered.pdf"
    path.write_bytes(swapped(world.pdf, json.dumps(kit.tampered(world.good)).encode()))
    assert main(["verify", str(path), *_flags(world)]) == 1
    assert capsys.readouterr().err.startswith("NOT VERIFIED")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (plain_pdf({}), "no attached credential"),
        (plain_pdf({"a.json": b"{}", "b.json": b"{}"}), "2 credential attachments"),
        (b"%PDF-1.7 garbage", "not a readable PDF"),
    ],
)
def test_cli_bad_pdfs_exit_2(
    world: World, capsys: pytest.CaptureFixture[str], content: bytes, words: str
) -> None:
    path = world.tmp / "bad.pdf"
    path.write_bytes(content)
    assert main(["verify", str(path), *_flags(world)]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def test_cli_refuses_a_50_mb_pdf(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    path = world.tmp / "big.pdf"
    with path.open("wb") as handle:
        handle.write(world.pdf)
        handle.truncate(50 * 1024 * 1024)
    assert main(["verify", str(path), *_flags(world)]) == 2
    assert "larger than" in capsys.readouterr().err


def test_cli_bulk_takes_a_zip_of_diploma_pdfs(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import zipfile

    path = world.tmp / "diplomas.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("good.pdf", world.pdf)
        archive.writestr(
            "tampered.pdf", swapped(world.pdf, json.dumps(kit.tampered(world.good)).encode())
        )
        archive.writestr("scan.pdf", plain_pdf({}))
    flags = [f for f in _flags(world) if f not in ("--for", "JP")]
    assert main(["verify", "--bulk", str(path), "--for", "JP", *flags]) == 1
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["good.pdf"]["verdict"] == "verified_with_warnings"
    assert rows["tampered.pdf"]["verdict"] == "not_verified"
    assert rows["scan.pdf"]["verdict"] == "input_error"
    assert "no attached credential" in rows["scan.pdf"]["detail"]

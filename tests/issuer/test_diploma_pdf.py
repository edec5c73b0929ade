"""The diploma as a PDF, read with real readers: pypdf and poppler (pdftotext for the text,
pdftoppm to render the page, whose QR code zxing-cpp decodes to the verifier link of a live share
link). The attachment is the stored credential byte for byte. The graduate downloads it from the
holder page; the registrar downloads a batch's as one streamed ZIP.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from webfixtures import PASSWORD, SAMPLES, WebEnv, assert_problem, issue

from issuer.i18n import graduate_language, texts
from issuer.store.models import AuditRow
from issuer.web.diplomapdf import (
    ATTACHMENT_NAME,
    FALLBACK_FONT,
    QR_SIZE,
    content_disposition,
    pdf_filename,
)

POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) is installed by `make browser-deps`"
)


def holder(env: WebEnv, **overrides: Any) -> tuple[str, str, str]:
    """Issue one degree; returns (credential id, manage path, management token)."""
    body = issue(env, **overrides)
    parts = urlsplit(body["managementUrl"])
    return body["credentialId"], parts.path, parse_qs(parts.query)["token"][0]


def download(env: WebEnv, manage_path: str, token: str) -> bytes:
    response = env.client.post(manage_path + "/diploma.pdf", data={"token": token})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    return bytes(response.data)


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, timeout=60, check=True
    )
    return run.stdout.decode("utf-8")


def qr_of_rendered_page(pdf: bytes, tmp_path: Path) -> list[str]:
    """Render page 1 with pdftoppm at 150 dpi and decode every QR code on it."""
    path = tmp_path / "render.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page")],
        capture_output=True,
        timeout=60,
        check=True,
    )
    image = Image.open(tmp_path / "page.png")
    return [code.text for code in zxingcpp.read_barcodes(image) if "QR" in str(code.format)]


# ------------------------------------------------------------------ the graduate's PDF


@needs_poppler
def test_the_pdf_carries_the_diploma_the_credential_and_a_working_qr_code(
    env: WebEnv, tmp_path: Path
) -> None:
    credential_id, manage_path, token = holder(env)
    before = len(env.service.sharing.list_share_links(credential_id, management_token=token))
    pdf = download(env, manage_path, token)
    stored = env.service.issuing.get_credential(credential_id).credential_json

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, pt
    # The attachment is the stored credential, byte for byte, as a standard embedded file.
    assert reader.attachments == {ATTACHMENT_NAME: [stored.encode("utf-8")]}
    (attached,) = reader.attachment_list
    assert str(attached.subtype).lstrip("/").replace("#2F", "/") == "application/vc"
    filespec = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()
    assert filespec["/AFRelationship"] == "/Source"

    # The printed facts, read by two independent readers.
    for text in (reader.pages[0].extract_text(), pdftotext(pdf, tmp_path)):
        flat = " ".join(text.split())
        for expected in (
            "Al-Farabi Kazakh National University",
            "Серікова Айгерім Болатқызы",
            "Bachelor of Engineering and Technology in Software Engineering",
            "Information and Communication Technologies — Software Engineering",
            "June 27, 2025",  # the award date as CLDR writes a day in English
            "With honours",
            "ЖБ-Б 1234567",
            "How to verify",
            "diploma-credential.json",
        ):
            assert expected in flat, expected

    # The QR code on the rendered page is the verifier link of a new, live share link.
    (decoded,) = qr_of_rendered_page(pdf, tmp_path)
    links = env.service.sharing.list_share_links(credential_id, management_token=token)
    assert len(links) == before + 1
    assert decoded.startswith("https://verify.example.org/verify?url=")
    share_url = parse_qs(urlsplit(decoded).query)["url"][0]
    assert share_url.startswith(env.base + "/share/")
    assert decoded == f"https://verify.example.org/verify?url={quote(share_url, safe='')}"
    assert share_url in " ".join(pdftotext(pdf, tmp_path).split())
    shared = env.client.get(urlsplit(share_url).path, headers={"Accept": "application/json"})
    assert shared.status_code == 200
    assert shared.get_data(as_text=True) == stored
    with env.service.store.engine.connect() as conn:
        actions = conn.scalars(
            select(AuditRow.action).where(AuditRow.target == credential_id)
        ).all()
    assert "diploma.pdf" in actions


def test_every_pdf_gets_its_own_link_which_the_graduate_can_stop(env: WebEnv) -> None:
    credential_id, manage_path, token = holder(env)
    first = PdfReader(io.BytesIO(download(env, manage_path, token)))
    second = PdfReader(io.BytesIO(download(env, manage_path, token)))
    assert first.attachments == second.attachments
    links = env.service.sharing.list_share_links(credential_id, management_token=token)
    assert len(links) == 2
    page = env.client.get(f"{manage_path}?token={token}").get_data(as_text=True)
    assert page.count("Stop sharing") == 2


def test_the_holder_page_offers_the_pdf(env: WebEnv) -> None:
    _, manage_path, token = holder(env)
    page = env.client.get(f"{manage_path}?token={token}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*id="diploma-pdf-form"', page)
    assert form is not None and form.group(1) == unquote(manage_path) + "/diploma.pdf"
    assert f'name="token" value="{token}"' in page


def test_a_wrong_or_missing_token_gets_no_pdf_and_makes_no_link(env: WebEnv) -> None:
    _, manage_path, _token = holder(env)
    before = env.counts()
    problem = assert_problem(
        env.client.post(manage_path + "/diploma.pdf", data={"token": "wrong"}), 401
    )
    assert "management token" in problem["detail"]
    assert_problem(env.client.post(manage_path + "/diploma.pdf", data={}), 400)
    assert_problem(env.client.post("/manage/urn:uuid:nope/diploma.pdf", data={"token": "x"}), 404)
    # A GET is the holder page's route (…/diploma.pdf read as part of the id): no PDF, no link.
    assert_problem(env.client.get(manage_path + "/diploma.pdf"), 400)
    assert env.counts() == before


def test_the_file_name_keeps_the_number(env: WebEnv) -> None:
    _, manage_path, token = holder(env)
    response = env.client.post(manage_path + "/diploma.pdf", data={"token": token})
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="diploma-1234567.pdf"; '
        "filename*=UTF-8''diploma-%D0%96%D0%91-%D0%91-1234567.pdf"
    )
    assert pdf_filename("KZ/2025 001") == "diploma-KZ-2025-001.pdf"
    assert content_disposition("A-1") == 'attachment; filename="diploma-A-1.pdf"'


def test_hostile_values_stay_on_one_page(env: WebEnv, tmp_path: Path) -> None:
    _, manage_path, token = holder(
        env,
        full_name="W" * 200,
        degree_title=("Bachelor of " + "Everything " * 30)[:200],
        field_of_study="Field " * 33,
        specialization="Specialisation " * 13,
        classification="<script>alert(1)</script>",
    )
    pdf = download(env, manage_path, token)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "<script>alert(1)</script>" in reader.pages[0].extract_text()
    if not POPPLER:
        pytest.skip("the layout check reads word boxes with pdftotext (make browser-deps)")
    # No word is drawn over the QR code, and every word stays inside the frame (8 mm margin).
    path = tmp_path / "hostile.pdf"
    path.write_bytes(pdf)
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, timeout=60, check=True
    ).stdout.decode("utf-8")
    words = [
        tuple(float(v) for v in found)
        for found in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', boxes
        )
    ]
    assert len(words) > 50
    mm = 72 / 25.4
    qr = ((297 - 22 - QR_SIZE) * mm, (210 - 22 - QR_SIZE - 8) * mm)
    qr_end = (qr[0] + QR_SIZE * mm, qr[1] + QR_SIZE * mm)
    for x0, y0, x1, y1 in words:
        assert 8 * mm <= x0 and x1 <= (297 - 8) * mm and 8 * mm <= y0 and y1 <= (210 - 8) * mm
        assert x1 <= qr[0] or x0 >= qr_end[0] or y1 <= qr[1] or y0 >= qr_end[1], (x0, y0)


@needs_poppler
def test_chinese_japanese_and_korean_names_are_printed(env: WebEnv, tmp_path: Path) -> None:
    if not FALLBACK_FONT.is_file():
        pytest.skip(f"CJK names need {FALLBACK_FONT} (make browser-deps installs it)")
    name = "王小明 김민준 やまだ"
    _, manage_path, token = holder(env, full_name=name, given_name="小明", family_name="王")
    text = pdftotext(download(env, manage_path, token), tmp_path)
    assert name in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ("Номер диплома", "27 июня 2025 г.", "Как проверить", "Степень бакалавра")),
        ("kk", ("Диплом нөмірі", "Қалай тексеруге болады", "мынаны растайды:")),
        ("fr", ("Numéro du diplôme", "27 juin 2025", "Comment vérifier")),
        ("ja", ("学位記番号", "2025年6月27日", "検証の方法")),
    ],
)
def test_the_graduates_pdf_is_in_the_language_of_their_page(
    env: WebEnv, tmp_path: Path, language: str, expected: tuple[str, ...]
) -> None:
    if language == "ja" and not FALLBACK_FONT.is_file():
        pytest.skip(f"Japanese needs {FALLBACK_FONT} (make browser-deps installs it)")
    _, manage_path, token = holder(env)
    response = env.client.post(
        manage_path + "/diploma.pdf", data={"token": token, "lang": language}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    flat = " ".join(pdftotext(bytes(response.data), tmp_path).split())
    assert [text for text in expected if text not in flat] == [], flat
    assert "Diploma number" not in flat and "How to verify" not in flat
    # The credential's own values are printed as issued.
    assert "Bachelor of Engineering and Technology in Software Engineering" in flat


# ------------------------------------------------------------------ the registrar's ZIP


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def login(env: WebEnv) -> None:
    """Log the test client in as the registrar."""
    token = csrf_of(env.client.get("/console/login").get_data(as_text=True))
    response = env.client.post(
        "/console/login",
        data={"username": "registrar", "password": PASSWORD, "csrf_token": token, "next": ""},
    )
    assert response.status_code == 303


def run_batch(env: WebEnv) -> int:
    response = env.client.post(
        "/api/batches",
        data=(SAMPLES / "degrees.csv").read_bytes(),
        content_type="text/csv",
        headers=env.auth(),
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    env.wait_for_batches()
    return int(response.get_json()["batchId"])


def test_a_batch_downloads_as_a_streamed_zip_of_pdfs(env: WebEnv) -> None:
    batch_id = run_batch(env)
    rows = [r for r in env.service.batches.batch_rows(batch_id) if r.state == "issued"]
    assert len(rows) >= 5
    revoked = rows[1].credential_id
    assert revoked is not None
    env.service.status.set_status(revoked, "revocation", True, "test", actor="registrar")
    login(env)
    page = env.client.get(f"/console/batches/{batch_id}").get_data(as_text=True)
    assert f'action="/console/batches/{batch_id}/diplomas.zip"' in page
    csrf = csrf_of(page)

    response = env.client.post(
        f"/console/batches/{batch_id}/diplomas.zip", data={"csrf_token": csrf}, buffered=False
    )
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/zip"
    chunks = list(response.response)
    response.close()
    # One chunk per PDF, then the index and the central directory: sent as made.
    assert len(chunks) == len(rows) - 1 + 1
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names[-1] == "index.csv"
    assert len(names) == len(rows) - 1 + 1
    index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8"))))
    assert len(index) == len(rows)
    languages: set[str] = set()
    for entry, row in zip(index, rows, strict=True):
        assert row.credential_id is not None
        credential = env.service.issuing.get_credential(row.credential_id)
        assert entry["diploma_number"] == credential.diploma_number
        if row.credential_id == revoked:
            assert entry == {**entry, "file": "", "note": "revoked"}
            continue
        reader = PdfReader(io.BytesIO(archive.read(entry["file"])))
        assert reader.attachments == {ATTACHMENT_NAME: [credential.credential_json.encode("utf-8")]}
        text = reader.pages[0].extract_text()
        assert credential.diploma_number in text
        # Each graduate's diploma in their language, as their e-mail: the degree's language of
        # instruction when Diplomat writes it (kk, ru, en, en-GB here), else English (es).
        taught = json.loads(credential.credential_json)["credentialSubject"]["achievement"]
        words = texts(graduate_language(taught.get("inLanguage"), "en"))
        assert words.text("How to verify") in text, (taught.get("inLanguage"), text[-300:])
        languages.add(words.catalogue)
    assert languages == {"kk", "ru", "en"}


def test_the_zip_needs_a_logged_in_registrar_and_the_csrf_token(env: WebEnv) -> None:
    batch_id = run_batch(env)
    before = env.counts()
    assert_problem(env.client.post(f"/console/batches/{batch_id}/diplomas.zip"), 401)
    login(env)
    assert_problem(
        env.client.post(f"/console/batches/{batch_id}/diplomas.zip", data={"csrf_token": "x"}),
        403,
    )
    csrf = csrf_of(env.client.get(f"/console/batches/{batch_id}").get_data(as_text=True))
    assert_problem(
        env.client.post("/console/batches/999/diplomas.zip", data={"csrf_token": csrf}), 404
    )
    assert env.counts() == before

"""verifier.bulk.inputs: CSV and ZIP uploads split into items, and hostile archives refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from vc.errors import ParsingError
from verifier.bulk.inputs import BulkTooLargeError, Limits, parse_csv, parse_upload, parse_zip

LINK = "https://uni.example/share/abc"


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_one_column_of_links_needs_no_header() -> None:
    items = parse_csv(f"{LINK}\n\n{LINK}2\r\n".encode())
    assert [(i.position, i.url, i.reference) for i in items] == [
        (1, LINK, ""),
        (2, LINK + "2", ""),
    ]


def test_a_header_names_the_link_and_reference_columns_in_any_order() -> None:
    data = f"\ufeffName;Reference;LINK\nAigerim;A-1;{LINK}\nBolat;A-2;not a link\n".encode()
    first, second = parse_csv(data)
    assert (first.reference, first.url, first.problem) == ("A-1", LINK, None)
    assert (second.reference, second.url) == ("A-2", None)
    assert second.problem is not None and "not a link" in second.problem


def test_a_verifier_link_is_followed_to_its_share_url() -> None:
    (item,) = parse_csv(b"url\nhttps://verify.example/verify?url=https%3A%2F%2Funi.example%2Fs\n")
    assert item.url == "https://uni.example/s"


def test_a_row_without_a_link_is_an_item_that_says_so() -> None:
    (item,) = parse_csv(b"url,reference\n,A-9\n")
    assert item.reference == "A-9" and item.problem == "no link in this row"


def test_a_malformed_link_is_its_rows_problem_not_the_whole_uploads() -> None:
    """One row whose link cannot be parsed (found by fuzzing: "http://[::1" made the whole CSV
    a 400) is an item that says so; the other rows are checked."""
    items = parse_csv(b"reference,url\nA-1,http://[::1\nA-2," + LINK.encode() + b"\n")
    assert [item.reference for item in items] == ["A-1", "A-2"]
    assert items[0].problem is not None and "not a valid URL" in items[0].problem
    assert items[0].url is None
    assert items[1].url == LINK and items[1].problem is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"   \n", "empty"),
        (b"url\n", "no share links"),
        (b"a,b\nx,y\n", "header"),
        (b"\xff\xfe", "not UTF-8"),
        (b'url\n"unterminated\n', "cannot be read"),
    ],
)
def test_unusable_csvs_are_parsing_errors(data: bytes, words: str) -> None:
    with pytest.raises(ParsingError, match=words):
        parse_upload(data)


def test_more_rows_than_a_job_takes_is_413() -> None:
    with pytest.raises(BulkTooLargeError, match="at most 3") as caught:
        parse_csv(b"\n".join([LINK.encode()] * 4), Limits(max_items=3))
    assert caught.value.status == 413


def test_zip_members_become_items_named_by_their_files() -> None:
    data = _zip(
        {
            "cohort/A-1.json": b'{"a": 1}',
            "A-2.jwt": b"eyJ.x.y",
            "cohort/": b"",
            "__MACOSX/cohort/._A-1.json": b"\x00",
            ".DS_Store": b"\x00",
        }
    )
    items = parse_upload(data, filename="whatever.bin")
    assert [(i.reference, i.source, i.data) for i in items] == [
        ("A-1.json", "cohort/A-1.json", b'{"a": 1}'),
        ("A-2.jwt", "A-2.jwt", b"eyJ.x.y"),
    ]


def test_path_traversal_encrypted_and_nested_archives_are_refused_items() -> None:
    data = _zip({"../evil.json": b"{}", "/etc/abs.json": b"{}", "inner.zip": _zip({"x": b"{}"})})
    items = parse_zip(data)
    assert [i.data for i in items] == [None, None, None]
    assert all(i.problem and i.problem.startswith("refused") for i in items)
    encrypted = bytearray(_zip({"secret.json": b"{}"}, zipfile.ZIP_STORED))
    # Set the "encrypted" flag bit in both the local and the central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = encrypted.index(signature) + offset
        encrypted[at] |= 0x1
    (item,) = parse_zip(bytes(encrypted))
    assert item.problem == "refused: the file is encrypted"


def test_a_zip_bomb_member_is_refused_without_being_inflated() -> None:
    bomb = _zip({"bomb.json": b"\x00" * (50 * 1024 * 1024), "ok.json": b"{}"})
    assert len(bomb) < 200_000  # 50 MB of zeros compress to almost nothing
    first, second = parse_zip(bomb, Limits(max_member_bytes=1024 * 1024))
    assert first.data is None and first.problem is not None and "larger than" in first.problem
    assert second.data == b"{}"


def test_the_total_uncompressed_size_and_the_file_count_are_bounded() -> None:
    members = {f"{n}.json": b"x" * 1000 for n in range(5)}
    with pytest.raises(BulkTooLargeError, match="add up to more than 3000"):
        parse_zip(_zip(members), Limits(max_total_bytes=3000))
    with pytest.raises(BulkTooLargeError, match="more than 4 files"):
        parse_zip(_zip(members), Limits(max_items=4))


def test_a_corrupt_or_empty_zip_is_a_parsing_error() -> None:
    with pytest.raises(ParsingError, match="ZIP archive cannot be read"):
        parse_upload(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(ParsingError, match="holds no files"):
        parse_upload(_zip({"dir/": b""}))
    with pytest.raises(ParsingError, match="not a readable ZIP"):
        parse_upload(b"hello", filename="cohort.zip")


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=str
)
def test_a_member_whose_compressed_bytes_are_corrupt_is_an_item_that_says_so(method: int) -> None:
    """Each decompressor raises its own error for a damaged stream (zlib.error, OSError,
    lzma.LZMAError): every one is that member's problem, never an exception out of the parser
    (found by fuzzing: zlib.error gave HTTP 500 on POST /api/verify/bulk)."""
    good = b'{"credential": "' + bytes(range(48, 123)) * 40 + b'"}'
    archive = bytearray(_zip({"a.json": good, "b.json": b"{}"}, method))
    start = 30 + len("a.json")  # the first member's data follows its local header
    # The first bytes of a deflate stream and the properties of an LZMA one (after its 4-byte
    # header) are where a damage is noticed before the CRC check.
    skip = 4 if method == zipfile.ZIP_LZMA else 0
    for offset in range(start + skip, start + skip + 10):
        archive[offset] ^= 0xFF
    items = parse_upload(bytes(archive))
    assert [item.reference for item in items] == ["a.json", "b.json"]
    assert items[0].problem is not None and "a.json in the ZIP cannot be read" in items[0].problem
    assert items[1].data == b"{}"

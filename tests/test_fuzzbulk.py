"""bench.fuzzbulk, the mutated bulk uploads of the fuzzing runs: deterministic per seed, varied
(CSV and ZIP, damaged and whole), and undamaged archives are real ZIPs of credential files."""

from __future__ import annotations

import io
import random
import zipfile

from bench.fuzzbulk import bulk_csv, bulk_upload, bulk_zip

SHARE = "http://127.0.0.1:9/share/good"
CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
}


def test_the_same_seed_gives_the_same_upload() -> None:
    def draw(seed: int) -> tuple[bytes, str]:
        return bulk_upload(
            random.Random(seed), SHARE, "https://v.example/verify", CREDENTIAL, "a.b.c"
        )

    assert [draw(seed) for seed in range(20)] == [draw(seed) for seed in range(20)]


def test_uploads_are_varied() -> None:
    kinds = {
        bulk_upload(random.Random(s), SHARE, "https://v", CREDENTIAL, "a.b.c")[1]
        for s in range(200)
    }
    assert {"text/csv", "application/zip"} <= kinds
    csvs = [bulk_csv(random.Random(s), SHARE, "https://v/verify") for s in range(200)]
    assert any(SHARE.encode() in data for data in csvs)
    assert any(data.startswith(b"\xef\xbb\xbf") for data in csvs)
    assert any(b"\xff\xfe" in data for data in csvs)


def test_many_archives_are_whole_and_hold_the_credential_file() -> None:
    whole = 0
    for seed in range(100):
        data = bulk_zip(random.Random(seed), CREDENTIAL, "a.b.c")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                archive.read("degree.json")
        except Exception:  # damaged on purpose: each decompressor raises its own error
            continue
        whole += 1
        assert names[0] == "degree.json"
    assert whole >= 30, whole

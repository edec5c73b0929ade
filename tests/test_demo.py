"""`diplomat demo --once`: the whole story runs end to end on free ports and verifies over HTTP."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from diplomat.cli import main


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
@pytest.mark.timeout(600)  # several processes sharing two cores with the rest of CI
def test_demo_issues_shares_and_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issuer_port, verifier_port = _free_port(), _free_port()
    home = tmp_path / "home"
    code = main(
        [
            "demo",
            "--once",
            "--home",
            str(home),
            "--issuer-port",
            str(issuer_port),
            "--verifier-port",
            str(verifier_port),
            "--for",
            "JP",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    facts = json.loads(out.strip().splitlines()[-1])
    assert facts["shareUrl"].startswith(f"http://127.0.0.1:{issuer_port}/share/")
    assert facts["verifierUrl"].startswith(f"http://127.0.0.1:{verifier_port}/verify?url=")
    # KZ -> JP: authentic, valid, accredited per the demo registry; Tokyo is unconfirmed for KZ.
    assert facts["verdict"] == "verified_with_warnings"
    assert "DEMO" in err
    assert "development server, for this demo only" in err
    assert "Unconfirmed — check with the national information centre" in err
    assert "reservation" in err
    decoded = zxingcpp.read_barcodes(
        Image.open(facts["qrFile"]), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert [b.text for b in decoded] == [facts["verifierUrl"]]

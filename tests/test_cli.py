"""The `diplomat` CLI, in process: keys, sign, verify, and bad input.

Documented exit codes (diplomat/cli.py): 0 success / verified; 1 not verified (a credential that
was read and checked but fails: tampered, malformed proofValue, unknown context inside a signed
credential, a JWT with alg none); 2 usage or input error (not JSON, a file that cannot be read, an
unknown suite, a credential that cannot be signed). Never a traceback.

`diplomat verify` prints the verifier's full report (its wording belongs to the verifier), so
these tests hold it to the exit codes, the `verified` flag of --json and the problem types.
The tests run offline: DNS and connections are disabled.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diplomat.cli import EXIT_NOT_VERIFIED, EXIT_OK, EXIT_USAGE, _named_command, build_parser, main
from diplomat.commands import COMMANDS
from vc import jose
from vc.keys import KeyType, generate

SEED_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
CREATED = "2025-01-01T00:00:00Z"


class Run:
    """The outcome of one in-process CLI call."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err
        assert "Traceback" not in out + err, err

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No passphrase and no verifier configuration leak in from the caller's environment."""
    for name in list(os.environ):
        if name.startswith("DIPLOMAT_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hermetic: any DNS lookup or connection fails (did:key and vendored contexts need none)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access is disabled in the CLI tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    yield run


@pytest.fixture
def key_file(tmp_path: Path, cli: Any) -> Path:
    path = tmp_path / "issuer.pem"
    assert cli("keys", "generate", "--seed", SEED_HEX, "--out", str(path)).code == EXIT_OK
    return path


def write(path: Path, data: Any) -> str:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def degree(issuer: str) -> dict[str, Any]:
    """Factory: an unsigned OB 3.0 degree credential (the reference shape; no ../shared needed)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:3b2e5c90-83ec-87b9-bd0b-9ff96dd0209e",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example University"},
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "Bachelor of Arts in History",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://university.example/achievements/ba-history",
                "type": ["Achievement"],
                "achievementType": "BachelorDegree",
                "name": "Bachelor of Arts in History",
                "description": "Awarded on completion of the three-year programme in History.",
                "criteria": {"narrative": "Completion of 180 ECTS credits."},
                "fieldOfStudy": "History",
            },
        },
    }


@pytest.fixture
def signed_file(tmp_path: Path, cli: Any, key_file: Path) -> Path:
    did = generate(KeyType.ED25519, bytes.fromhex(SEED_HEX)).public.did_key
    unsigned = write(tmp_path / "unsigned.json", degree(did))
    result = cli("sign", unsigned, "--key", str(key_file), "--created", CREATED)
    assert result.code == EXIT_OK, result.err
    path = tmp_path / "signed.json"
    path.write_text(result.out, encoding="utf-8")
    return path


# --- keys -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("key_type", "flavour"), [("ed25519", "ed25519"), ("p256", "p256")])
def test_keys_generate_with_seed_gives_the_reference_did(
    tmp_path: Path, cli: Any, vectors: Path, key_type: str, flavour: str
) -> None:
    reference = json.loads((vectors / "reference-outputs" / "keys.json").read_text("utf-8"))
    path = tmp_path / f"{key_type}.pem"
    result = cli(
        "keys", "generate", "--type", key_type, "--seed", reference["seedHex"], "--out", str(path)
    )
    assert result.code == EXIT_OK
    assert result.out.strip() == reference[flavour]["did"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "unencrypted" in result.err


def test_keys_generate_random_and_file_mode(tmp_path: Path, cli: Any) -> None:
    first, second = tmp_path / "a.pem", tmp_path / "b.pem"
    did_a = cli("keys", "generate", "--out", str(first)).out.strip()
    did_b = cli("keys", "generate", "--type", "p384", "--out", str(second)).out.strip()
    assert did_a.startswith("did:key:z6Mk") and did_b.startswith("did:key:z82L")
    assert stat.S_IMODE(first.stat().st_mode) == 0o600


def test_keys_generate_refuses_to_overwrite(cli: Any, key_file: Path) -> None:
    before = key_file.read_bytes()
    result = cli("keys", "generate", "--out", str(key_file))
    assert result.code == EXIT_USAGE
    assert "refusing to overwrite" in result.err
    assert key_file.read_bytes() == before


@pytest.mark.parametrize("seed", ["xyz", "00", SEED_HEX + "00"])
def test_keys_generate_bad_seed(tmp_path: Path, cli: Any, seed: str) -> None:
    result = cli("keys", "generate", "--seed", seed, "--out", str(tmp_path / "k.pem"))
    assert result.code == EXIT_USAGE
    assert "seed" in result.err
    assert not (tmp_path / "k.pem").exists()


def test_keys_show(cli: Any, key_file: Path) -> None:
    result = cli("keys", "show", str(key_file))
    assert result.code == EXIT_OK
    info = result.json()
    key = generate(KeyType.ED25519, bytes.fromhex(SEED_HEX))
    assert info["did"] == key.public.did_key
    assert info["publicKeyMultibase"] == key.public.multikey
    assert info["verificationMethod"] == f"{key.public.did_key}#{key.public.multikey}"
    assert info["publicKeyJwk"] == key.public.to_jwk()
    assert key.secret_multikey not in result.out + result.err


def test_encrypted_key_needs_its_passphrase(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "enc.pem"
    monkeypatch.setenv("DIPLOMAT_KEY_PASSPHRASE", "correct horse")
    generated = cli("keys", "generate", "--out", str(path))
    assert generated.code == EXIT_OK and "encrypted" in generated.err
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert cli("keys", "show", str(path)).json()["did"] == generated.out.strip()
    monkeypatch.setenv("DIPLOMAT_KEY_PASSPHRASE", "wrong")
    wrong = cli("keys", "show", str(path))
    assert wrong.code == EXIT_USAGE and "passphrase" in wrong.err
    monkeypatch.delenv("DIPLOMAT_KEY_PASSPHRASE")
    missing = cli("keys", "show", str(path))
    assert missing.code == EXIT_USAGE and "passphrase" in missing.err


def test_keys_show_missing_file(tmp_path: Path, cli: Any) -> None:
    result = cli("keys", "show", str(tmp_path / "absent.pem"))
    assert result.code == EXIT_USAGE
    assert "cannot read key file" in result.err


# --- sign / verify ----------------------------------------------------------------------------------
REFERENCE_SIGNED = [
    ("degree-vc2-ob3-eddsa-rdfc-2022.json", "eddsa-rdfc-2022"),
    ("degree-vc2-ob3-eddsa-jcs-2022.json", "eddsa-jcs-2022"),
    ("degree-vc11-ob3-ed25519-signature-2020.json", "Ed25519Signature2020"),
    ("degree-vc2-ob3-eddsa-rdfc-2022-status-revoked.json", "eddsa-rdfc-2022"),
]


@pytest.mark.parametrize(("name", "suite"), REFERENCE_SIGNED)
def test_sign_reproduces_the_reference_proof_value(
    cli: Any, key_file: Path, vectors: Path, name: str, suite: str
) -> None:
    ref = vectors / "reference-outputs"
    result = cli(
        "sign", str(ref / "unsigned" / name), "--key", str(key_file), "--suite", suite,
        "--created", CREATED,
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    expected = json.loads((ref / name).read_text("utf-8"))
    signed = result.json()
    assert signed["proof"]["proofValue"] == expected["proof"]["proofValue"]
    assert signed == expected


def test_sign_ecdsa_and_verify(tmp_path: Path, cli: Any) -> None:
    key_path = tmp_path / "p256.pem"
    did = cli("keys", "generate", "--type", "p256", "--out", str(key_path)).out.strip()
    unsigned = write(tmp_path / "u.json", degree(did))
    for suite in ("ecdsa-rdfc-2019", "ecdsa-jcs-2019"):
        signed = cli("sign", unsigned, "--key", str(key_path), "--suite", suite)
        assert signed.code == EXIT_OK, signed.err
        path = write(tmp_path / f"{suite}.json", signed.out)
        assert cli("verify", path).code == EXIT_OK


def test_sign_sets_the_issuer_to_the_key(tmp_path: Path, cli: Any, key_file: Path) -> None:
    unsigned = write(tmp_path / "u.json", degree("did:example:somebody"))
    signed = cli("sign", unsigned, "--key", str(key_file), "--created", CREATED).json()
    assert (
        signed["issuer"]["id"] == generate(KeyType.ED25519, bytes.fromhex(SEED_HEX)).public.did_key
    )


def test_sign_from_stdin(
    tmp_path: Path, cli: Any, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.dumps(degree("did:example:x")).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    result = cli("sign", "-", "--key", str(key_file), "--created", CREATED)
    assert result.code == EXIT_OK, result.err
    assert result.json()["proof"]["created"] == CREATED


def test_verify_ok(cli: Any, signed_file: Path) -> None:
    result = cli("verify", str(signed_file))
    assert result.code == EXIT_OK
    assert "VERIFIED" in result.err and "NOT VERIFIED" not in result.err
    as_json = cli("verify", "--json", str(signed_file))
    assert as_json.code == EXIT_OK
    assert as_json.json()["verified"] is True
    assert "eddsa-rdfc-2022" in as_json.out


# Without credentialStatus: checking a status list would need it served (the verifier fetches it).
REFERENCE_VERIFIABLE_OFFLINE = [
    "degree-vc2-ob3-eddsa-rdfc-2022.json",
    "degree-vc2-ob3-eddsa-jcs-2022.json",
    "degree-vc11-ob3-ed25519-signature-2020.json",
    "degree-vc2-ob3-ecdsa-rdfc-2019.json",
]


@pytest.mark.parametrize("name", REFERENCE_VERIFIABLE_OFFLINE)
def test_verify_reference_credentials(cli: Any, vectors: Path, name: str) -> None:
    result = cli(
        "verify", "--now", "2025-06-01T00:00:00Z", str(vectors / "reference-outputs" / name)
    )
    assert result.code == EXIT_OK, result.err


def test_verify_tampered_file(tmp_path: Path, cli: Any, signed_file: Path) -> None:
    document = json.loads(signed_file.read_text("utf-8"))
    document["credentialSubject"]["achievement"]["name"] = "Doctor of Philosophy"
    result = cli("verify", write(tmp_path / "tampered.json", document))
    assert result.code == EXIT_NOT_VERIFIED
    assert "NOT VERIFIED" in result.err
    assert "signature does not verify" in result.err
    as_json = cli("verify", "--json", str(tmp_path / "tampered.json"))
    assert as_json.code == EXIT_NOT_VERIFIED
    assert as_json.json()["verified"] is False
    assert "PROOF_VERIFICATION_ERROR" in as_json.out


def test_verify_unsigned_file(tmp_path: Path, cli: Any) -> None:
    result = cli("verify", write(tmp_path / "u.json", degree("did:example:x")))
    assert result.code == EXIT_NOT_VERIFIED
    assert "no proof" in result.err


# --- bad input: a clear message and exit 2 (input) or 1 (verification), never a traceback --------------
NOT_JSON = [
    ("not json at all", "not JSON"),
    ("[1, 2, 3]", "must be a JSON object"),
    ('{"a": 1, "a": 2}', "duplicate key"),
    ("", "not JSON"),
]


@pytest.mark.parametrize(("content", "message"), NOT_JSON)
def test_sign_not_json_is_an_input_error(
    tmp_path: Path, cli: Any, key_file: Path, content: str, message: str
) -> None:
    result = cli("sign", write(tmp_path / "bad.json", content), "--key", str(key_file))
    assert result.code == EXIT_USAGE
    assert message in result.err


@pytest.mark.parametrize(("content", "message"), NOT_JSON)
def test_verify_not_json_is_an_input_error(
    tmp_path: Path, cli: Any, content: str, message: str
) -> None:
    result = cli("verify", write(tmp_path / "bad.json", content))
    assert result.code == EXIT_USAGE
    # the verifier words its own messages; the error class is the contract
    assert "Parsing error" in result.err


def test_issuer_a_number_fails_verification(tmp_path: Path, cli: Any, signed_file: Path) -> None:
    document = json.loads(signed_file.read_text("utf-8"))
    document["issuer"] = 42
    result = cli("verify", write(tmp_path / "issuer42.json", document))
    assert result.code == EXIT_NOT_VERIFIED
    assert "NOT VERIFIED" in result.err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(type=42), "JSON-LD"),
        (lambda d: d.update(credentialSubject={"gpa": 4}), "gpa"),
        (lambda d: d.update(validFrom={"@value": {"x": 1}}), "JSON-LD"),
        (lambda d: d.update({"@context": 7}), "@context"),
    ],
)
def test_sign_wrong_types_is_an_input_error(
    tmp_path: Path, cli: Any, key_file: Path, change: Any, message: str
) -> None:
    document = degree("did:example:x")
    change(document)
    result = cli("sign", write(tmp_path / "bad.json", document), "--key", str(key_file))
    assert result.code == EXIT_USAGE
    assert message in result.err


def test_unknown_suite(tmp_path: Path, cli: Any, key_file: Path) -> None:
    unsigned = write(tmp_path / "u.json", degree("did:example:x"))
    result = cli("sign", unsigned, "--key", str(key_file), "--suite", "bbs-2023")
    assert result.code == EXIT_USAGE
    assert "invalid choice" in result.err and "bbs-2023" in result.err


def test_suite_that_does_not_fit_the_key(tmp_path: Path, cli: Any, key_file: Path) -> None:
    unsigned = write(tmp_path / "u.json", degree("did:example:x"))
    result = cli("sign", unsigned, "--key", str(key_file), "--suite", "ecdsa-rdfc-2019")
    assert result.code == EXIT_USAGE
    assert "cannot be used with a Ed25519 key" in result.err


def test_unknown_context_url(tmp_path: Path, cli: Any, key_file: Path, signed_file: Path) -> None:
    document = degree("did:example:x")
    document["@context"].append("https://evil.example/context.jsonld")
    result = cli("sign", write(tmp_path / "ctx.json", document), "--key", str(key_file))
    assert result.code == EXIT_USAGE
    assert "Context not allowed" in result.err and "evil.example" in result.err
    signed = json.loads(signed_file.read_text("utf-8"))
    signed["@context"].append("https://evil.example/context.jsonld")
    verified = cli("verify", write(tmp_path / "ctx-signed.json", signed))
    assert verified.code == EXIT_NOT_VERIFIED
    assert "evil.example" in verified.err


@pytest.mark.parametrize("value", ["not-multibase", "u" + "A" * 86, "z0OIl", 42])
def test_malformed_proof_value(tmp_path: Path, cli: Any, signed_file: Path, value: object) -> None:
    document = json.loads(signed_file.read_text("utf-8"))
    document["proof"]["proofValue"] = value
    result = cli("verify", write(tmp_path / "pv.json", document))
    assert result.code == EXIT_NOT_VERIFIED
    assert "proofValue" in result.err


def test_jwt_with_alg_none(tmp_path: Path, cli: Any) -> None:
    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    did = generate(KeyType.ED25519, bytes.fromhex(SEED_HEX)).public.did_key
    token = b64({"alg": "none", "typ": "vc+jwt"}) + "." + b64(degree(did)) + "."
    result = cli("verify", write(tmp_path / "none.jwt", token))
    assert result.code == EXIT_NOT_VERIFIED
    assert "alg 'none' is not accepted" in result.err
    as_json = cli("verify", "--json", str(tmp_path / "none.jwt"))
    assert as_json.json()["verified"] is False
    assert "CRYPTOGRAPHIC_SECURITY_ERROR" in as_json.out


def test_jwt_signed_verifies(tmp_path: Path, cli: Any) -> None:
    key = generate(KeyType.P256, bytes.fromhex(SEED_HEX))
    token = jose.sign_vc_jwt(
        degree(key.public.did_key), key, f"{key.public.did_key}#{key.public.multikey}"
    )
    assert cli("verify", write(tmp_path / "ok.jwt", token)).code == EXIT_OK


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nonsense"],
        ["sign"],
        ["verify", "--now", "2025-01-01T00:00:00", "x.json"],
        ["verify", "--now", "yesterday", "x.json"],
        ["keys"],
        ["keys", "generate"],
        ["keys", "generate", "--type", "rsa", "--out", "k.pem"],
    ],
)
def test_usage_errors(
    tmp_path: Path, cli: Any, argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "x.json", degree("did:example:x"))
    result = cli(*argv)
    assert result.code == EXIT_USAGE
    assert result.err.strip()


def test_missing_file(tmp_path: Path, cli: Any) -> None:
    result = cli("verify", str(tmp_path / "absent.json"))
    assert result.code == EXIT_USAGE
    assert "cannot read" in result.err


def test_help_exits_zero(cli: Any) -> None:
    result = cli("--help")
    assert result.code == EXIT_OK
    assert "verify" in result.out


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_a_command_parsed_alone_is_the_command_parsed_with_all_the_others() -> None:
    # The table's help lines and each module's own parsers: the same whether one command's
    # module is imported (a run) or all of them.
    full = build_parser()
    assert full.format_help() == build_parser(["--help"]).format_help()
    for name in COMMANDS:
        alone = build_parser([name])
        assert _subparsers(alone)[name].format_help() == _subparsers(full)[name].format_help()
        assert alone.format_help() == full.format_help()


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["issue", "--csv", "c.csv"], ["issue"]),
        (["--home", "verify", "issue", "--csv", "c.csv"], ["issue"]),  # a value, not a command
        (["--home=verify", "--config", "d.toml", "sign", "x.json"], ["sign"]),
        (["--hom", "verify", "keys", "show", "k.pem"], ["keys"]),  # --home, abbreviated
        (["--version"], []),
        (["--help"], []),
        ([], []),
        (["nonsense", "verify"], []),
        (["--home"], []),  # the full parser says what is missing
    ],
)
def test_the_command_argv_names(argv: list[str], named: list[str]) -> None:
    assert _named_command(argv) == named


def test_a_command_imports_only_what_it_needs() -> None:
    # `diplomat --version` and `diplomat keys` import no web or database stack, and
    # `diplomat verify` none of the issuer's (a fresh interpreter: this one imported them all).
    probe = (
        "import contextlib, io, sys\n"
        "from diplomat.cli import main\n"
        "heavy = ('flask', 'sqlalchemy', 'alembic', 'jwcrypto', 'issuer.service', 'verifier.report')\n"
        "for argv in (['--version'], ['keys', '--help'], ['verify', '--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        assert main(argv) == 0\n"
        "    print(' '.join(argv), *[m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=100, check=True
    )
    assert done.stdout.splitlines() == [
        "--version",
        "keys --help",
        "verify --help verifier.report",
    ]


def test_a_command_argv_names_otherwise_still_runs(
    cli: Any, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should the first reading of argv miss the command, the whole parser reads it again.
    import diplomat.cli

    monkeypatch.setattr(diplomat.cli, "_named_command", lambda argv: [])
    result = cli("keys", "show", str(key_file))
    assert result.code == EXIT_OK
    assert result.json()["did"] == generate(KeyType.ED25519, bytes.fromhex(SEED_HEX)).public.did_key

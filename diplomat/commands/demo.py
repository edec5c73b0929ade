"""`diplomat demo`: the whole story on embedded defaults, everything labelled DEMO.

A demo university with a did:web identity on 127.0.0.1, a demo accreditation registry signed by
a demo national information centre, the shipped conventions data; the issuer and the verifier
served on 127.0.0.1 by Werkzeug's development server (the only place one runs, and the story says
so); one demo degree issued, shared, put in a QR code and verified over HTTP.
Its files live in ``<home>/demo/`` (the data home: --home, DIPLOMAT_HOME, ./diplomat-data), wiped
at each start; ports 0 pick free ones.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplomat.commands import add_command
from diplomat.commands.common import settings
from issuer.config import IssuerConfig
from issuer.degree import parse_input
from issuer.service import IssuerService, open_service
from vc import proofs, strictjson
from vc.dates import utcnow
from vc.keys import KeyType, generate
from verifier.config import VerifierConfig
from verifier.registry import accreditation_entry, add_institution, new_registry
from verifier.registry.signed import registry_credential

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

_INSTALLED_SAMPLES = Path(__file__).resolve().parents[1] / "_samples"  # setup.py maps samples/ here
SAMPLES_DIR = (
    _INSTALLED_SAMPLES
    if _INSTALLED_SAMPLES.is_dir()
    else Path(__file__).resolve().parents[2] / "samples"  # a checkout or editable install
)
UNIVERSITY = "Demo Kazakh National University (DEMO)"
OPERATOR = "Demo National Information Centre of Kazakhstan (DEMO)"
# A public seed: the demo operator's key is a demo key, never a real one.
OPERATOR_SEED = hashlib.sha256(b"diplomat demo: national information centre").digest()
# The one place a development server runs; `diplomat serve` runs gunicorn.
DEVELOPMENT_SERVER = (
    "Served by Werkzeug's development server, for this demo only: "
    "run `diplomat serve issuer|verifier` (gunicorn) for real use."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(sub, "demo")
    parser.add_argument("--issuer-port", type=int, default=8001, help="8001; 0: any free port")
    parser.add_argument("--verifier-port", type=int, default=8002, help="8002; 0: any free port")
    parser.add_argument("--for", dest="destination", default="JP", help="destination country")
    parser.add_argument("--once", action="store_true", help="print the story and stop")
    parser.set_defaults(handler=_demo)


def _say(text: str = "") -> None:
    print(text, file=sys.stderr, flush=True)


@contextmanager
def _serving(server: BaseWSGIServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _registry(home: Path, university_did: str, today: date) -> tuple[Path, str]:
    """A demo accreditation registry naming the demo university, signed by the demo operator."""
    operator = generate(KeyType.ED25519, OPERATOR_SEED)
    doc = new_registry(
        registry_id="https://nic.demo.example/registry/kz",
        name="Demo accreditation registry of Kazakhstan (DEMO)",
        operator_did=operator.public.did_key,
        operator_name=OPERATOR,
        jurisdiction="KZ",
        as_of=today,
        description="DEMO data for `diplomat demo`. Not a real registry.",
    )
    doc = add_institution(
        doc,
        dids=[university_did],
        names={"en": UNIVERSITY, "kk": "Демо Қазақ ұлттық университеті (DEMO)"},
        country="KZ",
        source_url="https://nic.demo.example/decisions/demo-1",
        source_title="DEMO accreditation decision",
        retrieved=today,
        accreditations=[
            accreditation_entry(
                accrediting_body="Demo Accreditation Agency (DEMO)",
                status="accredited",
                valid_from=date(2015, 1, 1),
                valid_until=None,
                isced_levels=["6", "7", "8"],
                source_url="https://nic.demo.example/decisions/demo-1",
                source_title="DEMO accreditation decision",
                retrieved=today,
            )
        ],
    )
    now = utcnow().replace(microsecond=0)
    unsigned = registry_credential(
        doc, operator_did=operator.public.did_key, valid_from=now - timedelta(days=1)
    )
    signed = proofs.sign(
        unsigned,
        operator,
        verification_method=f"{operator.public.did_key}#{operator.public.multikey}",
        created=now,
    )
    path = home / "registry.json"
    path.write_text(strictjson.dumps(signed), encoding="utf-8")
    return path, operator.public.did_key


def _issue(service: IssuerService) -> tuple[str, str, str]:
    """Issue the sample degree; return (credential id, share URL, management URL)."""
    sample = json.loads((SAMPLES_DIR / "degree.json").read_text(encoding="utf-8"))
    issued = service.issuing.issue_degree(parse_input(sample), actor="demo")
    _, _, share_url = service.sharing.create_share_link(issued.credential_id, actor="demo")
    management_url = issued.management_url or service.issuing.reset_management_token(
        issued.credential_id, actor="demo"
    )
    return issued.credential_id, share_url, management_url


def _verify_over_http(verifier_base: str, share_url: str, destination: str) -> dict[str, Any]:
    with urllib.request.urlopen(share_url + "?format=json", timeout=10) as response:  # noqa: S310 - our own 127.0.0.1 server
        credential = response.read()
    request = urllib.request.Request(  # noqa: S310 - our own 127.0.0.1 server
        f"{verifier_base}/api/verify?for={destination}",
        data=credential,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        report: dict[str, Any] = json.loads(response.read())
    return report


def _not_ready(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _listen(port: int) -> BaseWSGIServer:
    """A threaded server on 127.0.0.1:port (0: a free port), its app set once it is built: the
    apps need their own URL, which is known only once the port is bound."""
    from werkzeug.serving import make_server

    return make_server("127.0.0.1", port, _not_ready, threaded=True)


def _demo(args: argparse.Namespace) -> int:
    # The web apps are imported here, not at the top: every other command starts without them.
    from issuer.web import create_app as create_issuer_app
    from verifier.web import create_app as create_verifier_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log over the story
    home = settings(args).home.resolve() / "demo"
    if home.exists():
        shutil.rmtree(home)  # the demo starts afresh each time: <home>/demo holds demo data only
    (home / "keys").mkdir(parents=True)
    issuer_server = _listen(args.issuer_port)
    verifier_server = _listen(args.verifier_port)
    issuer_base = f"http://127.0.0.1:{issuer_server.server_port}"
    verifier_base = f"http://127.0.0.1:{verifier_server.server_port}"
    issuer_config = IssuerConfig(
        database_url=f"sqlite:///{home / 'issuer.sqlite3'}",
        keys_dir=home / "keys",
        public_base_url=issuer_base,
        verifier_url=f"{verifier_base}/verify",
        spool_dir=home / "batches",
        sign_workers=1,
        nqf_name="National Qualifications Framework of Kazakhstan (DEMO reference)",
        nqf_url="https://nic.demo.example/nqf",
        dev_mode=True,
    )
    service = open_service(issuer_config)
    issuer = service.identity.init_identity(UNIVERSITY, issuer_base, "KZ", actor="demo")
    password = "demo-" + hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:12]
    service.accounts.create_user("registrar", password, "registrar", actor="demo")
    registry_path, operator_did = _registry(home, issuer.did, utcnow().date())
    verifier_config = VerifierConfig(
        country=args.destination,
        registries=(str(registry_path),),
        trusted_operators=(operator_did,),
        dev_mode=True,
        base_url=verifier_base,
        database_url=f"sqlite:///{home / 'verifier.sqlite3'}",
    )
    issuer_server.app = create_issuer_app(issuer_config, service=service)
    with _serving(issuer_server), _serving(verifier_server):
        # The verifier loads the registry and resolves did:web at start-up: the issuer must be up.
        verifier_server.app = create_verifier_app(verifier_config)
        credential_id, share_url, management_url = _issue(service)
        qr_path = home / "share-qr.png"
        token = share_url.rsplit("/", 1)[-1]
        qr_path.write_bytes(service.sharing.share_qr_png(token))
        report = _verify_over_http(verifier_base, share_url, args.destination)
        _story(
            issuer=issuer.did,
            credential_id=credential_id,
            share_url=share_url,
            management_url=management_url,
            qr_path=qr_path,
            verifier_link=service.sharing.verifier_link(token),
            console=f"{issuer_base}/console",
            password=password,
            report=report,
            registry=registry_path,
            operator=operator_did,
        )
        if args.once:
            return 0 if report.get("verified") else 1
        _say("\nServing until Ctrl-C …")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            _say("stopped")
    return 0


def _story(**facts: Any) -> None:
    report: dict[str, Any] = facts["report"]
    _say("Diplomat demo — every name, key and registry below is DEMO data")
    _say(f"  {DEVELOPMENT_SERVER}\n")
    _say(f"  University (DEMO)      {facts['issuer']}")
    _say(f"  Degree credential      {facts['credential_id']}")
    _say(f"  Graduate's share link  {facts['share_url']}")
    _say(f"  Graduate's manage page {facts['management_url']}")
    _say(f"  Printable QR (PNG)     {facts['qr_path']}")
    _say(f"  Verifier (QR opens)    {facts['verifier_link']}")
    _say(f"  Registrar console      {facts['console']}  (registrar / {facts['password']})")
    _say("")
    _say(f"  Verdict: {report.get('verdict')} — {report.get('headline', '')}")
    sections = report.get("sections", {})
    if isinstance(sections, dict):
        for name, section in sections.items():
            if isinstance(section, dict):
                _say(
                    f"    {name:<18} {section.get('status', '?'):<15} {section.get('message', '')}"
                )
    print(
        json.dumps(
            {
                "shareUrl": facts["share_url"],
                "verifierUrl": facts["verifier_link"],
                "qrFile": str(facts["qr_path"]),
                "verdict": report.get("verdict"),
                "registry": str(facts["registry"]),
                "trustedOperator": facts["operator"],
            }
        ),
        flush=True,
    )

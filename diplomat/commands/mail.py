"""`diplomat mail send` and the claim-link hand-over of `diplomat issue` (--links-out,
--dry-run-mail).

`diplomat mail send` sends every message due now (for cron, when the issuer app's mail thread is
off: setting mail_worker = false) and prints what happened; exit 0 when nothing failed for good
in this run, 1 when some message failed (its server answer is in the batch page and the API).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from diplomat.commands import add_command
from diplomat.commands.common import settings
from issuer.config import IssuerConfig
from issuer.service import IssuerService, open_service
from issuer.service.claims_csv import claim_links_csv
from vc.errors import MalformedValueError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mail = add_command(sub, "mail")
    msub = mail.add_subparsers(dest="mail_command", required=True)
    send = msub.add_parser("send", help="send the messages due now (for cron)")
    send.add_argument("--limit", type=int, default=None, help="send at most this many")
    send.set_defaults(handler=_send)


def _send(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise MalformedValueError("--limit must be a positive number")
    service = open_service(IssuerConfig.from_settings(settings(args)))
    try:
        report = service.mail.send_due(limit=args.limit)
        waiting = service.store.outbox.counts()
    finally:
        service.close()
    print(
        f"mail: {report.sent} sent, {report.retrying} to retry later, {report.failed} failed;"
        f" {waiting['queued']} waiting in the outbox",
        file=sys.stderr,
    )
    print(json.dumps({"sent": report.sent, "retrying": report.retrying, "failed": report.failed}))
    return 1 if report.failed else 0


def hand_over_links(
    service: IssuerService,
    batch_id: int,
    links_out: Path | None,
    dry_run_mail: str | None,
    actor: str,
) -> None:
    """After `diplomat issue`: write the .eml files of a mail dry run, then hand the claim
    links out to ``links_out`` (once; the file is created 0600, never overwritten)."""
    if dry_run_mail is not None:
        exports = service.claims.peek_batch_links(batch_id)
        written = service.mail.write_messages(exports, Path(dry_run_mail))
        print(f"mail dry run: {len(written)} message(s) written to {dry_run_mail}", file=sys.stderr)
    if links_out is None:
        if service.config.mail_enabled and dry_run_mail is None:
            print("claim links queued for e-mail; the rest wait for the console", file=sys.stderr)
        return
    exports = service.claims.take_batch_links(batch_id, actor=actor)
    try:
        fd = os.open(links_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise MalformedValueError(f"cannot write --links-out {links_out}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(claim_links_csv(exports))
    print(f"{len(exports)} claim link(s) written to {links_out} (mode 0600)", file=sys.stderr)

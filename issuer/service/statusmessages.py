"""The "message" status lists (Bitstring Status List §2.1 statusPurpose message, statusSize 2).

Opt-in (``DIPLOMAT_STATUS_MESSAGES``): each new credential gets, after its revocation and
suspension entries, a third entry that states its status as one of four messages, committed to
at issuance in the entry itself (``statusMessage``) and explained at ``statusReference``
(``/status/message``). The list ``/status/message/<n>`` is derived, never stored: entry ``i`` of
it is the credential that holds index ``i`` of revocation list ``n`` (the same random index, so
the message list tells a reader nothing the revocation and suspension lists do not), and its
value is 2 when that credential is revoked, 1 when suspended, else 0. Revocation and suspension
stay the authority: the message entry is a summary a verifier can show in one line.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from typing import Any, Final

from issuer.errors import NotFoundError
from issuer.service.base import IssuerContext
from issuer.service.identity import SUITE_FOR_KEY
from issuer.store.interfaces import StatusLists
from vc import strictjson
from vc.proofs import sign
from vc.status import Bitstring, message_entry, status_list_credential
from vc.statusmessages import message_rows

PURPOSE: Final = "message"
STATUS_SIZE: Final = 2
# (value, message); §2.1: "Implementers MAY use the string value of undefined ... to indicate
# that a corresponding status is not defined for the associated status value".
MESSAGES: Final = ((0, "valid"), (1, "suspended"), (2, "revoked"), (3, "undefined"))
REFERENCE_PATH: Final = "/status/message"
_VALUE = {(False, False): 0, (False, True): 1, (True, False): 2, (True, True): 2}

# One cached signed list: (fingerprint, document, ETag, last modified).
_Cached = tuple[tuple[Any, ...], dict[str, Any], str, datetime]


def message_status_entry(ctx: IssuerContext, list_number: int, index: int) -> dict[str, Any]:
    """The message entry for the credential at ``index`` of revocation list ``list_number``."""
    return message_entry(
        list_id=ctx.status_list_url(PURPOSE, list_number),
        index=index,
        messages=MESSAGES,
        size=STATUS_SIZE,
        reference=ctx.url(REFERENCE_PATH),
    )


def reference_document(ctx: IssuerContext) -> dict[str, Any]:
    """What statusReference dereferences to: the messages and what each one means here."""
    return {
        "id": ctx.url(REFERENCE_PATH),
        "statusPurpose": PURPOSE,
        "statusSize": STATUS_SIZE,
        "statusMessage": message_rows(MESSAGES, STATUS_SIZE),
        "description": (
            "The credential's status as this issuer keeps it: 0x0 valid (neither revoked nor "
            "suspended), 0x1 suspended, 0x2 revoked (revocation is final and wins over a "
            "suspension), 0x3 not used. The revocation and suspension entries of the same "
            "credential remain the authority."
        ),
        "lists": ctx.url(f"/status/{PURPOSE}/{{n}}"),
    }


class MessageLists:
    """The signed message list credentials, re-signed only when a status or the key changed."""

    def __init__(self, ctx: IssuerContext, status: StatusLists) -> None:
        self._ctx = ctx
        self._status = status
        self._lock = threading.Lock()
        self._cache: dict[int, _Cached] = {}

    def credential(self, list_number: int) -> tuple[dict[str, Any], str, datetime]:
        """The signed BitstringStatusListCredential /status/message/<n>: (document, strong
        ETag, last modified). Raises NotFoundError when the feature is off or revocation list
        ``n`` does not exist."""
        if not self._ctx.config.status_messages:
            raise NotFoundError("this issuer publishes no message status lists")
        issuer = self._ctx.issuer()
        revocation = self._status.get_status_list_by_number(issuer.id, "revocation", list_number)
        record, key = self._ctx.active_key()
        # Read before the values: a change after this point gives a newer fingerprint next time.
        fingerprint = (
            revocation.version,
            tuple(
                (listed.id, listed.version)
                for listed in self._status.list_status_lists(issuer.id, "suspension")
            ),
            record.key_id,
        )
        with self._lock:
            cached = self._cache.get(list_number)
        if cached is not None and cached[0] == fingerprint:
            return cached[1], cached[2], cached[3]
        bits = Bitstring.new(revocation.length * STATUS_SIZE)
        for index, flags in self._status.flagged_indexes(revocation.id).items():
            bits.set_value(index, STATUS_SIZE, _VALUE[flags])
        now = self._ctx.now()
        unsigned = status_list_credential(
            list_id=self._ctx.status_list_url(PURPOSE, list_number),
            issuer=issuer.did,
            purpose=PURPOSE,
            bitstring=bits,
            valid_from=now,
            ttl_ms=self._ctx.config.status_list_ttl * 1000,
        )
        signed = sign(
            unsigned,
            key,
            verification_method=record.key_id,
            created=now,
            suite=SUITE_FOR_KEY[record.key_type],
        )
        text = strictjson.dumps(signed)
        etag = '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'
        with self._lock:
            self._cache[list_number] = (fingerprint, signed, etag, now)
        return signed, etag, now

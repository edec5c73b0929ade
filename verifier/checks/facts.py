"""What several checks need, computed once per verification: the credential, its proofs, the
degree's level, field and award date, and the registries' answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vc import proofs
from vc.contexts import VC_V1, VC_V2
from vc.dates import parse_datetime
from vc.errors import DiplomatError, MalformedValueError
from vc.ob3 import (
    DEGREE_TYPES,
    ISCED_FIELD_FRAMEWORK,
    ISCED_LEVEL_FRAMEWORK,
    TARGET_TYPE_ISCED_FIELD,
    TARGET_TYPE_ISCED_LEVEL,
    RecipientIdentity,
)
from vc.purposes import AssertionMethod, issuer_id
from verifier.context import IssuerStanding, VerifierContext
from verifier.lazy import cached_property

DEGREE_CREDENTIAL_TYPES = ("AchievementCredential", "OpenBadgeCredential")

_LEVEL_MARKERS = (TARGET_TYPE_ISCED_LEVEL, ISCED_LEVEL_FRAMEWORK)
_FIELD_MARKERS = (TARGET_TYPE_ISCED_FIELD, ISCED_FIELD_FRAMEWORK)


def types_of(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def contexts_of(document: Mapping[str, Any]) -> list[Any]:
    context = document.get("@context")
    if isinstance(context, list):
        return context
    return [] if context is None else [context]


def vc_version(document: Mapping[str, Any]) -> str | None:
    """ "2.0" or "1.1" from the first @context entry (VC-DM 2.0 §4.3, VC-DM 1.1 §4.1)."""
    contexts = contexts_of(document)
    first = contexts[0] if contexts else None
    return {VC_V2: "2.0", VC_V1: "1.1"}.get(first) if isinstance(first, str) else None


def language_values(value: object) -> tuple[tuple[str | None, str], ...]:
    """Every (language tag or None, text) a value carries: a plain string, a language value
    object, or a list of them (VC-DM 2.0 §11.1, a name in several languages)."""
    if isinstance(value, str):
        return ((None, value),)
    if isinstance(value, Mapping) and isinstance(value.get("@value"), str):
        tag = value.get("@language")
        return ((tag if isinstance(tag, str) else None, str(value["@value"])),)
    if isinstance(value, list):
        return tuple(pair for item in value for pair in language_values(item))
    return ()


def text_of(value: object) -> str | None:
    """A display string from a plain string or a language value object (or a list of them)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("@value"), str):
        return str(value["@value"])
    if isinstance(value, list) and value:
        return text_of(value[0])
    return None


def subjects_of(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    subject = document.get("credentialSubject")
    if isinstance(subject, Mapping):
        return [subject]
    if isinstance(subject, list):
        return [item for item in subject if isinstance(item, Mapping)]
    return []


@dataclass(frozen=True)
class Degree:
    """The degree as the credential states it (untrusted until the proof verifies)."""

    title: str | None
    achievement_type: str | None
    field_of_study: str | None
    isced_level: str | None
    isced_level_source: str | None
    isced_field: str | None
    award_date: date | None
    award_date_source: str | None
    holder_name: str | None
    holder_id: str | None
    holder_names: tuple[tuple[str | None, str], ...] = ()
    titles: tuple[tuple[str | None, str], ...] = ()
    diploma_number: str | None = None
    classification: str | None = None
    credits: str | None = None


def _classification(subject: Mapping[str, Any]) -> str | None:
    """OB 3.0 result whose description names the classification (as the issuer writes it)."""
    results = subject.get("result")
    for item in results if isinstance(results, list) else ():
        if isinstance(item, Mapping) and str(item.get("resultDescription", "")).endswith(
            "classification"
        ):
            return text_of(item.get("value"))
    return None


def _credits(subject: Mapping[str, Any]) -> str | None:
    earned = subject.get("creditsEarned")
    if isinstance(earned, bool) or not isinstance(earned, int | float | str):
        return None
    return str(earned)


def _alignment_code(alignments: object, markers: tuple[str, ...]) -> str | None:
    if not isinstance(alignments, list):
        return None
    for item in alignments:
        if not isinstance(item, Mapping):
            continue
        if item.get("targetType") in markers or item.get("targetFramework") in markers:
            code = item.get("targetCode")
            if isinstance(code, str) and code:
                return code
    return None


def degree_of(document: Mapping[str, Any]) -> Degree:
    """Read the degree's facts; never raises (missing or malformed facts come back as None)."""
    subjects = subjects_of(document)
    subject: Mapping[str, Any] = subjects[0] if subjects else {}
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping):
        achievement = {}
    kind = achievement.get("achievementType")
    kind = kind if isinstance(kind, str) else None
    level = _alignment_code(achievement.get("alignment"), _LEVEL_MARKERS)
    level_source = "ISCED 2011 alignment" if level else None
    if level is None and kind is not None and DEGREE_TYPES.get(kind):
        level, level_source = DEGREE_TYPES[kind], f"achievementType {kind}"
    award: date | None = None
    award_source: str | None = None
    for name in ("awardedDate", "validFrom", "issuanceDate"):
        if name in document:
            try:
                award = parse_datetime(document[name], name).date()
            except DiplomatError:
                continue
            award_source = name
            break
    holder = subject.get("id")
    return Degree(
        title=text_of(achievement.get("name")) or text_of(document.get("name")),
        achievement_type=kind,
        field_of_study=text_of(achievement.get("fieldOfStudy")),
        isced_level=level,
        isced_level_source=level_source,
        isced_field=_alignment_code(achievement.get("alignment"), _FIELD_MARKERS),
        award_date=award,
        award_date_source=award_source,
        holder_name=text_of(subject.get("name")),
        holder_id=holder if isinstance(holder, str) else None,
        holder_names=language_values(subject.get("name")),
        titles=language_values(achievement.get("name") or document.get("name")),
        diploma_number=text_of(subject.get("licenseNumber")),
        classification=_classification(subject),
        credits=_credits(subject),
    )


class Facts:
    """The input of every check. Shared facts are computed lazily, once.

    ``document`` is the credential (None when the input could not be parsed into one);
    ``input_error`` says why. ``jwt`` is set for VC-JWT input; ``jwt_error`` when the JWT did not
    verify (``document`` then holds its unverified payload, for display only). ``recipient`` is
    what the verifier knows about the person (OB 3.0 recipient check), None when nothing was given.
    """

    def __init__(
        self,
        ctx: VerifierContext,
        now: datetime,
        *,
        document: Mapping[str, Any] | None,
        input_error: DiplomatError | None = None,
        destination: str | None = None,
        jwt: str | None = None,
        jwt_error: DiplomatError | None = None,
        jwt_verification_method: str | None = None,
        jwt_controller: str | None = None,
        recipient: RecipientIdentity | None = None,
    ) -> None:
        self.ctx = ctx
        self.now = now
        self.document = document
        self.input_error = input_error
        self.destination = destination
        self.jwt = jwt
        self.jwt_error = jwt_error
        self.jwt_verification_method = jwt_verification_method
        self.jwt_controller = jwt_controller
        self.recipient = recipient

    @cached_property
    def issuer(self) -> str | None:
        if self.document is None:
            return None
        try:
            return issuer_id(self.document)
        except MalformedValueError:
            return None

    @cached_property
    def version(self) -> str | None:
        return None if self.document is None else vc_version(self.document)

    @cached_property
    def degree(self) -> Degree:
        return degree_of(self.document or {})

    @cached_property
    def not_a_degree(self) -> str | None:
        """Why this credential is not a degree by Diplomat's degree profile, or None when it is.

        Nothing is called a degree (accredited, recognised) before the profile holds: an Open
        Badges AchievementCredential (or OpenBadgeCredential) with exactly one subject whose
        achievement states a degree type (OB 3.0 achievementType) or an ISCED level. A bare
        ``VerifiableCredential``, an empty subject or two subjects are credentials, not degrees.
        """
        document = self.document
        if document is None:
            return "the input is not a credential"
        if not set(DEGREE_CREDENTIAL_TYPES) & set(types_of(document.get("type"))):
            return "its type is not AchievementCredential (Open Badges 3.0)"
        raw = document.get("credentialSubject")
        subjects = subjects_of(document)
        if len(subjects) != 1 or (isinstance(raw, list) and len(raw) != 1):
            count = len(raw) if isinstance(raw, list) else len(subjects)
            return f"a degree has exactly one credentialSubject, this credential has {count}"
        achievement = subjects[0].get("achievement")
        if not isinstance(achievement, Mapping) or not achievement:
            return "its credentialSubject states no achievement"
        degree = self.degree
        if degree.achievement_type not in DEGREE_TYPES and degree.isced_level is None:
            return (
                f"its achievementType {degree.achievement_type!r} is not a degree and it states "
                "no ISCED level"
            )
        return None

    @cached_property
    def proofs(self) -> proofs.ProofsResult:
        """Every embedded proof, verified with ``assertionMethod`` but *not* bound to the issuer:
        the binding is its own check (``proof.issuer_binding``) so the report can say which of
        the two failed."""
        if self.document is None:
            return proofs.ProofsResult(())
        return proofs.verify(
            self.document,
            resolver=self.ctx.resolver,
            now=self.now,
            purpose=AssertionMethod(bind_issuer=False),
            loader=self.ctx.loader,
        )

    @cached_property
    def _standing(self) -> tuple[IssuerStanding | None, DiplomatError | None]:
        lookup = self.ctx.registries
        if lookup is None or self.issuer is None:
            return None, None
        degree = self.degree
        today = self.now.date()
        try:
            return (
                lookup(
                    self.issuer,
                    level=degree.isced_level,
                    field=degree.isced_field,
                    award_date=degree.award_date,
                    today=today,
                ),
                None,
            )
        except DiplomatError as exc:
            return None, exc

    @property
    def standing(self) -> IssuerStanding | None:
        """The registries' answer (None when no registry is configured, there is no issuer, or
        the lookup failed: see ``standing_error``)."""
        return self._standing[0]

    @property
    def standing_error(self) -> DiplomatError | None:
        return self._standing[1]

"""XML Schema dateTime parsing as VC 2.0 requires it: a time zone is mandatory."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from vc.errors import MalformedValueError

# Issuer and verifier clocks differ; a document signed a moment ago on a server whose clock runs a
# little ahead must not read "not yet valid" or "from the future" (the same leeway JWT libraries
# allow, RFC 7519 §4.1.5). One tolerance for every "not before" comparison: validFrom, a status
# list's validFrom, JWT nbf, a proof's created.
CLOCK_SKEW = timedelta(minutes=5)

# VC-DM 2.0 §4.9 uses xsd:dateTimeStamp: the time zone offset is required.
_DATETIME = re.compile(
    r"^(?P<date>-?\d{4,}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})(?P<frac>\.\d+)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})\Z"
)


def parse_datetime(value: object, field: str = "dateTime") -> datetime:
    """Parse an xsd:dateTimeStamp into an aware datetime.

    Raises MalformedValueError when the value is not a string, has no time zone ("local time" is
    not a time), or is not a real date.
    """
    if not isinstance(value, str):
        raise MalformedValueError(f"{field} must be a string, not {type(value).__name__}")
    match = _DATETIME.match(value)
    if match is None:
        raise MalformedValueError(
            f"{field} {value!r} is not an xsd:dateTimeStamp (YYYY-MM-DDThh:mm:ss[.s](Z|±hh:mm))"
        )
    frac = (match["frac"] or "")[:7].ljust(7, "0")[1:] if match["frac"] else ""
    tz = "+00:00" if match["tz"] == "Z" else match["tz"]
    text = f"{match['date']}T{match['time']}{'.' + frac if frac else ''}{tz}"
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise MalformedValueError(f"{field} {value!r} is not a valid date-time: {exc}") from exc


def format_datetime(moment: datetime) -> str:
    """Format as XML Schema dateTime in UTC with a Z, seconds precision (what the reference libs do)."""
    if moment.tzinfo is None:
        raise MalformedValueError("refusing to format a naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# A clock: what the shells inject so that nothing reads the time behind a caller's back (the core
# takes ``now`` as a parameter); utcnow is the real one, tests pass a fixed one.
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The default clock for the shells (the core always takes `now` as a parameter)."""
    return datetime.now(UTC)

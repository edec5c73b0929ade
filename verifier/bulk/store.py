"""Bulk jobs in the verifier's database, so that any worker process can report a job's progress
and results, whichever process runs it.

Two tables beside ``verifier_challenges`` (verifier.challenges; the same database, the same
engine settings, made with ``create_all`` at start-up for the same reasons):

    verifier_bulk_jobs
        job_hash     SHA-256 of the job id, hex (primary key): the id is the only key to the
                     results, which name graduates, so the table alone opens nothing
        client       SHA-256 of the client's address (the per-client bound), never the address
        state        running | done | failed
        total        number of items
        destination  the country the recognition section was checked for (or NULL)
        created_at, finished_at   Unix time in seconds
        error        why a job failed as a whole (rows report their own problems)
    verifier_bulk_rows
        job_hash, position (primary key), result (the row as JSON, verifier.bulk.rows)

Jobs older than the retention are deleted (with their rows) whenever a job is created.

Errors: BulkClientLimitError (429, with Retry-After) when a client already has as many running
jobs as allowed; ChallengeStoreUnavailableError (503) when the database fails.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Double,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from vc.errors import DiplomatError
from verifier.bulk.rows import BulkRow
from verifier.bulk.runner import RETRY_AFTER_SECONDS
from verifier.challengedb import create_challenge_engine
from verifier.challenges import ChallengeStoreUnavailableError

# pg_advisory_xact_lock key serialising job creation ("VBLK" in ASCII): the per-client count and
# the insert that follows it must not interleave with another process's.
_LOCK = 0x56424C4B
_log = logging.getLogger(__name__)

metadata = MetaData()
jobs = Table(
    "verifier_bulk_jobs",
    metadata,
    Column("job_hash", String(64), primary_key=True),
    Column("client", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("total", Integer, nullable=False),
    Column("destination", String(2), nullable=True),
    Column("created_at", Double, nullable=False),
    Column("finished_at", Double, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_verifier_bulk_jobs_client_state", "client", "state"),
    Index("ix_verifier_bulk_jobs_created_at", "created_at"),
)
rows = Table(
    "verifier_bulk_rows",
    metadata,
    Column(
        "job_hash",
        String(64),
        ForeignKey("verifier_bulk_jobs.job_hash", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("result", Text, nullable=False),
)


class BulkClientLimitError(DiplomatError):
    """The client already has as many bulk jobs running as one client may."""

    problem_type = "urn:diplomat:problem:too-many-jobs"
    code = -429
    status = 429
    title = "Too many bulk jobs"
    retry_after = RETRY_AFTER_SECONDS


@dataclass(frozen=True)
class JobProgress:
    """Where a job stands."""

    id: str
    state: str
    total: int
    done: int
    destination: str | None
    created_at: float
    finished_at: float | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.state != "running"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "total": self.total,
            "done": self.done,
            "percent": 100 if self.total == 0 else (100 * self.done) // self.total,
            "destination_country": self.destination,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "error": self.error,
        }


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _serialise(conn: Connection) -> None:
    # SQLite: the transaction already holds the write lock (BEGIN IMMEDIATE).
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def _unavailable(exc: SQLAlchemyError, doing: str) -> ChallengeStoreUnavailableError:
    # The cause is logged, not shown: it may name hosts and users of the database.
    _log.error("bulk job database failed while %s: %s", doing, exc)
    return ChallengeStoreUnavailableError(
        f"the verifier's database failed while {doing}; try again shortly"
    )


class BulkJobStore:
    """Bulk jobs and their result rows, shared by every process using the same database."""

    def __init__(
        self,
        engine: Engine,
        *,
        retention: float,
        stale_after: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.retention = retention
        self.stale_after = stale_after
        self.clock = clock

    def create(self, *, client: str, total: int, destination: str | None, max_running: int) -> str:
        """A new running job's id (random, URL-safe). Purges jobs past the retention first.
        A job still "running" after ``stale_after`` seconds (its process died) no longer counts
        against its client. Raises BulkClientLimitError, ChallengeStoreUnavailableError."""
        now = self.clock()
        job_id = secrets.token_urlsafe(18)
        client_hash = _hash(client)
        try:
            with self.engine.begin() as conn:
                _serialise(conn)
                expired = select(jobs.c.job_hash).where(jobs.c.created_at < now - self.retention)
                conn.execute(rows.delete().where(rows.c.job_hash.in_(expired)))
                conn.execute(jobs.delete().where(jobs.c.created_at < now - self.retention))
                running = conn.execute(
                    select(func.count())
                    .select_from(jobs)
                    .where(
                        jobs.c.client == client_hash,
                        jobs.c.state == "running",
                        jobs.c.created_at >= now - self.stale_after,
                    )
                ).scalar_one()
                if running >= max_running:
                    raise BulkClientLimitError(
                        f"you already have {running} bulk job(s) running; one client may run "
                        f"{max_running} at a time: wait for one to finish"
                    )
                conn.execute(
                    jobs.insert().values(
                        job_hash=_hash(job_id),
                        client=client_hash,
                        state="running",
                        total=total,
                        destination=destination,
                        created_at=now,
                    )
                )
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "creating a bulk job") from exc
        return job_id

    def add_rows(self, job_id: str, results: Sequence[BulkRow]) -> None:
        """Record finished rows. Raises ChallengeStoreUnavailableError."""
        if not results:
            return
        job_hash = _hash(job_id)
        values = [
            {
                "job_hash": job_hash,
                "position": row.position,
                "result": json.dumps(row.to_dict(), ensure_ascii=False),
            }
            for row in results
        ]
        try:
            with self.engine.begin() as conn:
                conn.execute(rows.insert(), values)
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "recording bulk results") from exc

    def finish(self, job_id: str, *, error: str | None = None) -> None:
        """Mark the job done (or failed, with ``error``). Raises ChallengeStoreUnavailableError."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    jobs.update()
                    .where(jobs.c.job_hash == _hash(job_id))
                    .values(
                        state="failed" if error else "done",
                        finished_at=self.clock(),
                        error=error,
                    )
                )
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "finishing a bulk job") from exc

    def progress(self, job_id: str) -> JobProgress | None:
        """The job's progress; None for an unknown (or purged) id. A job still running after
        ``stale_after`` seconds is reported failed (its process is gone)."""
        now = self.clock()
        job_hash = _hash(job_id)
        try:
            with self.engine.begin() as conn:
                job = conn.execute(select(jobs).where(jobs.c.job_hash == job_hash)).first()
                if job is None:
                    return None
                done = conn.execute(
                    select(func.count()).select_from(rows).where(rows.c.job_hash == job_hash)
                ).scalar_one()
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "reading a bulk job") from exc
        state, error = job.state, job.error
        if state == "running" and int(done) < job.total and job.created_at < now - self.stale_after:
            # Its process ended (a restarted worker) before the job did: say so, not "running".
            state, error = "failed", "the job stopped before it finished: upload the file again"
        return JobProgress(
            id=job_id,
            state=state,
            total=job.total,
            done=int(done),
            destination=job.destination,
            created_at=job.created_at,
            finished_at=job.finished_at,
            error=error,
        )

    def results(self, job_id: str) -> list[BulkRow]:
        """The finished rows of the job, in upload order."""
        try:
            with self.engine.begin() as conn:
                found = conn.execute(
                    select(rows.c.result)
                    .where(rows.c.job_hash == _hash(job_id))
                    .order_by(rows.c.position)
                ).all()
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "reading bulk results") from exc
        return [BulkRow.from_dict(json.loads(row.result)) for row in found]

    def close(self) -> None:
        self.engine.dispose()


def open_job_store(
    url: str, *, retention: float, clock: Callable[[], float] = time.time
) -> BulkJobStore:
    """Open the job store at ``url`` (creating its tables). Raises MalformedValueError for an
    unusable URL, ChallengeStoreUnavailableError when the database cannot be reached."""
    engine = create_challenge_engine(url)
    try:
        with engine.begin() as conn:
            _serialise(conn)
            metadata.create_all(conn, checkfirst=True)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise _unavailable(exc, "creating the bulk job tables") from exc
    engine.dispose()  # no pooled connection may outlive a gunicorn fork (see verifier.challenges)
    return BulkJobStore(engine, retention=retention, clock=clock)


__all__ = [
    "BulkClientLimitError",
    "BulkJobStore",
    "JobProgress",
    "open_job_store",
]

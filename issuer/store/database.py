"""One transaction per repository call: the engine, the clock and the retry of transient failures.

Every repository method runs its work through ``Database.write`` or ``Database.read`` and either
commits entirely or raises and leaves the database unchanged. Database failures become
issuer.errors StoreError / StoreUnavailableError.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from issuer.errors import StoreError
from issuer.store.checks import check_aware
from issuer.store.engine import WRITE, translate
from vc.dates import Clock, utcnow
from vc.errors import DiplomatError

T = TypeVar("T")

_RETRIES = 5
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected


class Database:
    """The engine behind the repositories, with a writer and a reader session factory.

    ``clock`` stamps every row (inject a fixed one in tests).
    """

    def __init__(self, engine: Engine, *, clock: Clock = utcnow) -> None:
        self.engine = engine
        self._clock = clock
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(
            engine.execution_options(**{WRITE: True}), expire_on_commit=False
        )

    def now(self) -> datetime:
        """The clock's time, checked to be time-zone aware."""
        return check_aware(self._clock(), "clock")

    def write(self, doing: str, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one write transaction (SQLite: BEGIN IMMEDIATE)."""
        return self._transact(self._writer, doing, work)

    def read(self, doing: str, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one read transaction."""
        return self._transact(self._reader, doing, work)

    def _transact(
        self, factory: sessionmaker[Session], doing: str, work: Callable[[Session], T]
    ) -> T:
        """Run ``work`` in one transaction: commit on return, roll back on any exception.

        PostgreSQL deadlocks and serialisation failures are retried (the whole transaction);
        other database failures become StoreError / StoreUnavailableError.
        """
        for attempt in range(_RETRIES):
            try:
                with factory.begin() as session:
                    return work(session)
            except DiplomatError:
                raise
            except OperationalError as exc:
                sqlstate = getattr(exc.orig, "sqlstate", None)
                if sqlstate in _TRANSIENT_SQLSTATES and attempt + 1 < _RETRIES:
                    continue
                raise translate(exc, doing) from exc
            except SQLAlchemyError as exc:
                raise translate(exc, doing) from exc
        raise StoreError(f"gave up {doing} after {_RETRIES} attempts")  # pragma: no cover

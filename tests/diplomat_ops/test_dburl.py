"""diplomat_ops.dburl: one reading of database URLs for both services."""

from __future__ import annotations

import pytest

from diplomat_ops.dburl import parse_url, sqlite_file
from vc.errors import MalformedValueError


@pytest.mark.parametrize(
    ("url", "driver", "database"),
    [
        ("sqlite:////srv/diplomat/store.sqlite3", "sqlite", "/srv/diplomat/store.sqlite3"),
        ("postgresql://u@127.0.0.1:5432/test", "postgresql+psycopg", "test"),
        ("postgres://u@127.0.0.1/test", "postgresql+psycopg", "test"),
        ("postgresql+psycopg://u@127.0.0.1/test", "postgresql+psycopg", "test"),
    ],
)
def test_accepted_urls_are_normalised(url: str, driver: str, database: str) -> None:
    parsed = parse_url(url, "DIPLOMAT_DATABASE_URL")
    assert (parsed.drivername, parsed.database) == (driver, database)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("sqlite:///file:x?mode=memory&uri=true", "in-memory"),
        ("mysql://root@localhost/x", "unsupported database 'mysql'"),
        ("postgresql+psycopg2://u@h/db", "psycopg 3"),
        ("not a url", "not a database URL"),
    ],
)
def test_refused_urls_name_the_setting(url: str, says: str) -> None:
    with pytest.raises(MalformedValueError, match=says) as raised:
        parse_url(url, "DIPLOMAT_VERIFIER_DATABASE_URL")
    assert raised.value.detail.startswith("DIPLOMAT_VERIFIER_DATABASE_URL: ")


def test_sqlite_file_agrees_with_parse_url() -> None:
    for url in ("sqlite:////tmp/a b/x.db", "sqlite+pysqlite:///rel/x.db"):
        assert sqlite_file(url) == parse_url(url, "X").database
    assert sqlite_file("postgresql://u@h/db") is None

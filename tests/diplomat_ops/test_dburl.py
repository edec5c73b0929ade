"""diplomat_ops.dburl: one reading of database URLs for both services."""

from __future__ import annotations

import pytest

from diplomat_ops.dburl import PG_SESSION_OPTIONS, parse_url, postgres_connect, sqlite_file
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


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("postgresql://u@h/db", PG_SESSION_OPTIONS),
        ("postgres://u@h/db?options=-c%20work_mem%3D8MB", f"-c work_mem=8MB {PG_SESSION_OPTIONS}"),
        ("postgresql://u@h/db?connect_timeout=3", PG_SESSION_OPTIONS),
    ],
)
def test_postgres_sessions_keep_the_url_options_and_add_custom_plans(
    url: str, options: str
) -> None:
    plain, connect_args = postgres_connect(parse_url(url, "X"))
    assert connect_args == {"options": options}
    assert "options" not in plain.query
    # Everything else in the URL is left as it was.
    assert plain.query.get("connect_timeout") == ("3" if "connect_timeout" in url else None)
    assert (plain.drivername, plain.host, plain.database) == ("postgresql+psycopg", "h", "db")

"""Fixtures of the audit tests: scratch databases on the shared servers, private servers."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from audit._servers import private_mariadb, private_postgres

PG_ADMIN = os.environ.get("WARDEN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN = os.environ.get("WARDEN_TEST_MYSQL", "mysql://root@127.0.0.1:3306")


def _pg_url(admin: str, db: str) -> str:
    return admin.rsplit("/", 1)[0] + "/" + db


@pytest.fixture
def audit_pg_db() -> Iterator[str]:
    """A database ``warden_audit_test_<random>`` on the shared PostgreSQL, dropped after."""
    name = f"warden_audit_test_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _pg_url(PG_ADMIN, name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="module")
def private_pg_admin() -> Iterator[str]:
    """Admin URL of a private PostgreSQL cluster with pg_stat_statements preloaded."""
    with private_postgres() as url:
        yield url


@pytest.fixture
def private_pg_db(private_pg_admin: str) -> Iterator[str]:
    """A fresh database in the private cluster."""
    name = f"warden_audit_test_{secrets.token_hex(4)}"
    with psycopg.connect(private_pg_admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _pg_url(private_pg_admin, name)
    finally:
        with psycopg.connect(private_pg_admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="module")
def private_maria() -> Iterator[str]:
    """``mysql://root@127.0.0.1:PORT`` of a private MariaDB with performance_schema on."""
    with private_mariadb() as url:
        yield url

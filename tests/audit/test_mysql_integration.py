"""MySQL/MariaDB audit against the shared MariaDB and a private one with performance_schema."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pymysql
import pytest

from audit.conftest import MYSQL_ADMIN
from warden.audit import AuditOptions, AuditReport, Finding, Severity, audit
from warden.audit.mysql._gather import connect_args

pytestmark = pytest.mark.integration


def find(report: AuditReport, id_: str, subject: str | None = None) -> Finding:
    for f in report.findings:
        if f.id == id_ and (subject is None or f.subject == subject):
            return f
    found = sorted((f.id, f.subject) for f in report.findings)
    raise AssertionError(f"{id_} on {subject!r} not found; found: {found}")


def _connect(url: str, db: str | None = None) -> pymysql.connections.Connection:
    args = connect_args(url, 10)
    args.pop("connect_timeout")
    return pymysql.connect(**args, database=db)


@pytest.fixture
def schema_on(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(server URL, database) of a fresh database ``warden_audit_test_<random>``."""
    server: str = request.param if hasattr(request, "param") else MYSQL_ADMIN
    name = f"warden_audit_test_{secrets.token_hex(4)}"
    conn = _connect(server)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
        yield server, name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


def plant_orders(server: str, db: str, rows: int = 20000) -> None:
    conn = _connect(server, db)
    with conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT, "
            "status INT, note TEXT, KEY idx_status (status), KEY idx_status_customer "
            "(status, customer_id), KEY idx_note (note(20))) ENGINE=InnoDB"
        )
        cur.execute(
            "INSERT INTO orders (customer_id, status, note) SELECT seq % 3000, seq % 7, "
            f"CONCAT('note ', seq % 500) FROM seq_1_to_{rows}"
        )
    conn.commit()
    conn.close()


@pytest.mark.parametrize("schema_on", [MYSQL_ADMIN], indirect=True)
async def test_shared_server_redundant_index_and_how_to_enable_digests(
    schema_on: tuple[str, str],
) -> None:
    server, db = schema_on
    plant_orders(server, db, rows=500)
    report = await audit("mysql", f"{server}/{db}")
    assert report.errors == []
    redundant = find(report, "mysql.redundant_index", f"index {db}.orders.idx_status")
    assert "idx_status_customer" in redundant.evidence
    if report.facts["performance_schema"] == "OFF":
        off = find(report, "mysql.performance_schema_off")
        assert "performance_schema = ON" in off.fix
        find(report, "mysql.index_usage_unavailable")
    assert report.at_least(Severity.HIGH) == []


@pytest.fixture
def private_schema(private_maria: str) -> Iterator[tuple[str, str]]:
    name = f"warden_audit_test_{secrets.token_hex(4)}"
    conn = _connect(private_maria)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
        yield private_maria, name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


async def test_digests_find_full_scans_tmp_disk_tables_and_unused_indexes(
    private_schema: tuple[str, str],
) -> None:
    server, db = private_schema
    plant_orders(server, db)
    conn = _connect(server, db)
    with conn.cursor() as cur:
        for i in range(12):
            cur.execute("SELECT * FROM orders WHERE customer_id = %s", (i,))
            cur.fetchall()
            cur.execute("SELECT note, COUNT(*) FROM orders GROUP BY note ORDER BY 2 DESC")
            cur.fetchall()
            cur.execute("SELECT id FROM orders WHERE status = %s AND customer_id = %s", (i % 7, i))
            cur.fetchall()
    conn.close()
    young = await audit("mysql", f"{server}/{db}")  # a server started seconds ago
    held = next(f for f in young.findings if f.id == "mysql.index_usage_too_short")
    assert f"{db}.orders.idx_note" in held.evidence
    assert not [f for f in young.findings if f.id == "mysql.unused_index"]
    options = AuditOptions(thresholds={"mysql.unused_indexes.min_span_seconds": 0})
    report = await audit("mysql", f"{server}/{db}", options)
    assert report.errors == []
    assert report.facts["digests"] is True
    scan = next(
        f for f in report.findings if f.id == "mysql.full_scan" and "customer_id" in f.subject
    )
    assert "ADD INDEX (`customer_id`)" in scan.fix
    tmp = next(f for f in report.findings if f.id == "mysql.tmp_disk_tables")
    assert "GROUP BY" in tmp.subject.upper()
    find(report, "mysql.unused_index", f"index {db}.orders.idx_note")
    used = [f for f in report.findings if f.subject == f"index {db}.orders.idx_status_customer"]
    assert not [f for f in used if f.id == "mysql.unused_index"]


async def test_clean_schema_has_no_high_finding(private_schema: tuple[str, str]) -> None:
    server, db = private_schema
    conn = _connect(server, db)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(200) UNIQUE)")
        cur.execute("INSERT INTO users SELECT seq, CONCAT('u', seq) FROM seq_1_to_500")
        for i in range(12):
            cur.execute("SELECT * FROM users WHERE id = %s", (i,))
    conn.commit()
    conn.close()
    report = await audit("mysql", f"{server}/{db}")
    assert report.at_least(Severity.HIGH) == []
    assert report.errors == []

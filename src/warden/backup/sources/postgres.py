"""PostgreSQL: ``pg_dump -Fc`` per database (and ``pg_dumpall --globals-only`` if asked).

The dump is taken without pg_dump's own compression (``-Z0``): Warden compresses the stream with
zstd. A restore runs ``pg_restore --exit-on-error`` (reading the stream on stdin) into a staging
database created from ``template0`` beside each target; only when every database restored does
it drop the old target and rename the staging database into its place, so a failed restore
leaves every target as it was (and a retry needs no ``--force``). A target with any user
relation is refused unless ``--force``. The password travels in ``PGPASSWORD``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import Field, field_validator

from warden.backup.sources._base import (
    ObjectOpener,
    Readable,
    Scratch,
    Source,
    SourceConfig,
    TargetNotEmptyError,
    format_rows,
    register,
)
from warden.backup.sources._process import feed_tool, find_tool, tool_output, tool_version
from warden.config._types import SecretUrl
from warden.errors import BackupError

GLOBALS = "globals.sql"
_DUMP_SUFFIX = ".dump"
_USER_RELATIONS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND n.nspname NOT LIKE 'pg_temp%'
"""


class PostgresSourceConfig(SourceConfig):
    type: Literal["postgres"] = "postgres"
    url: SecretUrl = Field(description="postgresql://user:password@host:5432/dbname")
    databases: list[str] = Field(
        default_factory=list, description="Databases to dump; default: the URL's database."
    )
    all_databases: bool = Field(False, description="Dump every database that accepts connections.")
    globals: bool = Field(False, description="Also dump roles and tablespaces (pg_dumpall -g).")
    dump_args: list[str] = Field(default_factory=list, description="Extra pg_dump arguments.")
    restore_args: list[str] = Field(
        default_factory=list, description="Extra pg_restore arguments (e.g. --no-owner)."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, v: SecretUrl) -> SecretUrl:
        try:
            conninfo_to_dict(v.get_secret_value())
        except psycopg.Error as exc:
            raise ValueError(f"not a PostgreSQL URL: {_first_line(exc)}") from None
        return v


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Conn:
    """Connection parameters (password kept apart so it goes to libpq by environment)."""

    def __init__(self, params: dict[str, Any]) -> None:
        params = dict(params)
        self.password: str | None = params.pop("password", None)
        self.params = params

    def with_db(self, dbname: str) -> _Conn:
        return _Conn({**self.params, "password": self.password, "dbname": dbname})

    @property
    def dbname(self) -> str:
        return str(self.params.get("dbname") or self.params.get("user") or "postgres")

    def conninfo(self) -> str:
        return make_conninfo(**self.params)

    def env(self) -> dict[str, str]:
        return {"PGPASSWORD": self.password} if self.password else {}

    def connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        extra = {"password": self.password} if self.password else {}
        try:
            return psycopg.connect(
                make_conninfo(self.conninfo(), **extra), autocommit=True, connect_timeout=15
            )
        except psycopg.Error as exc:
            raise BackupError(f"cannot connect to {self.describe()}: {_first_line(exc)}") from exc

    def same_server(self, other: _Conn) -> bool:
        keys = ("host", "port", "user")
        return all(self.params.get(k) == other.params.get(k) for k in keys)

    def describe(self) -> str:
        host = self.params.get("host", "localhost")
        port = self.params.get("port", "5432")
        return f"postgresql://{host}:{port}/{self.dbname}"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


@register
class PostgresSource(Source[PostgresSourceConfig]):
    type = "postgres"
    config_model = PostgresSourceConfig

    def __init__(self, config: PostgresSourceConfig) -> None:
        super().__init__(config)
        self.conn = _Conn(conninfo_to_dict(config.url.get_secret_value()))

    def describe(self) -> str:
        return self.config.url.display()

    def databases(self) -> list[str]:
        if self.config.all_databases:
            with self.conn.connect() as c:
                rows = c.execute(
                    "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate "
                    "ORDER BY datname"
                ).fetchall()
            return [str(r[0]) for r in rows]
        return list(self.config.databases) or [self.conn.dbname]

    def objects(self) -> list[str]:
        names = [db + _DUMP_SUFFIX for db in self.databases()]
        return [*names, GLOBALS] if self.config.globals else names

    def dump(
        self, name: str, cancel: threading.Event | None = None
    ) -> AbstractContextManager[Readable]:
        if name == GLOBALS:
            argv = [find_tool("pg_dumpall"), "--globals-only", "-w", "-d", self.conn.conninfo()]
            return tool_output(argv, self.conn.env(), cancel)
        db = name.removesuffix(_DUMP_SUFFIX)
        target = self.conn.with_db(db)
        argv = [find_tool("pg_dump"), "-Fc", "-Z0", "-w", *self.config.dump_args]
        return tool_output([*argv, "-d", target.conninfo()], target.env(), cancel)

    def tool_versions(self) -> dict[str, str]:
        out = {"pg_dump": tool_version(find_tool("pg_dump"))}
        if self.config.globals:
            out["pg_dumpall"] = tool_version(find_tool("pg_dumpall"))
        try:
            with self.conn.connect() as c:
                row = c.execute("SHOW server_version").fetchone()
            out["server"] = f"PostgreSQL {row[0]}" if row else ""
        except BackupError:
            out["server"] = "unreachable"
        return out

    # --- restore -------------------------------------------------------------------------

    def target_conn(self, target: str, db: str, count: int) -> _Conn:
        """Where database ``db`` of a backup goes: ``target`` is a URL/conninfo or a db name."""
        if "{db}" not in target and count > 1:
            raise BackupError(
                f"the backup holds {count} databases; put {{db}} in the target "
                "(e.g. postgresql://host/{db}_restored)"
            )
        if "://" in target or "=" in target:
            try:
                params = conninfo_to_dict(target)
            except psycopg.Error as exc:
                raise BackupError(f"target is not a PostgreSQL URL: {_first_line(exc)}") from exc
            dest = _Conn(params)
            if dest.password is None and dest.same_server(self.conn):
                dest.password = self.conn.password
        else:
            dest = self.conn.with_db(target)
        return dest.with_db(dest.dbname.replace("{db}", db))

    def restore(
        self, open_object: ObjectOpener, names: Sequence[str], target: str, force: bool
    ) -> str:
        dbs = [n.removesuffix(_DUMP_SUFFIX) for n in names if n.endswith(_DUMP_SUFFIX)]
        dests = {db: self.target_conn(target, db, len(dbs)) for db in dbs}
        for dest in dests.values():
            check_target(dest, force)
        token = secrets.token_hex(4)
        staging = {
            db: dest.with_db(f"warden_restore_{token}_{i}")
            for i, (db, dest) in enumerate(dests.items())
        }
        try:
            for db, stage in staging.items():
                _create(stage)
                argv = [find_tool("pg_restore"), "--exit-on-error", "-w", *self.config.restore_args]
                with open_object(db + _DUMP_SUFFIX) as stream:
                    feed_tool([*argv, "-d", stage.conninfo()], stream, stage.env())
            for db, dest in dests.items():
                swap_into_place(staging[db], dest)
        finally:
            for stage in staging.values():
                drop_database(stage)  # what a failed attempt created goes; a swapped one is gone
        where = ", ".join(d.describe() for d in dests.values())
        if GLOBALS in names:
            where += f" ({GLOBALS} not applied: extract it with --raw)"
        return where

    # --- drills --------------------------------------------------------------------------

    def scratch(self, spec: str | None, names: Sequence[str], label: str) -> Scratch:
        base = self.conn
        if spec:
            dest = _Conn(conninfo_to_dict(spec))
            if dest.password is None and dest.same_server(self.conn):
                dest.password = self.conn.password
            base = dest
        dbs = [n.removesuffix(_DUMP_SUFFIX) for n in names if n.endswith(_DUMP_SUFFIX)]
        return _PostgresScratch(base, dbs)

    def query_source(self, query: str, database: str | None) -> str:
        return run_query(self.conn.with_db(database or self.databases()[0]), query)

    def row_count_query(self, table: str) -> str:
        ident = ".".join(_quote_ident(p) for p in table.split("."))
        return f"SELECT count(*) FROM {ident}"  # noqa: S608 - identifiers are quoted


def run_query(conn: _Conn, query: str) -> str:
    with conn.connect() as c:
        try:
            cur = c.execute(query.encode())
            rows = cur.fetchall() if cur.description else []
        except psycopg.Error as exc:
            raise BackupError(f"query failed on {conn.describe()}: {_first_line(exc)}") from exc
    return format_rows(rows)


def _maintenance(dest: _Conn) -> _Conn:
    return dest.with_db("postgres")


@contextmanager
def _admin(dest: _Conn) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    with _maintenance(dest).connect() as c:
        yield c


def check_target(dest: _Conn, force: bool) -> None:
    """Refuse a target database holding user relations unless ``force``; change nothing."""
    with _admin(dest) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (dest.dbname,)
        ).fetchone()
    if not exists or force:
        return
    with dest.connect() as c:
        row = c.execute(_USER_RELATIONS.encode()).fetchone()
    if row and row[0]:
        raise TargetNotEmptyError(
            f"database {dest.dbname!r} on {dest.describe()} is not empty; use --force to replace it"
        )


def _create(dest: _Conn) -> None:
    with _admin(dest) as admin:
        try:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(dest.dbname))
            )
        except psycopg.Error as exc:
            raise BackupError(
                f"cannot create database {dest.dbname!r}: {_first_line(exc)}"
            ) from exc


def swap_into_place(stage: _Conn, dest: _Conn) -> None:
    """Replace ``dest`` (if any) by the restored ``stage`` database."""
    with _admin(dest) as admin:
        try:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(dest.dbname)
                )
            )
            admin.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(stage.dbname), sql.Identifier(dest.dbname)
                )
            )
        except psycopg.Error as exc:
            raise BackupError(
                f"cannot move the restored database into {dest.dbname!r}: {_first_line(exc)}"
            ) from exc


def drop_database(dest: _Conn) -> None:
    with _admin(dest) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dest.dbname))
        )


class _PostgresScratch(Scratch):
    def __init__(self, base: _Conn, dbs: list[str]) -> None:
        self.dbs = dbs
        self.prefix = f"warden_drill_{secrets.token_hex(4)}_"
        template = base.with_db(self.prefix + "{db}")
        extra = {"password": base.password} if base.password else {}
        self.target = make_conninfo(template.conninfo(), **extra)
        self.dests = {db: base.with_db(self.prefix + db) for db in dbs}

    def query(self, query: str, database: str | None) -> str:
        db = database or (self.dbs[0] if self.dbs else "")
        if db not in self.dests:
            raise BackupError(f"the backup holds no database {db!r}")
        return run_query(self.dests[db], query)

    def close(self) -> None:
        for dest in self.dests.values():
            drop_database(dest)

"""MySQL and MariaDB: ``mariadb-dump``/``mysqldump --single-transaction`` per database.

``--single-transaction`` gives a consistent snapshot of InnoDB tables without locking writers.
Each database is dumped without ``CREATE DATABASE`` so it can be restored under another name.
A restore that fails removes what it created, leaving each target as it was (absent or empty),
so a retry needs no ``--force``. Replacing a database that holds data (``--force``) first
restores the whole backup into a staging database to prove it restores, and only then drops
the target (MySQL cannot rename a database, and moving tables breaks on triggers and views).
The password goes to the tools in a 0600 option file, never on the command line.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator

from warden.backup.sources._base import (
    ObjectOpener,
    Readable,
    Scratch,
    Source,
    SourceConfig,
    TargetNotEmptyError,
    register,
)
from warden.backup.sources._process import (
    feed_tool,
    find_tool,
    private_file,
    run_tool,
    tool_output,
    tool_version,
)
from warden.config._types import SecretUrl
from warden.errors import BackupError

_SUFFIX = ".sql"
_DUMP_ARGS = (
    "--single-transaction",
    "--quick",
    "--routines",
    "--triggers",
    "--events",
    "--hex-blob",
    "--default-character-set=utf8mb4",
)


class MySQLSourceConfig(SourceConfig):
    type: Literal["mysql"] = "mysql"
    url: SecretUrl = Field(description="mysql://user:password@host:3306/dbname")
    databases: list[str] = Field(
        default_factory=list, description="Databases to dump; default: the URL's database."
    )
    dump_args: list[str] = Field(default_factory=list, description="Extra dump arguments.")

    @field_validator("url")
    @classmethod
    def _url(cls, v: SecretUrl) -> SecretUrl:
        parts = urlsplit(v.get_secret_value())
        scheme = parts.scheme
        try:
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            raise ValueError(f"bad port in the URL: {exc}") from None
        if scheme not in {"mysql", "mariadb"}:
            raise ValueError(f"expected a mysql:// URL, got {scheme or 'no'} scheme")
        return v


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _quote_option(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Server:
    """Where a MySQL server is and how to log in (the password only ever in an option file)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"mysql", "mariadb"}:
            raise BackupError(f"expected a mysql:// URL, got {parts.scheme or 'no'} scheme")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 3306
        self.user = unquote(parts.username or "root")
        self.password = unquote(parts.password) if parts.password is not None else None
        self.database = unquote(parts.path.lstrip("/"))

    def describe(self, db: str | None = None) -> str:
        return f"mysql://{self.host}:{self.port}/{db if db is not None else self.database}"

    def options(self) -> str:
        lines = ["[client]", f"host={_quote_option(self.host)}", f"port={self.port}"]
        lines.append(f"user={_quote_option(self.user)}")
        if self.password is not None:
            lines.append(f"password={_quote_option(self.password)}")
        return "\n".join(lines) + "\n"

    @contextmanager
    def defaults(self) -> Iterator[str]:
        with private_file(self.options(), ".cnf") as path:
            yield f"--defaults-extra-file={path}"

    def query(self, query: str, db: str | None = None) -> str:
        client = find_tool("mariadb", "mysql")
        with self.defaults() as opt:
            argv = [client, opt, "--batch", "--skip-column-names", "-e", query]
            if db:
                argv.insert(2, f"--database={db}")
            return run_tool(argv).rstrip("\n")


@register
class MySQLSource(Source[MySQLSourceConfig]):
    type = "mysql"
    config_model = MySQLSourceConfig

    def __init__(self, config: MySQLSourceConfig) -> None:
        super().__init__(config)
        self.server = _Server(config.url.get_secret_value())

    def describe(self) -> str:
        return self.config.url.display()

    def databases(self) -> list[str]:
        dbs = list(self.config.databases) or [self.server.database]
        if not all(dbs):
            raise BackupError("no database to dump: name one in the URL or in databases")
        return dbs

    def objects(self) -> list[str]:
        return [db + _SUFFIX for db in self.databases()]

    @contextmanager
    def dump(self, name: str, cancel: threading.Event | None = None) -> Iterator[Readable]:
        db = name.removesuffix(_SUFFIX)
        tool = find_tool("mariadb-dump", "mysqldump")
        with self.server.defaults() as opt:
            argv = [tool, opt, *_DUMP_ARGS, *self.config.dump_args, "--", db]
            with tool_output(argv, None, cancel) as out:
                yield out

    def tool_versions(self) -> dict[str, str]:
        out = {"dump": tool_version(find_tool("mariadb-dump", "mysqldump"))}
        try:
            out["server"] = self.server.query("SELECT VERSION()")
        except BackupError:
            out["server"] = "unreachable"
        return out

    def target_server(self, target: str, db: str, count: int) -> tuple[_Server, str]:
        if "{db}" not in target and count > 1:
            raise BackupError(
                f"the backup holds {count} databases; put {{db}} in the target "
                "(e.g. mysql://host/{db}_restored)"
            )
        if "://" in target:
            server = _Server(target)
            if server.password is None and (server.host, server.port, server.user) == (
                self.server.host,
                self.server.port,
                self.server.user,
            ):
                server.password = self.server.password
            name = server.database
        else:
            server, name = self.server, target
        name = name.replace("{db}", db)
        if not name:
            raise BackupError("the restore target names no database")
        return server, name

    def restore(
        self, open_object: ObjectOpener, names: Sequence[str], target: str, force: bool
    ) -> str:
        dbs = [n.removesuffix(_SUFFIX) for n in names]
        dests = {db: self.target_server(target, db, len(dbs)) for db in dbs}
        states = {db: target_state(server, name) for db, (server, name) in dests.items()}
        for db, (server, name) in dests.items():
            if states[db] == "data" and not force:
                raise TargetNotEmptyError(
                    f"database {name!r} on {server.describe(name)} is not empty; use --force "
                    "to drop and recreate it"
                )
        if "data" in states.values():  # prove the backup restores before dropping anything
            token = secrets.token_hex(4)
            for db, (server, _name) in dests.items():
                stage = f"warden_restore_{token}_{db}"[:64]
                try:
                    self._restore_one(open_object, db, server, stage, "absent")
                finally:
                    server.query(f"DROP DATABASE IF EXISTS {quote_ident(stage)}")
        for db, (server, name) in dests.items():
            self._restore_one(open_object, db, server, name, states[db])
        return ", ".join(server.describe(name) for server, name in dests.values())

    @staticmethod
    def _restore_one(
        open_object: ObjectOpener, db: str, server: _Server, name: str, state: str
    ) -> None:
        """Restore ``db`` into ``name``; on failure leave ``name`` absent or empty as it was."""
        if state == "data":
            server.query(f"DROP DATABASE {quote_ident(name)}")
        server.query(
            f"CREATE DATABASE IF NOT EXISTS {quote_ident(name)} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
        )
        try:
            with open_object(db + _SUFFIX) as stream, server.defaults() as opt:
                feed_tool([find_tool("mariadb", "mysql"), opt, f"--database={name}"], stream)
        except BaseException:
            server.query(f"DROP DATABASE IF EXISTS {quote_ident(name)}")
            if state == "empty":
                server.query(f"CREATE DATABASE {quote_ident(name)}")
            raise

    def scratch(self, spec: str | None, names: Sequence[str], label: str) -> Scratch:
        server = self.server
        url = self.config.url.get_secret_value()
        if spec:
            server = _Server(spec)
            if server.password is None and server.host == self.server.host:
                server.password = self.server.password
            url = spec
        dbs = [n.removesuffix(_SUFFIX) for n in names]
        return _MySQLScratch(server, url, dbs)

    def query_source(self, query: str, database: str | None) -> str:
        return self.server.query(query, database or self.databases()[0])

    def row_count_query(self, table: str) -> str:
        ident = ".".join(quote_ident(p) for p in table.split("."))
        return f"SELECT COUNT(*) FROM {ident}"  # noqa: S608 - identifiers are quoted


def target_state(server: _Server, name: str) -> Literal["absent", "empty", "data"]:
    """Whether database ``name`` is absent, empty, or holds tables."""
    literal = "'" + name.replace("\\", "\\\\").replace("'", "''") + "'"
    found = server.query(
        f"SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = {literal}"  # noqa: S608
    )
    if found.strip() in {"", "0"}:
        return "absent"
    tables = server.query(
        f"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = {literal}"  # noqa: S608
    )
    return "empty" if tables.strip() in {"", "0"} else "data"


class _MySQLScratch(Scratch):
    def __init__(self, server: _Server, url: str, dbs: list[str]) -> None:
        self.server = server
        self.dbs = dbs
        self.prefix = f"warden_drill_{secrets.token_hex(4)}_"
        parts = urlsplit(url)
        self.target = parts._replace(path="/" + self.prefix + "{db}").geturl()

    def query(self, query: str, database: str | None) -> str:
        db = database or (self.dbs[0] if self.dbs else "")
        if db not in self.dbs:
            raise BackupError(f"the backup holds no database {db!r}")
        return self.server.query(query, self.prefix + db)

    def close(self) -> None:
        for db in self.dbs:
            self.server.query(f"DROP DATABASE IF EXISTS {quote_ident(self.prefix + db)}")

"""Dashboard users, browser sessions and API tokens, kept in the store's database.

Passwords are hashed with argon2id. Session and API tokens are random; only their SHA-256
hashes are stored, so a copy of the database does not let anyone in. Roles are ordered:
viewer (read) < operator (run checks, write operations) < admin (users and tokens).
The tables live on the store's ``metadata``; ``warden.tables`` lists this module so that
``warden.tables.open_store`` creates them.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from warden.errors import WardenError
from warden.store.schema import metadata

users_table = Table(
    "web_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", Float(53), nullable=False),
)

sessions_table = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", Float(53), nullable=False),
)

tokens_table = Table(
    "web_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", Float(53), nullable=False),
    Column("expires_at", Float(53), nullable=True),
)

TOKEN_PREFIX = "wdn_"  # noqa: S105 (a visible prefix, not a secret)
MIN_PASSWORD = 8


class Role(enum.IntEnum):
    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.upper()]
        except KeyError:
            raise UserError(f"role {text!r} is not one of viewer, operator, admin") from None


class UserError(WardenError):
    """A user-management request cannot be done (unknown user, name taken, weak password)."""


class LastAdminError(UserError):
    """The change would leave no admin."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Principal:
    """Who makes a request: the user, the role it acts with, and how it proved it."""

    user: str
    role: Role
    via: str  # "session" or "token"
    csrf: str = ""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    user: str
    name: str
    role: Role
    created_at: float
    expires_at: float | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserBook:
    """Users, sessions and tokens over the store's SQLAlchemy engine (blocking calls)."""

    def __init__(
        self,
        engine: Engine,
        hasher: PasswordHasher | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        self.now = now
        self._dummy_hash = self.hasher.hash(secrets.token_hex(8))

    # -- users ---------------------------------------------------------------------------

    def add_user(self, name: str, password: str, role: Role) -> User:
        if not name or len(name) > 100 or not name.isprintable():
            raise UserError("a user name needs 1 to 100 printable characters")
        _check_password(password)
        values = {
            "name": name,
            "password_hash": self.hasher.hash(password),
            "role": role.label,
            "created_at": self.now(),
        }
        try:
            with self.engine.begin() as conn:
                res = conn.execute(users_table.insert().values(**values))
        except IntegrityError:
            raise UserError(f"user {name!r} already exists") from None
        return User(int(res.inserted_primary_key[0]), name, role)  # type: ignore[index]

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        with self.engine.begin() as conn:
            user = self._user(conn, name)
            conn.execute(
                update(users_table)
                .where(users_table.c.id == user.id)
                .values(password_hash=self.hasher.hash(password))
            )
            conn.execute(delete(sessions_table).where(sessions_table.c.user_id == user.id))

    def set_role(self, name: str, role: Role) -> User:
        """Change a user's role (sessions and tokens follow at once); the last admin stays."""
        with self.engine.begin() as conn:
            user = self._user(conn, name)
            if user.role is Role.ADMIN and role is not Role.ADMIN:
                self._keep_an_admin(conn, user, "demote")
            conn.execute(
                update(users_table).where(users_table.c.id == user.id).values(role=role.label)
            )
        return User(user.id, user.name, role)

    def delete_user(self, name: str) -> User:
        """Remove a user with their sessions and tokens; the last admin cannot be removed."""
        with self.engine.begin() as conn:
            user = self._user(conn, name)
            if user.role is Role.ADMIN:
                self._keep_an_admin(conn, user, "delete")
            conn.execute(delete(sessions_table).where(sessions_table.c.user_id == user.id))
            conn.execute(delete(tokens_table).where(tokens_table.c.user_id == user.id))
            conn.execute(delete(users_table).where(users_table.c.id == user.id))
        return user

    @staticmethod
    def _keep_an_admin(conn: Connection, user: User, verb: str) -> None:
        admins = conn.execute(
            select(users_table.c.id).where(users_table.c.role == Role.ADMIN.label).with_for_update()
        ).all()
        if len(admins) <= 1:
            raise LastAdminError(f"cannot {verb} {user.name!r}: it is the last admin")

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users_table).order_by(users_table.c.name)).all()
        return [User(r.id, r.name, Role.parse(r.role)) for r in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if ``password`` is right; the same work is done for unknown names."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users_table).where(users_table.c.name == name)).first()
        stored = row.password_hash if row is not None else self._dummy_hash
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        return User(row.id, row.name, Role.parse(row.role))

    def _user(self, conn: Connection, name: str) -> User:
        row = conn.execute(select(users_table).where(users_table.c.name == name)).first()
        if row is None:
            raise UserError(f"no user named {name!r}")
        return User(row.id, row.name, Role.parse(row.role))

    # -- sessions ------------------------------------------------------------------------

    def create_session(self, user: User, ttl: float) -> tuple[str, str]:
        """A new session for ``user``: returns (cookie token, CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = self.now()
        with self.engine.begin() as conn:
            conn.execute(delete(sessions_table).where(sessions_table.c.expires_at < now))
            conn.execute(
                sessions_table.insert().values(
                    token_hash=_digest(token), user_id=user.id, csrf=csrf, expires_at=now + ttl
                )
            )
        return token, csrf

    def session(self, token: str) -> Principal | None:
        s, u = sessions_table, users_table
        with self.engine.connect() as conn:
            row = conn.execute(
                select(u.c.name, u.c.role, s.c.csrf, s.c.expires_at)
                .join(u, u.c.id == s.c.user_id)
                .where(s.c.token_hash == _digest(token))
            ).first()
        if row is None or row.expires_at <= self.now():
            return None
        return Principal(row.name, Role.parse(row.role), "session", row.csrf)

    def end_session(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(sessions_table).where(sessions_table.c.token_hash == _digest(token))
            )

    # -- API tokens ----------------------------------------------------------------------

    def create_token(
        self, user_name: str, name: str, role: Role | None = None, ttl: float | None = None
    ) -> tuple[str, TokenInfo]:
        """A new API token acting as ``user_name`` with at most the user's role."""
        if not name or len(name) > 100:
            raise UserError("a token name needs 1 to 100 characters")
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.now()
        with self.engine.begin() as conn:
            user = self._user(conn, user_name)
            granted = min(role or user.role, user.role)
            expires = now + ttl if ttl else None
            res = conn.execute(
                tokens_table.insert().values(
                    token_hash=_digest(raw),
                    user_id=user.id,
                    name=name,
                    role=granted.label,
                    created_at=now,
                    expires_at=expires,
                )
            )
        tid = int(res.inserted_primary_key[0])  # type: ignore[index]
        return raw, TokenInfo(tid, user.name, name, granted, now, expires)

    def token(self, raw: str) -> Principal | None:
        t, u = tokens_table, users_table
        with self.engine.connect() as conn:
            row = conn.execute(
                select(u.c.name, u.c.role.label("user_role"), t.c.role, t.c.expires_at)
                .join(u, u.c.id == t.c.user_id)
                .where(t.c.token_hash == _digest(raw))
            ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= self.now()):
            return None
        # a user demoted after the token was made loses the rights with the token too
        role = min(Role.parse(row.role), Role.parse(row.user_role))
        return Principal(row.name, role, "token")

    def tokens(self, user_name: str | None = None) -> list[TokenInfo]:
        t, u = tokens_table, users_table
        query = select(t, u.c.name.label("user")).join(u, u.c.id == t.c.user_id)
        if user_name is not None:
            query = query.where(u.c.name == user_name)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.id)).all()
        return [
            TokenInfo(r.id, r.user, r.name, Role.parse(r.role), r.created_at, r.expires_at)
            for r in rows
        ]

    def revoke_token(self, token_id: int, user_name: str | None = None) -> bool:
        """Delete a token (only one of ``user_name``'s when given); False if none matched."""
        t = tokens_table
        query = delete(t).where(t.c.id == token_id)
        with self.engine.begin() as conn:
            if user_name is not None:
                user = self._user(conn, user_name)
                query = query.where(t.c.user_id == user.id)
            return bool(conn.execute(query).rowcount)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")


def user_json(user: User) -> dict[str, str]:
    """The JSON of one user (CLI ``--json`` and API answers)."""
    return {"name": user.name, "role": user.role.label}

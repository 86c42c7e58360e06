"""``warden user``: dashboard and API users, their passwords and API tokens.

Users live in the store named by the config (``store.url``). Passwords are prompted for
(twice) on a terminal, or read from the first line of stdin with ``--password-stdin``.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from warden.cli._common import (
    EXIT_INPUT,
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    load,
    stdout,
    write_json,
)

app = typer.Typer(help="Manage dashboard users, passwords and API tokens.", no_args_is_help=True)

RoleOption = Annotated[str, typer.Option("--role", "-r", help="viewer, operator or admin.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin (one line).")
]


def _book(config: Any) -> Any:
    from warden.tables import open_store
    from warden.web.users import UserBook

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    return UserBook(store.engine), store


def _password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _run(config: Any, action: Any) -> Any:
    from warden.web.users import UserError

    book, store = _book(config)
    try:
        return action(book)
    except UserError as exc:
        fail(str(exc), EXIT_INPUT)
    finally:
        store.close()


@app.command()
@handle_errors
def add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: RoleOption = "viewer",
    password_stdin: PasswordStdin = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Add a user with a role."""
    from warden.web.users import Role

    password = _password(password_stdin)
    user = _run(config, lambda book: book.add_user(name, password, Role.parse(role)))
    if json_out:
        write_json("user", {"name": user.name, "role": user.role.label})
    else:
        stdout().print(f"added user {user.name} ({user.role.label})")


@app.command()
@handle_errors
def passwd(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: PasswordStdin = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Set a user's password (ends the user's browser sessions)."""
    password = _password(password_stdin)
    _run(config, lambda book: book.set_password(name, password))
    if json_out:
        write_json("user_password", {"name": name, "changed": True, "sessions_ended": True})
    else:
        stdout().print(f"password of {name} changed")


@app.command()
@handle_errors
def token(
    name: Annotated[str, typer.Argument(help="User the token acts as.")],
    label: Annotated[str, typer.Option("--name", "-n", help="What the token is for.")] = "cli",
    role: Annotated[
        str | None, typer.Option("--role", "-r", help="Weaker role than the user's (optional).")
    ] = None,
    ttl: Annotated[
        str | None, typer.Option(help="Lifetime such as 90d (default: no expiry).")
    ] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create an API token for a user; it is printed once (send it as a Bearer token)."""
    from warden.config._types import parse_duration
    from warden.web.users import Role

    try:
        seconds = parse_duration(ttl) if ttl else None
    except ValueError as exc:
        fail(f"--ttl: {exc}", EXIT_INPUT)
    raw, info = _run(
        config,
        lambda book: book.create_token(name, label, Role.parse(role) if role else None, seconds),
    )
    if json_out:
        write_json(
            "token",
            {
                "token": raw,
                "id": info.id,
                "user": info.user,
                "name": info.name,
                "role": info.role.label,
                "expires_at": info.expires_at,
            },
        )
    else:
        stdout().print(f"token {info.id} for {info.user} ({info.role.label}); shown once:")
        sys.stdout.write(raw + "\n")


@app.command("list")
@handle_errors
def list_users(config: ConfigOption = None, json_out: JsonOption = False) -> None:
    """List users and their tokens (never the token values)."""
    from rich.table import Table

    users, tokens = _run(config, lambda book: (book.users(), book.tokens()))
    if json_out:
        write_json(
            "users",
            {
                "users": [{"name": u.name, "role": u.role.label} for u in users],
                "tokens": [
                    {
                        "id": t.id,
                        "user": t.user,
                        "name": t.name,
                        "role": t.role.label,
                        "created_at": t.created_at,
                        "expires_at": t.expires_at,
                    }
                    for t in tokens
                ],
            },
        )
        return
    table = Table("user", "role", "tokens")
    for u in users:
        mine = [f"{t.id}:{t.name}" for t in tokens if t.user == u.name]
        table.add_row(u.name, u.role.label, ", ".join(mine) or "-")
    stdout().print(table)


@app.command()
@handle_errors
def revoke(
    token_id: Annotated[int, typer.Argument(help="Token id (see `warden user list`).")],
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Revoke an API token."""
    if not _run(config, lambda book: book.revoke_token(token_id)):
        fail(f"no token {token_id}", EXIT_INPUT)
    if json_out:
        write_json("token_revoked", {"id": token_id, "revoked": True})
    else:
        stdout().print(f"token {token_id} revoked")


@app.command()
@handle_errors
def delete(
    name: Annotated[str, typer.Argument(help="User name.")],
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Delete a user with their sessions and tokens (never the last admin)."""
    from warden.web.users import user_json

    user = _run(config, lambda book: book.delete_user(name))
    if json_out:
        write_json("user_deleted", {**user_json(user), "deleted": True})
    else:
        stdout().print(f"deleted user {user.name}")


@app.command()
@handle_errors
def role(
    name: Annotated[str, typer.Argument(help="User name.")],
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help="viewer, operator or admin.")],
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Change a user's role; sessions and tokens follow at once (never demotes the last admin)."""
    from warden.web.users import Role, user_json

    user = _run(config, lambda book: book.set_role(name, Role.parse(new_role)))
    if json_out:
        write_json("user", user_json(user))
    else:
        stdout().print(f"{user.name} is now {user.role.label}")

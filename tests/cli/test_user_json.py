"""``warden user passwd`` and ``warden user revoke`` answer ``--json`` like the other commands."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from warden.cli.main import app

runner = CliRunner()


def test_passwd_and_revoke_json(tmp_path: Path) -> None:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f"store:\n  url: sqlite:///{tmp_path}/w.db\n")
    c = ["-c", str(cfg)]
    assert runner.invoke(app, ["user", "add", "ann", *c], input="first password\n").exit_code == 0
    passwd = runner.invoke(app, ["user", "passwd", "ann", "--json", *c], input="second password\n")
    assert passwd.exit_code == 0, passwd.output
    assert json.loads(passwd.stdout) == {
        "schema": "warden.user_password/v1",
        "name": "ann",
        "changed": True,
        "sessions_ended": True,
    }
    made = json.loads(runner.invoke(app, ["user", "token", "ann", "--json", *c]).stdout)
    revoked = runner.invoke(app, ["user", "revoke", str(made["id"]), "--json", *c])
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.stdout) == {
        "schema": "warden.token_revoked/v1",
        "id": made["id"],
        "revoked": True,
    }
    again = runner.invoke(app, ["user", "revoke", str(made["id"]), "--json", *c])
    assert again.exit_code == 2

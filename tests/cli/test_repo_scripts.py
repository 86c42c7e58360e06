"""``make test`` installs and starts what the tests need through the script .ci/run uses, and
the README names those requirements."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "scripts" / "services.sh"


def _script_packages() -> list[str]:
    text = SCRIPT.read_text()
    found = []
    for var in ("PEERS", "SERVERS"):
        m = re.search(rf'^{var}="([^"]*)"', text, re.MULTILINE)
        assert m is not None, var
        found += m.group(1).split()
    return found


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[-1] == "make test"
    assert "make test" in (ROOT / "README.md").read_text()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_test_installs_and_starts_the_servers() -> None:
    plan = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "scripts/services.sh install" in plan
    assert "scripts/services.sh start" in plan
    assert plan.index("scripts/services.sh start") < plan.index("pytest")


def test_readme_names_every_package_and_server() -> None:
    readme = (ROOT / "README.md").read_text()
    for package in _script_packages():
        assert f"`{package}`" in readme, package
    for needs in ("Debian", "root", "sudo", "PostgreSQL", "MariaDB", "Redis", "RabbitMQ"):
        assert needs in readme


def test_script_is_valid_bash_and_refuses_unknown_steps() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    bad = subprocess.run([str(SCRIPT), "nonsense"], check=False, capture_output=True, text=True)
    assert bad.returncode == 2
    assert "usage" in bad.stderr


@pytest.mark.integration
def test_start_leaves_running_servers_alone() -> None:
    """Every server already listens on this machine: ``start`` only checks their ports."""
    done = subprocess.run(
        [str(SCRIPT), "start"], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr

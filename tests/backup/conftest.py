"""Fixtures for the backup tests: a key, configs on a temporary repository, real servers."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from warden.backup.config import BackupConfig
from warden.backup.crypto import generate_key

KEY_ENV = "WARDEN_TEST_BACKUP_KEY"
MYSQL = "mysql://root@127.0.0.1:3306"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh key in the process environment (and returned as a mapping)."""
    key = generate_key()
    monkeypatch.setenv(KEY_ENV, key)
    return {KEY_ENV: key}


MakeConfig = Callable[..., BackupConfig]


@pytest.fixture
def make_config(tmp_path: Path) -> MakeConfig:
    """``make_config(source, name=..., **extra)`` with a local repository in tmp_path."""

    def make(source: dict[str, Any], name: str = "test", **extra: Any) -> BackupConfig:
        data: dict[str, Any] = {
            "name": name,
            "key_env": KEY_ENV,
            "source": source,
            "repository": {"type": "local", "path": str(tmp_path / "repo")},
            **extra,
        }
        return BackupConfig.model_validate(data)

    return make


@pytest.fixture
def unique() -> str:
    return f"warden_test_backup_{secrets.token_hex(4)}"


def mysql(sql: str) -> str:
    out = subprocess.run(
        ["mariadb", "-h", "127.0.0.1", "-u", "root", "-N", "-B", "-e", sql],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return out.stdout.decode()


@pytest.fixture
def mysql_db(unique: str) -> Iterator[str]:
    """A MariaDB database made for this test, dropped after (and any restore copies of it)."""
    mysql(f"CREATE DATABASE `{unique}`")
    try:
        yield unique
    finally:
        rows = mysql(f"SHOW DATABASES LIKE '{unique}%'").split()
        for db in rows:
            mysql(f"DROP DATABASE IF EXISTS `{db}`")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3-compatible server (moto's server mode) on a free loopback port."""
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        pytest.skip("moto_server is not installed")
    port = free_port()
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    import socket

    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("moto_server did not start")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")

"""MariaDB round trips against the machine's server: restored data equals the original."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backup.conftest import MYSQL, MakeConfig, mysql
from warden.backup.drill import drill_once
from warden.backup.restore import restore_once, verify_backups
from warden.backup.runner import backup_once
from warden.backup.sources._base import TargetNotEmptyError
from warden.errors import BackupError

pytestmark = pytest.mark.integration

SCHEMA = """
CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100) NOT NULL,
                    bio TEXT, avatar BLOB, created DATETIME(6)) ENGINE=InnoDB;
CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id INT, total DECIMAL(12,2),
                     FOREIGN KEY (user_id) REFERENCES users(id)) ENGINE=InnoDB;
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 500;
CREATE TRIGGER orders_ins BEFORE INSERT ON orders FOR EACH ROW SET NEW.total = NEW.total;
INSERT INTO users (name, bio, avatar, created)
  SELECT CONCAT('user ', seq), REPEAT('ü', seq % 50), UNHEX(MD5(seq)),
         '2024-01-01 00:00:00' + INTERVAL seq SECOND
  FROM seq_1_to_2000;
INSERT INTO orders SELECT seq, 1 + seq % 2000, (seq * 7.31) % 1000 FROM seq_1_to_20000;
"""


def snapshot(db: str) -> dict[str, str]:
    return {
        "users": mysql(f"SELECT MD5(GROUP_CONCAT(id, name, bio, HEX(avatar), created ORDER BY id "
                       f"SEPARATOR '|')) FROM `{db}`.users"),
        "orders": mysql(f"CHECKSUM TABLE `{db}`.orders").split()[-1],
        "view": mysql(f"SELECT COUNT(*) FROM `{db}`.big_orders"),
        "triggers": mysql(f"SELECT TRIGGER_NAME FROM information_schema.triggers "
                          f"WHERE TRIGGER_SCHEMA = '{db}'"),
    }  # fmt: skip


def test_round_trip_and_drill(
    mysql_db: str, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    mysql(f"USE `{mysql_db}`; SET SESSION group_concat_max_len = 100000000;" + SCHEMA)
    drill = {
        "row_counts": ["users", "orders"],
        "queries": [
            {
                "name": "checksum",
                "query": "SELECT SUM(CRC32(CONCAT_WS(',', id, user_id, total))) FROM orders",
            }
        ],
    }
    cfg = make_config({"type": "mysql", "url": f"{MYSQL}/{mysql_db}"}, name="my", drill=drill)
    run = backup_once(cfg)
    assert run.ok, run.error
    assert all(r.ok for r in verify_backups(cfg, full=True))

    target = f"{mysql_db}_restored"
    restore_once(cfg, target)
    assert snapshot(target) == snapshot(mysql_db)
    with pytest.raises(TargetNotEmptyError, match="is not empty; use --force"):
        restore_once(cfg, f"{MYSQL}/{target}")
    mysql(f"DELETE FROM `{target}`.orders WHERE id > 10")
    restore_once(cfg, f"{MYSQL}/{target}", force=True)
    assert snapshot(target) == snapshot(mysql_db)

    result = drill_once(cfg)
    assert result.ok, result.error
    checks = {c.name: c for c in result.checks}
    assert checks["rows orders"].restored == checks["rows orders"].source == "20000"
    assert checks["checksum"].restored == checks["checksum"].source
    assert not mysql("SHOW DATABASES LIKE 'warden\\_drill\\_%'").count(mysql_db)


def test_a_failed_restore_leaves_the_target_as_it_was(
    mysql_db: str, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    """A chunk fails authentication mid-stream: a new target is removed again, a replaced one
    (--force) keeps its data, no staging database stays, and a retry needs no --force."""
    mysql(f"USE `{mysql_db}`; SET SESSION group_concat_max_len = 100000000;" + SCHEMA)
    cfg = make_config(
        {"type": "mysql", "url": f"{MYSQL}/{mysql_db}"}, name="my", chunk_size="64KiB"
    )
    assert backup_once(cfg).ok
    root = Path(str(cfg.repository.path))  # type: ignore[attr-defined]
    (obj,) = root.glob("backups/*/*/objects/*")
    original = obj.read_bytes()
    data = bytearray(original)
    data[len(data) * 3 // 4] ^= 0xFF
    obj.write_bytes(bytes(data))
    target = f"{mysql_db}_restored"

    with pytest.raises(BackupError):
        restore_once(cfg, target)
    assert mysql(f"SHOW DATABASES LIKE '{target}'").strip() == ""

    mysql(f"CREATE DATABASE `{target}`; CREATE TABLE `{target}`.keep_me (x int);"
          f"INSERT INTO `{target}`.keep_me VALUES (42)")  # fmt: skip
    with pytest.raises(BackupError):
        restore_once(cfg, target, force=True)
    assert mysql(f"SELECT x FROM `{target}`.keep_me").strip() == "42"
    assert mysql("SHOW DATABASES LIKE 'warden\\_restore\\_%'").strip() == ""

    obj.write_bytes(original)
    mysql(f"DROP DATABASE `{target}`")
    restore_once(cfg, target)  # the retry needs no --force
    assert snapshot(target) == snapshot(mysql_db)

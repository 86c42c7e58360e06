"""The backups: section: plugin configs by type, keys, cron, unique names, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.config import parse_config
from warden.errors import ConfigError

BASE = """
backups:
  - name: db
    key_env: KEY
    source: {type: postgres, url: "postgresql://app:secret@db.internal/app"}
    repository: {type: local, path: /var/backups/warden}
"""


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "w.yaml")
    return [str(i) for i in info.value.issues]


def test_a_full_entry_validates() -> None:
    cfg = parse_config(
        BASE
        + """    schedule: "0 3 * * *"
    rpo: 1d
    rto: 30m
    retention: {keep_last: 3, daily: 7, weekly: 4, monthly: 12}
    drill:
      schedule: "0 5 * * 0"
      row_counts: [public.users]
      queries:
        - {name: orders, query: "SELECT count(*) FROM orders", min: 1}
"""
    )
    (b,) = cfg.backups
    assert b.rpo == 86400.0
    assert b.rto == 1800.0
    assert b.source.type == "postgres"
    assert "secret" not in repr(b)
    assert b.drill is not None
    assert b.drill.queries[0].min == 1


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ("type: postgres,", "type: oracle,", "w.yaml:5: backups[0].source: source type 'oracle'"),
        ("url:", "uri:", "backups[0].source.uri: unknown key; did you mean 'url'?"),
        ("path: /var", "bucket: x, path: /var", "backups[0].repository.bucket: unknown key"),
        ("key_env: KEY", "key_env: 1BAD", "backups[0].key_env: '1BAD' is not an environment"),
        ("key_env: KEY", "key_env: KEY\n    key_file: /k", "exactly one of key_env or key_file"),
        ("name: db", "name: db\n    schedule: every day", "'every day' is not a valid cron"),
        ("name: db", "name: db\n    chunk_size: 1KB", "backups[0].chunk_size: must be between"),
        (
            'url: "postgresql://app:secret@db.internal/app"',
            'url: "postgresql://h/x?bogus=1"',
            "backups[0].source.url: not a PostgreSQL URL",
        ),
        (
            'type: postgres, url: "postgresql://app:secret@db.internal/app"',
            'type: redis, url: "http://cache"',
            "expected a redis:// URL, got http scheme",
        ),
        (
            'type: postgres, url: "postgresql://app:secret@db.internal/app"',
            'type: mysql, url: "mysql://db:99999/x"',
            "backups[0].source.url: bad port",
        ),
    ],
)
def test_errors_name_the_key(replace: str, by: str, expected: str) -> None:
    found = issues(BASE.replace(replace, by, 1))
    assert any(expected in i for i in found), found


def test_names_are_unique() -> None:
    text = BASE + BASE.split("backups:\n", 1)[1]
    assert any("name 'db' is used by backups[0] and backups[1]" in i for i in issues(text))


def test_s3_part_size_minimum(tmp_path: Path) -> None:
    text = BASE.replace(
        "{type: local, path: /var/backups/warden}", "{type: s3, bucket: b, part_size: 1MB}"
    )
    assert any("at least 5MiB" in i for i in issues(text))

"""Config loading: interpolation, secrets from files, and errors located by file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.config import load_config, parse_config
from warden.config._types import format_duration, parse_duration, parse_size, redact_url
from warden.errors import ConfigError


def issues_of(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "warden.yaml", env or {})
    return [str(i) for i in info.value.issues]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("5m", 300.0), ("1h30m", 5400.0), ("250ms", 0.25), (12, 12.0), ("1d", 86400.0)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "5", "5 minutes", "m5", "-1s", True, [1]])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_format_duration_round_trips() -> None:
    for s in (0.25, 1.0, 59.0, 60.0, 3600.0, 5400.0, 90061.0):
        assert parse_duration(format_duration(s)) == s


@pytest.mark.parametrize(
    ("text", "size"), [("10MB", 10_000_000), ("1GiB", 1 << 30), ("512", 512), ("1.5kb", 1500)]
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:s3cret@db:5432/x", "postgresql://app:***@db:5432/x"),
        ("redis://:pw@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("https://h/x?token=abc&a=1", "https://h/x?token=***&a=1"),
        ("sqlite:///warden.db", "sqlite:///warden.db"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_interpolation_and_defaults() -> None:
    cfg = parse_config(
        "store:\n  url: ${DB:-sqlite:///a.db}\nserver:\n  listen: ${HOST}:9000\n",
        env={"HOST": "127.0.0.2"},
    )
    assert cfg.store.url.get_secret_value() == "sqlite:///a.db"
    assert cfg.server.listen == "127.0.0.2:9000"


def test_escaped_dollar_is_literal() -> None:
    cfg = parse_config("server:\n  external_url: http://x/$${notavar}\n", env={})
    assert cfg.server.external_url == "http://x/${notavar}"


def test_missing_variable_names_line_and_key() -> None:
    assert issues_of("store:\n  url: ${NOPE}\n") == [
        "warden.yaml:2: store.url: environment variable NOPE is not set "
        "(use ${NOPE:-default} for a default)"
    ]


def test_every_error_is_reported_with_its_line() -> None:
    text = (
        "monitors:\n"
        "  - name: a\n"
        "    interval: 10s\n"
        "    intervl: 5m\n"
        "  - name: b\n"
        "    interval: soon\n"
        "engine:\n"
        "  concurrency: 0\n"
    )
    found = issues_of(text)
    assert any(
        f.startswith("warden.yaml:4: monitors[0].intervl: unknown key; did you mean 'interval'")
        for f in found
    )
    assert any(
        f.startswith("warden.yaml:6: monitors[1].interval: 'soon' is not a duration") for f in found
    )
    assert any(f.startswith("warden.yaml:8: engine.concurrency:") for f in found)


def test_monitor_needs_exactly_one_probe_type() -> None:
    found = issues_of("monitors:\n  - name: a\n    interval: 10s\n")
    assert len(found) == 1
    assert found[0].startswith("warden.yaml:2: monitors[0]: needs one probe type key")


def test_duplicate_monitor_names() -> None:
    text = "monitors:\n" + "".join(
        "  - name: same\n    command: {argv: [uname]}\n" for _ in range(2)
    )
    found = issues_of(text)
    assert found == ["warden.yaml:4: monitors[1].name: 'same' is already used by monitors[0]"]


def test_duplicate_yaml_key() -> None:
    found = issues_of("server:\n  listen: a:1\n  listen: b:2\n")
    assert "warden.yaml:3: server.listen: duplicate key" in found


def test_yaml_syntax_error_has_line() -> None:
    found = issues_of("monitors:\n  - name: [unclosed\n")
    assert found[0].startswith("warden.yaml:")
    assert "YAML syntax" in found[0]


def test_top_level_must_be_mapping() -> None:
    assert issues_of("- a\n- b\n") == ["warden.yaml:1: the top level must be a mapping of sections"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_secret_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "db-url"
    secret.write_text("postgresql://u:pw@h/db\n")
    cfg = parse_config(f"store:\n  url_file: {secret}\n", env={})
    assert cfg.store.url.get_secret_value() == "postgresql://u:pw@h/db"
    assert "pw" not in repr(cfg.store)
    assert cfg.store.url.display() == "postgresql://u:***@h/db"


def test_secret_file_missing_is_located(tmp_path: Path) -> None:
    found = issues_of(f"store:\n  url_file: {tmp_path}/missing\n")
    assert found[0].startswith("warden.yaml:2: store.url_file: cannot read")


def test_empty_file_is_a_valid_empty_config() -> None:
    cfg = parse_config("", env={})
    assert cfg.monitors == []
    assert cfg.store.url.get_secret_value() == "sqlite:///warden.db"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1", {"a": 1}),
        ("a: {b: 500, c: [200, '200', x]}", {"a": {"b": 500, "c": [200, "200", "x"]}}),
        ("a: 1.5e3", {"a": 1500.0}),
        ("a: 0x1F", {"a": 31}),
        ("a: no\nb: on\nc: true\nd: False", {"a": "no", "b": "on", "c": True, "d": False}),
        ("a: ~\nb:\nc: null", {"a": None, "b": None, "c": None}),
        ("a: '1'\nb: \"true\"", {"a": "1", "b": "true"}),
        ("a: &x {k: 1}\nb: *x", {"a": {"k": 1}, "b": {"k": 1}}),
        ("a: !!str 12", {"a": "12"}),
        ("a: |\n  line one\n  line two\n", {"a": "line one\nline two\n"}),
        ("a: 30s", {"a": "30s"}),
    ],
)
def test_yaml_scalars_follow_yaml_1_2(text: str, expected: object) -> None:
    from warden.config._yaml import load_yaml

    data, _, issues = load_yaml(text, "t.yaml", {})
    assert issues == []
    assert data == expected


def test_yaml_lines_are_recorded() -> None:
    from warden.config._yaml import load_yaml

    _, lines, _ = load_yaml("a:\n  b:\n    - x\n    - {c: 1}\n", "t.yaml", {})
    assert lines.line(("a",)) == 1
    assert lines.line(("a", "b")) == 2
    assert lines.line(("a", "b", 1)) == 4
    assert lines.line(("a", "b", 1, "c")) == 4
    assert lines.line(("a", "b", 1, "missing")) == 4


def test_two_documents_are_refused() -> None:
    assert any("only one YAML document" in i for i in issues_of("a: 1\n---\nb: 2\n"))


def test_loading_a_config_imports_no_driver() -> None:
    """``warden validate`` stays fast: drivers are imported when a check first runs."""
    import subprocess
    import sys

    code = (
        "import sys; from warden.config import parse_config; "
        "parse_config('monitors: []', 'w.yaml', {}); "
        "print([m for m in ('psycopg', 'redis', 'aio_pika', 'aiormq', 'aiomysql') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

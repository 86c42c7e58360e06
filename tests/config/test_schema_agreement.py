"""The exported JSON Schema and the loader accept and refuse the same files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from warden.config import json_schema, parse_config
from warden.errors import ConfigError

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_passes_the_schema(
    example: Path, validator: jsonschema.Draft202012Validator
) -> None:
    assert schema_errors(validator, yaml.safe_load(example.read_text())) == []


HTTP = "monitors:\n  - name: api\n    http:\n      url: http://127.0.0.1/\n"
ACCEPTED = {
    "sqlite store": "store:\n  url: sqlite:///var/lib/warden/w.db\n",
    "postgresql store": "store:\n  url: postgresql+psycopg://warden@db:5432/warden\n",
    "status shorthand class": HTTP + '      expect: {status: "2xx"}\n',
    "status shorthand code": HTTP + "      expect: {status: 204}\n",
    "status list": HTTP + '      expect: {status: [200, "300-302"]}\n',
    "body_contains shorthand": HTTP + "      expect: {body_contains: ok}\n",
    "body_contains list": HTTP + "      expect: {body_contains: [ok, ready]}\n",
    "duration text and number": HTTP.replace(
        "    http:", "    interval: 1h30m\n    timeout: 5\n    http:"
    ),
    "secret from a file": "store:\n  url_file: {secret}\n",
    "password from a file": HTTP + "      auth: {username: u, password_file: '{secret}'}\n",
    "command value shorthand": "monitors:\n  - name: k\n"
    "    command: {argv: [uname], stdout: Linux}\n",
}
REFUSED = {
    "store scheme unknown": "store:\n  url: postgres+bad://u@h/db\n",
    "sqlite with two slashes": "store:\n  url: sqlite://warden.db\n",
    "monitor name with a space": HTTP.replace("name: api", "name: my api"),
    "two probe types": HTTP + "    tcp: {host: 127.0.0.1, port: 1}\n",
    "no probe type": "monitors:\n  - name: api\n    interval: 30s\n",
    "secret and its file": "store:\n  url: sqlite:///x.db\n  url_file: {secret}\n",
    "password and its file": HTTP
    + "      auth: {username: u, password: p, password_file: '{secret}'}\n",
    "password missing": HTTP + "      auth: {username: u}\n",
    "status boolean": HTTP + "      expect: {status: true}\n",
    "body_contains mapping": HTTP + "      expect: {body_contains: {a: 1}}\n",
    "unknown key": HTTP + "      expect: {bodycontains: ok}\n",
    "port as list": "monitors:\n  - name: t\n    tcp: {host: h, port: [1]}\n",
    "bad duration": HTTP.replace("    http:", "    interval: soon\n    http:"),
}


def _both(
    text: str, tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> tuple[list[str], list[str]]:
    secret = tmp_path / "secret"
    secret.write_text("sqlite:///from-file.db\n" if "url_file" in text else "pw\n")
    text = text.replace("{secret}", str(secret))
    try:
        parse_config(text, "warden.yaml", {})
        loader: list[str] = []
    except ConfigError as exc:
        loader = [str(i) for i in exc.issues]
    return loader, schema_errors(validator, yaml.safe_load(text))


@pytest.mark.parametrize("text", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_shorthands_accepted_by_both(
    text: str, tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    loader, schema = _both(text, tmp_path, validator)
    assert loader == []
    assert schema == []


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_invalid_refused_by_both(
    text: str, tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    loader, schema = _both(text, tmp_path, validator)
    assert loader, "the loader accepted it"
    assert schema, "the schema accepted it"


def test_bundled_example_shows_the_product() -> None:
    """``make up`` runs examples/warden.yaml: it must show more than three monitors, offline."""
    path = Path(__file__).parents[2] / "examples" / "warden.yaml"
    text = path.read_text()
    cfg = parse_config(text, str(path), {})
    assert "full.yaml" not in text
    assert cfg.status_pages
    assert cfg.slos
    assert any(m.probe_type() == "heartbeat" for m in cfg.monitors)
    receivers = {r.name: r for r in cfg.receivers}
    offline = [r for r in cfg.routes if receivers[r.receiver].file]
    assert offline, "a route must reach a receiver that works offline (a local file)"
    assert not any(r.apprise or r.webhook or r.alertmanager for r in receivers.values())

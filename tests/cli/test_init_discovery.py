"""``warden init`` for the services beyond the databases: ports, identification, valid YAML."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.probes._fake_http import FakeApi, fake_api
from warden.cli import init_config
from warden.cli.init_config import Found, discover, render
from warden.cli.main import app

runner = CliRunner()

FOUND = [
    Found("pgbouncer", "127.0.0.1", 6432),
    Found("memcached", "127.0.0.1", 11211),
    Found("mqtt", "127.0.0.1", 1883),
    Found("nats", "127.0.0.1", 4222),
    Found("smtp", "127.0.0.1", 25),
    Found("smtp", "127.0.0.1", 465),
    Found("smtp", "127.0.0.1", 587),
    Found("elasticsearch", "127.0.0.1", 9200),
    Found("opensearch", "127.0.0.1", 9201),
    Found("vault", "127.0.0.1", 8200),
]


@pytest.mark.parametrize(
    ("port", "kind"),
    [(6432, "pgbouncer"), (11211, "memcached"), (1883, "mqtt"), (4222, "nats"), (25, "smtp"),
     (465, "smtp"), (587, "smtp"), (9200, "elasticsearch"), (8200, "vault")],
)  # fmt: skip
def test_the_port_names_the_service(port: int, kind: str) -> None:
    assert init_config.SERVICE_PORTS[port] == kind


def test_the_starter_config_for_every_kind_validates(tmp_path: Path) -> None:
    text = render(FOUND)
    doc = yaml.safe_load(text)
    monitors = {m["name"]: m for m in doc["monitors"]}
    collectors = {c["name"] for c in doc["collectors"]}
    assert {f"{f.kind}-{f.port}" for f in FOUND} == set(monitors)
    assert {"pgbouncer-6432", "memcached-11211"} <= collectors
    assert monitors["smtp-25"]["smtp"]["tls"] == "none"
    assert monitors["smtp-465"]["smtp"]["tls"] == "implicit"
    assert monitors["smtp-587"]["smtp"]["tls"] == "starttls"
    assert monitors["opensearch-9201"]["opensearch"]["url"] == "http://127.0.0.1:9201"
    out = tmp_path / "warden.yaml"
    out.write_text(text, encoding="utf-8")
    check = runner.invoke(app, ["validate", str(out)])
    assert check.exit_code == 0, check.output


@pytest.fixture
def search() -> Iterator[FakeApi]:
    with fake_api() as api:
        yield api


@pytest.mark.parametrize(
    ("root", "kind"),
    [
        ({"version": {"distribution": "opensearch", "number": "2.11.0"}}, "opensearch"),
        ({"version": {"number": "8.13.0", "build_flavor": "default"}}, "elasticsearch"),
        (None, "elasticsearch"),  # security on: 401, cannot tell
    ],
)
async def test_elasticsearch_or_opensearch(
    search: FakeApi, monkeypatch: pytest.MonkeyPatch, root: object, kind: str
) -> None:
    if root is not None:
        search.answer("/", 200, root)
    else:
        search.answer("/", 200, {}, authorization="Basic x")
    monkeypatch.setattr(init_config, "SERVICE_PORTS", {search.port: "elasticsearch"})
    monkeypatch.setattr(init_config, "HTTP_PORTS", ())
    assert await discover() == [Found(kind, "127.0.0.1", search.port)]


@pytest.mark.integration
def test_init_finds_the_brokers(tmp_path: Path) -> None:
    """Mosquitto (1883) and NATS (4222) run on the test machines."""
    out = tmp_path / "warden.yaml"
    result = runner.invoke(app, ["init", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    kinds = {f["kind"] for f in json.loads(result.stdout)["found"]}
    assert {"mqtt", "nats"} <= kinds
    check = runner.invoke(app, ["validate", str(out)])
    assert check.exit_code == 0, check.output

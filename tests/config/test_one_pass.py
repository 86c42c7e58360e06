"""Every error of a config in one pass: structure, duplicates, cross-references, store URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.config import find_config, parse_config, search_order
from warden.errors import ConfigError


def issues_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "warden.yaml", {})
    return [str(i) for i in info.value.issues]


MIXED = """\
monitors:
  - name: api
    interval: 0s
    http: {url: "http://127.0.0.1/"}
  - name: api
    tcp: {host: 127.0.0.1, port: 1}
  - name: broken
    tcp: {host: 127.0.0.1, port: 99999}
receivers:
  - name: ops
    webhook: [{url: "http://127.0.0.1:9/hook"}]
routes:
  - receiver: opz
slos:
  - name: api-slo
    objective: 99.9
    monitors: [nope, broken]
"""


def test_structural_duplicate_and_reference_errors_together() -> None:
    assert issues_of(MIXED) == [
        "warden.yaml:3: monitors[0].interval: must be at least 1s",
        "warden.yaml:5: monitors[1].name: 'api' is already used by monitors[0]",
        "warden.yaml:8: monitors[2].tcp.port: input should be less than or equal to 65535",
        "warden.yaml:13: routes[0].receiver: no receiver 'opz' (receivers: ops); did you mean "
        "'ops'?",
        "warden.yaml:17: slos[0].monitors[0]: no monitor 'nope'",
    ]


def test_an_invalid_receiver_is_still_known_to_routes() -> None:
    text = "receivers:\n  - name: ops\n    webhook: 3\nroutes:\n  - receiver: ops\n"
    found = issues_of(text)
    assert len(found) == 1
    assert found[0].startswith("warden.yaml:3: receivers[0].webhook:")


def test_duplicate_collector_names_with_other_errors() -> None:
    text = "engine: {concurrency: 0}\ncollectors:\n  - host: {}\n  - host: {}\n"
    found = issues_of(text)
    assert any("engine.concurrency" in i for i in found)
    assert any("collectors[1].name: 'host' is used twice" in i for i in found)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres+bad://u:pw@h/db", "scheme 'postgres+bad' is not supported"),
        ("postgres://u:pw@h/db", "did you mean postgresql://?"),
        ("mysql://h/db", "scheme 'mysql' is not supported"),
        ("warden.db", "must be a URL"),
        ("sqlite://warden.db", "three slashes"),
    ],
)
def test_store_url_refused_at_load(url: str, message: str) -> None:
    found = issues_of(f"# store\nstore:\n  url: {url}\n")
    assert len(found) == 1
    assert found[0].startswith("warden.yaml:3: store.url: ")
    assert message in found[0]
    assert "pw" not in found[0]


@pytest.mark.parametrize(
    "url",
    ["sqlite:///warden.db", "sqlite://", "postgresql://u@h/db", "postgresql+psycopg://h/db"],
)
def test_store_urls_warden_opens(url: str) -> None:
    assert parse_config(f"store:\n  url: {url!r}\n", "w.yaml", {}).store.url


def test_config_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"HOME": str(tmp_path / "home")}
    with pytest.raises(ConfigError) as info:
        find_config(None, env)
    message = str(info.value)
    for place in search_order(env):
        assert place.name in message
        assert str(place.parent).strip(".") in message
    user = tmp_path / "home" / ".config" / "warden" / "warden.yaml"
    user.parent.mkdir(parents=True)
    user.write_text("{}\n")
    assert find_config(None, env) == user
    (tmp_path / "warden.yml").write_text("{}\n")
    assert find_config(None, env) == Path("warden.yml")
    (tmp_path / "other.yaml").write_text("{}\n")
    assert find_config(None, {**env, "WARDEN_CONFIG": "other.yaml"}) == Path("other.yaml")
    with pytest.raises(ConfigError, match="given with --config"):
        find_config(Path("missing.yaml"), env)
    with pytest.raises(ConfigError, match=r"named by \$WARDEN_CONFIG"):
        find_config(None, {**env, "WARDEN_CONFIG": "missing.yaml"})

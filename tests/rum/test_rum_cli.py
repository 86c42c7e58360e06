"""``warden rum report``: the stored vitals of a site as a table and as ``warden.rum/v1``."""

from __future__ import annotations

import json
import time
from pathlib import Path

from typer.testing import CliRunner

from warden.cli.main import app as cli
from warden.config import load_config
from warden.rum.collect import RumBook
from warden.tables import open_store


def _site(tmp_path: Path) -> Path:
    config = tmp_path / "warden.yaml"
    config.write_text(
        f"store: {{url: 'sqlite:///{tmp_path}/w.db'}}\n"
        "rum: {sites: [{name: shop, origins: ['https://shop.example']}]}\n"
    )
    book = RumBook(time.time)
    shop = load_config(config).rum.sites[0]
    for lcp, device in ((1200, "mobile"), (5200, "mobile"), (900, "desktop")):
        book.take(shop, {"page": "/cart?x=1", "device": device, "metrics": {"LCP": lcp}})
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        store.write((), book.drain()[0], ())
    finally:
        store.close()
    return config


def test_the_report_as_json_and_as_a_table(tmp_path: Path) -> None:
    config = _site(tmp_path)
    got = CliRunner().invoke(cli, ["rum", "report", "-c", str(config), "--since", "1h", "--json"])
    assert got.exit_code == 0, got.output
    data = json.loads(got.output)
    assert data["schema"] == "warden.rum/v1"
    assert data["site"] == "shop"
    rows = {(r["page"], r["device"]): r for r in data["pages"]}
    assert rows[("/cart", "mobile")]["lcp"]["count"] == 2
    assert rows[("/cart", "mobile")]["lcp"]["poor"] == 0.5
    assert rows[("/cart", "desktop")]["lcp"]["rating"] == "good"
    text = CliRunner().invoke(cli, ["rum", "report", "-c", str(config)], env={"COLUMNS": "160"})
    assert text.exit_code == 0, text.output
    assert "/cart" in text.output
    assert "(all pages)" in text.output
    assert "LCP p75" in text.output


def test_an_unknown_site_a_bad_window_and_no_site(tmp_path: Path) -> None:
    config = _site(tmp_path)
    unknown = CliRunner().invoke(cli, ["rum", "report", "-c", str(config), "--site", "blog"])
    assert unknown.exit_code == 2
    assert "no such RUM site (configured: shop)" in unknown.output
    bad = CliRunner().invoke(cli, ["rum", "report", "-c", str(config), "--since", "soon"])
    assert bad.exit_code == 2
    assert "--since" in bad.output
    bare = tmp_path / "bare.yaml"
    bare.write_text(f"store: {{url: 'sqlite:///{tmp_path}/w.db'}}\n")
    none = CliRunner().invoke(cli, ["rum", "report", "-c", str(bare)])
    assert none.exit_code == 2
    assert "no RUM site is configured" in none.output

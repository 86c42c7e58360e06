"""Incidents through the API (and their pages): roles, lifecycle, timeline, postmortem, and
the same JSON as ``warden incident ... --json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.web.conftest import Site
from warden.cli.main import app as cli
from warden.incidents.storage import IncidentRepository
from warden.results import CheckResult, Status
from warden.web.users import Role

API = "/api/v1/incidents"


def _repo(site: Site) -> IncidentRepository:
    return IncidentRepository(site.store.engine)


def _declared(site: Site, status: str = "detected", monitors: tuple[str, ...] = ("api",)) -> int:
    """A declared incident (by 'ann'), moved to ``status``; returns its id."""
    repo = _repo(site)
    made = repo.declare("checkout slow", "high", "ann", site.clock.time(), list(monitors))
    if status == "reviewed":
        repo.resolve(made.id, "ann", site.clock.time())
    if status != "detected":
        repo.set_status(made.id, status, site.clock.time(), "ann")
    return made.id


# -- roles ----------------------------------------------------------------------------------

WRITES: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("POST", API, {"title": "db is slow", "severity": "medium"}, 201),
    ("PATCH", f"{API}/{{id}}", {"severity": "critical"}, 200),
    ("POST", f"{API}/{{id}}/notes", {"text": "looking"}, 201),
    ("POST", f"{API}/{{id}}/ack", None, 200),
    ("POST", f"{API}/{{id}}/resolve", {"note": "fixed"}, 200),
]


@pytest.mark.parametrize(("method", "path", "body", "ok"), WRITES)
@pytest.mark.parametrize(
    ("role", "want"), [(None, 401), (Role.VIEWER, 403), (Role.OPERATOR, 0), (Role.ADMIN, 0)]
)
async def test_writes_need_the_operator_role(
    site: Site,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    ok: int,
    role: Role | None,
    want: int,
) -> None:
    iid = _declared(site)
    async with site.client(role) as c:
        r = await c.request(method, path.format(id=iid), json=body)
    assert r.status_code == (want or ok), r.text
    if want:
        assert r.json()["error"]["code"] in {"unauthorized", "forbidden"}
        assert len(_repo(site).timeline(iid)) == 1  # nothing written
    else:  # the author is the caller, whoever the body says
        assert r.json()["timeline"][-1]["author"] == role.label  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "path",
    [API, f"{API}/{{id}}", f"{API}/{{id}}/postmortem", f"{API}/{{id}}/postmortem?format=json"],
)
async def test_viewers_read(site: Site, path: str) -> None:
    iid = _declared(site)
    async with site.client(Role.VIEWER) as c:
        assert (await c.get(path.format(id=iid))).status_code == 200
    async with site.client() as c:
        assert (await c.get(path.format(id=iid))).status_code == 401


# -- lifecycle ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "new", "want"),
    [
        ("detected", "assessed", 200),
        ("detected", "resolved", 200),
        ("assessed", "communicated", 200),
        ("mitigated", "resolved", 200),
        ("resolved", "reviewed", 200),
        ("assessed", "detected", 409),
        ("communicated", "communicated", 409),
        ("mitigated", "reviewed", 409),
        ("reviewed", "resolved", 409),
        ("detected", "closed", 400),
    ],
)
async def test_status_moves(site: Site, start: str, new: str, want: int) -> None:
    iid = _declared(site, start)
    async with site.client(Role.OPERATOR) as c:
        r = await c.patch(f"{API}/{iid}", json={"status": new, "note": "why"})
    assert r.status_code == want, r.text
    current = _repo(site).get(iid)
    assert current is not None
    if want == 200:
        assert r.json()["incident"]["status"] == new == current.status
        assert r.json()["timeline"][-1]["text"] == f"{start} → {new}: why"
    else:
        assert current.status == start
        message = r.json()["error"]["message"]
        assert "cannot move" in message or "reviewed" in message or "one of" in message, message


@pytest.mark.parametrize(
    ("start", "next_statuses"),
    [
        ("detected", ["assessed", "communicated", "mitigated", "resolved"]),
        ("mitigated", ["resolved"]),
        ("resolved", ["reviewed"]),
        ("reviewed", []),
    ],
)
async def test_allowed_next_moves_are_listed(
    site: Site, start: str, next_statuses: list[str]
) -> None:
    iid = _declared(site, start)
    async with site.client(Role.VIEWER) as c:
        got = (await c.get(f"{API}/{iid}")).json()["incident"]
    assert got["next_statuses"] == next_statuses
    assert got["open"] is (start not in ("resolved", "reviewed"))


async def test_ack_and_resolve_of_a_closed_incident_conflict(site: Site) -> None:
    iid = _declared(site, "resolved")
    async with site.client(Role.OPERATOR) as c:
        ack = await c.post(f"{API}/{iid}/ack")
        resolve = await c.post(f"{API}/{iid}/resolve")
        note = await c.post(f"{API}/{iid}/notes", json={"text": "found the cause later"})
    assert ack.status_code == 409
    assert "only open ones" in ack.json()["error"]["message"]
    assert resolve.status_code == 409
    assert resolve.json()["error"]["code"] == "conflict"
    assert note.status_code == 201  # notes after the fact are welcome (postmortem material)


# -- timeline -------------------------------------------------------------------------------


async def test_declare_ack_note_assess_retitle_resolve_timeline(site: Site) -> None:
    async with site.client(Role.OPERATOR) as c:
        made = await c.post(
            API,
            json={
                "title": "  EU checkout errors ",
                "severity": "high",
                "monitors": ["api", "web", "api"],
                "note": "customers report 502s",
            },
        )
        assert made.status_code == 201, made.text
        iid = made.json()["incident"]["id"]
        assert made.json()["incident"]["title"] == "EU checkout errors"
        assert made.json()["monitors"] == ["api", "web"]
        assert all(a["declared"] for a in made.json()["alerts"])
        site.clock.advance(60)
        acked = (await c.post(f"{API}/{iid}/ack")).json()
        assert acked["incident"]["status"] == "assessed"
        assert acked["incident"]["acked_by"] == "operator"
        site.clock.advance(60)
        assert (await c.post(f"{API}/{iid}/notes", json={"text": "rolled back"})).status_code == 201
        patched = await c.patch(
            f"{API}/{iid}",
            json={"severity": "critical", "title": "Checkout down", "status": "mitigated"},
        )
        assert patched.status_code == 200, patched.text
        site.clock.advance(600)
        done = (await c.post(f"{API}/{iid}/resolve", json={"note": "fixed by rollback"})).json()
    assert done["incident"]["status"] == "resolved"
    assert done["incident"]["severity"] == "critical"
    assert done["incident"]["title"] == "Checkout down"
    assert done["incident"]["duration"] == 720
    assert all(a["resolved_at"] == site.clock.time() for a in done["alerts"])
    events = [(e["kind"], e["author"], e["text"]) for e in done["timeline"]]
    assert events == [
        ("status", "operator", "detected: declared by operator (affects api, web)"),
        ("note", "operator", "customers report 502s"),
        ("ack", "operator", "acknowledged by operator"),
        ("status", "operator", "detected → assessed"),
        ("note", "operator", "rolled back"),
        ("status", "operator", "title changed: EU checkout errors → Checkout down"),
        ("status", "operator", "severity assessed: high → critical"),
        ("status", "operator", "assessed → mitigated"),
        ("status", "operator", "mitigated → resolved: fixed by rollback"),
    ]
    times = [e["at"] for e in done["timeline"]]
    assert times == sorted(times)


async def test_declared_monitors_are_linked_for_other_readers(site: Site) -> None:
    iid = _declared(site, monitors=("db",))
    [link] = _repo(site).alerts(iid)
    assert dict(link.labels) == {"monitor": "db"}
    assert link.fingerprint.startswith("m:")
    incident = _repo(site).get(iid)
    assert incident is not None
    assert incident.group_key == f"manual:{iid}"  # alerts never join a declared incident


async def test_list_filters(site: Site) -> None:
    open_id = _declared(site)
    done_id = _declared(site, "resolved")
    _repo(site).assess(done_id, "low", "ann", site.clock.time())
    async with site.client(Role.VIEWER) as c:

        async def ids(**params: Any) -> list[int]:
            r = await c.get(API, params=params)
            assert r.status_code == 200, r.text
            return [i["id"] for i in r.json()["incidents"]]

        assert await ids() == [open_id]
        assert await ids(status="all") == [done_id, open_id]
        assert await ids(status="resolved") == [done_id]
        assert await ids(status="all", severity="low") == [done_id]
        assert await ids(status="all", limit=1) == [done_id]
        for bad in ({"status": "closed"}, {"severity": "urgent"}, {"limit": 0}, {"limit": "x"}):
            r = await c.get(API, params=bad)
            assert r.status_code == 400, bad
            assert r.json()["error"]["code"] == "bad_request"


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PATCH", "POST notes", "POST ack", "POST resolve"])
@pytest.mark.parametrize("ident", ["999", "0", "-1", "abc", "99999999999", "1e3", "²", "1.0"])
async def test_unknown_or_malformed_ids_are_404(site: Site, method: str, ident: str) -> None:
    _declared(site)
    verb, _, tail = method.partition(" ")
    body = {"GET": None, "PATCH": {"status": "resolved"}, "notes": {"text": "x"}}.get(tail or verb)
    path = f"{API}/{ident}" + (f"/{tail}" if tail else "")
    async with site.client(Role.OPERATOR) as c:
        r = await c.request(verb, path, json=body)
        pm = await c.get(f"{API}/{ident}/postmortem")
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"
    assert pm.status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (API, {"severity": "high"}, "'title'"),
        (API, {"title": "   ", "severity": "high"}, "'title'"),
        (API, {"title": "x" * 201, "severity": "high"}, "'title'"),
        (API, {"title": "x", "severity": "urgent"}, "'severity'"),
        (API, {"title": "x", "severity": ["high"]}, "'severity'"),
        (API, {"title": "x", "severity": "high", "monitors": ["nope"]}, "no monitor named 'nope'"),
        (API, {"title": "x", "severity": "high", "monitors": "api"}, "'monitors'"),
        (API, {"title": "x", "severity": "high", "monitors": [1]}, "'monitors'"),
        (API, {"title": "x", "severity": "high", "author": "mallory"}, "unknown field(s) author"),
        (API, {"title": "x", "severity": "high", "note": 5}, "'note'"),
        (f"{API}/{{id}}", {}, "at least one of"),
        (f"{API}/{{id}}", {"note": "only a note"}, "at least one of"),
        (f"{API}/{{id}}", {"status": 3}, "'status'"),
        (f"{API}/{{id}}", {"severity": "urgent"}, "'severity'"),
        (f"{API}/{{id}}", {"title": ""}, "'title'"),
        (f"{API}/{{id}}", {"acked_by": "x"}, "unknown field(s) acked_by"),
        (f"{API}/{{id}}/notes", {}, "'text'"),
        (f"{API}/{{id}}/notes", {"text": "x" * 10_001}, "'text'"),
        (f"{API}/{{id}}/notes", {"text": "x", "author": "mallory"}, "unknown field(s) author"),
        (f"{API}/{{id}}/resolve", {"note": ""}, "'note'"),
        (f"{API}/{{id}}/resolve", [], "JSON object"),
    ],
)
async def test_bad_bodies_are_400(site: Site, path: str, body: Any, message: str) -> None:
    iid = _declared(site)
    method = "PATCH" if path.endswith("{id}") else "POST"
    async with site.client(Role.OPERATOR) as c:
        r = await c.request(method, path.format(id=iid), json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "bad_request"
    assert message in r.json()["error"]["message"]
    assert len(_repo(site).list_incidents(None)) == 1
    assert len(_repo(site).timeline(iid)) == 1


async def test_bodies_that_are_not_json(site: Site) -> None:
    iid = _declared(site)
    async with site.client(Role.OPERATOR) as c:
        form = await c.post(API, data={"title": "x", "severity": "high"})
        broken = await c.post(API, content=b"{nope", headers={"Content-Type": "application/json"})
        huge = await c.post(
            f"{API}/{iid}/notes",
            content=json.dumps({"text": "x" * 70_000}),
            headers={"Content-Type": "application/json"},
        )
    assert form.status_code == 415
    assert broken.status_code == 400
    assert huge.status_code == 413


# -- the same JSON as the CLI, postmortem -----------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> Any:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["incident", *args, "-c", str(cfg), "--json"])
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


async def test_cli_and_api_give_the_same_json(site: Site, tmp_path: Path) -> None:
    repo = _repo(site)
    now = site.clock.time()
    opened = repo.open("shop", "api is down", "critical", now, "api is down")
    repo.link_alert(opened.id, "0123456789abcdef", {"alertname": "down", "monitor": "api"}, now)
    repo.add_event(opened.id, now, "alert", "firing (critical): api is down")
    declared = _declared(site, "communicated", monitors=("db", "web"))
    async with site.client(Role.OPERATOR) as c:
        await c.post(f"{API}/{opened.id}/ack")
        await c.post(f"{API}/{opened.id}/notes", json={"text": "on it"})
        site.clock.advance(300)
        await c.post(f"{API}/{declared}/resolve", json={"note": "done"})
        api_list = (await c.get(API, params={"status": "all"})).json()
        api_shows = [(await c.get(f"{API}/{i}")).json() for i in (opened.id, declared)]
        api_pm = (await c.get(f"{API}/{declared}/postmortem")).text
    cli_list = _cli(tmp_path, "list", "--all")
    assert cli_list.pop("schema") == "warden.incidents/v1"
    assert cli_list == api_list
    for iid, api_show in zip((opened.id, declared), api_shows, strict=True):
        cli_show = _cli(tmp_path, "show", str(iid))
        assert cli_show.pop("schema") == "warden.incident/v1"
        assert cli_show == api_show
    assert api_shows[0]["alerts"][0]["declared"] is False
    # the declared incident is resolved: its impact is measured up to then, so both agree
    assert _cli(tmp_path, "postmortem", str(declared))["markdown"] == api_pm


async def test_postmortem_measures_impact_and_leaves_prompts(site: Site) -> None:
    start = site.clock.time()
    site.store.write(
        [CheckResult("api", Status.DOWN, 1.0, start + 60 * i, message="502") for i in range(5)]
        + [CheckResult("api", Status.UP, 0.1, start + 300 + 60 * i) for i in range(5)]
    )
    async with site.client(Role.OPERATOR) as c:
        made = await c.post(
            API, json={"title": "api errors", "severity": "critical", "monitors": ["api"]}
        )
        iid = made.json()["incident"]["id"]
        await c.post(f"{API}/{iid}/notes", json={"text": "restarted the api pods"})
        site.clock.advance(600)
        await c.post(f"{API}/{iid}/resolve")
        md = await c.get(f"{API}/{iid}/postmortem")
        as_json = (await c.get(f"{API}/{iid}/postmortem", params={"format": "json"})).json()
        bad = await c.get(f"{API}/{iid}/postmortem", params={"format": "pdf"})
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    text = md.text
    assert f"# Postmortem: incident #{iid}: api errors" in text
    assert "Duration: 10m" in text
    assert "Affected monitors: api" in text
    assert "| api | 10 | 5 | 50.00% |" in text
    assert "restarted the api pods" in text
    assert "<!-- TODO(author): root cause" in text
    assert "**Immediate:** <!-- TODO(author): what stopped the damage" in text
    assert "## Prevention" in text
    assert as_json["markdown"] == text
    assert as_json["incident"] == iid
    assert as_json["impact"]["monitors"] == [
        {"monitor": "api", "checks": 10, "failed": 5, "uptime": 50.0}
    ]
    assert bad.status_code == 400


# -- pages ----------------------------------------------------------------------------------


async def test_pages(site: Site) -> None:
    iid = _declared(site, monitors=("api",))
    _repo(site).note(iid, "ann", "<script>alert(1)</script>", site.clock.time())
    site.clock.advance(3700)
    async with site.client(Role.VIEWER) as c:
        listing = await c.get("/incidents")
        everything = await c.get("/incidents", params={"status": "all", "severity": "bogus"})
        page = await c.get(f"/incidents/{iid}")
        missing = await c.get("/incidents/999", headers={"Accept": "text/html"})
    assert listing.status_code == 200
    assert f'data-incident="{iid}"' in listing.text
    assert "1h1m40s so far" in listing.text
    assert 'id="declare"' not in listing.text  # viewers cannot declare
    assert everything.status_code == 200
    assert page.status_code == 200
    assert "checkout slow" in page.text
    assert 'data-kind="note"' in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'id="actions"' not in page.text
    assert missing.status_code == 404
    assert "no incident" in missing.text
    async with site.client(Role.OPERATOR) as c:
        assert 'id="declare"' in (await c.get("/incidents")).text
        operator_page = (await c.get(f"/incidents/{iid}")).text
    assert 'id="actions"' in operator_page
    assert "<option>assessed</option>" in operator_page
    async with site.client() as c:
        anonymous = await c.get("/incidents")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/incidents"


async def test_cli_refuses_what_the_api_refuses(site: Site, tmp_path: Path) -> None:
    iid = _declared(site, "resolved")
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n', encoding="utf-8")
    for args, api_call in (
        (["ack", str(iid)], ("POST", f"{API}/{iid}/ack", None)),
        (["status", str(iid), "detected"], ("PATCH", f"{API}/{iid}", {"status": "detected"})),
        (["resolve", str(iid)], ("POST", f"{API}/{iid}/resolve", None)),
    ):
        res = CliRunner().invoke(cli, ["incident", *args, "-c", str(cfg)])
        assert res.exit_code == 2, args
        async with site.client(Role.OPERATOR) as c:
            method, path, body = api_call
            r = await c.request(method, path, json=body)
        assert r.status_code == 409, args
        assert r.json()["error"]["message"] in res.stderr.replace("\n", " "), args

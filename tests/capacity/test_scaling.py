"""Scaling policies with an injected clock: out on a hot trigger, in when all are cold, never
past the bounds, no flapping (hysteresis, stabilization, cooldown), schedules, dry runs, the
command, webhook and Kubernetes actions, decisions kept across a restart and written to the
timeline of open incidents."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from warden.capacity import scaling_store
from warden.capacity.config import ScalingPolicy
from warden.capacity.scaling import Scaler, bounds
from warden.capacity.scaling_service import ScalingService
from warden.results import Sample
from warden.store import SqlStore
from warden.tables import open_store

T0 = 1_765_000_800.0  # a Saturday, 06:00 UTC


def policy(**over: Any) -> ScalingPolicy:
    base: dict[str, Any] = {
        "name": "web", "min": 2, "max": 5, "dry_run": True, "cooldown": "2m",
        "scale_down_stabilization": "3m",
        "triggers": [{"name": "cpu", "series": "cpu", "for": "1m", "out_above": 70,
                      "in_below": 30}],
    }  # fmt: skip
    return ScalingPolicy.model_validate({**base, **over})


def run(scaler: Scaler, cpu: list[float | None], every: float = 30.0) -> list[int]:
    """Sizes after each evaluation, ``every`` seconds apart, with these CPU values."""
    sizes = []
    for i, v in enumerate(cpu):
        now = T0 + i * every
        d = scaler.decide({"cpu": v}, now)
        if d.change:
            scaler.size, scaler.changed_at = d.desired, now
        sizes.append(scaler.size)
    return sizes


def test_out_when_hot_in_when_cold_within_bounds() -> None:
    s = Scaler(policy(cooldown=0, scale_down_stabilization=0))
    assert run(s, [90] * 6 + [10] * 6) == [3, 4, 5, 5, 5, 5, 4, 3, 2, 2, 2, 2]


def test_values_between_the_thresholds_keep_the_size_and_no_data_keeps_it_too() -> None:
    s = Scaler(policy(cooldown=0, scale_down_stabilization=0), size=3)
    assert run(s, [50, 69, 31, None, None]) == [3, 3, 3, 3, 3]
    assert "no trigger has data" in s.decide({"cpu": None}, T0).reason


def test_no_flapping_on_a_value_that_swings_around_a_threshold() -> None:
    """CPU alternating 75/25 every 30 s: with a cooldown and a scale-down stabilization the
    size moves at most once per cooldown and never straight back down."""
    s = Scaler(policy())
    sizes = run(s, [75, 25] * 20)
    changes = sum(1 for a, b in zip([2, *sizes], sizes, strict=False) if a != b)
    assert changes <= 20 * 30 / 120 + 1  # at most one per two-minute cooldown
    downs = sum(1 for a, b in zip([2, *sizes], sizes, strict=False) if b < a)
    assert downs == 0  # a hot reading in every 3-minute window holds the size up
    assert max(sizes) <= 5


def test_cooldown_holds_and_says_so() -> None:
    s = Scaler(policy(cooldown="5m"))
    d = s.decide({"cpu": 90}, T0)
    s.size, s.changed_at = d.desired, T0
    held = s.decide({"cpu": 95}, T0 + 60)
    assert not held.change
    assert "cooldown (240s left)" in held.reason
    assert s.decide({"cpu": 95}, T0 + 301).change


def test_schedule_moves_the_bounds_at_once() -> None:
    p = policy(schedule=[{"cron": "0 20 * * *", "min": 1, "max": 2},
                         {"cron": "0 8 * * *", "min": 3, "max": 5}])  # fmt: skip
    assert bounds(p, T0) == (1, 2)  # 06:00: the 20:00 entry fired last
    assert bounds(p, T0 + 3 * 3600) == (3, 5)  # 09:00
    s = Scaler(p, size=4, changed_at=T0 - 10)
    d = s.decide({"cpu": 50}, T0)
    assert (d.current, d.desired) == (4, 2)  # cooldown or not: the bounds win
    assert "schedule" in d.reason


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path}/s.db")
    yield s
    s.close()


def _cpu(store: SqlStore, value: float, now: float) -> None:
    store.write(samples=[Sample("cpu", {"host": h}, value, now - 10) for h in ("a", "b")])


async def test_command_action_runs_with_the_size_and_the_decision_is_recorded(
    store: SqlStore, tmp_path: Path
) -> None:
    out = tmp_path / "sizes.txt"
    script = f"import sys; open({str(out)!r}, 'a').write(sys.argv[1] + '\\n')"
    p = policy(dry_run=False, command={"argv": [sys.executable, "-c", script, "{size}"]})
    service = ScalingService([p], store)
    scaler = Scaler(p)
    _cpu(store, 90, T0)
    d = await service.evaluate(scaler, T0)
    assert (d.current, d.desired) == (2, 3)
    assert out.read_text() == "3\n"
    assert scaling_store.load_state(store.engine, "web") == (3, T0)
    (event,) = scaling_store.events(store.engine, T0 - 1)
    assert (event.from_size, event.to_size, event.ok, event.dry_run) == (2, 3, True, False)
    assert event.values == {"cpu": 90.0}
    # a restart keeps the size and the cooldown
    again = Scaler(p, *scaling_store.load_state(store.engine, "web"))  # type: ignore[misc]
    assert "cooldown" in again.decide({"cpu": 99}, T0 + 30).reason


async def test_a_failing_action_keeps_the_size_and_is_recorded(store: SqlStore) -> None:
    p = policy(dry_run=False, command={"argv": [sys.executable, "-c", "raise SystemExit(3)"]})
    service = ScalingService([p], store)
    scaler = Scaler(p)
    _cpu(store, 90, T0)
    await service.evaluate(scaler, T0)
    assert scaler.size == 2
    (event,) = scaling_store.events(store.engine, T0 - 1)
    assert not event.ok
    assert "exited 3" in (event.error or "")


async def test_dry_run_records_and_the_incident_timeline_shows_it(store: SqlStore) -> None:
    from warden.incidents.storage import IncidentRepository

    repo = IncidentRepository(store.engine)
    incident = repo.open("g", "checkout is slow", "high", T0 - 60, "alert")
    service = ScalingService([policy()], store)
    scaler = Scaler(policy())
    _cpu(store, 88, T0)
    await service.evaluate(scaler, T0)
    assert scaler.size == 3  # the dry run follows its own decisions
    timeline = repo.timeline(incident.id)
    (scaled,) = [e for e in timeline if e.kind == "scaling"]
    assert scaled.text.startswith("web would scale 2 -> 3: cpu 88 > 70")


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, Any]] = []

    def log_message(self, *_: Any) -> None:
        pass

    def _body(self) -> Any:
        n = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(n) or b"null")

    def do_POST(self) -> None:
        self.seen.append(("POST", self.path, self._body()))
        self.send_response(200)
        self.end_headers()

    def do_PATCH(self) -> None:  # the Kubernetes scale subresource
        body = self._body()
        self.seen.append(("PATCH", self.path, body))
        reply = json.dumps({"apiVersion": "autoscaling/v1", "kind": "Scale",
                            "metadata": {"name": "web", "namespace": "shop"},
                            "spec": {"replicas": body["spec"]["replicas"]},
                            "status": {"replicas": 2}}).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def test_webhook_and_kubernetes_actions(
    store: SqlStore, recorder: str, tmp_path: Path
) -> None:
    hook = policy(dry_run=False, webhook={"url": f"{recorder}/scale"})
    _cpu(store, 90, T0)
    await ScalingService([hook], store).evaluate(Scaler(hook), T0)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
        f"clusters: [{{name: test, cluster: {{server: '{recorder}'}}}}]\n"
        "users: [{name: test, user: {token: t0ken}}]\n"
        "contexts: [{name: test, context: {cluster: test, user: test}}]\n",
        encoding="utf-8",
    )
    k8s = policy(name="api", dry_run=False,
                 kubernetes={"deployment": "web", "namespace": "shop",
                             "kubeconfig": str(kubeconfig)})  # fmt: skip
    await ScalingService([k8s], store).evaluate(Scaler(k8s), T0)
    (post, patch) = _Recorder.seen
    assert post[0:2] == ("POST", "/scale")
    assert (post[2]["policy"], post[2]["from"], post[2]["to"]) == ("web", 2, 3)
    assert patch[0:2] == ("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web/scale")
    assert patch[2] == {"spec": {"replicas": 3}}
    assert all(e.ok for e in scaling_store.events(store.engine, T0 - 1))


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"min": 6}, r"min \(6\) is above max \(5\)"),
        ({"dry_run": False}, "give an action"),
        ({"triggers": [{"name": "x", "series": "s", "out_above": 1, "in_below": 2}]},
         "in_below must be below out_above"),
        ({"schedule": [{"cron": "every day"}]}, "not a cron expression"),
    ],
)  # fmt: skip
def test_config_errors(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        policy(**over)


def test_export_hpa_is_an_autoscaling_v2_manifest() -> None:
    import yaml

    from warden.capacity.hpa import hpa_yaml

    p = policy(
        dry_run=False, kubernetes={"deployment": "web-app", "namespace": "shop"},
        triggers=[
            {"name": "cpu", "series": "host_cpu_percent", "labels": {"cpu": "total"},
             "out_above": 70, "in_below": 30},
            {"name": "latency", "series": "http_request_duration_seconds_p95",
             "labels": {"service": "web"}, "out_above": 1, "in_below": 0.3},
        ],
        schedule=[{"cron": "0 20 * * *", "max": 2}],
    )  # fmt: skip
    text = hpa_yaml(p)
    assert "no HPA equivalent" in text
    doc = yaml.safe_load(text)
    spec = doc["spec"]
    assert (doc["apiVersion"], doc["kind"]) == ("autoscaling/v2", "HorizontalPodAutoscaler")
    assert doc["metadata"]["namespace"] == "shop"
    assert spec["scaleTargetRef"]["name"] == "web-app"
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 5)
    cpu, latency = spec["metrics"]
    target = {"type": "Utilization", "averageUtilization": 70}
    assert cpu["resource"] == {"name": "cpu", "target": target}
    assert latency["external"]["metric"]["name"] == "warden_http_request_duration_seconds_p95"
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 180
    assert spec["behavior"]["scaleUp"]["policies"] == [
        {"type": "Pods", "value": 1, "periodSeconds": 120}
    ]


async def test_cli_scaling_and_export(store: SqlStore, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from warden.cli.main import app as cli

    _cpu(store, 95, T0)
    await ScalingService([policy()], store).evaluate(Scaler(policy()), T0)
    config = tmp_path / "warden.yaml"
    config.write_text(
        f'store:\n  url: "{store.engine.url}"\n'
        "scaling:\n  - {name: web, min: 2, max: 5, dry_run: true, cooldown: 2m,\n"
        "     triggers: [{name: cpu, series: cpu, for: 1m, out_above: 70, in_below: 30}]}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["capacity", "scaling", "-c", str(config), "--json",
                                   "--since", str(T0 - 60)])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema"] == "warden.capacity.scaling/v1"
    (row,) = doc["policies"]
    assert (row["name"], row["size"], row["dry_run"]) == ("web", 3, True)
    assert [(e["from"], e["to"]) for e in doc["events"]] == [(2, 3)]
    hpa = CliRunner().invoke(cli, ["capacity", "export-hpa", "web", "-c", str(config)])
    assert hpa.exit_code == 0, hpa.stderr
    assert "kind: HorizontalPodAutoscaler" in hpa.stdout
    missing = CliRunner().invoke(cli, ["capacity", "export-hpa", "nope", "-c", str(config)])
    assert missing.exit_code == 2
    assert "no scaling policy named 'nope' (web)" in missing.stderr

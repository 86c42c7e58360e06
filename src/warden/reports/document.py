"""``warden doc``: the infrastructure overview, generated from the config and stored data.

Sections: an architecture diagram (Mermaid text, rendered to SVG by mermaid.js in the HTML
page and the dashboard), services (compute, databases, caches and queues, storage, CDN),
disaster recovery with measured RPO and RTO, security, monitoring, cost, on-call and runbooks.
What the config and the store cannot tell says "no data" and how to get it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from warden.config._types import redact_url
from warden.store import SqlStore

SCHEMA = "warden.doc/v1"
_SAFE = re.compile(r"[^A-Za-z0-9_]")


def _id(kind: str, name: str) -> str:
    return f"{kind}_{_SAFE.sub('_', name)}"


def _label(text: str) -> str:
    return text.replace('"', "'")[:60]


def _target(m: Any) -> str:
    cfg = m.probe_config()
    return str(cfg.target()) if cfg is not None else ""


def diagram(config: Any) -> str:
    """Mermaid flowchart: users, entry points, hosts, data stores, backups, and Warden."""
    lines = ["flowchart LR", '  users(["Users"])', '  warden{{"Warden"}}']
    monitors = [m for m in config.monitors if m.enabled]
    collectors = [c for c in config.collectors if c.enabled]
    entry = [m for m in monitors if m.probe_type() in ("http", "tls")]
    for m in entry:
        lines.append(f'  {_id("m", m.name)}["{_label(m.name)}"]')
        lines.append(f"  users --> {_id('m', m.name)}")
    hosts = [c for c in collectors if c.collector_type() == "host"]
    for c in hosts:
        lines.append(f'  {_id("h", c.display_name())}[("host {_label(c.display_name())}")]')
        for m in entry:
            lines.append(f"  {_id('m', m.name)} --> {_id('h', c.display_name())}")
    stores = [c for c in collectors if c.collector_type() in ("postgres", "mysql", "redis",
                                                             "rabbitmq")]  # fmt: skip
    stores += [m for m in monitors if m.probe_type() in ("postgres", "mysql", "redis", "rabbitmq")]
    seen: set[str] = set()
    for s in stores:
        name = s.display_name() if hasattr(s, "display_name") else s.name
        kind = s.collector_type() if hasattr(s, "collector_type") else s.probe_type()
        node = _id("d", name)
        if node in seen:
            continue
        seen.add(node)
        lines.append(f'  {node}[("{kind} {_label(name)}")]')
        for h in hosts or []:
            lines.append(f"  {_id('h', h.display_name())} --> {node}")
        if not hosts:
            for m in entry:
                lines.append(f"  {_id('m', m.name)} --> {node}")
    for b in config.backups:
        if b.enabled:
            node = _id("b", b.name)
            lines.append(f'  {node}[/"backup {_label(b.name)}: {b.repository.type}"/]')
            source = next((n for n in seen if n.endswith(_SAFE.sub("_", b.name))), None)
            lines.append(f"  {source or 'warden'} -.-> {node}")
    for m in monitors:
        lines.append(f"  warden -. checks .-> {_id('m', m.name)}" if m in entry else "")
    return "\n".join(x for x in lines if x)


def _age(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return f"{seconds / 3600:.1f} h" if seconds < 2 * 86400 else f"{seconds / 86400:.1f} days"


def recovery(store: SqlStore, config: Any, now: float) -> list[dict[str, Any]]:
    from warden.backup import storage

    out = []
    for b in config.backups:
        if not b.enabled:
            continue
        runs = [
            r for r in storage.recent_runs(store.engine, b.name, 50) if r["status"] == "complete"
        ]
        drills = [d for d in storage.recent_drills(store.engine, b.name, 20)
                  if d["status"] == "passed" and d["restore_seconds"] is not None]  # fmt: skip
        age = now - runs[0]["finished"] if runs else None
        rto = drills[0]["restore_seconds"] if drills else None
        out.append({
            "backup": b.name, "source": b.source.type, "repository": b.repository.type,
            "schedule": b.schedule, "rpo_target": b.rpo, "rpo_measured": age,
            "rpo_met": None if age is None or b.rpo is None else age <= b.rpo,
            "rto_target": b.rto, "rto_measured": rto,
            "rto_met": None if rto is None or b.rto is None else rto <= b.rto,
        })  # fmt: skip
    return out


def infrastructure_document(store: SqlStore, config: Any, now: float) -> dict[str, Any]:
    from warden.alerting.builtin import effective_rules
    from warden.reports.runbooks import names

    monitors = [m for m in config.monitors if m.enabled]
    collectors = [c for c in config.collectors if c.enabled]
    by_type: dict[str, list[str]] = {}
    for m in monitors:
        by_type.setdefault(m.probe_type(), []).append(m.name)
    ctypes: dict[str, list[str]] = {}
    for c in collectors:
        ctypes.setdefault(c.collector_type(), []).append(c.display_name())
    rules = [r for r in effective_rules(config.alerts, config.alerting.builtin_rules) if r.enabled]
    paging = [r.receiver for r in config.routes
              if any("critical" in m for m in r.matchers) or not r.matchers]  # fmt: skip
    secrets_late = [s.name for s in config.secrets if now - s.rotated_at() > s.max_age]
    return {
        "schema": SCHEMA,
        "generated": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
        "diagram": diagram(config),
        "services": {
            "compute": {
                "hosts": ctypes.get("host", []),
                "scaling": [
                    {"name": p.name, "min": p.min, "max": p.max, "action": p.action_kind()}
                    for p in config.scaling
                ],
            },
            "databases": ctypes.get("postgres", [])
            + ctypes.get("mysql", [])
            + by_type.get("postgres", [])
            + by_type.get("mysql", []),
            "caches_and_queues": ctypes.get("redis", [])
            + ctypes.get("rabbitmq", [])
            + by_type.get("redis", [])
            + by_type.get("rabbitmq", []),
            "storage": [
                {"backup": b.name, "repository": b.repository.type}
                for b in config.backups
                if b.enabled
            ],
            "entry_points": [
                {"monitor": m.name, "target": redact_url(_target(m))}
                for m in monitors
                if m.probe_type() in ("http", "tls", "tcp")
            ],
            "cdn": None,
        },
        "recovery": recovery(store, config, now),
        "security": {
            "tls_monitors": by_type.get("tls", []),
            "audits": [a.name for a in config.audits if a.enabled],
            "secrets": len(config.secrets),
            "secrets_overdue": secrets_late,
        },
        "monitoring": {
            "monitors": {k: len(v) for k, v in sorted(by_type.items())},
            "collectors": {k: len(v) for k, v in sorted(ctypes.items())},
            "alert_rules": len(rules),
            "slos": [s.name for s in config.slos],
        },
        "cost": None,
        "on_call": {"receivers": [r.name for r in config.receivers], "paged": paging},
        "runbooks": names(config.alerting.runbooks_dir),
    }


def markdown(doc: dict[str, Any]) -> str:
    s, sec, mon = doc["services"], doc["security"], doc["monitoring"]

    def items(values: list[Any]) -> str:
        return ", ".join(str(v) for v in values) if values else "no data"

    lines = [
        "# Infrastructure overview", "", f"Generated {doc['generated']} by `warden doc`.", "",
        "## Architecture", "", "```mermaid", doc["diagram"], "```", "",
        "## Services", "",
        f"- Compute: hosts {items(s['compute']['hosts'])}; scaling "
        + (items([f"{p['name']} {p['min']}..{p['max']} ({p['action']})"
                  for p in s["compute"]["scaling"]])),
        f"- Databases: {items(s['databases'])}",
        f"- Caches and queues: {items(s['caches_and_queues'])}",
        "- Storage (backup repositories): "
        + items([f"{x['backup']} on {x['repository']}" for x in s["storage"]]),
        "- Entry points: " + items([f"{e['monitor']} ({e['target']})" for e in s["entry_points"]]),
        "- CDN: no data (not in the config)", "",
        "## Disaster recovery", "",
    ]  # fmt: skip
    if doc["recovery"]:
        lines += ["| backup | source | schedule | RPO target | RPO measured | RTO target | "
                  "RTO measured |", "|---|---|---|---|---|---|---|"]  # fmt: skip
        for r in doc["recovery"]:
            lines.append(
                f"| {r['backup']} | {r['source']} | {r['schedule'] or '-'} | "
                f"{_age(r['rpo_target']) or '-'} | {_age(r['rpo_measured']) or 'no backup yet'} | "
                f"{_age(r['rto_target']) or '-'} | {_age(r['rto_measured']) or 'no drill yet'} |"
            )
    else:
        lines.append("No data: add a `backups:` section (docs/backup.md).")
    lines += [
        "", "## Security", "",
        f"- TLS monitored: {items(sec['tls_monitors'])}",
        f"- Scheduled audits: {items(sec['audits'])}",
        f"- Secrets in the rotation inventory: {sec['secrets']}"
        + (f" (overdue: {', '.join(sec['secrets_overdue'])})" if sec["secrets_overdue"] else ""),
        "", "## Monitoring", "",
        f"- Monitors: {items([f'{k} {v}' for k, v in mon['monitors'].items()])}",
        f"- Collectors: {items([f'{k} {v}' for k, v in mon['collectors'].items()])}",
        f"- Alert rules: {mon['alert_rules']}; SLOs: {items(mon['slos'])}",
        "", "## Cost", "", "No data: cost from FOCUS bills is not available yet.",
        "", "## On-call", "",
        f"- Receivers: {items(doc['on_call']['receivers'])}; paged for critical alerts: "
        f"{items(doc['on_call']['paged'])}",
        "", "## Runbooks", "",
        *[f"- [{n}](/runbooks/{n})" for n in doc["runbooks"]],
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def html_body(doc: dict[str, Any]) -> str:
    """The Markdown as HTML, the diagram as a ``pre.mermaid`` block for mermaid.js to draw."""
    from markupsafe import escape

    from warden.reports.render import markdown_html

    body = markdown_html(markdown(doc))
    diagram_block = f'<pre class="mermaid">{escape(doc["diagram"])}</pre>'
    return re.sub(r'<pre><code class="language-mermaid">.*?</code></pre>', diagram_block, body,
                  count=1, flags=re.S)  # fmt: skip


def html(doc: dict[str, Any], mermaid_js: str) -> str:
    """An offline page: the Markdown rendered, the diagram drawn to SVG by mermaid.js."""
    from markupsafe import Markup

    body = html_body(doc)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Infrastructure overview"
        "</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        f"padding:.2rem .5rem}}</style></head><body>{Markup(body)}"  # noqa: S704 - escaped
        f"<script>{mermaid_js}</script><script>mermaid.initialize({{startOnLoad:true}});"
        "</script></body></html>"
    )

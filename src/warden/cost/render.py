"""The cost report as Markdown (the audit layout: spend by category, numbered opportunities
with current state, problem, solution and saving, the total and the new monthly cost, then the
detail) and as an offline HTML page with its charts (monthly spend stacked by service with the
budget line, daily spend with the anomalies), drawn by the dashboard's own cost.js."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def money(v: float | None, currency: str | None = None) -> str:
    if v is None:
        return "-"
    return f"{v:,.2f}" + (f" {currency}" if currency else "")


def pct(v: float | None, sign: bool = False) -> str:
    if v is None:
        return "-"
    return f"{v * 100:+.1f}%" if sign else f"{v * 100:.1f}%"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return [*out, ""]


def _split(rows: list[dict[str, Any]], limit: int = 12) -> list[list[str]]:
    return [[r.get("name") or "(none)", money(r["cost"]), pct(r["share"])] for r in rows[:limit]]


def markdown(data: dict[str, Any]) -> str:
    cur = data.get("currency") or ""
    if data.get("empty"):
        return (
            "# Cost report\n\nNo cost data yet: ingest a FOCUS export with "
            "`warden cost ingest PATH|s3://BUCKET/PREFIX` (docs/cost.md).\n"
        )
    s, audit, fc = data["spend"], data["audit"], data["spend"]["forecast"]
    lines = [
        f"# Cost report: {data['month']} ({cur})",
        "",
        f"Data from {data['data']['first_day']} to {data['data']['last_day']} "
        f"({data['data']['files']} files, {data['data']['rows']:,} lines); "
        f"{data['measure']}. Opportunities are monthly, over {data['window']['from']} to "
        f"{data['window']['to']}.",
        "",
    ]
    lines += [
        "## Summary",
        "",
        f"- Spend in {data['month']}: **{money(s['total'], cur)}** (billed "
        f"{money(s['billed_total'])}, at list prices {money(s['list_total'])}); the month "
        f"before: {money(s['previous_month'])} ({pct(s['change_ratio'], sign=True)}).",
        f"- Month-end forecast: {money(fc['month_end'], cur)}"
        + (
            ""
            if fc["complete"]
            else f" ({fc['days_with_data']} of {fc['days_in_month']} "
            f"days in, {money(fc['run_rate_per_day'])} a day)"
        )
        + ".",
        f"- Untagged (none of {', '.join(s['untagged']['keys'])}): "
        f"{money(s['untagged']['cost'])} ({pct(s['untagged']['share'])}).",
        f"- Savings found: **{money(audit['total_saving'], cur)} a month** "
        f"({pct(audit['saving_ratio'])}): from {money(audit['current_monthly'])} to "
        f"{money(audit['new_monthly'])}.",
        "",
    ]
    for b in data["budgets"]:
        if b["flag"]:
            lines.insert(
                -1,
                f"- Budget **{b['name']}** is {pct(abs(b['variance_ratio']))} "
                f"{b['status']} ({b['basis']} {money(b[b['basis']])} against "
                f"{money(b['monthly'])}).",
            )
    if data["anomalies"]["items"]:
        lines.insert(-1, f"- Spend anomalies: {len(data['anomalies']['items'])} (see below).")
    lines += ["## Current spend by category (per month)", ""]
    lines += _table(
        ["category", "monthly", "share"],
        [
            [
                c["name"],
                money(c["monthly"]),
                pct((c["monthly"] or 0) / audit["current_monthly"])
                if audit["current_monthly"]
                else "-",
            ]
            for c in audit["by_category"]
        ],
    )
    lines += ["## Opportunities", ""]
    if not data["opportunities"]:
        lines += ["None found.", ""]
    for o in data["opportunities"]:
        lines += [
            f"### {o['id']}. {o['title']}: saves {money(o['monthly_saving'], cur)} a month",
            "",
            f"**Current state.** {o['current_state']}",
            "",
            f"**Problem.** {o['problem']}",
            "",
            f"**Solution.** {o['solution']}",
            "",
            f"**Saving.** {money(o['monthly_saving'], cur)} a month.",
            "",
        ]
        lines += _table(
            ["resource", "detail", "monthly cost", "saving"],
            [
                [
                    r["name"] or r["resource_id"] or "-",
                    r["detail"],
                    money(r["monthly_cost"]),
                    money(r["saving"]),
                ]
                for r in o["resources"][:10]
            ],
        )
    lines += ["## Total", ""]
    lines += _table(
        ["current monthly cost", "total saving", "new monthly cost"],
        [
            [
                money(audit["current_monthly"], cur),
                money(audit["total_saving"], cur),
                money(audit["new_monthly"], cur),
            ]
        ],
    )
    return "\n".join(lines + _detail(data)).rstrip() + "\n"


def _detail(data: dict[str, Any]) -> list[str]:
    s = data["spend"]
    out = ["## Spend by service", ""]
    out += _table(
        ["service", "cost", "share", "month before", "change"],
        [
            [
                r["name"],
                money(r["cost"]),
                pct(r["share"]),
                money(r["previous"]),
                pct(r["change_ratio"], sign=True),
            ]
            for r in s["by_service"][:15]
        ],
    )
    out += ["## Spend by region", "", *_table(["region", "cost", "share"], _split(s["by_region"]))]
    for key, rows in s["by_tag"].items():
        out += [f"## Spend by tag `{key}`", ""]
        out += _table(
            [key, "cost", "share"],
            [[r["value"] or "(untagged)", money(r["cost"]), pct(r["share"])] for r in rows[:12]],
        )
    out += ["## Top resources", ""]
    out += _table(
        ["resource", "service", "region", "cost"],
        [
            [r["name"] or r["resource_id"], r["service"], r["region"] or "-", money(r["cost"])]
            for r in s["top_resources"]
        ],
    )
    out += ["## Month over month", ""]
    out += _table(
        ["month", "cost", "change"],
        [[m["month"], money(m["cost"]), pct(m["change_ratio"], sign=True)] for m in data["months"]],
    )
    if data["budgets"]:
        out += ["## Budgets", ""]
        out += _table(
            ["budget", "monthly", "actual", "forecast", "variance", "flag"],
            [
                [
                    b["name"],
                    money(b["monthly"]),
                    money(b["actual"]),
                    money(b["forecast"]),
                    pct(b["variance_ratio"], sign=True),
                    f"**{b['status']}**" if b["flag"] else "ok",
                ]
                for b in data["budgets"]
            ],
        )
    items = data["anomalies"]["items"]
    out += ["## Anomalies", "", f"Method: {data['anomalies']['method']}.", ""]
    out += _table(
        ["day", "service", "cost", "expected", "excess"],
        [
            [a["day"], a["service"], money(a["cost"]), money(a["expected"]), money(a["excess"])]
            for a in items
        ],
    ) or ["None this month.", ""]
    rs = data["rightsizing"]
    out += [
        "## Right-sizing",
        "",
        f"Method: {rs['method']}. Instances in the bill without "
        f"host samples: {rs['instances_without_samples']}.",
        "",
    ]
    out += _table(
        ["host", "status", "current", "recommended", "CPU", "memory", "saving"],
        [
            [
                h["host"],
                h["status"],
                h.get("current") or "-",
                h.get("recommended") or "-",
                f"{h['cpu_percentile']}%",
                "-" if h["memory_percentile"] is None else f"{h['memory_percentile']}%",
                money(h.get("monthly_saving")),
            ]
            for h in rs["hosts"][:20]
        ],
    )
    c = data["commitments"]
    out += [
        "## Commitments",
        "",
        f"Steady compute: {money(c['steady_compute_monthly'])} a month on "
        f"{c['steady_instances']} instances: {pct(c['on_demand_share'])} on demand, "
        f"{pct(c['committed_share'])} committed, {pct(c['spot_share'])} spot. Unused "
        f"commitment: {money(c['unused_commitment_monthly'])} a month. A 1-year commitment "
        f"saves {money(c['commitment']['one_year_saving'])}, a 3-year one "
        f"{money(c['commitment']['three_year_saving'])}; spot "
        f"{money(c['spot']['monthly_saving'])}.",
        "",
    ]
    out += ["## Assumptions", ""] + [f"- {a}" for a in data["assumptions"]] + [""]
    return out


def _script_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html(data: dict[str, Any]) -> str:
    """The offline page: the Markdown above with the two charts first."""
    from markupsafe import Markup

    from warden.report.html import render_page
    from warden.reports.render import markdown_html

    title = f"Cost report: {data.get('month') or '-'}"
    blocks: list[Any] = []
    if not data.get("empty"):
        js = (STATIC / "cost.js").read_text(encoding="utf-8")
        charted = {
            "months": data["months"],
            "budget": data["budget_line"],
            "daily": data.get("daily"),
            "anomalies": data["anomalies"]["items"],
        }
        charts = (
            '<h2>Monthly spend by service</h2><div class="chart" id="cost-months"></div>'
            "<h2>Daily usage spend, last 90 days (red: anomalies)</h2>"
            f'<div class="chart" id="cost-daily"></div><script>{js}</script><script>'
            f"var d={_script_json(charted)};"
            "WardenCost.bars(document.getElementById('cost-months'),d.months,d.budget);"
            "if(d.daily)WardenCost.daily(document.getElementById('cost-daily'),d.daily,"
            "d.anomalies);</script>"
        )
        blocks.append(Markup(charts))  # noqa: S704 - our script and JSON escaped for it
    blocks.append(Markup(markdown_html(markdown(data))))  # noqa: S704 - raw HTML escaped
    return render_page(title, blocks, subtitle=f"{data.get('currency') or ''} · {data['time']}")

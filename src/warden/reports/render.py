"""The daily report as Markdown (for e-mail and files), as a compact chat message, and as an
offline HTML page; the terminal shows the Markdown through Rich."""

from __future__ import annotations

from typing import Any

_MARK = {"ok": "[ok]", "attention": "[!]", "no data": "[no data]"}
_TITLES = {
    "alerts": "Alerts", "incidents": "Incidents", "slos": "SLOs", "monitors": "Monitors",
    "backups": "Backups and drills", "resources": "Resources", "audits": "Audit findings",
}  # fmt: skip


def markdown_html(text: str) -> str:
    """Markdown (CommonMark with tables) as HTML; raw HTML in the text is escaped, not kept."""
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))


def _page(title: str, text: str, subtitle: str) -> str:
    from markupsafe import Markup

    from warden.report.html import render_page

    body = Markup(markdown_html(text))  # noqa: S704 - rendered with raw HTML escaped
    return render_page(title, [body], subtitle=subtitle)


def _pct(v: float | None, digits: int = 3) -> str:
    return "-" if v is None else f"{v * 100:.{digits}f}%"


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f} ms"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in rows]
    return [*out, ""]


def _details(name: str, s: dict[str, Any]) -> list[str]:
    if name == "alerts":
        return _table(["rule", "fired"], [[r["rule"], str(r["fired"])] for r in s["by_rule"]]) + [
            f"- firing now: {a['rule']} ({a['severity']}) since {a['since']}"
            for a in s["firing_now"]
        ]
    if name == "incidents":
        return [f"- #{i['id']} {i['title']} ({i['severity']}, {i['status']}) since "
                f"{i['opened_at']}" for i in s["open"]]  # fmt: skip
    if name == "slos":
        return _table(
            ["SLO", "objective", "budget burned", "budget left", "SLI"],
            [[r["name"], f"{r['objective']:g}%", _pct(r["budget_burned"], 1),
              _pct(r["budget_remaining"], 1), "-" if r["sli"] is None else f"{r['sli']:.3f}%"]
             for r in s["slos"]],
        )  # fmt: skip
    if name == "monitors":
        out = ["**Least available**", ""]
        out += _table(["monitor", "availability", "day before", "checks"],
                      [[r["monitor"], _pct(r["availability"]), _pct(r["availability_before"]),
                        str(r["checks"])] for r in s["least_available"]])  # fmt: skip
        out += ["**Slowest (p95)**", ""]
        out += _table(["monitor", "p95", "day before"],
                      [[r["monitor"], _ms(r["p95_ms"]), _ms(r["p95_ms_before"])]
                       for r in s["slowest"]])  # fmt: skip
        if s["biggest_changes"]:
            out += ["**Biggest changes since the day before**", ""]
            out += _table(["monitor", "availability", "was", "p95", "was"],
                          [[r["monitor"], _pct(r["availability"]), _pct(r["availability_before"]),
                            _ms(r["p95_ms"]), _ms(r["p95_ms_before"])]
                           for r in s["biggest_changes"]])  # fmt: skip
        return out
    if name == "backups":
        return _table(
            ["backup", "last success", "runs", "failed", "missed", "last drill passed"],
            [[r["backup"], r["last_success"] or "never", str(r["runs"]), str(r["failed"]),
              "-" if r["missed"] is None else str(r["missed"]), r["last_drill_passed"] or "never"]
             for r in s["backups"]],
        )  # fmt: skip
    if name == "resources":
        out = _table(["resource", "where", "peak", "at"],
                     [[r["resource"], r["where"], f"{r['peak_percent']:.1f}%", r["at"]]
                      for r in s["peaks"]])  # fmt: skip
        out += [f"- forecast {r['risk']}: {r['resource']}" for r in s["at_risk"]]
        return out
    if name == "audits":
        return [f"- {r['audit']}: {r['new_findings']} new" for r in s["audits"]]
    return []


def markdown(data: dict[str, Any]) -> str:
    """The full report (e-mail, files, the terminal)."""
    lines = [f"# Daily check: {data['status']}", "",
             f"From {data['from']} to {data['to']}.", ""]  # fmt: skip
    for name, s in data["sections"].items():
        lines += [f"## {_MARK[s['status']]} {_TITLES.get(name, name)}: {s['summary']}", ""]
        if s["status"] == "no data":
            lines += [f"No data: {s['how']}.", ""]
            continue
        lines += _details(name, s)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def compact(data: dict[str, Any]) -> str:
    """One line per section, for a chat message."""
    head = f"Daily check {data['to'][:10]}: {data['status']}"
    body = [f"{_MARK[s['status']]} {_TITLES.get(n, n)}: {s['summary']}"
            for n, s in data["sections"].items()]  # fmt: skip
    return "\n".join([head, *body])


def html(data: dict[str, Any]) -> str:
    return _page(
        f"Daily check: {data['status']}", markdown(data), f"{data['from']} to {data['to']}"
    )


def weekly_markdown(data: dict[str, Any]) -> str:
    """The scorecard: each point's lines with target and actual, this week beside the last."""
    this, last = data["this_week"], data["last_week"]
    lines = [
        f"# Weekly scorecard: {this['score']}/7 ({this['band']})", "",
        f"From {this['from']} to {this['to']}; the week before: {last['score']}/7 "
        f"({last['band']}).", "",
        "| point | line | target | this week | last week |", "|---|---|---|---|---|",
    ]  # fmt: skip
    for now_point, then_point in zip(this["points"], last["points"], strict=True):
        mark = "pass" if now_point["passed"] else "no data" if not now_point["has_data"] else "FAIL"
        for i, (a, b) in enumerate(zip(now_point["lines"], then_point["lines"], strict=True)):
            head = f"{now_point['point']} ({mark})" if i == 0 else ""
            lines.append(f"| {head} | {a['line']} | {a['target']} | {a['actual']} | "
                         f"{b['actual']} |")  # fmt: skip
    open_items = data.get("open_action_items", [])
    if open_items:
        lines += ["", f"Open action items ({len(open_items)}):", ""]
        lines += [f"- #{a['incident']} {a['text']} ({a['owner'] or 'no owner'})"
                  + (" OVERDUE" if a["overdue"] else "") for a in open_items]  # fmt: skip
    missing = [x for p in this["points"] for x in p["lines"] if x["passed"] is None]
    if missing:
        lines += ["", "No data (never counted as passed):", ""]
        lines += [f"- {x['line']}: {x['how']}" for x in missing]
    return "\n".join(lines) + "\n"


def weekly_compact(data: dict[str, Any]) -> str:
    this, last = data["this_week"], data["last_week"]
    failed = [p["point"] for p in this["points"] if p["has_data"] and not p["passed"]]
    head = f"Weekly scorecard {this['to'][:10]}: {this['score']}/7 ({this['band']})"
    tail = f"; failing: {', '.join(failed)}" if failed else ""
    return f"{head}, last week {last['score']}/7{tail}"


def weekly_html(data: dict[str, Any]) -> str:
    this = data["this_week"]
    return _page(f"Weekly scorecard: {this['score']}/7", weekly_markdown(data),
                 f"{this['from']} to {this['to']}")  # fmt: skip

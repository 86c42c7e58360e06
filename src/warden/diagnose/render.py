"""``warden diagnose`` as text for the terminal (Rich) and as Markdown for a ticket."""

from __future__ import annotations

import time
from typing import Any


def _when(ts: float | None) -> str:
    return "-" if ts is None else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def _load(data: dict[str, Any]) -> list[str]:
    """One line per request-rate series: its level at both ends, and whether it moved."""
    out = []
    for s in data.get("load", []):
        labels = ", ".join(f"{k}={v}" for k, v in sorted(s["labels"].items()) if k != "collector")
        moved = "changed" if s["change"] else "no change"
        out.append(f"{s['series']}{f' ({labels})' if labels else ''}: {s['first']:.3g} to "
                   f"{s['last']:.3g}, {moved}")  # fmt: skip
    if not out and data["checks"]:
        out.append("no request-rate series stored in the window (traffic collectors)")
    return out


def markdown(data: dict[str, Any]) -> str:
    lines = [f"# Diagnosis of {data['monitor']}", "",
             f"{data['type']} {data['target']} · {_when(data['since'])} to "
             f"{_when(data['until'])} · {data['checks']} checks", "",
             f"**{data['summary']}**" + (f" (started {_when(data['onset'])})"
                                         if data["onset"] else ""), ""]  # fmt: skip
    for i, h in enumerate(data["hypotheses"], 1):
        lines.append(f"## {i}. {h['cause']} (score {h['score']:.2f})")
        lines += [f"- {e}" for e in h["evidence"]]
        if h["next"]:
            lines.append("")
            lines += [f"Next: {a}" for a in h["next"]]
        lines.append("")
    load = _load(data)
    if load:
        lines += ["## Load", "", *[f"- {x}" for x in load], ""]
    if data.get("next"):
        lines += ["## Next actions", "", *[f"1. {a}" for a in data["next"]], ""]
    return "\n".join(lines).rstrip() + "\n"


def print_text(data: dict[str, Any], out: Any) -> None:
    from rich.markup import escape

    out.print(f"[bold]{escape(data['monitor'])}[/] ({data['type']}) · {data['checks']} checks "
              f"from {_when(data['since'])} to {_when(data['until'])}")  # fmt: skip
    started = f", started {_when(data['onset'])}" if data["onset"] else ""
    out.print(f"{escape(data['summary'])}{started}")
    for i, h in enumerate(data["hypotheses"], 1):
        out.print(f"\n[bold]{i}. {escape(h['cause'])}[/] [dim](score {h['score']:.2f})[/]")
        for e in h["evidence"]:
            out.print(f"   • {escape(e)}", soft_wrap=True)
        for a in h["next"]:
            out.print(f"   → {escape(a)}", soft_wrap=True)
    load = _load(data)
    if load:
        out.print("\n[bold]Load[/]")
        for x in load:
            out.print(f"   {escape(x)}", soft_wrap=True)
    if data.get("next"):
        out.print("\n[bold]Next actions[/]")
        for a in data["next"]:
            out.print(f"   → {escape(a)}", soft_wrap=True)

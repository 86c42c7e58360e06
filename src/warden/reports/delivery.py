"""Sending a report through a receiver: chat URLs get the compact form (one line per
section), e-mail URLs (``mailto``, ``mailtos``) the full Markdown, webhooks the JSON and file
receivers one JSON line; plus the ``warden up`` jobs that send the daily check and the weekly
scorecard on their crons."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from warden.engine.jobs import Job, JobOutcome
from warden.reports import render

log = logging.getLogger("warden.reports")
_EMAIL = ("mailto", "mailtos")


def apprise_send(url: str, title: str, body: str, markdown: bool) -> str | None:
    """Send one message to an Apprise URL; the error (secrets redacted), or None."""
    import apprise as apprise_lib

    from warden.config._types import redact_url

    client = apprise_lib.Apprise()
    if not client.add(url):
        return f"not a valid Apprise URL: {redact_url(url)}"
    fmt = apprise_lib.NotifyFormat.MARKDOWN if markdown else apprise_lib.NotifyFormat.TEXT
    ok = client.notify(title=title, body=body, body_format=fmt)
    return None if ok else f"apprise {redact_url(url)}: not delivered"


async def send(receiver: Any, title: str, *, chat: str, email: str, body: dict[str, Any],
               line: dict[str, Any]) -> list[str]:  # fmt: skip
    """One message to every target of ``receiver``: ``chat`` to chat Apprise URLs, ``email``
    (Markdown) to e-mail ones, ``body`` as JSON to webhooks, ``line`` as one JSON line to
    files; the errors, if any (secrets redacted)."""
    from warden.notify.channels._http import post_json

    errors: list[str] = []
    for target in receiver.apprise:
        url = target.get_secret_value()
        mail = url.split(":", 1)[0].lower() in _EMAIL
        got = await asyncio.to_thread(apprise_send, url, title, email if mail else chat, mail)
        if got:
            errors.append(got)
    for hook in receiver.webhook:
        sent = await post_json(hook.url.get_secret_value(), body, timeout=hook.timeout)
        if not sent.ok:
            errors.append(f"webhook {hook.url.display()}: {sent.error}")
    for f in receiver.file:
        try:
            await asyncio.to_thread(_append, f.path, json.dumps(line) + "\n")
        except OSError as exc:
            errors.append(f"file {f.path}: {exc.strerror or exc}")
    return errors


async def deliver(data: dict[str, Any], receiver: Any) -> list[str]:
    """Send ``data`` (a daily report) to every target of ``receiver``; the errors, if any."""
    title = f"Warden daily check: {data['status']}"
    return await send(receiver, title, chat=render.compact(data), email=render.markdown(data),
                      body=data, line={"kind": "report.daily", "report": data})  # fmt: skip


async def deliver_weekly(data: dict[str, Any], receiver: Any) -> list[str]:
    """Send ``data`` (a weekly scorecard) to every target of ``receiver``; the errors."""
    week = data["this_week"]
    title = f"Warden weekly scorecard: {week['score']}/7 ({week['band']})"
    return await send(receiver, title, chat=render.weekly_compact(data),
                      email=render.weekly_markdown(data), body=data,
                      line={"kind": "report.weekly", "report": data})  # fmt: skip


def _append(path: Any, line: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(line)


def build_jobs(config: Any, store: Any) -> list[Job]:
    """The daily and weekly sends that are configured (with the SQL store only)."""
    if getattr(store, "engine", None) is None:
        return []
    receivers = {r.name: r for r in config.receivers}
    jobs: list[Job] = []
    for kind in ("daily", "weekly"):
        wanted = getattr(config.reports, kind)
        if wanted is None:
            continue
        if wanted.receiver not in receivers:
            log.error("reports.%s.receiver %r is not a receiver; the %s report is not sent",
                      kind, wanted.receiver, kind)  # fmt: skip
            continue
        run = _daily if kind == "daily" else _weekly
        jobs.append(Job(f"report:{kind}", run(config, store, wanted, receivers[wanted.receiver]),
                        cron=wanted.schedule))  # fmt: skip
    return jobs


def _daily(config: Any, store: Any, daily: Any, receiver: Any) -> Any:
    async def send() -> JobOutcome:
        from warden.reports.daily import daily_report

        now = time.time()
        data = await asyncio.to_thread(daily_report, store, config, now - daily.since, now)
        errors = await deliver(data, receiver)
        if errors:
            return JobOutcome(False, "; ".join(errors)[:500])
        return JobOutcome(True, f"daily check ({data['status']}) sent to {daily.receiver}")

    return send


def _weekly(config: Any, store: Any, weekly: Any, receiver: Any) -> Any:
    async def send() -> JobOutcome:
        from warden.reports.weekly import weekly_report

        data = await asyncio.to_thread(weekly_report, store, config, time.time())
        errors = await deliver_weekly(data, receiver)
        if errors:
            return JobOutcome(False, "; ".join(errors)[:500])
        score = f"{data['this_week']['score']}/7"
        return JobOutcome(True, f"weekly scorecard ({score}) sent to {weekly.receiver}")

    return send

"""Memory settings far from the machine's size (when the machine's RAM is known)."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.postgres._facts import PostgresFacts, register

GiB = 1024**3


@register
class MemorySettings(Check[PostgresFacts]):
    type = "pg.memory_settings"
    finding_ids = (
        "pg.shared_buffers",
        "pg.effective_cache_size",
        "pg.work_mem",
        "pg.maintenance_work_mem",
    )
    thresholds = {"min_machine_bytes": 2 * GiB}

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        ram = facts.machine_memory
        if ram is None or ram < self.limit("min_machine_bytes"):
            return
        mem = f"the machine has {human_bytes(ram)}"
        sb = facts.setting("shared_buffers")
        if sb < 0.1 * ram or sb > 0.5 * ram:
            yield self._setting(
                "pg.shared_buffers", Severity.MEDIUM, sb, ram, mem,
                "Too little leaves the hot data on disk; too much starves the OS cache and "
                "risks the OOM killer.",
                f"shared_buffers = '{human_bytes(ram * 0.25)}' (about 25% of RAM), then "
                "restart.",
            )  # fmt: skip
        ecs = facts.setting("effective_cache_size")
        if ecs < 0.4 * ram or ecs > ram:
            yield self._setting(
                "pg.effective_cache_size", Severity.LOW, ecs, ram, mem,
                "The planner uses it to judge index scans; far from the real cache it picks "
                "sequential scans or nested loops wrongly.",
                f"effective_cache_size = '{human_bytes(ram * 0.7)}' (about 70% of RAM).",
            )  # fmt: skip
        wm = facts.setting("work_mem")
        conns = facts.setting("max_connections")
        if wm * conns > ram:
            yield self._setting(
                "pg.work_mem", Severity.MEDIUM, wm, ram,
                f"{mem}; work_mem x max_connections ({conns:.0f}) = {human_bytes(wm * conns)}",
                "Each sort or hash may use work_mem: a busy moment can exhaust memory.",
                "Lower work_mem globally and raise it per role or per query where needed "
                "(SET work_mem), or lower max_connections with a pooler.",
            )  # fmt: skip
        mwm = facts.setting("maintenance_work_mem")
        if ram >= 4 * GiB and mwm < min(GiB, 0.02 * ram):
            yield self._setting(
                "pg.maintenance_work_mem", Severity.LOW, mwm, ram, mem,
                "VACUUM, CREATE INDEX and ALTER TABLE run slower with little memory.",
                f"maintenance_work_mem = '{human_bytes(min(GiB, 0.05 * ram))}'.",
            )  # fmt: skip

    def _setting(
        self, id_: str, severity: Severity, value: float, ram: int, context: str, why: str, fix: str
    ) -> Finding:
        name = id_.removeprefix("pg.")
        return self.finding(
            id_,
            severity,
            f"setting {name}",
            f"{name} is {human_bytes(value)} ({value / ram:.1%} of RAM)",
            f"{name} = {human_bytes(value)}; {context}.",
            why,
            f"ALTER SYSTEM SET {fix}",
            value=value,
            machine_memory=ram,
        )

"""What ``warden up`` runs besides monitors and collectors, built from the config sections.

Each area (alerting, backups, audits, ...) adds one line to ``build_services`` or
``build_jobs``; the App itself stays unaware of them.
"""

from __future__ import annotations

from warden.agents import service as agents_service
from warden.alerting import service as alerting_service
from warden.audit import jobs as audit_jobs
from warden.backup import jobs as backup_jobs
from warden.capacity import jobs as capacity_jobs
from warden.capacity import scaling_service
from warden.config.schema import WardenConfig
from warden.cost import jobs as cost_jobs
from warden.engine.app import Service
from warden.engine.jobs import Job
from warden.managed import service as managed_service
from warden.reports import delivery as report_delivery
from warden.scan import jobs as scan_jobs
from warden.store.protocol import Store


def build_services(config: WardenConfig, store: Store) -> list[Service]:
    """Long-lived parts started with the App (alert evaluation, notification delivery, ...)."""
    services: list[Service] = []
    services += managed_service.build(config, store)
    services += alerting_service.build(config, store)
    services += scaling_service.build(config.scaling, store)
    services += agents_service.build(config, store)
    return services


def build_jobs(config: WardenConfig, store: Store) -> list[Job]:
    """Scheduled jobs from the config (backups, drills, audits, capacity forecasts, daily
    reports, infrastructure-code scans)."""
    jobs: list[Job] = []
    jobs += audit_jobs.build_jobs(config.audits, store)
    jobs += backup_jobs.build_jobs(config.backups, store)
    jobs += capacity_jobs.build_jobs(config.capacity, store)
    jobs += cost_jobs.build_jobs(config.cost, store, config.store.url.get_secret_value())
    jobs += report_delivery.build_jobs(config, store)
    jobs += scan_jobs.build_jobs(config, store)
    return jobs

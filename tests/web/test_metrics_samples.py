"""Host, service and backup samples on /metrics: the newest value of each series with its
labels and time, as ``warden_<series>`` (counters for ``*_total``); old series drop out."""

from __future__ import annotations

import asyncio
import shutil
from asyncio.subprocess import PIPE, STDOUT

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.web.conftest import Site
from warden.results import Sample
from warden.tables import open_store
from warden.web.metrics import SampleCollector
from warden.web.users import Role


async def metrics_text(site: Site) -> str:
    async with site.client(Role.VIEWER) as c:
        r = await c.get("/metrics")
    assert r.status_code == 200
    return r.text


def write_samples(site: Site) -> float:
    now = site.clock.time()
    site.store.write(
        samples=[
            Sample("host_cpu_percent", {"collector": "host", "cpu": "total"}, 12.0, now - 30),
            Sample("host_cpu_percent", {"collector": "host", "cpu": "total"}, 35.5, now - 15),
            Sample("host_cpu_percent", {"collector": "host", "cpu": "0"}, 50.0, now - 15),
            Sample("host_cpu_percent", {"collector": "b", "cpu": "total", "host": "b"}, 5, now - 9),
            Sample("host_disk_reads_total", {"collector": "host", "disk": "sda"}, 1234, now - 15),
            Sample("rabbitmq_queue_messages", {"queue": "orders", "vhost/name": "/"}, 7, now - 5),
            Sample("backup_age_seconds", {"backup": "db"}, 7200, now - 20),
            Sample("warden_collector_up", {"collector": "host"}, 1, now - 15),
            Sample("monitor_up", {"collector": "x"}, 1, now - 15),  # would clash: left out
            Sample("redis_keys", {"collector": "cache"}, 99, now - 3600),  # too old
        ]
    )
    return now


async def test_samples_are_exported_with_labels_types_and_times(site: Site) -> None:
    now = write_samples(site)
    families = {f.name: f for f in text_string_to_metric_families(await metrics_text(site))}
    cpu = families["warden_host_cpu_percent"]
    assert cpu.type == "gauge"
    got = {tuple(sorted(s.labels.items())): (s.value, s.timestamp) for s in cpu.samples}
    assert got == {  # the newest of each series, label sets may differ within a family
        (("collector", "host"), ("cpu", "total")): (35.5, now - 15),
        (("collector", "host"), ("cpu", "0")): (50.0, now - 15),
        (("collector", "b"), ("cpu", "total"), ("host", "b")): (5.0, now - 9),
    }
    reads = families["warden_host_disk_reads"]
    assert reads.type == "counter"
    assert [(s.name, s.labels, s.value) for s in reads.samples] == [
        ("warden_host_disk_reads_total", {"collector": "host", "disk": "sda"}, 1234.0)
    ]
    [queue] = families["warden_rabbitmq_queue_messages"].samples
    assert queue.labels == {"queue": "orders", "vhost_name": "/"}  # a valid label name
    assert families["warden_backup_age_seconds"].samples[0].value == 7200.0
    assert families["warden_collector_up"].samples[0].labels == {"collector": "host"}
    assert "warden_redis_keys" not in families
    assert all("collector" not in s.labels for s in families["warden_monitor_up"].samples)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="Debian package prometheus")
async def test_promtool_accepts_the_samples(site: Site) -> None:
    write_samples(site)
    text = await metrics_text(site)
    proc = await asyncio.create_subprocess_exec(
        "promtool", "check", "metrics", stdin=PIPE, stdout=PIPE, stderr=STDOUT
    )
    out, _ = await proc.communicate(text.encode())
    assert proc.returncode == 0, out.decode()


@pytest.mark.integration
def test_newest_samples_on_postgresql(pg_database: str) -> None:
    store = open_store(pg_database)
    try:
        store.write(
            samples=[
                Sample("redis_keys", {"collector": "cache"}, 1, 1000.0),
                Sample("redis_keys", {"collector": "cache"}, 2, 1010.0),
                Sample("redis_keys", {"collector": "other"}, 5, 1005.0),
                Sample("redis_keys", {"collector": "gone"}, 9, 500.0),
            ]
        )
        got = SampleCollector(store.engine, lambda: 300.0, lambda: 1020.0).latest()
    finally:
        store.close()
    assert got == [
        ("redis_keys", {"collector": "cache"}, 2.0, 1010.0),
        ("redis_keys", {"collector": "other"}, 5.0, 1005.0),
    ]

"""Collector and job samples on /metrics: the newest value per series, with its labels;
series that stopped drop out; names Warden's own gauges use are not taken over."""

from __future__ import annotations

from tests.web.conftest import Site
from warden.results import Sample
from warden.web.users import Role


async def test_metrics_carry_the_latest_samples_with_their_labels(site: Site) -> None:
    now = site.clock.time()
    site.store.write(
        (),
        [
            Sample("host_cpu_percent", {"collector": "host", "cpu": "total"}, 10.0, now - 30),
            Sample("host_cpu_percent", {"collector": "host", "cpu": "total"}, 12.5, now - 15),
            Sample("host_cpu_percent", {"collector": "host", "cpu": "0"}, 3.0, now - 15),
            Sample("redis_memory_used_percent", {"collector": "cache", "db-name": "x"}, 40.0, now),
            Sample("postgres_connections_percent", {"collector": "pg"}, 90.0, now - 3600),
            Sample("warden_monitor_up", {"monitor": "fake"}, 1.0, now),
        ],
    )
    async with site.client(Role.VIEWER) as c:
        text = (await c.get("/metrics")).text
    assert "# TYPE host_cpu_percent gauge" in text
    assert 'host_cpu_percent{collector="host",cpu="total"} 12.5' in text
    assert 'host_cpu_percent{collector="host",cpu="0"} 3.0' in text
    assert 'redis_memory_used_percent{collector="cache",db_name="x"} 40.0' in text
    assert "postgres_connections_percent" not in text  # an hour old: the series stopped
    assert 'monitor="fake"' not in text

"""Host collector: the pure arithmetic table-driven, then real psutil readings of this machine."""

from __future__ import annotations

import asyncio
import os
from collections import namedtuple
from typing import Any

import psutil
import pytest

from warden.collectors import host
from warden.collectors.host import (
    HostCollector,
    HostCollectorConfig,
    HostReading,
    Mount,
    cpu_percent,
    host_points,
    select_partitions,
)
from warden.engine.clock import FakeClock
from warden.errors import CollectorError

from ._helpers import find, names, value

Times = namedtuple("Times", "user nice system idle iowait irq softirq steal guest guest_nice")
Part = namedtuple("Part", "device mountpoint fstype opts")
Mem = namedtuple("Mem", "total available percent used free")
Swap = namedtuple("Swap", "total used free percent sin sout")
Nic = namedtuple(
    "Nic", "bytes_sent bytes_recv packets_sent packets_recv errin errout dropin dropout"
)


def times(user: float, idle: float, iowait: float = 0.0, guest: float = 0.0) -> Times:
    return Times(user, 0.0, 0.0, idle, iowait, 0.0, 0.0, 0.0, guest, 0.0)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (times(10, 90), times(20, 180), 10 / (10 + 90) * 100),
        (times(0, 100), times(0, 200), 0.0),
        (times(0, 100), times(50, 100), 100.0),
        # iowait is idle time, not busy time
        (times(0, 0, iowait=0), times(10, 40, iowait=50), 10.0),
        # guest time is already inside user: counted once
        (times(0, 0), times(20, 20, guest=10), 50.0),
        (times(5, 5), times(5, 5), None),  # no time passed
    ],
)
def test_cpu_percent(before: Times, after: Times, expected: float | None) -> None:
    assert cpu_percent(before, after) == pytest.approx(expected)


PARTS = [
    Part("/dev/vda", "/", "ext4", "rw"),
    Part("proc", "/proc", "proc", "rw"),
    Part("tmpfs", "/dev/shm", "tmpfs", "rw"),
    Part("/dev/vdb", "/data", "xfs", "rw"),
    Part("/dev/vdb", "/data", "xfs", "rw"),  # mounted twice: reported once
    Part("overlay", "/var/lib/docker/overlay2/abc/merged", "overlay", "rw"),
    Part("/dev/loop3", "/snap/core/1", "squashfs", "ro"),
]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, ["/", "/data"]),
        ({"mounts": ["/data"]}, ["/data"]),
        ({"mounts": ["/dev/shm", "/"]}, ["/", "/dev/shm"]),  # listed: kept whatever its type
        ({"exclude_fstypes": ["xfs"]}, ["/", "/proc", "/dev/shm"]),
        ({"exclude_mounts": ["/data*"]}, ["/", "/var/lib/docker/overlay2/abc/merged"]),
    ],
)
def test_select_partitions(settings: dict[str, Any], expected: list[str]) -> None:
    config = HostCollectorConfig.model_validate(settings)
    assert [p.mountpoint for p in select_partitions(PARTS, config)] == expected


def reading(cpu: Times, swap_total: float = 0.0, **kw: Any) -> HostReading:
    return HostReading(
        cpu_times=cpu,
        cpu_count=2,
        memory=Mem(1000, 250, 75.0, 700, 50),
        swap=Swap(swap_total, swap_total / 4, swap_total * 3 / 4, 25.0, 0, 0),
        **kw,
    )


def test_points_of_a_synthetic_reading() -> None:
    disk = Mount(
        "/", "/dev/vda", "ext4", total=100, used=45, free=50, inodes_total=10, inodes_free=9
    )
    nic = Nic(10, 20, 1, 2, 0, 3, 0, 4)
    first = reading(
        times(0, 0), mounts=[disk], network={"eth0": nic}, load=(0.5, 0.25, 0.125), processes=42
    )
    points = host_points(first, None)
    got = {(p.name, tuple(sorted(p.labels.items()))): p.value for p in points}
    lbl = (("device", "/dev/vda"), ("fstype", "ext4"), ("mount", "/"))
    assert got[("host_memory_used_percent", ())] == 75.0
    assert got[("host_disk_used_percent", lbl)] == pytest.approx(45 / 95 * 100)  # as df shows
    assert got[("host_disk_inodes_used_percent", lbl)] == pytest.approx(10.0)
    assert got[("host_load15", ())] == 0.125
    assert got[("host_processes", ())] == 42
    eth0 = (("interface", "eth0"),)
    assert got[("host_network_received_bytes_total", eth0)] == 20
    assert got[("host_network_transmit_errors_total", eth0)] == 3
    assert got[("host_network_transmit_drops_total", eth0)] == 4
    assert ("host_swap_used_percent", ()) not in got  # no swap configured
    assert not any(name == "host_cpu_percent" for name, _ in got)  # first reading only primes
    second = host_points(reading(times(30, 70), swap_total=400), first)
    assert {(p.name, p.value) for p in second} >= {
        ("host_cpu_percent", 30.0),
        ("host_swap_used_percent", 25.0),
    }


async def test_first_collect_primes_second_has_cpu_and_rates(clock: FakeClock) -> None:
    collector = HostCollector("host", HostCollectorConfig(per_cpu=True), clock)
    first = await collector.collect()
    assert "host_cpu_percent" not in names(first)
    assert not any(s.name.endswith("_per_second") for s in first)
    await asyncio.sleep(0.1)  # CPU times tick every 10 ms: let some pass (not a timing check)
    clock.advance(15)
    second = await collector.collect()
    cpus = find(second, "host_cpu_percent")
    assert {s.labels["cpu"] for s in cpus} == {"total", *map(str, range(psutil.cpu_count()))}
    assert all(0 <= s.value <= 100 for s in cpus)
    assert any(s.name.endswith("_per_second") for s in second)
    assert all(s.value >= 0 for s in second if s.name.endswith("_per_second"))
    assert all(s.time == clock.time() for s in second)
    assert all(s.labels["collector"] == "host" for s in second)


async def test_memory_disk_load_and_processes_are_sane(clock: FakeClock) -> None:
    samples = await HostCollector("h", HostCollectorConfig(mounts=["/"]), clock).collect()
    total = value(samples, "host_memory_total_bytes")
    assert total == psutil.virtual_memory().total
    assert 0 < value(samples, "host_memory_available_bytes") <= total
    assert 0 < value(samples, "host_memory_used_bytes") <= total
    assert 0 <= value(samples, "host_memory_used_percent") <= 100
    assert value(samples, "host_swap_total_bytes") >= value(samples, "host_swap_used_bytes")
    assert {s.labels["mount"] for s in find(samples, "host_disk_total_bytes")} == {"/"}
    vfs = os.statvfs("/")
    assert value(samples, "host_disk_total_bytes", mount="/") == vfs.f_blocks * vfs.f_frsize
    assert 0 <= value(samples, "host_disk_used_percent", mount="/") <= 100
    assert 0 <= value(samples, "host_disk_inodes_used_percent", mount="/") <= 100
    assert value(samples, "host_load1") == pytest.approx(os.getloadavg()[0], abs=5)
    assert value(samples, "host_processes") >= 1
    assert value(samples, "host_cpu_count") == psutil.cpu_count()


async def test_pseudo_filesystems_are_skipped_by_default(clock: FakeClock) -> None:
    samples = await HostCollector("h", HostCollectorConfig(), clock).collect()
    fstypes = {s.labels["fstype"] for s in find(samples, "host_disk_total_bytes")}
    assert fstypes
    assert not fstypes & {"proc", "sysfs", "tmpfs", "devtmpfs", "cgroup", "cgroup2", "devpts"}


async def _send_over_loopback(nbytes: int) -> None:
    """Send ``nbytes`` to a server on 127.0.0.1 and wait until it has read them all."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def receive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        done.set_result(len(await reader.read()))
        writer.close()

    server = await asyncio.start_server(receive, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"x" * nbytes)
        writer.write_eof()
        await writer.drain()
        assert await asyncio.wait_for(done, 30) == nbytes
        writer.close()
        await writer.wait_closed()


async def test_loopback_traffic_shows_in_counters_and_rates(clock: FakeClock) -> None:
    nbytes = 4 * 1024 * 1024
    config = HostCollectorConfig(interfaces=["lo"])
    collector = HostCollector("h", config, clock)
    before = await collector.collect()
    assert {s.labels["interface"] for s in find(before, "host_network_sent_bytes_total")} == {"lo"}
    await _send_over_loopback(nbytes)
    clock.advance(2)
    after = await collector.collect()
    received = value(after, "host_network_received_bytes_total", interface="lo")
    delta = received - value(before, "host_network_received_bytes_total", interface="lo")
    assert delta >= nbytes
    rate = value(after, "host_network_received_bytes_per_second", interface="lo")
    assert rate == pytest.approx(delta / 2)


async def test_a_failing_read_raises_collector_error(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(config: HostCollectorConfig) -> HostReading:
        raise PermissionError(13, "Permission denied", "/proc/stat")

    monkeypatch.setattr(host, "read_host", broken)
    with pytest.raises(CollectorError, match=r"host: cannot read the system: PermissionError"):
        await HostCollector("h", HostCollectorConfig(), clock).collect()


def test_synthetic_nic_has_the_fields_of_psutils() -> None:
    counters = next(iter(psutil.net_io_counters(pernic=True).values()))
    assert set(Nic._fields) <= set(counters._fields)

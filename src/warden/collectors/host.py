"""Host collector: CPU, memory, swap, disk usage and I/O, network, load and processes (psutil).

psutil's calls block, so each collect reads the machine in a worker thread and turns the
reading into points on the event loop. CPU percentages and per-second rates compare two
readings: the first collect after start only primes them. Counters (``*_total``) are psutil's
monotonic values since boot; a counter that goes down (a reboot) yields no rate that time.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

import psutil
from pydantic import Field

from warden.collectors._base import Collector, CollectorConfig, register
from warden.collectors._common import CounterRates, Point, percent
from warden.collectors._common import to_samples as _to_samples
from warden.engine.clock import Clock
from warden.errors import CollectorError
from warden.results import Sample, describe_exception

PSEUDO_FSTYPES: tuple[str, ...] = (
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "efivarfs",
    "fusectl",
    "fuse.gvfsd-fuse",
    "fuse.lxcfs",
    "fuse.portal",
    "hugetlbfs",
    "mqueue",
    "nsfs",
    "proc",
    "procfs",
    "pstore",
    "ramfs",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tmpfs",
    "tracefs",
)
"""Filesystems skipped by default: kernel views, memory-backed, and read-only images."""

_DISK_COUNTERS = {
    "read_bytes": ("host_disk_read_bytes_total", 1.0),
    "write_bytes": ("host_disk_written_bytes_total", 1.0),
    "read_count": ("host_disk_reads_total", 1.0),
    "write_count": ("host_disk_writes_total", 1.0),
    "busy_time": ("host_disk_io_time_seconds_total", 0.001),  # psutil gives milliseconds
}
_NET_COUNTERS = {
    "bytes_recv": "host_network_received_bytes_total",
    "bytes_sent": "host_network_sent_bytes_total",
    "packets_recv": "host_network_received_packets_total",
    "packets_sent": "host_network_sent_packets_total",
    "errin": "host_network_receive_errors_total",
    "errout": "host_network_transmit_errors_total",
    "dropin": "host_network_receive_drops_total",
    "dropout": "host_network_transmit_drops_total",
}
_RATE_RULES = {"host_disk_io_time_seconds_total": ("host_disk_busy_percent", 100.0)}


class HostCollectorConfig(CollectorConfig):
    host: str | None = Field(
        None,
        min_length=1,
        description="Value of the `host` label on every sample; default: this machine's name.",
    )
    per_cpu: bool = Field(False, description="Also report each logical CPU's percentage.")
    mounts: list[str] = Field(
        default_factory=list,
        description="Only these mount points (exactly as mounted); empty means every real one.",
    )
    exclude_fstypes: list[str] = Field(
        default_factory=lambda: list(PSEUDO_FSTYPES),
        description="Filesystem types skipped when `mounts` is empty.",
    )
    exclude_mounts: list[str] = Field(
        default_factory=lambda: ["/var/lib/docker/*", "/var/lib/containers/*", "/snap/*"],
        description="Glob patterns of mount points skipped when `mounts` is empty.",
    )
    devices: list[str] = Field(
        default_factory=list, description="Only these block devices for I/O (e.g. sda, nvme0n1)."
    )
    exclude_devices: list[str] = Field(
        default_factory=lambda: ["loop*", "ram*"],
        description="Glob patterns of block devices skipped when `devices` is empty.",
    )
    interfaces: list[str] = Field(
        default_factory=list, description="Only these network interfaces; empty means all."
    )
    exclude_interfaces: list[str] = Field(
        default_factory=lambda: ["lo"],
        description="Glob patterns of interfaces skipped when `interfaces` is empty.",
    )


@dataclass(frozen=True)
class Mount:
    """Usage of one mounted filesystem."""

    mount: str
    device: str
    fstype: str
    total: float
    used: float
    free: float
    inodes_total: float = 0.0
    inodes_free: float = 0.0


@dataclass(frozen=True)
class HostReading:
    """Everything one collect read from psutil (plain data, built in a worker thread)."""

    cpu_times: Any
    per_cpu_times: Sequence[Any] = ()
    cpu_count: int = 0
    memory: Any = None
    swap: Any = None
    mounts: list[Mount] = field(default_factory=list)
    disk_io: dict[str, Any] = field(default_factory=dict)
    mount_of_device: dict[str, str] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)
    load: tuple[float, float, float] | None = None
    processes: int = 0
    boot_time: float = 0.0


def cpu_busy_total(times: Any) -> tuple[float, float]:
    """(busy, total) CPU seconds, as psutil's ``cpu_percent`` counts them.

    Guest time is already inside user/nice on Linux, so it is not counted twice; idle and
    iowait are not busy.
    """
    total = sum(times) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0)
    return total - times.idle - getattr(times, "iowait", 0.0), total


def cpu_percent(before: Any, after: Any) -> float | None:
    """Busy percentage between two ``cpu_times`` readings, or None if no time passed."""
    busy0, total0 = cpu_busy_total(before)
    busy1, total1 = cpu_busy_total(after)
    if total1 - total0 <= 0:
        return None
    return min(max((busy1 - busy0) / (total1 - total0) * 100.0, 0.0), 100.0)


def iowait_percent(before: Any, after: Any) -> float | None:
    if not hasattr(after, "iowait"):
        return None
    total = cpu_busy_total(after)[1] - cpu_busy_total(before)[1]
    if total <= 0:
        return None
    waited = float(after.iowait - before.iowait)
    return min(max(waited / total * 100.0, 0.0), 100.0)


def pick(name: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """In ``include`` (exact names) when given, else matching none of the ``exclude`` globs."""
    if include:
        return name in include
    return not any(fnmatch(name, pattern) for pattern in exclude)


def select_partitions(partitions: Sequence[Any], config: HostCollectorConfig) -> list[Any]:
    """The partitions to report: deduplicated by mount point, pseudo filesystems skipped."""
    chosen, seen = [], set()
    for part in partitions:
        if part.mountpoint in seen:
            continue
        if config.mounts:
            if part.mountpoint not in config.mounts:
                continue
        elif part.fstype in config.exclude_fstypes or not pick(
            part.mountpoint, (), config.exclude_mounts
        ):
            continue
        seen.add(part.mountpoint)
        chosen.append(part)
    return chosen


def read_host(config: HostCollectorConfig) -> HostReading:
    """Read the machine now (blocking)."""
    mounts: list[Mount] = []
    device_mounts: dict[str, str] = {}
    for part in select_partitions(psutil.disk_partitions(all=True), config):
        if not os.path.isdir(part.mountpoint):
            continue  # a bind-mounted file such as /etc/hosts in a container
        try:
            usage = psutil.disk_usage(part.mountpoint)
            vfs = os.statvfs(part.mountpoint)
        except OSError:
            continue  # gone or not readable since it was listed
        mounts.append(
            Mount(
                part.mountpoint,
                part.device,
                part.fstype,
                usage.total,
                usage.used,
                usage.free,
                float(vfs.f_files),
                float(vfs.f_ffree),
            )
        )
        device_mounts.setdefault(os.path.basename(part.device), part.mountpoint)
    disk_io = psutil.disk_io_counters(perdisk=True) or {}
    network = psutil.net_io_counters(pernic=True) or {}
    try:
        load: tuple[float, float, float] | None = psutil.getloadavg()
    except (OSError, AttributeError):
        load = None
    return HostReading(
        cpu_times=psutil.cpu_times(),
        per_cpu_times=psutil.cpu_times(percpu=True) if config.per_cpu else (),
        cpu_count=psutil.cpu_count() or 0,
        memory=psutil.virtual_memory(),
        swap=psutil.swap_memory(),
        mounts=mounts,
        disk_io={
            d: c for d, c in disk_io.items() if pick(d, config.devices, config.exclude_devices)
        },
        mount_of_device=device_mounts,
        network={
            n: c
            for n, c in network.items()
            if pick(n, config.interfaces, config.exclude_interfaces)
        },
        load=load,
        processes=len(psutil.pids()),
        boot_time=psutil.boot_time(),
    )


def host_points(now: HostReading, before: HostReading | None) -> list[Point]:
    """Turn a reading (and the previous one, for CPU percentages) into points; no rates."""
    points: list[Point] = [Point("host_cpu_count", now.cpu_count)]
    if before is not None:
        pairs = [("total", before.cpu_times, now.cpu_times)]
        if len(before.per_cpu_times) == len(now.per_cpu_times):
            pairs += [
                (str(i), b, a)
                for i, (b, a) in enumerate(
                    zip(before.per_cpu_times, now.per_cpu_times, strict=True)
                )
            ]
        for cpu, b, a in pairs:
            busy = cpu_percent(b, a)
            if busy is not None:
                points.append(Point("host_cpu_percent", busy, {"cpu": cpu}))
        wait = iowait_percent(before.cpu_times, now.cpu_times)
        if wait is not None:
            points.append(Point("host_cpu_iowait_percent", wait))
    mem, swap = now.memory, now.swap
    points += [
        Point("host_memory_total_bytes", mem.total),
        Point("host_memory_available_bytes", mem.available),
        Point("host_memory_used_bytes", mem.used),
        Point("host_memory_used_percent", mem.percent),
        Point("host_swap_total_bytes", swap.total),
        Point("host_swap_used_bytes", swap.used),
        Point("host_swap_in_bytes_total", swap.sin),
        Point("host_swap_out_bytes_total", swap.sout),
    ]
    if swap.total > 0:
        points.append(Point("host_swap_used_percent", swap.percent))
    for m in now.mounts:
        lbl = {"mount": m.mount, "device": m.device, "fstype": m.fstype}
        points += [
            Point("host_disk_total_bytes", m.total, lbl),
            Point("host_disk_used_bytes", m.used, lbl),
            Point("host_disk_free_bytes", m.free, lbl),
        ]
        # As df shows it: space reserved for root counts as neither used nor available.
        used = percent(m.used, m.used + m.free)
        if used is not None:
            points.append(Point("host_disk_used_percent", used, lbl))
        inodes = percent(m.inodes_total - m.inodes_free, m.inodes_total)
        if inodes is not None:
            points.append(Point("host_disk_inodes_used_percent", inodes, lbl))
    for device, counters in sorted(now.disk_io.items()):
        lbl = {"device": device}
        if device in now.mount_of_device:
            lbl["mount"] = now.mount_of_device[device]
        for attr, (name, factor) in _DISK_COUNTERS.items():
            if hasattr(counters, attr):
                points.append(Point(name, getattr(counters, attr) * factor, lbl))
    for interface, counters in sorted(now.network.items()):
        lbl = {"interface": interface}
        points += [Point(name, getattr(counters, a), lbl) for a, name in _NET_COUNTERS.items()]
    if now.load is not None:
        points += [
            Point("host_load1", now.load[0]),
            Point("host_load5", now.load[1]),
            Point("host_load15", now.load[2]),
        ]
    points.append(Point("host_processes", now.processes))
    points.append(Point("host_boot_time_seconds", now.boot_time))
    return points


@register
class HostCollector(Collector[HostCollectorConfig]):
    """Samples the machine Warden runs on."""

    type = "host"
    config_model = HostCollectorConfig

    def __init__(self, name: str, config: HostCollectorConfig, clock: Clock) -> None:
        super().__init__(name, config, clock)
        self._last: HostReading | None = None
        self._rates = CounterRates(_RATE_RULES)
        self._hostname = socket.gethostname()

    async def collect(self) -> list[Sample]:
        now = self.clock.time()
        try:
            reading = await asyncio.to_thread(read_host, self.config)
        except (OSError, RuntimeError, psutil.Error) as exc:
            raise CollectorError(
                f"host: cannot read the system: {describe_exception(exc)}"
            ) from exc
        points = host_points(reading, self._last)
        points += self._rates.observe(points, self.clock.monotonic())
        self._last = reading
        host = {"host": self.config.host or self._hostname}
        return _to_samples(self, [p._replace(labels={**host, **p.labels}) for p in points], now)

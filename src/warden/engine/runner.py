"""Running one check safely: the monitor's timeout as a hard cap, and bugs turned into data.

Used by the scheduler and by ``warden check``. A probe that overruns its own timeout is
cancelled and reported as a timeout; an unexpected exception in a probe (a Warden bug) is
logged and reported as an ``error`` result instead of killing the loop.
"""

from __future__ import annotations

import asyncio
import logging

from warden.probes import Probe, ProbeConfig
from warden.results import CheckResult, ErrorClass, Status, describe_exception

log = logging.getLogger("warden.engine")
GRACE = 0.5  # seconds a probe gets past its timeout to report what it measured


async def run_check(probe: Probe[ProbeConfig], wall_time: float) -> CheckResult:
    """Run ``probe.check()`` under its timeout; never raises (except cancellation)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(probe.timeout + GRACE):
            return await probe.check()
    except TimeoutError:
        return CheckResult(
            monitor=probe.monitor,
            status=Status.DOWN,
            latency=loop.time() - start,
            time=wall_time,
            message=f"no answer within {probe.timeout:g}s",
            error=ErrorClass.TIMEOUT,
        )
    except Exception as exc:
        log.exception("probe %s (%s) failed unexpectedly", probe.monitor, probe.type)
        return CheckResult(
            monitor=probe.monitor,
            status=Status.DOWN,
            latency=loop.time() - start,
            time=wall_time,
            message=f"probe error: {describe_exception(exc)}",
            error=ErrorClass.ERROR,
        )

"""What the parent hands each worker process, and what the workers send back.

Everything here is a small frozen dataclass that pickles cheaply: a ``WorkerPlan`` goes to a
worker once; a ``WorkerSecond`` comes back every second with the encoded latency histogram and
counters of each request name; a ``WorkerFinal`` closes the worker's report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from warden.loadtest.stages import Profile
from warden.loadtest.templates import RequestTemplate
from warden.loadtest.variables import VariableData

OPEN = "open"
CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Target:
    """Where the requests go: one origin."""

    scheme: str
    host: str
    port: int
    tls_verify: bool = True

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    """One worker's share of a run. ``profile`` holds the whole run's levels; the worker takes
    ``1/workers`` of a rate, or its round-robin share of the virtual users."""

    index: int
    workers: int
    model: str
    target: Target
    templates: tuple[RequestTemplate, ...]
    order: tuple[int, ...]
    variables: VariableData | None
    profile: Profile
    max_requests: int
    timeout: float
    max_connections: int
    think_min: float = 0.0
    think_max: float = 0.0
    late_after: float = 0.01
    seed: int = 0


@dataclass(frozen=True, slots=True)
class NameSecond:
    """One request name's results in one second of one worker."""

    histogram: bytes | None
    ok: int
    errors: dict[str, int]
    bytes_in: int

    @property
    def requests(self) -> int:
        return self.ok + sum(self.errors.values())


@dataclass(frozen=True, slots=True)
class StagePart:
    """Results of one second whose requests were scheduled in another stage than ``stage``."""

    stage: int
    names: tuple[NameSecond | None, ...]


@dataclass(frozen=True, slots=True)
class WorkerSecond:
    """Second ``second`` (from the common start) as one worker saw it.

    Results are grouped by the stage their request was scheduled in: ``names`` holds those of
    stage ``stage``, ``other_stages`` those of any other stage (a response that arrives after
    the boundary still counts for the stage that scheduled it).
    ``span`` is the part of the second the worker was running (1.0 except in the last one);
    ``intended`` the requests the schedule wanted started, ``sent`` those written, ``late``
    those started more than ``late_after`` behind their intended time, ``dropped`` those never
    started because no connection was free within the timeout. Gauges are read at the end.
    """

    second: int
    span: float
    names: tuple[NameSecond | None, ...]
    intended: int = 0
    sent: int = 0
    late: int = 0
    dropped: int = 0
    connections: int = 0
    in_flight: int = 0
    backlog: int = 0
    vus: int = 0
    stage: int = 0
    other_stages: tuple[StagePart, ...] = ()

    def parts(self) -> list[tuple[int, tuple[NameSecond | None, ...]]]:
        """Every (stage, names) group of this second."""
        return [(self.stage, self.names), *((p.stage, p.names) for p in self.other_stages)]


@dataclass(frozen=True, slots=True)
class WorkerFinal:
    index: int
    cpu_seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)

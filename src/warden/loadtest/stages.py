"""Load profiles: stages that ramp a target (rate or virtual users) over time, and the presets.

A ``Stage`` goes linearly from ``start`` to ``end`` over ``duration`` seconds; a held level has
``start == end``. A ``Profile`` is the stages in order. For the open model the target is a rate
in requests per second, and ``Profile.requests_until``/``RateSchedule`` turn it into the exact
intended send time of every request; for the closed model it is a number of virtual users.

The five presets (``baseline``, ``stress``, ``spike``, ``soak``, ``breakpoint``) are functions
of a *normal* level and a duration that return ordinary stages, which a user can write by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PRESETS: tuple[str, ...] = ("baseline", "stress", "spike", "soak", "breakpoint")

DEFAULT_DURATIONS: dict[str, float] = {
    "baseline": 60.0,
    "stress": 300.0,
    "spike": 120.0,
    "soak": 3600.0,
    "breakpoint": 600.0,
}
"""Duration of each preset when none is given."""

DEFAULT_PEAKS: dict[str, float] = {"stress": 4.0, "spike": 5.0, "breakpoint": 10.0}
"""Highest level of a preset as a multiple of the normal level, when none is given."""


@dataclass(frozen=True, slots=True)
class Stage:
    """A linear ramp of the target from ``start`` to ``end`` over ``duration`` seconds."""

    duration: float
    start: float
    end: float
    label: str = ""

    def at(self, t: float) -> float:
        """Target ``t`` seconds into this stage."""
        if self.duration <= 0:
            return self.end
        return self.start + (self.end - self.start) * min(max(t / self.duration, 0.0), 1.0)

    def area(self, t: float) -> float:
        """Integral of the target from the start of the stage to ``t`` (requests, for a rate)."""
        t = min(max(t, 0.0), self.duration)
        return t * (self.start + self.at(t)) / 2.0


@dataclass(frozen=True, slots=True)
class Profile:
    """Stages run one after the other."""

    stages: tuple[Stage, ...]

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.stages)

    @property
    def peak(self) -> float:
        return max((max(s.start, s.end) for s in self.stages), default=0.0)

    def boundaries(self) -> list[float]:
        """Start time of every stage, then the end of the last one."""
        out, t = [0.0], 0.0
        for s in self.stages:
            t += s.duration
            out.append(t)
        return out

    def stage_index(self, t: float) -> int:
        """Index of the stage running at ``t`` (the last one past the end)."""
        elapsed = 0.0
        for i, s in enumerate(self.stages):
            elapsed += s.duration
            if t < elapsed:
                return i
        return max(len(self.stages) - 1, 0)

    def target_at(self, t: float) -> float:
        elapsed = 0.0
        for s in self.stages:
            if t < elapsed + s.duration:
                return s.at(t - elapsed)
            elapsed += s.duration
        return self.stages[-1].end if self.stages else 0.0

    def requests_until(self, t: float) -> float:
        """Integral of the target from 0 to ``t``: the requests a rate profile intends by then."""
        total, elapsed = 0.0, 0.0
        for s in self.stages:
            if t <= elapsed:
                break
            total += s.area(t - elapsed)
            elapsed += s.duration
        return total

    def scaled(self, factor: float) -> Profile:
        """The same shape with every level multiplied by ``factor`` (a worker's share)."""
        return Profile(
            tuple(Stage(s.duration, s.start * factor, s.end * factor, s.label) for s in self.stages)
        )


class RateSchedule:
    """Intended send times of an open-model run: request ``k`` is due when the integral of the
    rate reaches ``k + offset``. Times come out in increasing order; ``next_time`` walks the
    stages with a cursor, so each call costs O(1) amortised."""

    def __init__(self, profile: Profile, offset: float = 0.5) -> None:
        if not 0 < offset <= 1:
            raise ValueError("offset must be in (0, 1]")
        self._stages = [s for s in profile.stages if s.duration > 0]
        self._index = 0
        self._stage_start = 0.0
        self._before = 0.0  # requests intended before the current stage
        self._next = offset  # the cumulative count at which the next request is due

    def next_time(self) -> float | None:
        """Seconds from the start at which the next request is due; None once the profile ends."""
        while self._index < len(self._stages):
            stage = self._stages[self._index]
            need = self._next - self._before
            if need <= stage.area(stage.duration):
                t = _solve_ramp(stage, need)
                if t is not None:
                    self._next += 1.0
                    return self._stage_start + t
            self._before += stage.area(stage.duration)
            self._stage_start += stage.duration
            self._index += 1
        return None


def _solve_ramp(stage: Stage, need: float) -> float | None:
    """Time into ``stage`` at which its area reaches ``need`` (``a t^2/2 + r0 t = need``)."""
    r0 = stage.start
    slope = (stage.end - stage.start) / stage.duration
    if abs(slope) < 1e-12:
        return need / r0 if r0 > 0 else None
    disc = r0 * r0 + 2.0 * slope * need
    if disc < 0:
        return None
    t = (-r0 + math.sqrt(disc)) / slope
    return min(max(t, 0.0), stage.duration)


def preset(
    name: str, normal: float, duration: float | None = None, peak: float | None = None
) -> Profile:
    """The stages of preset ``name`` around the ``normal`` level (rate or virtual users).

    ``peak`` is the highest level as a multiple of ``normal`` (stress, spike, breakpoint).
    Raises ValueError for an unknown name or a non-positive level or duration.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r} (one of {', '.join(PRESETS)})")
    if normal <= 0:
        raise ValueError("the normal level must be positive")
    d = DEFAULT_DURATIONS[name] if duration is None else duration
    if d <= 0:
        raise ValueError("the duration must be positive")
    p = DEFAULT_PEAKS.get(name, 1.0) if peak is None else peak
    if p < 1:
        raise ValueError("the peak must be at least 1 (a multiple of the normal level)")
    n = normal
    if name == "baseline":
        warm = min(0.1 * d, 30.0)
        return Profile((Stage(warm, 0.0, n, "warm-up"), Stage(d - warm, n, n, "normal")))
    if name == "soak":
        warm = min(0.05 * d, 300.0)
        return Profile((Stage(warm, 0.0, n, "warm-up"), Stage(d - warm, n, n, "soak")))
    if name == "stress":
        warm = 0.1 * d
        levels = _steps(1.0, p, 5)
        each = (d - warm) / len(levels)
        stages = [Stage(warm, 0.0, n, "warm-up")]
        stages += [Stage(each, n * f, n * f, f"{f:g}x") for f in levels]
        return Profile(tuple(stages))
    if name == "spike":
        return Profile(
            (
                Stage(0.3 * d, n, n, "before"),
                Stage(0.2 * d, n * p, n * p, f"spike {p:g}x"),
                Stage(0.5 * d, n, n, "recovery"),
            )
        )
    return Profile((Stage(d, 0.0, n * p, f"ramp to {p:g}x"),))


def _steps(low: float, high: float, count: int) -> list[float]:
    """``count`` levels from ``low`` to ``high`` inclusive, rounded to 0.01."""
    if count == 1 or high == low:
        return [high]
    step = (high - low) / (count - 1)
    return [round(low + i * step, 2) for i in range(count)]


def from_levels(levels: Sequence[tuple[float, float, bool, str]], start: float = 0.0) -> Profile:
    """Stages written by hand: ``(duration, target, ramp, label)``; a ramp starts where the
    previous stage ended (``start`` for the first), a non-ramp holds ``target``."""
    stages, previous = [], start
    for duration, target, ramp, label in levels:
        stages.append(Stage(duration, previous if ramp else target, target, label))
        previous = target
    return Profile(tuple(stages))

"""Lookups into a list of samples, for assertions."""

from __future__ import annotations

from warden.results import Sample


def find(samples: list[Sample], name: str, **labels: str) -> list[Sample]:
    """Samples called ``name`` whose labels include ``labels``."""
    return [
        s
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The value of the one sample called ``name`` with ``labels`` (fails if not exactly one)."""
    found = find(samples, name, **labels)
    assert len(found) == 1, f"{name}{labels}: {len(found)} samples, want 1"
    return found[0].value


def names(samples: list[Sample]) -> set[str]:
    return {s.name for s in samples}

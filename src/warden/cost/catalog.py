"""The instance catalog: vCPUs, memory and the on-demand hourly price (USD) of the common AWS,
Google Cloud and Azure families in a few regions, shipped as ``catalog.csv`` beside this
module (its header says where the prices come from and when); ``cost: catalog: FILE`` adds
rows of your own that win over the shipped ones."""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from warden.cost.errors import CostInputError

_PROVIDERS = {
    "aws": "aws",
    "amazon web services": "aws",
    "amazon": "aws",
    "gcp": "gcp",
    "google cloud": "gcp",
    "google": "gcp",
    "google cloud platform": "gcp",
    "azure": "azure",
    "microsoft": "azure",
    "microsoft azure": "azure",
}
_TOKEN = re.compile(r"[A-Za-z0-9_.\-]+")


def provider_key(name: str | None) -> str:
    """``aws``, ``gcp`` or ``azure`` for the names FOCUS exports use; else the name lowered."""
    low = (name or "").strip().lower()
    return _PROVIDERS.get(low, low)


@dataclass(frozen=True, slots=True)
class Instance:
    provider: str
    region: str
    type: str
    family: str
    vcpu: float
    memory_gib: float
    arch: str
    usd_per_hour: float


class Catalog:
    def __init__(self, rows: list[Instance]) -> None:
        self.rows = rows
        self._at = {(r.provider, r.region, r.type.lower()): r for r in rows}
        self._any: dict[tuple[str, str], Instance] = {}
        for r in rows:
            self._any.setdefault((r.provider, r.type.lower()), r)
        self._names = {r.type.lower(): r.type for r in rows}
        self._found: dict[str, str | None] = {}

    def get(self, provider: str, region: str | None, itype: str) -> Instance | None:
        """The row for ``itype`` in ``region``; else the type's row in any region (its price
        then only approximates this region's)."""
        key = itype.lower()
        got = self._at.get((provider, region or "", key))
        return got if got is not None else self._any.get((provider, key))

    def type_in(self, *texts: str | None) -> str | None:
        """The first catalog instance type named in the texts (a SKU, a price-details JSON,
        a charge description)."""
        for text in texts:
            if not text:
                continue
            if text not in self._found:  # many resources share their SKU and description
                self._found[text] = next(
                    (self._names[t] for token in _TOKEN.findall(text)
                     if (t := token.lower().strip(".-")) in self._names), None)  # fmt: skip
            if (got := self._found[text]) is not None:
                return got
        return None

    def choices(self, provider: str, region: str | None, arch: str | None) -> list[Instance]:
        """The instances a right-sized one is chosen from: same provider and region (else
        the provider's first region listed), same architecture when given; cheapest first."""
        rows = [r for r in self.rows if r.provider == provider and r.region == region]
        if not rows:
            first = next((r.region for r in self.rows if r.provider == provider), None)
            rows = [r for r in self.rows if r.provider == provider and r.region == first]
        if arch is not None:
            rows = [r for r in rows if r.arch == arch]
        return sorted(rows, key=lambda r: (r.usd_per_hour, r.vcpu, r.memory_gib, r.type))

    def closest(
        self, provider: str, region: str, vcpu: float, memory_gib: float
    ) -> Instance | None:
        """The catalog size a machine of ``vcpu`` and ``memory_gib`` most likely is."""
        rows = self.choices(provider, region, None)
        if not rows:
            return None
        return min(
            rows,
            key=lambda r: (abs(r.vcpu - vcpu) * 4 + abs(r.memory_gib - memory_gib), r.usd_per_hour),
        )


def _parse(text: str, where: str) -> list[Instance]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    out = []
    for n, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=2):
        try:
            out.append(
                Instance(
                    provider_key(row["provider"]),
                    row["region"].strip(),
                    row["instance_type"].strip(),
                    row.get("family") or "",
                    float(row["vcpu"]),
                    float(row["memory_gib"]),
                    (row.get("arch") or "x86_64").strip(),
                    float(row["usd_per_hour"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CostInputError(f"{where}: row {n}: {exc}") from exc
    return out


@functools.cache
def _shipped() -> tuple[Instance, ...]:
    text = resources.files(__package__ or "warden.cost").joinpath("catalog.csv").read_text("utf-8")
    return tuple(_parse(text, "catalog.csv"))


def load(own: Path | None = None) -> Catalog:
    """The shipped catalog, with the rows of ``own`` (same columns) winning."""
    rows = list(_shipped())
    if own is not None:
        try:
            mine = _parse(own.read_text(encoding="utf-8"), str(own))
        except OSError as exc:
            raise CostInputError(f"cost.catalog: cannot read {own}: {exc}") from exc
        keys = {(r.provider, r.region, r.type.lower()) for r in mine}
        rows = mine + [r for r in rows if (r.provider, r.region, r.type.lower()) not in keys]
    return Catalog(rows)

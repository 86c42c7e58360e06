"""The agent settings of warden.yaml: a monitor's ``locations:`` and ``quorum:``, and ``agents:``.

monitors:
  - name: shop
    http: {url: https://shop.example.com/health}
    locations: [eu-west, us-east, ap-south]   # run by the agents of these locations
    quorum: majority                           # any | majority | all | a number
agents:
  silent_after: 30s     # an agent not heard from for this long is silent: its results go
                        # unknown and its monitor agent-<location> goes down
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from warden.config._base import ConfigModel
from warden.config._types import Duration

LOCATION_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,62}$")
QUORUM_WORDS = ("any", "majority", "all")


def _quorum(value: object) -> object:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


Quorum = Annotated[Literal["any", "majority", "all"] | int, BeforeValidator(_quorum)]
"""How many locations must see a monitor down: any (1), majority (more than half of its
locations), all (every location that reports), or a number."""


def check_locations(locations: list[str]) -> list[str]:
    for name in locations:
        if not LOCATION_RE.match(name):
            raise ValueError(
                f"location {name!r}: use lowercase letters, digits, _ . - (at most 63)"
            )
    if len(set(locations)) != len(locations):
        raise ValueError("each location once")
    return locations


def check_quorum(quorum: str | int, locations: list[str]) -> None:
    if isinstance(quorum, int) and locations and not 1 <= quorum <= len(locations):
        raise ValueError(f"quorum {quorum} needs between 1 and {len(locations)} locations")


class AgentsConfig(ConfigModel):
    silent_after: Duration = Field(
        30.0, description="An agent not heard from for this long is silent (results unknown)."
    )

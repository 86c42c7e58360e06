"""The ``rum:`` section of warden.yaml: the sites that may send vitals, and the limits.

rum:
  sites:
    - name: shop
      origins: ["https://shop.example.com"]   # pages of these origins may post; nothing else
      pages: ["/products/:slug"]               # optional route patterns, as `traffic --route`
  rate_limit: 60                               # beacons a minute from one client address
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from warden.config._base import ConfigModel
from warden.config._types import Duration, check_name
from warden.traffic.routes import compile_pattern

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(text: str) -> str:
    """``HTTPS://Shop.Example.com:443/`` -> ``https://shop.example.com`` (as browsers send
    ``Origin``); ValueError when it is not ``scheme://host[:port]``."""
    parts = urlsplit(text.strip())
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{text!r} is not an origin such as https://shop.example.com")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{text!r}: an origin has no path, query or user")
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class RumSite(ConfigModel):
    """A site whose pages include ``/rum.js``; its beacons go to ``/rum/<name>``."""

    name: str = Field(description="Used in the beacon URL and as the `site` label.")
    origins: list[str] = Field(
        min_length=1, description="Origins whose pages may post vitals (CORS), e.g. https://x.io"
    )
    pages: list[str] = Field(
        default_factory=list,
        description="Route patterns naming pages (`/products/:slug`, `/docs/*`); other paths "
        "have ids, UUIDs, hashes and tokens replaced.",
    )
    max_pages: int = Field(
        200, ge=1, le=10_000, description="Distinct pages kept; past it a page counts as (other)."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)

    @field_validator("origins")
    @classmethod
    def _origins(cls, v: list[str]) -> list[str]:
        return [normalize_origin(o) for o in v]

    @field_validator("pages")
    @classmethod
    def _pages(cls, v: list[str]) -> list[str]:
        for pattern in v:
            compile_pattern(pattern)
        return v


class RumConfig(ConfigModel):
    sites: list[RumSite] = Field(default_factory=list)
    rate_limit: int = Field(
        60, ge=1, le=100_000, description="Beacons a minute accepted from one client address."
    )
    flush_interval: Duration = Field(
        10.0, gt=0, description="How often the counted vitals are written to the store."
    )

    @model_validator(mode="after")
    def _unique(self) -> RumConfig:
        seen = set()
        for i, site in enumerate(self.sites):
            if site.name in seen:
                raise ValueError(f"sites[{i}].name: {site.name!r} is used twice")
            seen.add(site.name)
        return self

    def site(self, name: str) -> RumSite | None:
        return next((s for s in self.sites if s.name == name), None)

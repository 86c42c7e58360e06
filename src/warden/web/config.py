"""The ``web:`` and ``status_pages:`` sections of warden.yaml.

web:
  session_ttl: 12h          # how long a browser login lasts
  secure_cookies: true      # default: only when the request came over https
  login_attempts: 5         # failed logins per client and per user name ...
  login_window: 5m          # ... within this window, then 429 until it passes
status_pages:
  - slug: public
    title: Example status
    components:
      - {name: Website, monitors: [web-home, web-login]}
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from warden.config._base import ConfigModel
from warden.config._types import Duration

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9\-]*$")


class WebConfig(ConfigModel):
    """Dashboard and API settings (users live in the store: see ``warden user``)."""

    session_ttl: Duration = Field(12 * 3600.0, description="How long a browser login lasts.")
    secure_cookies: bool | None = Field(
        None, description="Mark cookies Secure (default: when the request came over https)."
    )
    login_attempts: int = Field(
        5, ge=1, le=1000, description="Failed logins allowed per client and per user name."
    )
    login_window: Duration = Field(300.0, description="Window the failed logins are counted in.")
    public_badges: bool = Field(True, description="Serve /badge/... without authentication.")


class StatusComponent(ConfigModel):
    """One line of a status page: a public name over one or more monitors."""

    name: str = Field(min_length=1, max_length=100)
    monitors: list[str] = Field(min_length=1)
    description: str = ""


class StatusPageConfig(ConfigModel):
    """A public status page at ``/status/<slug>`` (and ``/status/<slug>.json``)."""

    slug: str = Field(description="URL name: lowercase letters, digits and dashes.")
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    components: list[StatusComponent] = Field(min_length=1)

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG_RE.match(v):
            raise ValueError("must use only lowercase letters, digits and dashes")
        return v

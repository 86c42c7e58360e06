"""Settings of the ``browser`` probe: the page, its budgets, the steps, the browser, screenshots.

A budget is a limit on one measure of the page (``load``, ``interactive``, ``lcp``, ``cls``,
``tbt``): ``load: 3s`` makes the check DEGRADED past 3 s; ``load: {degraded: 3s, down: 10s}``
also makes it DOWN past 10 s. Steps run in order once the page has loaded: ``click`` a
selector, ``fill`` a field, ``expect`` a text (anywhere, or inside a selector).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from warden.config._base import ConfigModel
from warden.config._types import ByteSize, Duration, Secret, SecretUrl, parse_duration
from warden.probes._base import ProbeConfig

BROWSERS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
"""Where ``executable_path`` is looked for when not given (Debian's and Ubuntu's Chromium)."""

Outcome = Literal["ignore", "degraded", "down"]


def _limits(value: Any, convert: Any) -> Any:
    """``3s`` -> ``{degraded: 3s}``; a mapping is kept (its values converted)."""
    if value is None or isinstance(value, dict | Budget):
        return value
    return {"degraded": convert(value)}


class Budget(ConfigModel):
    """Limits on one measure: past ``degraded`` the check is DEGRADED, past ``down`` DOWN."""

    degraded: float | None = Field(None, ge=0, description="Past this: DEGRADED.")
    down: float | None = Field(None, ge=0, description="Past this: DOWN.")

    @model_validator(mode="after")
    def _order(self) -> Budget:
        if self.degraded is None and self.down is None:
            raise ValueError("give degraded, down or both")
        if self.degraded is not None and self.down is not None and self.down < self.degraded:
            raise ValueError("down must not be below degraded")
        return self

    def verdict(self, value: float) -> Literal["", "degraded", "down"]:
        if self.down is not None and value > self.down:
            return "down"
        if self.degraded is not None and value > self.degraded:
            return "degraded"
        return ""


class Budgets(ConfigModel):
    """Time budgets in seconds (``3s``, ``250ms``), CLS as a score; ``null`` turns one off."""

    load: Budget | None = Field(
        Budget(degraded=3.0), description="The load event (default: degraded past 3 s)."
    )
    interactive: Budget | None = Field(
        Budget(degraded=5.0),
        description="Time to interactive: the last long task's end (default: degraded past 5 s).",
    )
    lcp: Budget | None = Field(None, description="Largest Contentful Paint.")
    tbt: Budget | None = Field(None, description="Total Blocking Time.")
    cls: Budget | None = Field(None, description="Cumulative Layout Shift (a score, e.g. 0.1).")

    @field_validator("load", "interactive", "lcp", "tbt", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: parse_duration(v) if v is not None else None for k, v in value.items()}
        return _limits(value, parse_duration)

    @field_validator("cls", mode="before")
    @classmethod
    def _score(cls, value: Any) -> Any:
        return _limits(value, float)


class FillStep(ConfigModel):
    selector: str = Field(min_length=1, description="The field (a Playwright selector).")
    value: Secret = Field(description="Text typed into it (secret: never shown).")


class ExpectStep(ConfigModel):
    text: str = Field(min_length=1, description="Text that must be visible.")
    selector: str | None = Field(None, description="Only inside this element.")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data


class Step(ConfigModel):
    """One action after the load; exactly one of ``click``, ``fill``, ``expect``."""

    click: str | None = Field(None, description="Click this selector.")
    fill: FillStep | None = None
    expect: ExpectStep | None = None

    @model_validator(mode="after")
    def _one(self) -> Step:
        given = [k for k in ("click", "fill", "expect") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a step is exactly one of click, fill, expect")
        return self

    def describe(self) -> str:
        if self.click is not None:
            return f"click {self.click!r}"
        if self.fill is not None:
            return f"fill {self.fill.selector!r}"
        assert self.expect is not None
        inside = f" in {self.expect.selector!r}" if self.expect.selector else ""
        return f"expect {self.expect.text!r}{inside}"


class Viewport(ConfigModel):
    width: int = Field(1280, ge=200, le=4000)
    height: int = Field(720, ge=200, le=4000)


class Screenshots(ConfigModel):
    """Where a failed check's screenshot goes (a JPEG of the viewport, one file per failure)."""

    dir: Path = Field(
        Path("warden-screenshots"),
        description="Folder (relative: to Warden's working directory); one sub-folder a monitor.",
    )
    keep: int = Field(20, ge=0, le=10_000, description="Newest screenshots kept per monitor.")
    max_bytes: ByteSize = Field(
        512_000, ge=10_000, description="A larger screenshot is retaken at a lower quality."
    )


class BrowserConfig(ProbeConfig):
    url: SecretUrl = Field(description="The page (http:// or https://).")
    budgets: Budgets = Field(default_factory=Budgets)
    steps: list[Step] = Field(default_factory=list, max_length=50)
    js_errors: Outcome = Field("degraded", description="What an uncaught JavaScript error makes.")
    failed_requests: Outcome = Field(
        "degraded", description="What a failed sub-request (network error or 4xx/5xx) makes."
    )
    settle: Duration = Field(
        0.5, description="Quiet time (no long task) after the load before the page is measured."
    )
    step_timeout: Duration = Field(5.0, description="Longest wait of one step.")
    viewport: Viewport = Field(default_factory=Viewport)
    user_agent: str | None = Field(None, description="Default: Chromium's own.")
    verify: bool = Field(True, description="Verify TLS certificates.")
    screenshots: Screenshots = Field(default_factory=Screenshots)
    executable_path: Path | None = Field(
        None,
        description="Chromium to run (default: the first of /usr/bin/chromium, "
        "chromium-browser, google-chrome; else Playwright's own download).",
    )
    contexts: int = Field(
        4, ge=1, le=64, description="Pages open at once in the shared browser, at most."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: SecretUrl) -> SecretUrl:
        if not value.get_secret_value().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    def target(self) -> str:
        return self.url.display()

    def secrets(self) -> list[str]:
        return [s.fill.value.get_secret_value() for s in self.steps if s.fill is not None]

    def browser(self) -> str | None:
        """The Chromium executable to launch, or None for Playwright's own."""
        if self.executable_path is not None:
            return str(self.executable_path)
        return next((p for p in BROWSERS if shutil.which(p)), None)

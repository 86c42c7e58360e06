"""The options of ``warden load`` commands: typer annotations shared by the presets and run, and
the scenario keys they set (or the scenario a bare URL stands for)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import typer

from warden.cli._common import fail

PRESET_HELP = {
    "baseline": "Normal traffic: a short warm-up, then the normal level (default 1m).",
    "stress": "Step up past normal (1x to --peak, default 4x) until thresholds break (5m).",
    "spike": "A sudden surge to --peak (default 5x) and the recovery after it (2m).",
    "soak": "A long steady run at the normal level, watching for drift and leaks (1h).",
    "breakpoint": "Ramp from 0 to --peak (default 10x) and report the last level that met the "
    "thresholds (10m).",
}

Rate = Annotated[
    float | None, typer.Option("--rate", "-r", help="Open model: normal rate in requests/s.")
]
Vus = Annotated[
    int | None, typer.Option("--vus", "-u", help="Closed model: normal number of virtual users.")
]
DurationOpt = Annotated[
    str | None, typer.Option("--duration", "-d", help="Run length: 30s, 5m, 1h.")
]
Peak = Annotated[float | None, typer.Option(help="Preset peak as a multiple of normal.")]
Think = Annotated[str | None, typer.Option("--think", help="Closed model: think time (e.g. 1s).")]
Method = Annotated[str | None, typer.Option("--method", "-X", help="HTTP method.")]
Headers = Annotated[
    list[str] | None, typer.Option("--header", "-H", help="'Name: value', repeatable.")
]
Body = Annotated[str | None, typer.Option("--body", help="Request body.")]
MaxRequests = Annotated[int | None, typer.Option(help="Stop after this many requests.")]
Timeout = Annotated[str | None, typer.Option(help="Per-request timeout (default 10s).")]
Connections = Annotated[int | None, typer.Option(help="Open model: most connections (512).")]
Processes = Annotated[
    int | None,
    typer.Option(help="Worker processes (default: one per core; with --workers: per worker)."),
]
Workers = Annotated[
    str | None,
    typer.Option(
        help="Remote workers (`warden load worker`), host:port,host:port: they generate the load."
    ),
]
TokenFile = Annotated[
    Path | None,
    typer.Option(help="File holding the workers' shared token (else $WARDEN_LOAD_TOKEN)."),
]
Thresholds = Annotated[
    list[str] | None,
    typer.Option("--threshold", "-t", help="e.g. 'p95 < 200ms', repeatable."),
]
AbortOnFail = Annotated[
    bool, typer.Option(help="Stop the run as soon as a threshold fails over the window.")
]
Window = Annotated[str | None, typer.Option(help="Sliding window for thresholds (10s).")]
AllowRemote = Annotated[
    bool, typer.Option(help="Allow a target that is not loopback (only one you may test).")
]
Insecure = Annotated[bool, typer.Option(help="Do not verify the target's TLS certificate.")]
Html = Annotated[Path | None, typer.Option(help="Write an HTML report to this file.")]
Save = Annotated[bool, typer.Option(help="Save the result in the Warden store (config).")]
Monitor = Annotated[bool, typer.Option(help="Sample the target's resources during the run.")]
Databases = Annotated[
    list[str] | None,
    typer.Option("--database", help="Collector of warden.yaml to sample, repeatable."),
]
Name = Annotated[str | None, typer.Option(help="Name of the test in reports.")]


def overrides(**options: Any) -> dict[str, Any]:
    """Scenario keys given on the command line (None means not given)."""
    out: dict[str, Any] = {}
    mapping = {
        "rate": "rate",
        "vus": "vus",
        "duration": "duration",
        "peak": "peak",
        "think": "think_time",
        "max_requests": "max_requests",
        "timeout": "timeout",
        "connections": "connections",
        "processes": "processes",
        "workers": "workers",
        "window": "window",
        "name": "name",
    }
    for option, key in mapping.items():
        if options.get(option) is not None:
            out[key] = options[option]
    if options.get("vus") is not None:
        out["model"] = "closed"
        out.pop("rate", None)
    elif options.get("rate") is not None:
        out["model"] = "open"
    if options.get("allow_remote"):
        out["allow_remote"] = True
    if options.get("insecure"):
        out["tls_verify"] = False
    return out


def url_scenario(
    url: str, method: str | None, headers: list[str], body: str | None
) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fail(f"{url!r} is not an http:// or https:// URL (or a scenario file that exists)")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    header_map: dict[str, str] = {}
    for h in headers:
        key, sep, value = h.partition(":")
        if not sep or not key.strip():
            fail(f"--header {h!r}: write it as 'Name: value'")
        header_map[key.strip()] = value.strip()
    request: dict[str, Any] = {"path": path, "headers": header_map}
    if method:
        request["method"] = method
    if body is not None:
        request["body"] = body
    return {
        "name": url,
        "target": urlunsplit((parts.scheme, parts.netloc, "", "", "")),
        "requests": [request],
    }

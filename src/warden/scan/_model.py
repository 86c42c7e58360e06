"""What a scan reads and what it reports: resources, containers, secrets and certificates
parsed from the tree (the facts, gathered once), the options, and findings with their location.

Every parser turns its format into these few shapes, so a check is written once for
Terraform, plans, Kubernetes, Compose and Dockerfiles alike and does no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warden.audit._base import Severity
from warden.errors import WardenError

PRODUCTION = frozenset({"prod", "production", "prd", "live"})
ENV_KEYS = ("env", "environment", "stage", "Environment", "Env", "Stage", "tier")


class ScanError(WardenError):
    """(warden.scan) a scan could not run: the path is missing, a baseline is malformed."""


class Unknown(str):
    """A value static analysis could not resolve (a reference to another resource, a call
    Warden does not evaluate); checks treat it as "cannot tell", never as a finding."""

    __slots__ = ()


def known(value: Any) -> bool:
    return value is not None and not isinstance(value, Unknown)


def truthy(value: Any) -> bool | None:
    """True/False for booleans and their spellings, None when unknown or unset."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Unknown) or value is None:
        return None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0", ""):
            return False
        return None
    if isinstance(value, int | float):
        return bool(value)
    return None


def blocks(value: Any) -> list[Mapping[str, Any]]:
    """A nested block (or a list of them, or a map) as a list of mappings."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, Mapping)]
    return []


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@dataclass(frozen=True, slots=True)
class Resource:
    """One declared thing: a Terraform resource (or plan value), a Kubernetes object, a
    Compose service. ``attrs`` are resolved as far as static analysis goes; ``lines`` maps a
    dotted attribute path to its line; ``context`` names the root module or overlay."""

    source: str
    type: str
    name: str
    file: str
    line: int
    attrs: Mapping[str, Any]
    lines: Mapping[str, int] = field(default_factory=dict)
    context: str = ""

    def get(self, *path: str | int, default: Any = None) -> Any:
        value: Any = self.attrs
        for key in path:
            if isinstance(key, int):
                items = blocks(value) if not isinstance(value, list) else value
                value = items[key] if -len(items) <= key < len(items) else None
            elif isinstance(value, list):  # a block given once: look into its first instance
                value = value[0].get(key) if value and isinstance(value[0], Mapping) else None
            elif isinstance(value, Mapping):
                value = value.get(key)
            else:
                value = None
            if value is None:
                return default
        return value

    def line_of(self, *paths: str) -> int:
        """The line of the first of ``paths`` that is written, else the resource's own."""
        for p in paths:
            if p in self.lines:
                return self.lines[p]
        return self.line

    @property
    def tags(self) -> Mapping[str, Any]:
        for key in ("tags_all", "tags", "labels"):
            value = self.attrs.get(key)
            if isinstance(value, Mapping):
                return value
        meta = self.attrs.get("metadata")
        if isinstance(meta, Mapping) and isinstance(meta.get("labels"), Mapping):
            labels: Mapping[str, Any] = meta["labels"]
            return labels
        return {}

    @property
    def env(self) -> str | None:
        """The environment the resource belongs to, from its tags/labels, else its context."""
        for key in ENV_KEYS:
            value = self.tags.get(key)
            if isinstance(value, str) and known(value):
                return value.lower()
        parts = {p.lower() for p in Path(self.context).parts} if self.context else set()
        for p in parts:
            if p in PRODUCTION or p in {"staging", "dev", "development", "test", "qa", "sandbox"}:
                return p
        return None

    @property
    def production(self) -> bool:
        return self.env in PRODUCTION

    @property
    def label(self) -> str:
        return f"{self.context}: {self.name}" if self.context else self.name


@dataclass(frozen=True, slots=True)
class Container:
    """A container as deployed: a Kubernetes pod's container, a Compose service, or the image a
    Dockerfile builds. ``spec`` is the container (or service) mapping, ``pod`` the pod spec."""

    source: str
    workload: str
    name: str
    image: str | None
    file: str
    line: int
    spec: Mapping[str, Any]
    pod: Mapping[str, Any] = field(default_factory=dict)
    lines: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    long_running: bool = True
    user: str | None = None  # Dockerfile: the last USER; None when never set
    context: str = ""

    def locate(self, *paths: str) -> tuple[str, int]:
        """(file, line) of the first of ``paths`` written (``pod.`` for pod-level keys), else
        the container's own; a patch that sets the value is where it is written."""
        for p in paths:
            if p in self.lines:
                return self.lines[p]
        return self.file, self.line

    @property
    def label(self) -> str:
        base = (
            f"{self.workload}/{self.name}"
            if self.name and self.name != self.workload
            else (self.workload)
        )
        return f"{self.context}: {base}" if self.context else base


@dataclass(frozen=True, slots=True)
class SecretHit:
    """A likely secret: where, what kind (``cloud_key``, ``private_key``, ``password``,
    ``token``) and a short description that never contains the value."""

    file: str
    line: int
    kind: str
    detail: str
    resource: str = ""


@dataclass(frozen=True, slots=True)
class Certificate:
    file: str
    line: int
    subject: str
    not_after: float


@dataclass(frozen=True, slots=True)
class Layout:
    """How the tree is organised: Terraform roots and top-level kustomizations."""

    terraform_roots: tuple[str, ...] = ()  # root modules (folders no module calls)
    has_modules: bool = False
    kustomize_tops: tuple[str, ...] = ()  # kustomizations no other one includes
    has_base: bool = False


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An address the Warden config names for a database (monitor, audit or backup source)."""

    engine: str
    host: str
    port: int
    where: str


@dataclass(frozen=True, slots=True)
class RuntimeFacts:
    """What Warden knows of the running system, for the cross-checks.

    ``drills``: per configured backup, the start of its last passed drill (None: never);
    ``answering``: database endpoints that accepted a connection (non-loopback only).
    """

    backups: tuple[str, ...] = ()
    drills: Mapping[str, float | None] = field(default_factory=dict)
    drills_known: bool = False
    answering: tuple[Endpoint, ...] = ()
    cert_days: float = 30.0


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How to scan; every field has a default that suits a run in CI.

    ``required_tags`` turns on the cost-allocation check; ``kustomize`` chooses how overlays
    are read (``auto``: ``kubectl kustomize`` when installed); ``cert_days`` is the warning
    window for certificates in the tree (default: the TLS monitors' ``warn_days``, else 30).
    """

    required_tags: tuple[str, ...] = ()
    kustomize: str = "auto"
    cert_days: float | None = None
    secrets: bool = True
    runtime: bool = True
    drill_max_age_days: float = 30.0
    connect_timeout: float = 2.0
    max_file_bytes: int = 2_000_000
    exclude: tuple[str, ...] = ()
    baseline: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass
class ScanFacts:
    """Everything the checks look at, gathered once per scan."""

    root: Path
    resources: list[Resource] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    secrets: list[SecretHit] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    layout: Layout = field(default_factory=Layout)
    runtime: RuntimeFacts | None = None
    options: ScanOptions = field(default_factory=ScanOptions)
    now: float = 0.0
    notes: list[str] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # parsed files by format
    cert_days: float = 30.0

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def by_address(self, address: str, context: str) -> Resource | None:
        for r in self.resources:
            if r.name == address and r.context == context:
                return r
        return None


@dataclass(frozen=True, slots=True)
class ScanFinding:
    """One problem in the code: which rule, how bad, where, on what, and how to fix it."""

    id: str
    severity: Severity
    file: str
    line: int
    resource: str
    message: str
    fix: str
    reference: str

    @property
    def fingerprint(self) -> str:
        """Stable across edits that move lines: the rule, the file and the resource."""
        text = f"{self.id}|{self.file}|{self.resource}|{self.message}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity.label,
            "file": self.file,
            "line": self.line,
            "resource": self.resource,
            "message": self.message,
            "fix": self.fix,
            "reference": self.reference,
            "fingerprint": self.fingerprint,
        }


def sort_findings(findings: Sequence[ScanFinding]) -> list[ScanFinding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.file, f.line, f.id, f.resource))

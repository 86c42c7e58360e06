"""Read a tree once: classify every file, parse it with the parser of its format and gather
the facts every check reads (resources, containers, secrets, certificates, layout)."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from warden.scan import _docker, _kube, _secrets, _terraform, _tfplan
from warden.scan._model import Certificate, Layout, ScanFacts, ScanOptions, SecretHit, known
from warden.scan._yamlsrc import Doc, load_docs

SKIP_DIRS = frozenset(
    {
        ".git",
        ".terraform",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
    }
)
CERT_SUFFIXES = (".pem", ".crt", ".cer", ".cert")


def walk(root: Path, options: ScanOptions) -> list[Path]:
    """Every file under ``root`` (or ``root`` itself), skipping tool caches and excludes."""
    if root.is_file():
        return [root]
    out: list[Path] = []
    inside = root.resolve()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        base = Path(folder)
        for name in sorted(files):
            path = base / name
            if path.is_symlink() and not path.resolve().is_relative_to(inside):
                continue  # never read through a link that leads out of the scanned folder
            rel = path.relative_to(root).as_posix()
            if any(fnmatch.fnmatch(rel, pat) for pat in options.exclude):
                continue
            out.append(path)
    return out


def _text_file(path: Path, limit: int) -> bool:
    try:
        if path.stat().st_size > limit:
            return False
        with path.open("rb") as fh:
            return b"\0" not in fh.read(2048)
    except OSError:
        return False


def gather(path: Path, options: ScanOptions, now: float) -> ScanFacts:
    root = path if path.is_dir() else path.parent
    facts = ScanFacts(root=root, options=options, now=now)
    files = [p for p in walk(path, options) if _text_file(p, options.max_file_bytes)]
    counts = facts.files
    rel = {p: p.relative_to(root).as_posix() for p in files}
    tf = [p for p in files if p.suffix in (".tf", ".tfvars")]
    yamls: dict[str, list[Doc]] = {}
    for p in files:
        name = p.name
        if p.suffix in (".yaml", ".yml") or name == "Kustomization":
            try:
                yamls[rel[p]] = load_docs(p.read_text(encoding="utf-8", errors="replace"))
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f":{mark.line + 1}" if mark else ""
                facts.notes.append(f"skipped {rel[p]}{where}: not valid YAML")
        elif p.suffix == ".json":
            data = _tfplan.read_json(p)
            if _tfplan.is_plan(data):
                facts.resources.extend(_tfplan.load_plan(p, rel[p], data))
                counts["terraform-plan"] = counts.get("terraform-plan", 0) + 1
        elif _docker.is_dockerfile(p):
            container, hits = _docker.load_dockerfile(p, rel[p])
            facts.containers.append(container)
            facts.secrets.extend(hits)
            counts["dockerfile"] = counts.get("dockerfile", 0) + 1
        if _secrets.keyvalue_file(p):
            text = p.read_text(encoding="utf-8", errors="replace")
            facts.secrets.extend(_secrets.line_hits(text, rel[p]))
            counts["env"] = counts.get("env", 0) + 1
        if p.suffix in CERT_SUFFIXES:
            facts.certificates.extend(_certificates(p, rel[p]))
    tf_dirs: list[str] = []
    tf_roots: list[str] = []
    if tf:
        resources, hits, tf_dirs, tf_roots = _terraform.load_terraform(root, tf, facts.notes)
        facts.resources.extend(resources)
        facts.secrets.extend(hits)
        counts["terraform"] = len(tf)
        for r in resources:
            data = r.attrs.get("user_data")
            if isinstance(data, str) and known(data):
                first = r.line_of("user_data") + (1 if "\n" in data else 0)
                facts.secrets.extend(_secrets.line_hits(data, r.file, first, r.label))
    compose = {k: v for k, v in yamls.items() if _docker.is_compose(Path(k))}
    for k, docs in compose.items():
        for d in docs:
            containers, hits = _docker.load_compose(k, d)
            facts.containers.extend(containers)
            facts.secrets.extend(hits)
        counts["compose"] = counts.get("compose", 0) + 1
    kube_docs = {k: v for k, v in yamls.items() if k not in compose}
    kube = _kube.load_kube(root, kube_docs, options.kustomize, facts.notes)
    facts.resources.extend(kube.resources)
    facts.containers.extend(kube.containers)
    facts.secrets.extend(kube.secrets)
    facts.secrets.extend(_container_env(facts))
    manifests = sum(any(_kube.is_manifest(d.data) for d in v) for v in kube_docs.values())
    if manifests:
        counts["kubernetes"] = manifests
    if options.secrets:
        facts.secrets.extend(_secrets.detect(root, files))
        counts["secrets-scanned"] = len(files)
    facts.layout = _layout(tf_dirs, tf_roots, kube.kustomizations, kube.tops)
    return facts


def _container_env(facts: ScanFacts) -> list[SecretHit]:
    out: list[SecretHit] = []
    for c in facts.containers:
        if c.source != "kubernetes":
            continue
        for i, item in enumerate(c.spec.get("env") or []):
            if isinstance(item, Mapping) and "value" in item:
                file, line = c.locate(f"env[{i}].value", f"env[{i}]")
                hit = _secrets.env_hit(
                    str(item.get("name", "")), item.get("value"), file, line, c.label
                )
                if hit:
                    out.append(hit)
    return out


def _certificates(path: Path, rel: str) -> list[Certificate]:
    from cryptography import x509

    data = path.read_bytes()
    if b"-----BEGIN CERTIFICATE-----" not in data:
        return []
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        return []
    lines = [
        i + 1
        for i, line in enumerate(data.splitlines())
        if line.startswith(b"-----BEGIN CERTIFICATE-----")
    ]
    return [
        Certificate(
            rel,
            lines[i] if i < len(lines) else 1,
            c.subject.rfc4514_string(),
            c.not_valid_after_utc.timestamp(),
        )
        for i, c in enumerate(certs)
    ]


def _layout(
    dirs: list[str], roots: list[str], kustomizations: list[str], tops: list[str]
) -> Layout:
    return Layout(
        terraform_roots=tuple(sorted(roots)),
        has_modules="modules" in {part for d in dirs for part in Path(d).parts},
        kustomize_tops=tuple(sorted(tops)),
        has_base=bool({p for d in kustomizations for p in Path(d).parts} & {"base", "bases"}),
    )

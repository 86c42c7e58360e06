"""Kubernetes manifests and Kustomize overlays to ``Resource``s and ``Container``s.

Each top-level kustomization (an overlay no other kustomization includes) is rendered with
``kubectl kustomize`` when it is installed, and the rendered objects are scanned; each
finding points back at the line of the patch or base file that wrote the value (the object's
own line when none did). Without kubectl the plain resource files are scanned instead (not
the patches) and the report says so. Manifests outside any kustomization are read as they are.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from warden.scan._model import Container, Resource, SecretHit
from warden.scan._yamlsrc import Doc, load_docs

KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")
POD_PATHS = {
    "Pod": "spec",
    "Deployment": "spec.template.spec",
    "StatefulSet": "spec.template.spec",
    "DaemonSet": "spec.template.spec",
    "ReplicaSet": "spec.template.spec",
    "Job": "spec.template.spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
}
LONG_RUNNING = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})


@dataclass(frozen=True, slots=True)
class Source:
    """A document from a file of the tree, with the file it came from."""

    file: str
    doc: Doc
    patch: bool = False

    @property
    def kind(self) -> str:
        return str(self.doc.data.get("kind", ""))

    @property
    def name(self) -> str:
        meta = self.doc.data.get("metadata") or {}
        return str(meta.get("name", "")) if isinstance(meta, Mapping) else ""


@dataclass
class Kube:
    resources: list[Resource] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    secrets: list[SecretHit] = field(default_factory=list)
    kustomizations: list[str] = field(default_factory=list)
    tops: list[str] = field(default_factory=list)


def is_manifest(data: Any) -> bool:
    return isinstance(data, Mapping) and "apiVersion" in data and "kind" in data


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data.get(key) if isinstance(data, Mapping) else None
    return data


def _listed(k: Mapping[str, Any], *keys: str) -> list[str]:
    out: list[str] = []
    for key in keys:
        for item in k.get(key) or []:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, Mapping) and isinstance(item.get("path"), str):
                out.append(item["path"])
    return out


def load_kube(root: Path, docs: dict[str, list[Doc]], kustomize: str, notes: list[str]) -> Kube:
    """``docs``: every YAML file of the tree (relative path -> documents)."""
    out = Kube()
    kust = {
        rel: d[0]
        for rel, d in docs.items()
        if Path(rel).name in KUSTOMIZATION and d and isinstance(d[0].data, Mapping)
    }
    out.kustomizations = sorted(str(Path(k).parent) for k in kust)
    owned: dict[str, set[str]] = {}  # kustomization dir -> files it reads (closure)
    patches: set[str] = set()
    included: set[str] = set()
    for rel, doc in kust.items():
        folder = Path(rel).parent
        files: set[str] = {rel}
        for item in _listed(doc.data, "resources", "bases", "components"):
            target = _norm(folder / item)
            if any(f"{target}/{n}" in kust for n in KUSTOMIZATION):
                included.add(target)
            files.add(target)
        for item in _listed(doc.data, "patches", "patchesStrategicMerge"):
            patches.add(_norm(folder / item))
            files.add(_norm(folder / item))
        owned[str(folder)] = files
        _generator_secrets(rel, doc, out.secrets)
    tops = [d for d in owned if _norm(Path(d)) not in included]
    out.tops = sorted(tops)
    kubectl = shutil.which("kubectl") if kustomize in ("auto", "kubectl") else None
    if kust and kubectl is None:
        why = "kubectl is not installed" if kustomize != "off" else "rendering is off"
        notes.append(
            f"Kustomize overlays not rendered ({why}): scanned the plain resource "
            "files instead; patches are not applied"
        )
    covered: set[str] = set()
    for top in sorted(tops) if kubectl else []:
        rendered = _render(kubectl or "kubectl", root / top, notes, top)
        if rendered is None:
            continue
        closure = _closure(top, owned)
        covered |= closure
        sources = [
            Source(f, d, f in patches)
            for f in sorted(closure)
            if f in docs
            for d in docs[f]
            if is_manifest(d.data)
        ]
        for doc in rendered:
            if is_manifest(doc.data):
                _add(out, doc, sources, top, rendered_from=top)
    for rel, items in sorted(docs.items()):
        if rel in covered or rel in patches or rel in kust:
            continue
        for d in items:
            if is_manifest(d.data):
                _add(out, d, [Source(rel, d)], "", rendered_from=None)
    return out


def _norm(p: Path) -> str:
    parts: list[str] = []
    for part in p.as_posix().split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts) or "."


def _closure(folder: str, owned: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [folder]
    files: set[str] = set()
    while todo:
        d = todo.pop()
        if d in seen:
            continue
        seen.add(d)
        for f in owned.get(d, set()):
            if f in owned:
                todo.append(f)
            else:
                files.add(f)
    return files | {f"{d}/{n}" for d in seen for n in KUSTOMIZATION}


def _render(kubectl: str, folder: Path, notes: list[str], rel: str) -> list[Doc] | None:
    try:
        proc = subprocess.run(
            [kubectl, "kustomize", str(folder)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        notes.append(f"{rel}: kubectl kustomize failed ({exc}); scanned its files unrendered")
        return None
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["no message"])[-1][:200]
        notes.append(f"{rel}: kubectl kustomize failed ({why}); scanned its files unrendered")
        return None
    try:
        return load_docs(proc.stdout)
    except yaml.YAMLError:
        notes.append(f"{rel}: kubectl kustomize printed invalid YAML")
        return None


def _matches(src: Source, kind: str, name: str) -> bool:
    return src.kind == kind and bool(src.name) and src.name in name


def _add(
    out: Kube, doc: Doc, sources: list[Source], context: str, rendered_from: str | None
) -> None:
    data = doc.data
    kind = str(data.get("kind"))
    meta = data.get("metadata") or {}
    name = str(meta.get("name", "")) if isinstance(meta, Mapping) else ""
    mine = sorted((s for s in sources if _matches(s, kind, name)), key=lambda s: not s.patch)
    home = next((s for s in mine if not s.patch), mine[0] if mine else None)
    if home is None:  # generated by kustomize (a secretGenerator's Secret, ...)
        file, line = f"{rendered_from}/kustomization.yaml", 1
    else:
        file, line = home.file, home.doc.line
    lines = _merged_lines(mine, "")
    label = f"{kind}/{name}"
    own = {k: v[1] for k, v in lines.items() if v[0] == file}
    res = Resource("kubernetes", kind, label, file, line, data, own, context)
    out.resources.append(res)
    if kind == "Secret" and home is not None:
        _manifest_secrets(res, home, out.secrets)
    pod_path = POD_PATHS.get(kind)
    pod = _get(data, pod_path) if pod_path else None
    if not isinstance(pod, Mapping):
        return
    pod_lines = _merged_lines(mine, pod_path or "")
    for group in ("initContainers", "containers"):
        for c in pod.get(group) or []:
            if not isinstance(c, Mapping):
                continue
            cname = str(c.get("name", ""))
            where = _container_lines(mine, pod_path or "", group, cname)
            cfile, cline = where.get("", (file, line))
            out.containers.append(
                Container(
                    "kubernetes",
                    label,
                    cname,
                    c.get("image"),
                    cfile,
                    cline,
                    c,
                    pod,
                    {**{f"pod.{k}": v for k, v in pod_lines.items()}, **where},
                    kind in LONG_RUNNING and group == "containers",
                    context=context,
                )
            )


def _merged_lines(mine: list[Source], prefix: str) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for s in mine:
        for path, line in s.doc.lines.items():
            if prefix and not path.startswith(prefix + "."):
                continue
            out.setdefault(path[len(prefix) + 1 :] if prefix else path, (s.file, line))
    return out


def _container_lines(
    mine: list[Source], pod_path: str, group: str, name: str
) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for s in mine:
        items = _get(s.doc.data, f"{pod_path}.{group}") or []
        for i, c in enumerate(items if isinstance(items, list) else []):
            if isinstance(c, Mapping) and str(c.get("name", "")) == name:
                prefix = f"{pod_path}.{group}[{i}]"
                if prefix in s.doc.lines and (not s.patch or "" not in out):
                    out[""] = (s.file, s.doc.lines[prefix])  # the base's line wins
                for path, line in s.doc.lines.items():
                    if path.startswith(prefix + "."):
                        out.setdefault(path[len(prefix) + 1 :], (s.file, line))
    return out


def _manifest_secrets(res: Resource, home: Source, hits: list[SecretHit]) -> None:
    for key in ("stringData", "data"):
        values = res.attrs.get(key)
        if not isinstance(values, Mapping):
            continue
        for k, v in values.items():
            if v not in (None, ""):
                line = home.doc.lines.get(f"{key}.{k}", home.doc.line)
                hits.append(
                    SecretHit(
                        home.file,
                        line,
                        "password",
                        f"Secret manifest {res.name} holds {key}.{k}",
                        res.name,
                    )
                )


def _generator_secrets(rel: str, doc: Doc, hits: list[SecretHit]) -> None:
    for i, gen in enumerate(doc.data.get("secretGenerator") or []):
        if not isinstance(gen, Mapping):
            continue
        for j, literal in enumerate(gen.get("literals") or []):
            key = str(literal).split("=", 1)[0]
            line = doc.lines.get(f"secretGenerator[{i}].literals[{j}]", doc.line)
            hits.append(
                SecretHit(
                    rel,
                    line,
                    "password",
                    f"secretGenerator {gen.get('name', '')} literal {key}",
                    f"secretGenerator/{gen.get('name', '')}",
                )
            )

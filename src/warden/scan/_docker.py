"""Dockerfiles (dockerfile-parse) and Compose files to ``Container``s and secrets.

A Dockerfile gives one container: the image of its last ``FROM`` (every ``FROM`` is kept for
the image-tag check), the last ``USER`` of the final stage, and secrets in ``ENV``/``ARG``.
A Compose file gives one container per service, with its environment checked for secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]

from warden.scan._model import Container, SecretHit
from warden.scan._secrets import env_hit, line_hits
from warden.scan._yamlsrc import Doc

COMPOSE_NAMES = re.compile(r"^(docker-)?compose(\.[\w-]+)?\.ya?ml$")


def is_dockerfile(path: Path) -> bool:
    name = path.name
    return name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")


def load_dockerfile(path: Path, rel: str) -> tuple[Container, list[SecretHit]]:
    parser = DockerfileParser(fileobj=path.open("rb"))
    try:
        structure = parser.structure
    finally:
        parser.fileobj.close()
    stages: list[str] = []
    froms: list[tuple[str, int]] = []
    user: str | None = None
    user_line = 0
    last_from = 1
    hits: list[SecretHit] = []
    for ins in structure:
        kind = str(ins["instruction"]).upper()
        line = int(ins["startline"]) + 1
        value = str(ins["value"]).strip()
        if kind == "FROM":
            words = [w for w in value.split() if not w.startswith("--")]
            image = words[0] if words else ""
            if len(words) >= 3 and words[1].lower() == "as":
                stages.append(words[2].lower())
            if image.lower() not in stages[:-1] and image.lower() != "scratch":
                froms.append((image, line))
            user, user_line, last_from = None, 0, line
        elif kind == "USER":
            user, user_line = value, line
        elif kind in ("ENV", "ARG"):
            for hit in line_hits(_assignments(value), rel, line, f"{kind} in {rel}"):
                hits.append(SecretHit(rel, line, hit.kind, hit.detail, hit.resource))
    final = froms[-1][0] if froms else None
    lines = {"user": (rel, user_line)} if user_line else {}
    spec = {"from": froms}
    return Container(
        "dockerfile",
        rel,
        "",
        final,
        rel,
        last_from,
        spec,
        {},
        lines,
        True,
        user,
    ), hits


def _assignments(value: str) -> str:
    """``A=1 B=2`` or ``A 1`` as one ``NAME=value`` per line."""
    if "=" not in value.split(maxsplit=1)[0]:
        name, _, rest = value.partition(" ")
        return f"{name}={rest.strip()}"
    return "\n".join(re.findall(r"""[\w.-]+=(?:"[^"]*"|'[^']*'|\S+)""", value))


def load_compose(rel: str, doc: Doc) -> tuple[list[Container], list[SecretHit]]:
    services = doc.data.get("services") if isinstance(doc.data, Mapping) else None
    if not isinstance(services, Mapping):
        return [], []
    out: list[Container] = []
    hits: list[SecretHit] = []
    for name, svc in services.items():
        if not isinstance(svc, Mapping):
            continue
        base = f"services.{name}"
        lines = {
            k[len(base) + 1 :]: (rel, v) for k, v in doc.lines.items() if k.startswith(base + ".")
        }
        line = doc.lines.get(base, doc.line)
        out.append(
            Container(
                "compose", base, str(name), svc.get("image"), rel, line, svc, {}, lines, True, None
            )
        )
        env = svc.get("environment")
        for key, value, at in _environment(env, base, doc.lines):
            hit = env_hit(key, value, rel, at or line, base)
            if hit:
                hits.append(hit)
    return out, hits


def _environment(env: Any, base: str, lines: Mapping[str, int]) -> list[tuple[str, Any, int]]:
    out: list[tuple[str, Any, int]] = []
    if isinstance(env, Mapping):
        for k, v in env.items():
            out.append((str(k), v, lines.get(f"{base}.environment.{k}", 0)))
    elif isinstance(env, list):
        for i, item in enumerate(env):
            k, sep, v = str(item).partition("=")
            if sep:
                out.append((k, v, lines.get(f"{base}.environment[{i}]", 0)))
    return out


def is_compose(path: Path) -> bool:
    return bool(COMPOSE_NAMES.match(path.name))

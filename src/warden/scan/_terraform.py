"""Terraform configurations to ``Resource``s, resolved as far as static analysis allows.

Each folder of ``.tf`` files is a module. A root module (one no other module calls) is
instantiated with its variables' defaults, then ``terraform.tfvars`` and ``*.auto.tfvars``
(and once more per other ``*.tfvars`` file, as ``-var-file`` would); its locals are evaluated
on demand, and each call of a local module source (``./``, ``../``) instantiates that module
with the arguments evaluated in the caller. Provider ``default_tags`` join each AWS
resource's ``tags_all``. What refers to other resources' attributes stays ``Unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warden.scan._hclexpr import resolve
from warden.scan._model import Resource, SecretHit, Unknown, known
from warden.scan._secrets import secret_name
from warden.scan._tfsource import Block, TfFile, parse_files

_MAX_DEPTH = 8


@dataclass
class Module:
    """One folder of ``.tf`` files."""

    dir: Path
    rel: str
    files: list[TfFile] = field(default_factory=list)

    def items(self, kind: str) -> Iterable[tuple[TfFile, str, Any, Block | None]]:
        """(file, first label, body, block) of every ``kind`` block (``variable``, ...)."""
        for f in self.files:
            for entry in f.data.get(kind, []) or []:
                if not isinstance(entry, Mapping):
                    continue
                for label, body in entry.items():
                    if label != "__is_block__":
                        yield f, label, body, f.block(kind, label)

    def locals(self) -> dict[str, tuple[TfFile, Any]]:
        out: dict[str, tuple[TfFile, Any]] = {}
        for f in self.files:
            for entry in f.data.get("locals", []) or []:
                for key, value in entry.items():
                    if key != "__is_block__":
                        out[key] = (f, value)
        return out

    def calls(self) -> Iterable[tuple[TfFile, str, Mapping[str, Any], Block | None]]:
        for f, name, body, block in self.items("module"):
            if isinstance(body, Mapping):
                yield f, name, body, block


def local_source(module: Module, body: Mapping[str, Any]) -> Path | None:
    source = body.get("source")
    if isinstance(source, str) and source.startswith(("./", "../")):
        return (module.dir / source).resolve()
    return None


class _Scope:
    def __init__(self, module: Module, variables: Mapping[str, Any]) -> None:
        self.module = module
        self.vars = dict(variables)
        self.raw_locals = module.locals()
        self.locals: dict[str, Any] = {}
        self.busy: set[str] = set()

    def lookup(self, kind: str, name: str) -> Any:
        if kind == "var":
            return self.vars.get(name, Unknown(f"var.{name}"))
        if name in self.locals:
            return self.locals[name]
        if name not in self.raw_locals or name in self.busy:
            return Unknown(f"local.{name}")
        self.busy.add(name)
        value = resolve(self.raw_locals[name][1], self.lookup)
        self.busy.discard(name)
        self.locals[name] = value
        return value

    def value(self, raw: Any) -> Any:
        return resolve(raw, self.lookup)


class TerraformProject:
    """Every module under a root folder, and the resources their instances declare."""

    def __init__(self, root: Path, files: Sequence[Path], notes: list[str]) -> None:
        self.root = root
        self.notes = notes
        self.modules: dict[Path, Module] = {}
        self.tfvars: dict[Path, list[TfFile]] = {}
        self.secrets: list[SecretHit] = []
        jobs = [(str(p), p.relative_to(root).as_posix()) for p in files]
        for got in parse_files(jobs):
            if isinstance(got, str):
                notes.append(f"skipped {got}")
                continue
            parsed, path = got, got.path
            folder = path.parent.resolve()
            if path.suffix == ".tfvars":
                self.tfvars.setdefault(folder, []).append(parsed)
            else:
                mod = self.modules.setdefault(folder, Module(folder, _rel(root, folder)))
                mod.files.append(parsed)

    def roots(self) -> list[Module]:
        called = {
            src
            for m in self.modules.values()
            for _, _, body, _ in m.calls()
            if (src := local_source(m, body)) is not None
        }
        return [m for d, m in sorted(self.modules.items()) if d not in called]

    def resources(self) -> list[Resource]:
        out: list[Resource] = []
        for mod in self.roots():
            for context, values in self._var_sets(mod):
                out.extend(self._instantiate(mod, values, context, "", {}, 0))
        return out

    def _var_sets(self, mod: Module) -> list[tuple[str, dict[str, Any]]]:
        defaults = self._defaults(mod)
        auto: list[TfFile] = []
        extra: list[TfFile] = []
        for f in sorted(self.tfvars.get(mod.dir, []), key=lambda f: f.rel):
            name = f.path.name
            (auto if name == "terraform.tfvars" or name.endswith(".auto.tfvars") else extra).append(
                f
            )
        base = dict(defaults)
        for f in auto:
            base.update(self._tfvars_values(f))
        if not extra:
            return [(mod.rel, base)]
        return [(f"{mod.rel} ({f.path.name})", {**base, **self._tfvars_values(f)}) for f in extra]

    def _tfvars_values(self, f: TfFile) -> dict[str, Any]:
        values = {k: resolve(v, lambda kind, n: Unknown(f"{kind}.{n}")) for k, v in f.data.items()}
        for b in f.blocks:
            name = b.labels[0] if b.labels else ""
            value = values.get(name)
            if b.kind == "attribute" and secret_name(name) and _literal_secret(value):
                self.secrets.append(
                    SecretHit(
                        f.rel, b.start, "password", f"variable {name} set in {f.path.name}", name
                    )
                )
        return values

    def _defaults(self, mod: Module) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f, name, given, block in mod.items("variable"):
            body = given if isinstance(given, Mapping) else {}
            if "default" in body:
                out[name] = resolve(body["default"], lambda kind, n: Unknown(f"{kind}.{n}"))
                if secret_name(name) and _literal_secret(out[name]) and block is not None:
                    line = block.lines.get("default", block.start)
                    hit = SecretHit(f.rel, line, "password", f"default of variable {name}", name)
                    if hit not in self.secrets:
                        self.secrets.append(hit)
        return out

    def _instantiate(
        self,
        mod: Module,
        variables: Mapping[str, Any],
        context: str,
        prefix: str,
        default_tags: Mapping[str, Any],
        depth: int,
    ) -> list[Resource]:
        if depth > _MAX_DEPTH:
            self.notes.append(f"{context}: modules nested deeper than {_MAX_DEPTH}; stopped")
            return []
        scope = _Scope(mod, {**self._defaults(mod), **variables})
        tags = dict(default_tags)
        for _, _, body, _ in mod.items("provider"):
            for dt in _blocks(
                scope.value(body).get("default_tags") if isinstance(body, Mapping) else None
            ):
                if isinstance(dt.get("tags"), Mapping):
                    tags.update(dt["tags"])
        out: list[Resource] = []
        for kind, typ_prefix in (("resource", ""), ("data", "data.")):
            for f in mod.files:
                for entry in f.data.get(kind, []) or []:
                    for rtype, named in entry.items():
                        if not isinstance(named, Mapping):
                            continue
                        for rname, body in named.items():
                            if rname == "__is_block__" or not isinstance(body, Mapping):
                                continue
                            block = f.block(kind, rtype, rname)
                            attrs = scope.value(body)
                            if tags and rtype.startswith("aws_"):
                                own = attrs.get("tags")
                                own = own if isinstance(own, Mapping) else {}
                                attrs["tags_all"] = {**tags, **own}
                            out.append(
                                Resource(
                                    "terraform",
                                    f"{typ_prefix}{rtype}",
                                    f"{prefix}{typ_prefix}{rtype}.{rname}",
                                    f.rel,
                                    block.start if block else 1,
                                    attrs,
                                    block.lines if block else {},
                                    context,
                                )
                            )
        for _f, name, body, _block in mod.calls():
            src = local_source(mod, body)
            if src is None:
                continue
            child = self.modules.get(src)
            if child is None:
                self.notes.append(f"{mod.rel}: module {name} source {body.get('source')} not found")
                continue
            args = {
                k: scope.value(v)
                for k, v in body.items()
                if k
                not in (
                    "source",
                    "version",
                    "providers",
                    "count",
                    "for_each",
                    "depends_on",
                    "__is_block__",
                )
            }
            out.extend(
                self._instantiate(child, args, context, f"{prefix}module.{name}.", tags, depth + 1)
            )
        return out


def _blocks(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _literal_secret(value: Any) -> bool:
    return isinstance(value, str) and known(value) and len(value.strip()) >= 4


def _rel(root: Path, folder: Path) -> str:
    try:
        rel = folder.relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = folder.as_posix()
    return "." if rel in ("", ".") else rel


def load_terraform(
    root: Path, files: list[Path], notes: list[str]
) -> tuple[list[Resource], list[SecretHit], list[str], list[str]]:
    """Resources of every root module under ``root``, secrets set in variables, every
    module folder and the root modules."""
    project = TerraformProject(root, files, notes)
    resources = project.resources()
    dirs = [m.rel for m in project.modules.values()]
    return resources, project.secrets, dirs, [m.rel for m in project.roots()]

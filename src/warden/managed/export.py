"""``warden export``: API-managed objects as YAML that ``warden validate`` accepts.

The bodies are written as the user gave them. Secrets: a ``${ENV}`` reference stays a
reference. A secret given literally is replaced by a reference ``${WARDEN_<NAME>_<KEY>}``
(listed in ``secrets`` so the caller can tell the user what to set), unless
``with_secrets`` is true: then it is written as given, since the user typed it in clear.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from warden.config.schema import WardenConfig
from warden.managed.storage import Snapshot
from warden.managed.validate import KINDS, Invalid, _set, env_name, literal_secrets, validate


@dataclass
class Export:
    section: str
    items: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # variables the YAML now refers to
    skipped: list[str] = field(default_factory=list)  # invalid now (message per item)

    def yaml(self) -> str:
        header = "# exported by `warden export`: paste into warden.yaml\n"
        if self.secrets:
            header += "# set these environment variables: " + ", ".join(self.secrets) + "\n"
        if not self.items:
            return header + f"{self.section}: []\n"
        body = yaml.safe_dump(
            {self.section: self.items}, sort_keys=False, allow_unicode=True, width=100
        )
        return header + body


def export(
    kind_path: str, snapshot: Snapshot, config: WardenConfig, *, with_secrets: bool = False
) -> Export:
    """The managed objects of one kind, ready to be written as YAML."""
    kind = KINDS[kind_path]
    out = Export(kind.section)
    for record in snapshot.of(kind.section):
        raw: dict[str, Any] = json.loads(json.dumps(record.body))
        try:
            model = validate(kind, raw, config)
        except Invalid as exc:
            out.skipped.append(f"{record.name}: {exc}")
            continue
        if not with_secrets:
            for path in literal_secrets(record.body, model):
                var = env_name(record.name, path)
                _set(raw, path, "${" + var + "}")
                out.secrets.append(var)
        if kind.section == "monitors" and record.name in snapshot.pauses:
            raw["enabled"] = False  # paused through the API: keep it off in the file
        out.items.append(raw)
    return out

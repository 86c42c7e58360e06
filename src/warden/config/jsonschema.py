"""The JSON Schema of ``warden.yaml`` (``warden schema``), made to accept what the loader does.

pydantic writes the schema of each model; this module adds what the models check in code:
a monitor (collector) holds exactly one type key, and a secret may be given as
``<name>_file`` instead (see ``_base.py``), never both. Shorthands (``status: "2xx"``,
``body_contains: ok``) are declared on their types (``OneOrList``); tests/config checks that
the schema and the loader agree on a table of accepted and refused snippets.
"""

from __future__ import annotations

from typing import Any

from warden.config.schema import build_model

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    """The JSON Schema document of the config file (validation mode)."""
    model = build_model()
    doc = model.model_json_schema(mode="validation")
    defs = doc.get("$defs", {})
    for name, base in (("Monitor", "MonitorBase"), ("Collector", "CollectorBase")):
        _exactly_one_type_key(defs.get(name), base)
    doc["$schema"] = SCHEMA_DIALECT
    doc["title"] = "warden.yaml"
    return doc


def _exactly_one_type_key(definition: dict[str, Any] | None, base: str) -> None:
    from warden.config import schema

    if definition is None:
        return
    common = getattr(schema, base).model_fields
    keys = [k for k in definition.get("properties", {}) if k not in common]
    definition["oneOf"] = [{"required": [k]} for k in keys]

"""The base of every config model: unknown keys are errors, secrets may come from files.

A secret field ``password`` can be given as ``password_file: /run/secrets/pg`` instead; the
file's content (trailing newline stripped) becomes the value, and a missing file is an error
that names the key.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, SecretStr, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


def _is_secret(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, SecretStr):
        return True
    args = getattr(annotation, "__args__", ())
    return any(_is_secret(a) for a in args)


@functools.cache
def _secret_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """Names of the secret fields of ``cls`` that may be given as ``<name>_file``."""
    return tuple(
        name
        for name, field in cls.model_fields.items()
        if _is_secret(field.annotation) and f"{name}_file" not in cls.model_fields
    )


class ConfigModel(BaseModel):
    """Strict model for a config section: forbids unknown keys, reads ``*_file`` secrets."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, hide_input_in_errors=True
    )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The schema also allows ``<secret>_file`` in place of each secret, never both."""
        schema = handler(core_schema)
        secrets = _secret_fields(cls)
        if not secrets:
            return schema
        full = handler.resolve_ref_schema(schema)
        props, required = full.setdefault("properties", {}), full.get("required", [])
        rules: list[dict[str, Any]] = []
        for name in secrets:
            key = cls.model_fields[name].alias or name
            props[f"{key}_file"] = {"type": "string", "description": f"File holding {key}."}
            if key in required:
                required.remove(key)
                rules.append({"oneOf": [{"required": [key]}, {"required": [f"{key}_file"]}]})
            else:
                rules.append({"not": {"required": [key, f"{key}_file"]}})
        if not required:
            full.pop("required", None)
        full.setdefault("allOf", []).extend(rules)
        return schema

    @model_validator(mode="before")
    @classmethod
    def _secret_files(cls, data: Any) -> Any:
        secrets = _secret_fields(cls)
        if not secrets or not isinstance(data, dict):
            return data
        file_keys = [f"{n}_file" for n in secrets if f"{n}_file" in data]
        if not file_keys:
            return data
        data = dict(data)
        for key in file_keys:
            name = key[: -len("_file")]
            if name in data:
                raise ValueError(f"give either {name} or {key}, not both")
            path = Path(str(data.pop(key)))
            try:
                data[name] = path.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise ValueError(f"{key}: cannot read {path}: {exc.strerror}") from exc
        return data

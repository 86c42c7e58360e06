"""The base of every config model: unknown keys are errors, secrets may come from files.

A secret field ``password`` can be given as ``password_file: /run/secrets/pg`` instead; the
file's content (trailing newline stripped) becomes the value, and a missing file is an error
that names the key.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator


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

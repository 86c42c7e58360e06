"""What of an invalid config did validate, so cross-section checks run in the same pass.

``partial_config(model, data)`` validates each top-level section on its own, and each item of
a list section on its own; an invalid section falls back to its default and an invalid item is
left out, except monitors and receivers: they keep a stand-in with their name (and a monitor
its group), so a route or an SLO that names them is not reported as pointing nowhere. The
result is built without the root's own validators and serves only ``references.py``.
"""

from __future__ import annotations

import functools
import typing
from typing import Any, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from warden.alerting.config import ReceiverConfig
from warden.config.schema import MonitorBase, WardenConfig


@functools.cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def partial_config(model: type[WardenConfig], data: dict[str, Any]) -> WardenConfig:
    """The valid part of ``data`` as a ``model`` instance (not validated as a whole)."""
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name not in data:
            continue
        raw, tp = data[name], field.annotation
        if tp is None:
            continue
        try:
            values[name] = _adapter(cast(Any, tp)).validate_python(raw)
            continue
        except ValidationError:
            pass
        if typing.get_origin(tp) is list and isinstance(raw, list):
            item = _adapter(typing.get_args(tp)[0])
            kept = []
            for entry in raw:
                try:
                    kept.append(item.validate_python(entry))
                except ValidationError:
                    stand_in = _stand_in(name, entry)
                    if stand_in is not None:
                        kept.append(stand_in)
            values[name] = kept
    return model.model_construct(**values)


def _stand_in(section: str, entry: Any) -> BaseModel | None:
    """A named placeholder for an invalid monitor or receiver, else None."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        return None
    if section == "monitors":
        group = entry.get("group")
        return MonitorBase.model_construct(
            name=entry["name"], group=group if isinstance(group, str) else "default", labels={}
        )
    if section == "receivers":
        return ReceiverConfig.model_construct(name=entry["name"])
    return None

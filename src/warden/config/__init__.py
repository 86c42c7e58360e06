"""Configuration as code: ``warden.yaml`` parsed into validated pydantic models.

``load_config(path)`` is the entry point; ``build_model()`` gives the root model (with one key
per registered probe and collector type) for validation and for ``warden schema``.
"""

from __future__ import annotations

from warden.config._base import ConfigModel
from warden.config._find import find_config, search_order
from warden.config._types import ByteSize, Duration, Secret, SecretUrl, parse_duration, redact_url
from warden.config.jsonschema import json_schema
from warden.config.loader import default_config_path, load_config, parse_config
from warden.config.schema import CollectorBase, MonitorBase, WardenConfig, build_model

__all__ = [
    "ByteSize",
    "CollectorBase",
    "ConfigModel",
    "Duration",
    "MonitorBase",
    "Secret",
    "SecretUrl",
    "WardenConfig",
    "build_model",
    "default_config_path",
    "find_config",
    "json_schema",
    "load_config",
    "parse_config",
    "parse_duration",
    "redact_url",
    "search_order",
]

"""Every collector module registers one collector under its own module name."""

from __future__ import annotations

import importlib
import pkgutil

import pydantic
import pytest

import warden.collectors
from warden.collectors import REGISTRY, CollectorConfig, load_all

MODULES = sorted(
    info.name for info in pkgutil.iter_modules(warden.collectors.__path__) if info.name[0] != "_"
)


def test_the_expected_collectors_exist() -> None:
    assert {"host", "postgres", "redis", "rabbitmq", "mysql"} <= set(MODULES)
    assert load_all() == MODULES


@pytest.mark.parametrize("module", MODULES)
def test_module_registers_a_collector_of_its_name(module: str) -> None:
    mod = importlib.import_module(f"warden.collectors.{module}")
    cls = REGISTRY.get(module)
    assert cls.type == module
    assert cls.__module__ == mod.__name__
    assert issubclass(cls.config_model, CollectorConfig)


@pytest.mark.parametrize("module", MODULES)
def test_config_refuses_unknown_keys(module: str) -> None:
    load_all()
    with pytest.raises(pydantic.ValidationError, match="no_such_key"):
        REGISTRY.get(module).config_model.model_validate({"no_such_key": 1})

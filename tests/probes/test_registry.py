"""Every probe module registers exactly one probe under its own module name."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import warden.probes
from warden.probes import REGISTRY, Probe, ProbeConfig, load_all

MODULES = sorted(
    info.name
    for info in pkgutil.iter_modules(warden.probes.__path__)
    if not info.name.startswith("_")
)


def test_there_are_probe_modules() -> None:
    assert {"tcp", "dns", "tls", "postgres", "mysql", "redis", "rabbitmq", "command"} <= set(
        MODULES
    )
    assert "heartbeat" in MODULES


def test_load_all_imports_every_module() -> None:
    assert load_all() == MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_registers_its_type(name: str) -> None:
    module = importlib.import_module(f"warden.probes.{name}")
    cls = REGISTRY.get(name)
    assert cls.type == name
    assert cls.__module__ == module.__name__
    assert issubclass(cls, Probe)
    assert issubclass(cls.config_model, ProbeConfig)
    assert cls.config_model is not ProbeConfig, "a probe declares its own config model"


def test_every_registered_probe_lives_in_a_module_of_its_name() -> None:
    load_all()
    ours = {t: cls for t, cls in REGISTRY.items() if cls.__module__.startswith("warden.probes.")}
    assert {t: cls.__module__ for t, cls in ours.items()} == {
        name: f"warden.probes.{name}" for name in MODULES
    }

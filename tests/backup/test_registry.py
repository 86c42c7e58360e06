"""Every source and repository module registers exactly one plugin under its own name."""

from __future__ import annotations

import importlib
import pkgutil

import pydantic
import pytest

import warden.backup.repos
import warden.backup.sources
from warden.backup.repos import REPOSITORIES, RepositoryConfig
from warden.backup.sources import SOURCES, SourceConfig

SOURCE_MODULES = sorted(
    i.name for i in pkgutil.iter_modules(warden.backup.sources.__path__) if i.name[0] != "_"
)
REPO_MODULES = sorted(
    i.name for i in pkgutil.iter_modules(warden.backup.repos.__path__) if i.name[0] != "_"
)


def test_the_expected_plugins_exist() -> None:
    assert {"postgres", "mysql", "sqlite", "redis", "files"} <= set(SOURCE_MODULES)
    assert {"local", "s3"} <= set(REPO_MODULES)
    assert warden.backup.sources.load_all() == SOURCE_MODULES
    assert warden.backup.repos.load_all() == REPO_MODULES


@pytest.mark.parametrize("module", SOURCE_MODULES)
def test_source_module_registers_its_type(module: str) -> None:
    mod = importlib.import_module(f"warden.backup.sources.{module}")
    cls = SOURCES.get(module)
    assert cls.type == module
    assert cls.__module__ == mod.__name__
    assert issubclass(cls.config_model, SourceConfig)
    assert cls.config_model.model_fields["type"].default == module


@pytest.mark.parametrize("module", REPO_MODULES)
def test_repository_module_registers_its_type(module: str) -> None:
    mod = importlib.import_module(f"warden.backup.repos.{module}")
    cls = REPOSITORIES.get(module)
    assert cls.type == module
    assert cls.__module__ == mod.__name__
    assert issubclass(cls.config_model, RepositoryConfig)


@pytest.mark.parametrize(
    ("registry", "module"),
    [(SOURCES, m) for m in SOURCE_MODULES] + [(REPOSITORIES, m) for m in REPO_MODULES],
)
def test_plugin_configs_refuse_unknown_keys(registry: object, module: str) -> None:
    model = registry.get(module).config_model  # type: ignore[attr-defined]
    with pytest.raises(pydantic.ValidationError, match="no_such_key"):
        model.model_validate({"type": module, "no_such_key": 1})

"""The store knows no feature: its modules import nothing above it, and features register tables."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import warden
from warden import tables
from warden.store import schema

SRC = Path(warden.__file__).parent
# What the store may import from Warden: itself and the small shared modules below it.
ALLOWED = {"warden.store", "warden.errors", "warden.results", "warden._lazy"}


def _package(path: Path) -> str:
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])


def _imports(path: Path, package: str) -> list[tuple[int, str]]:
    """Every module ``path`` (in ``package``) imports; relative imports made absolute."""
    tree = ast.parse(path.read_text(), str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            out += [(node.lineno, base)]
            out += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return out


def _allowed(name: str) -> bool:
    if name != "warden" and not name.startswith("warden."):
        return True  # the standard library and third parties
    return any(name == a or name.startswith(a + ".") for a in ALLOWED) or name == "warden"


def test_store_imports_no_feature() -> None:
    bad = [
        f"{path.relative_to(SRC.parent)}:{line}: imports {name}"
        for path in sorted((SRC / "store").rglob("*.py"))
        for line, name in _imports(path, _package(path))
        if not _allowed(name)
    ]
    assert bad == [], "store/ must not know the features above it:\n" + "\n".join(bad)


def test_the_walk_sees_a_feature_import(tmp_path: Path) -> None:
    """The check above can fail: a store module importing alerting is caught."""
    fake = tmp_path / "sql.py"
    fake.write_text(
        "import warden.backup\nfrom warden.alerting import tables\nfrom ..web import users\n"
    )
    names = [n for _, n in _imports(fake, "warden.store") if not _allowed(n)]
    assert "warden.backup" in names
    assert "warden.alerting" in names
    assert "warden.web.users" in names


def _declares_tables_on_metadata(path: Path) -> bool:
    text = path.read_text()
    imports = re.search(r"^from warden\.store\.schema import [^\n]*\bmetadata\b", text, re.M)
    return imports is not None and "Table(" in text


def test_every_feature_table_module_is_registered() -> None:
    """A module that declares tables on the store's metadata is listed in ``warden.tables``."""
    registered = {m.__name__ for m in tables.FEATURE_TABLES}
    declaring = {
        ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        for path in SRC.rglob("*.py")
        if path.parent.name != "store"
        and path != Path(tables.__file__)
        and _declares_tables_on_metadata(path)
    }
    assert declaring - registered == set(), "add these modules to warden.tables"
    assert registered <= declaring


def test_open_store_creates_every_feature_table(tmp_path: Path) -> None:
    store = tables.open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        with store.engine.connect() as conn:
            names = set(store.engine.dialect.get_table_names(conn))
    finally:
        store.close()
    assert set(schema.metadata.tables) <= names
    assert {"alert_instances", "incidents", "web_users", "backup_runs", "loadtest_runs"} <= names

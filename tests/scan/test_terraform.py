"""Terraform as static analysis sees it: expressions, lines, variables, locals, tfvars and
local modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from warden.scan._hclexpr import resolve
from warden.scan._model import Unknown
from warden.scan._terraform import load_terraform
from warden.scan._tfsource import index_lines

VARS: dict[str, Any] = {"env": "prod", "on": True, "m": {"k": "v"}, "n": 3}
LOCALS: dict[str, Any] = {"tags": {"team": "core"}}


def lookup(kind: str, name: str) -> Any:
    table = VARS if kind == "var" else LOCALS
    return table.get(name, Unknown(f"{kind}.{name}"))


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("plain", "plain"),
        ("${var.env}", "prod"),
        ("shop-${var.env}-db", "shop-prod-db"),
        ("${var.on ? 1 : 0}", 1),
        ("${var.n >= 7}", False),
        ("${merge(local.tags, {env = var.env})}", {"team": "core", "env": "prod"}),
        ('${lookup(var.m, "k", "x")}', "v"),
        ('${concat(["a"], ["b"])}', ["a", "b"]),
        ('${jsonencode({Action = "*"})}', {"Action": "*"}),
        ('x-${lookup(var.m, "k")}', "x-v"),
        ('{\\"a\\": 1}', '{"a": 1}'),
        (["${var.env}", 2], ["prod", 2]),
        ({"k": "${var.n}"}, {"k": 3}),
    ],
)
def test_expressions_are_evaluated(raw: Any, want: Any) -> None:
    assert resolve(raw, lookup) == want


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("${aws_subnet.public[*].id}", "aws_subnet.public[*].id"),
        ("${module.vpc.public_subnets}", "module.vpc.public_subnets"),
        ("${var.missing}", "var.missing"),
        ("${[for s in var.m : s]}", "[for s in var.m : s]"),
        ('${file("x.sh")}', "file(...)"),
    ],
)
def test_what_cannot_be_known_stays_unknown(raw: str, text: str) -> None:
    got = resolve(raw, lookup)
    assert isinstance(got, Unknown)
    assert got == text


def test_lines_of_blocks_and_nested_attributes() -> None:
    text = """resource "aws_security_group" "x" {
  name = "x"
  ingress {
    from_port = 22
  }
  ingress {
    from_port = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
  user_data = <<-EOT
    fake { = "not a block"
  EOT
}

variable "v" {
  default = 1
}
"""
    blocks = index_lines(text)
    assert [(b.kind, b.labels, b.start, b.end) for b in blocks] == [
        ("resource", ("aws_security_group", "x"), 1, 13),
        ("variable", ("v",), 15, 17),
    ]
    lines = blocks[0].lines
    assert lines["ingress[1].cidr_blocks"] == 8
    assert lines["ingress.from_port"] == 4
    assert lines["ingress[1].from_port"] == 7
    assert lines["user_data"] == 10


def _write(root: Path, files: dict[str, str]) -> list[Path]:
    out = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        out.append(path)
    return out


def test_variables_locals_tfvars_and_modules_are_resolved(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "modules/db/main.tf": 'variable "days" {\n  default = 7\n}\n'
            'resource "aws_db_instance" "this" {\n'
            "  backup_retention_period = var.days\n  tags = var.tags\n}\n",
            "environments/prod/main.tf": 'variable "days" {}\nlocals {\n  env = "production"\n}\n'
            'module "db" {\n  source = "../../modules/db"\n'
            "  days = var.days\n  tags = { env = local.env }\n}\n",
            "environments/prod/terraform.tfvars": "days = 2\n",
        },
    )
    notes: list[str] = []
    resources, _, dirs, roots = load_terraform(tmp_path, files, notes)
    assert roots == ["environments/prod"]
    assert sorted(dirs) == ["environments/prod", "modules/db"]
    (db,) = resources
    assert db.name == "module.db.aws_db_instance.this"
    assert db.context == "environments/prod"
    assert db.get("backup_retention_period") == 2
    assert db.production
    assert db.file == "modules/db/main.tf"
    assert db.line_of("backup_retention_period") == 5
    assert notes == []


def test_each_var_file_is_its_own_instance(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "env/main.tf": 'variable "size" {}\n'
            'resource "aws_ebs_volume" "v" {\n  size = var.size\n}\n',
            "env/small.tfvars": "size = 1\n",
            "env/large.tfvars": "size = 100\n",
        },
    )
    resources, _, _, _ = load_terraform(tmp_path, files, [])
    assert sorted((r.context, r.get("size")) for r in resources) == [
        ("env (large.tfvars)", 100),
        ("env (small.tfvars)", 1),
    ]


def test_invalid_hcl_is_a_note_not_a_crash(tmp_path: Path) -> None:
    files = _write(tmp_path, {"main.tf": 'resource "x" "y" {\n  a = \n'})
    notes: list[str] = []
    resources, _, _, _ = load_terraform(tmp_path, files, notes)
    assert resources == []
    assert notes
    assert "not valid HCL" in notes[0]

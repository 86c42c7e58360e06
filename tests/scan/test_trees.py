"""Every problem planted in the bad tree is found where it is written; the clean tree is clean.

The table lists each planted problem once by (finding id, file, line). Kustomize overlays
render base files once per overlay, so a problem of the base may be reported for each.
"""

from __future__ import annotations

import pytest

from scan.conftest import BAD, CLEAN, needs_kubectl
from warden.audit import Severity
from warden.scan import ScanOptions, scan_path

OPTIONS = ScanOptions(required_tags=("team", "env"))

PLANTED = [
    # secrets: cloud keys, private keys, passwords in variables, env, user data, manifests
    ("secret.cloud_key", ".env", 2),
    ("secret.cloud_key", ".env", 3),
    ("secret.password", ".env", 4),
    ("secret.cloud_key", "terraform/environments/production/main.tf", 3),
    ("secret.password", "terraform/environments/production/main.tf", 129),
    ("secret.password", "terraform/environments/production/variables.tf", 12),
    ("secret.password", "terraform/environments/staging/terraform.tfvars", 1),
    ("secret.password", "terraform/legacy/main.tf", 7),
    ("secret.private_key", "keys/deploy_key.pem", 1),
    ("secret.password", "docker/api/Dockerfile", 3),
    ("secret.password", "docker/docker-compose.yml", 7),
    ("secret.password", "kubernetes/base/secret.yaml", 7),
    ("secret.token", "kubernetes/base/worker.yaml", 31),
    ("secret.password", "kubernetes/overlays/production/kustomization.yaml", 11),
    ("secret.token", "scripts/bootstrap.sh", 3),
    # databases exposed
    ("db.public", "terraform/modules/database/main.tf", 16),
    ("db.public", "terraform/plan/production.plan.json", 8),
    ("db.public", "docker/docker-compose.yml", 5),
    ("db.public_subnet", "terraform/modules/database/main.tf", 3),
    # open security groups
    ("net.open_admin_port", "terraform/modules/network/main.tf", 32),
    ("net.open_db_port", "terraform/modules/network/main.tf", 36),
    # IAM beyond need
    ("iam.wildcard_action", "terraform/environments/production/main.tf", 42),
    ("iam.wildcard_action", "terraform/environments/production/main.tf", 67),
    ("iam.wildcard_resource", "terraform/environments/production/main.tf", 55),
    ("iam.admin_access", "terraform/environments/production/main.tf", 74),
    ("iam.wildcard_action", "kubernetes/base/rbac.yaml", 6),
    ("iam.admin_access", "kubernetes/base/rbac.yaml", 17),
    # containers
    ("container.root", "docker/api/Dockerfile", 1),
    ("container.root_explicit", "docker/worker/Dockerfile", 8),
    ("container.root_explicit", "docker/docker-compose.yml", 13),
    ("container.root", "kubernetes/base/deployment.yaml", 18),
    ("container.root_explicit", "legacy-k8s/cronjob.yaml", 16),
    ("container.privileged", "docker/docker-compose.yml", 12),
    ("container.host_namespace", "docker/docker-compose.yml", 18),
    ("container.host_namespace", "kubernetes/base/worker.yaml", 15),
    ("k8s.no_resources", "kubernetes/base/deployment.yaml", 18),
    ("k8s.no_probes", "kubernetes/base/deployment.yaml", 18),
    ("image.latest", "docker/api/Dockerfile", 1),
    ("image.latest", "docker/worker/Dockerfile", 1),
    ("image.latest", "docker/docker-compose.yml", 9),
    ("image.latest", "kubernetes/base/deployment.yaml", 19),
    ("image.latest", "kubernetes/base/worker.yaml", 21),
    # encryption at rest, public buckets
    ("storage.unencrypted", "terraform/modules/database/main.tf", 17),
    ("storage.unencrypted", "terraform/environments/production/main.tf", 134),
    ("storage.unencrypted", "terraform/plan/production.plan.json", 8),
    ("bucket.unencrypted", "terraform/modules/storage/main.tf", 5),
    ("bucket.public", "terraform/modules/storage/main.tf", 11),
    ("bucket.public", "terraform/modules/storage/main.tf", 16),
    # TLS
    ("tls.disabled", "terraform/environments/production/main.tf", 80),
    ("tls.old", "terraform/environments/production/main.tf", 92),
    ("tls.disabled", "terraform/environments/production/main.tf", 105),
    ("tls.ingress_plain", "kubernetes/base/ingress.yaml", 5),
    ("cert.expired", "certs/shop.crt", 1),
    # DR tiers
    ("dr.backup_retention", "terraform/modules/database/main.tf", 18),
    ("dr.backup_retention", "terraform/legacy/main.tf", 1),
    ("dr.no_multi_az", "terraform/modules/database/main.tf", 19),
    ("dr.no_multi_az", "terraform/environments/production/main.tf", 107),
    ("dr.no_pitr", "terraform/environments/production/main.tf", 111),
    ("dr.skip_final_snapshot", "terraform/modules/database/main.tf", 20),
    ("dr.no_deletion_protection", "terraform/modules/database/main.tf", 21),
    # cost
    ("cost.missing_tags", "terraform/environments/production/main.tf", 126),
    ("cost.no_spot", "terraform/environments/staging/main.tf", 30),
    # layout
    ("structure.terraform", "terraform/legacy", 1),
    ("structure.kustomize", "legacy-k8s/kustomization.yaml", 1),
]
RENDERED_ONLY = [("container.privileged", "kubernetes/overlays/production/privileged.yaml", 11)]


@pytest.fixture(scope="module")
def bad() -> set[tuple[str, str, int]]:
    report = scan_path(BAD, OPTIONS)
    assert not report.errors
    return {(f.id, f.file, f.line) for f in report.findings}


def test_at_least_forty_problems_are_planted() -> None:
    assert len(PLANTED) + len(RENDERED_ONLY) >= 40
    assert len(set(PLANTED)) == len(PLANTED)


@pytest.mark.parametrize(("finding", "file", "line"), PLANTED)
def test_planted_problem_is_found(
    bad: set[tuple[str, str, int]], finding: str, file: str, line: int
) -> None:
    assert (finding, file, line) in bad


@needs_kubectl
@pytest.mark.parametrize(("finding", "file", "line"), RENDERED_ONLY)
def test_a_patch_of_an_overlay_is_scanned_rendered(
    bad: set[tuple[str, str, int]], finding: str, file: str, line: int
) -> None:
    assert (finding, file, line) in bad


def test_every_check_has_a_planted_problem() -> None:
    from warden.scan import all_checks

    planted = {i for i, _, _ in PLANTED + RENDERED_ONLY}
    runtime = {"runtime.no_recent_drill", "runtime.private_db_answers", "cert.expiring"}
    declared = {i for c in all_checks() for i in c.finding_ids}
    assert declared - planted - runtime == set()


def test_the_clean_tree_has_no_finding() -> None:
    report = scan_path(CLEAN, OPTIONS)
    assert not report.errors
    assert not report.at_least(Severity.HIGH), report.findings
    assert report.findings == []


def test_the_clean_tree_has_no_finding_unrendered_either() -> None:
    report = scan_path(CLEAN, ScanOptions(required_tags=("team", "env"), kustomize="off"))
    assert report.findings == []


def test_without_kubectl_the_plain_files_are_scanned_and_the_report_says_so() -> None:
    report = scan_path(BAD, ScanOptions(kustomize="off"))
    got = {(f.id, f.file, f.line) for f in report.findings}
    assert ("container.root", "kubernetes/base/deployment.yaml", 18) in got
    assert ("iam.admin_access", "kubernetes/base/rbac.yaml", 17) in got
    assert not any(f.file.endswith("privileged.yaml") for f in report.findings)  # a patch
    assert any("not rendered" in n and "patches are not applied" in n for n in report.notes)


@needs_kubectl
def test_rendered_overlays_name_their_context() -> None:
    report = scan_path(BAD, OPTIONS)
    labels = {f.resource for f in report.findings if f.file == "kubernetes/base/ingress.yaml"}
    assert labels == {
        "kubernetes/overlays/production: Ingress/prod-api",
        "kubernetes/overlays/staging: Ingress/staging-api",
    }


def test_module_instances_carry_their_root() -> None:
    report = scan_path(BAD, OPTIONS)
    sg = [f for f in report.findings if f.id == "net.open_admin_port"]
    assert {f.resource.split(":")[0] for f in sg} == {
        "terraform/environments/production",
        "terraform/environments/staging",
    }
    retention = [
        f for f in report.findings if f.id == "dr.backup_retention" and "modules" in f.file
    ]
    assert [f.message for f in retention] == ["backups are kept 3 days (< 7)"]  # prod tfvars


def test_no_secret_value_is_ever_reported() -> None:
    report = scan_path(BAD, OPTIONS)
    for f in report.findings:
        assert "FAKE-" not in f.message + f.resource + f.fix
        assert "AKIAIOSFODNN7EXAMPLE" not in f.message

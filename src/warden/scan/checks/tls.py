"""TLS off or too old: plain HTTP listeners, viewers allowed on HTTP, caches and databases
without TLS in transit, TLS 1.0/1.1 policies, Ingresses without a tls section."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, as_list, blocks, truthy

OLD_POLICIES = (
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-TLS-1-0-2015-04",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-TLS13-1-0",
    "ELBSecurityPolicy-TLS13-1-1",
)
OLD_VERSIONS = {"SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLS1_0", "TLS1_1", "1.0", "1.1"}
_FIX_OLD = (
    "Require TLS 1.2 or later (ELBSecurityPolicy-TLS13-1-2-2021-06, TLSv1.2_2021, "
    'min_tls_version = "1.2").'
)


@register
class Tls(ScanCheck):
    type = "tls"
    finding_ids = ("tls.disabled", "tls.old", "tls.ingress_plain")
    reference = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r in facts.of_type("aws_lb_listener", "aws_alb_listener"):
            actions = [str(a.get("type")) for a in blocks(r.get("default_action"))]
            if str(r.get("protocol")) == "HTTP" and "redirect" not in actions:
                yield self.finding(
                    "tls.disabled",
                    Severity.HIGH,
                    r,
                    "the listener serves plain HTTP without redirecting to HTTPS",
                    "Listen on HTTPS (443) with a certificate; make the HTTP listener a redirect.",
                    line=r.line_of("protocol"),
                )
            if any(str(r.get("ssl_policy")).startswith(p) for p in OLD_POLICIES):
                yield self.finding(
                    "tls.old",
                    Severity.HIGH,
                    r,
                    f"ssl_policy {r.get('ssl_policy')} accepts TLS 1.0/1.1",
                    _FIX_OLD,
                    line=r.line_of("ssl_policy"),
                )
        for r in facts.of_type("aws_cloudfront_distribution"):
            if r.get("default_cache_behavior", "viewer_protocol_policy") == "allow-all":
                yield self.finding(
                    "tls.disabled",
                    Severity.HIGH,
                    r,
                    "viewers may use plain HTTP",
                    'Set viewer_protocol_policy = "redirect-to-https".',
                    line=r.line_of("default_cache_behavior.viewer_protocol_policy"),
                )
            if str(r.get("viewer_certificate", "minimum_protocol_version")) in OLD_VERSIONS:
                yield self.finding(
                    "tls.old",
                    Severity.HIGH,
                    r,
                    "the minimum TLS version is below 1.2",
                    _FIX_OLD,
                    line=r.line_of("viewer_certificate.minimum_protocol_version"),
                )
        for r in facts.of_type("aws_elasticache_replication_group"):
            if truthy(r.get("transit_encryption_enabled")) is not True:
                yield self.finding(
                    "tls.disabled",
                    Severity.HIGH,
                    r,
                    "Redis traffic is not encrypted in transit",
                    "Set transit_encryption_enabled = true (and auth_token or RBAC users).",
                    line=r.line_of("transit_encryption_enabled"),
                )
        for r in facts.of_type("aws_db_parameter_group", "aws_rds_cluster_parameter_group"):
            for i, p in enumerate(blocks(r.get("parameter"))):
                if (p.get("name"), str(p.get("value")).upper()) in (
                    ("rds.force_ssl", "0"),
                    ("require_secure_transport", "OFF"),
                    ("require_secure_transport", "0"),
                ):
                    yield self.finding(
                        "tls.disabled",
                        Severity.HIGH,
                        r,
                        f"{p.get('name')} lets clients connect without TLS",
                        "Set it to 1 / ON.",
                        line=r.line_of(f"parameter[{i}]"),
                    )
        for r in facts.resources:
            version = r.get("min_tls_version") or r.get("minimum_tls_version")
            if r.source in ("terraform", "plan") and str(version) in OLD_VERSIONS:
                yield self.finding(
                    "tls.old",
                    Severity.HIGH,
                    r,
                    f"minimum TLS version {version}",
                    _FIX_OLD,
                    line=r.line_of("min_tls_version", "minimum_tls_version"),
                )
            if (
                r.source in ("terraform", "plan")
                and truthy(r.get("ssl_enforcement_enabled")) is False
            ):
                yield self.finding(
                    "tls.disabled",
                    Severity.HIGH,
                    r,
                    "SSL enforcement is off",
                    "Set ssl_enforcement_enabled = true.",
                    line=r.line_of("ssl_enforcement_enabled"),
                )
        for r in facts.of_type("Ingress"):
            if not as_list(r.get("spec", "tls")):
                yield self.finding(
                    "tls.ingress_plain",
                    Severity.MEDIUM,
                    r,
                    "the Ingress has no tls section: it is served over plain HTTP",
                    "Add spec.tls with a certificate secret (cert-manager can issue it).",
                    line=r.line_of("spec"),
                )

"""Security groups and firewalls open to the whole internet on admin or database ports."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import Resource, ScanFacts, ScanFinding, as_list, blocks
from warden.scan.checks._helpers import OPEN, exposed, ports

_FIX = {
    "admin": "Allow SSH/RDP only from a VPN or bastion range, or use SSM Session Manager / "
    "IAP instead of an open port.",
    "db": "Allow the database port only from the application's security group or subnet.",
}


@register
class OpenPorts(ScanCheck):
    type = "net.open_ports"
    finding_ids = ("net.open_admin_port", "net.open_db_port")
    reference = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r, rule, path in _rules(facts):
            cidrs = [
                str(c)
                for key in (
                    "cidr_blocks",
                    "ipv6_cidr_blocks",
                    "cidr_ipv4",
                    "cidr_ipv6",
                    "source_ranges",
                    "source_address_prefix",
                    "source_address_prefixes",
                )
                for c in as_list(rule.get(key))
            ]
            wide = [c for c in cidrs if c in OPEN]
            if not wide:
                continue
            for lo, hi in _ranges(rule):
                for port, service, kind in exposed(lo, hi):
                    yield self.finding(
                        f"net.open_{kind}_port",
                        Severity.CRITICAL,
                        r,
                        f"{r.type} allows {wide[0]} to port {port} ({service})",
                        _FIX[kind],
                        line=r.line_of(
                            f"{path}.cidr_blocks",
                            f"{path}.source_ranges",
                            path,
                            "cidr_blocks",
                            "cidr_ipv4",
                            "source_address_prefix",
                        ),
                    )


def _rules(facts: ScanFacts) -> Iterator[tuple[Resource, Mapping[str, Any], str]]:
    for r in facts.of_type("aws_security_group"):
        for i, rule in enumerate(blocks(r.get("ingress"))):
            yield r, rule, f"ingress[{i}]"
    for r in facts.of_type("aws_security_group_rule"):
        if r.get("type") == "ingress":
            yield r, r.attrs, ""
    for r in facts.of_type("aws_vpc_security_group_ingress_rule"):
        yield r, {**r.attrs, "protocol": r.get("ip_protocol")}, ""
    for r in facts.of_type("google_compute_firewall"):
        if str(r.get("direction") or "INGRESS").upper() == "INGRESS":
            yield r, r.attrs, ""
    for r in facts.of_type("azurerm_network_security_rule"):
        if str(r.get("direction")) == "Inbound" and str(r.get("access")) == "Allow":
            yield r, r.attrs, ""


def _ranges(rule: Mapping[str, Any]) -> list[tuple[int, int]]:
    if "allow" in rule:  # GCP: allow { protocol, ports = ["22", "8000-9000"] }
        out = []
        for allow in blocks(rule.get("allow")):
            given = as_list(allow.get("ports")) or (
                ["0-65535"] if allow.get("protocol") in ("all", "tcp") else []
            )
            for p in given:
                lo, _, hi = str(p).partition("-")
                got = ports(lo, hi or lo)
                out += [got] if got else []
        return out
    if "destination_port_range" in rule:  # Azure
        text = str(rule.get("destination_port_range"))
        lo, _, hi = ("0-65535" if text == "*" else text).partition("-")
        got = ports(lo, hi or lo)
        return [got] if got else []
    got = ports(rule.get("from_port"), rule.get("to_port"), rule.get("protocol", "tcp"))
    return [got] if got else []

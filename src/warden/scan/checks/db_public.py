"""A managed database reachable from the internet, or placed in a public subnet; a Compose
database publishing its port on every interface."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, as_list, truthy
from warden.scan.checks._helpers import DB_PORTS, is_db_container, prefix, published

_FLAG = ("aws_db_instance", "aws_rds_cluster_instance", "aws_redshift_cluster")
_AZURE = (
    "azurerm_postgresql_flexible_server",
    "azurerm_mysql_flexible_server",
    "azurerm_postgresql_server",
    "azurerm_mysql_server",
    "azurerm_mssql_server",
)
_FIX = (
    "Set publicly_accessible = false, keep the database in private subnets and reach it "
    "from the application's security group (or through a bastion/VPN)."
)


@register
class PublicDatabase(ScanCheck):
    type = "db.public"
    finding_ids = ("db.public", "db.public_subnet")
    reference = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r in facts.of_type(*_FLAG, *_AZURE):
            key = "publicly_accessible" if r.type in _FLAG else "public_network_access_enabled"
            if truthy(r.get(key)):
                yield self.finding(
                    "db.public",
                    Severity.CRITICAL,
                    r,
                    f"{r.type} is publicly accessible ({key} = true)",
                    _FIX,
                    line=r.line_of(key),
                )
        for r in facts.of_type("google_sql_database_instance"):
            ip = r.get("settings", "ip_configuration") or {}
            nets = [
                n.get("value")
                for n in as_list(ip.get("authorized_networks") if isinstance(ip, dict) else None)
                if isinstance(n, dict)
            ]
            if (
                truthy(r.get("settings", "ip_configuration", "ipv4_enabled"))
                and "0.0.0.0/0" in nets
            ):
                yield self.finding(
                    "db.public",
                    Severity.CRITICAL,
                    r,
                    "Cloud SQL instance has a public IP open to 0.0.0.0/0",
                    _FIX,
                )
        for r in facts.of_type("aws_db_instance", "aws_rds_cluster"):
            group = str(r.get("db_subnet_group_name") or "")
            if "aws_db_subnet_group." not in group:
                continue
            name = group.split("aws_db_subnet_group.", 1)[1].split(".", maxsplit=1)[0]
            sg = facts.by_address(f"{prefix(r)}aws_db_subnet_group.{name}", r.context)
            subnets = [str(s) for s in as_list(sg.get("subnet_ids") if sg else None)]
            public = [s for s in subnets if "public" in s.lower() or _public_subnet(facts, s, r)]
            if sg is not None and public:
                yield self.finding(
                    "db.public_subnet",
                    Severity.HIGH,
                    (sg.file, sg.line_of("subnet_ids")),
                    f"{r.name} uses subnet group {sg.name} with public subnets ({public[0]})",
                    "Give the database a subnet group of private subnets (no route to an "
                    "internet gateway, no public IPs on launch).",
                    resource=r.label,
                )
        for c in facts.containers:
            if not is_db_container(c):
                continue
            for port, host, i in published(c):
                if host in ("0.0.0.0", "::", "") and port in DB_PORTS:  # noqa: S104
                    yield self.finding(
                        "db.public",
                        Severity.CRITICAL,
                        c.locate(f"ports[{i}]", "ports"),
                        f"{c.image} publishes port {port} on every interface of the host",
                        "Drop the ports: entry (services reach it on the Compose network) or "
                        "bind it to loopback: '127.0.0.1:5432:5432'.",
                        resource=c.label,
                    )


def _public_subnet(facts: ScanFacts, ref: str, r: object) -> bool:
    for s in facts.of_type("aws_subnet"):
        if s.name.split(".")[-1] in ref and truthy(s.get("map_public_ip_on_launch")):
            return True
    return False

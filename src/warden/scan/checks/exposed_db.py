"""A database the code declares private that answers on a non-loopback address the Warden
config names (runtime)."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, truthy
from warden.scan.checks._helpers import DB_PORTS, db_engine, image_engine, published

_FIX = (
    "Bind the database to a private interface (or loopback), or close the port in the "
    "firewall; then point Warden at the private address."
)


@register
class ExposedPrivateDatabase(ScanCheck):
    type = "runtime.exposed_db"
    finding_ids = ("runtime.private_db_answers",)
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/Database_Security_Cheat_Sheet.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        rt = facts.runtime
        if rt is None or not rt.answering:
            return
        private: list[tuple[str, str, int, str]] = []  # engine, file, line, resource
        for r in facts.of_type("aws_db_instance", "aws_rds_cluster"):
            engine = db_engine(r)
            if engine and truthy(r.get("publicly_accessible")) is not True:
                private.append((engine, r.file, r.line_of("publicly_accessible"), r.label))
        for c in facts.containers:
            engine = image_engine(str(c.image)) if c.source == "compose" and c.image else None
            wide = [
                p
                for p, host, _ in published(c)
                if host in ("0.0.0.0", "::", "")  # noqa: S104
                and p in DB_PORTS
            ]
            if engine and not wide:
                private.append((engine, c.file, c.line, c.label))
        for e in rt.answering:
            for engine, file, line, label in private:
                if engine == e.engine:
                    yield self.finding(
                        "runtime.private_db_answers",
                        Severity.HIGH,
                        (file, line),
                        f"declared private, but {e.host}:{e.port} (named by {e.where}) "
                        "accepts connections from this host",
                        _FIX,
                        resource=label,
                    )

"""Hard-coded secrets: cloud keys, private keys, passwords and tokens written in the tree."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, SecretHit

_IDS = {
    "cloud_key": ("secret.cloud_key", Severity.CRITICAL),
    "private_key": ("secret.private_key", Severity.CRITICAL),
    "password": ("secret.password", Severity.HIGH),
    "token": ("secret.token", Severity.HIGH),
}
_RANK = {"cloud_key": 0, "private_key": 1, "password": 2, "token": 3}


@register
class HardCodedSecrets(ScanCheck):
    type = "secret"
    finding_ids = tuple(i for i, _ in _IDS.values())
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        best: dict[tuple[str, int], SecretHit] = {}
        for hit in facts.secrets:  # one finding per line: the most specific kind wins
            key = (hit.file, hit.line)
            old = best.get(key)
            if old is None or (_RANK[hit.kind], not hit.resource) < (
                _RANK[old.kind],
                not old.resource,
            ):
                best[key] = hit
        for hit in best.values():
            id_, severity = _IDS[hit.kind]
            yield self.finding(
                id_,
                severity,
                hit,
                f"hard-coded secret: {hit.detail}",
                "Remove it from the code, rotate it (it is in the history), and read it at run "
                "time from a secrets manager (Vault, AWS Secrets Manager, SOPS, a Kubernetes "
                "Secret created outside the repository) or an environment variable.",
            )

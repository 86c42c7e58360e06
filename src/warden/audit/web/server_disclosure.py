"""Server software and version disclosed in response headers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register

_VERSION = re.compile(r"\d+\.\d+")
_ALWAYS = ("x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator")


@register
class ServerDisclosure(Check[WebFacts]):
    type = "web.server_disclosure"
    finding_ids = ("web.server_version",)

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        shown: dict[str, str] = {}
        for r in facts.responses():
            server = r.header("server")
            if server and _VERSION.search(server):
                shown.setdefault("Server", server)
            for name in _ALWAYS:
                value = r.header(name)
                if value:
                    shown.setdefault(name.title(), value)
        if not shown:
            return
        listed = "; ".join(f"{k}: {v}" for k, v in shown.items())
        yield self.finding(
            "web.server_version",
            Severity.LOW,
            facts.final_url,
            "the server discloses its software versions",
            listed + ".",
            "Exact versions tell an attacker which known vulnerabilities to try first.",
            "Hide them (nginx: server_tokens off; PHP: expose_php = Off; remove "
            "X-Powered-By in the framework or proxy).",
        )

"""Content-Security-Policy: present, and not defeated by 'unsafe-inline' or wildcards."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register
from warden.audit.web._headers import csp_directives


@register
class Csp(Check[WebFacts]):
    type = "web.csp"
    finding_ids = ("web.csp_missing", "web.csp_unsafe")

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        policy = facts.page.header("content-security-policy") or facts.refs.meta_csp
        if not policy:
            yield self.finding(
                "web.csp_missing",
                Severity.MEDIUM,
                facts.final_url,
                "no Content-Security-Policy",
                "neither a Content-Security-Policy header nor a <meta http-equiv> policy.",
                "A CSP is the second line of defence against cross-site scripting: it stops "
                "injected scripts from running or sending data away.",
                "Start with Content-Security-Policy-Report-Only: default-src 'self'; watch the "
                "reports, then enforce it.",
            )
            return
        directives = csp_directives(policy)
        scripts = directives.get("script-src", directives.get("default-src", []))
        has_nonce = any(
            s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for s in scripts
        )
        weak = []
        if "'unsafe-inline'" in scripts and not has_nonce:
            weak.append("'unsafe-inline'")
        if "'unsafe-eval'" in scripts:
            weak.append("'unsafe-eval'")
        if "*" in scripts or "data:" in scripts or "http:" in scripts or "https:" in scripts:
            weak.append("a wildcard source")
        if weak:
            yield self.finding(
                "web.csp_unsafe",
                Severity.LOW,
                facts.final_url,
                f"the CSP allows scripts via {', '.join(weak)}",
                f"script sources: {' '.join(scripts) or '(none)'}.",
                "With these sources an injected script still runs: the policy protects little.",
                "Replace inline scripts with files or nonces ('nonce-...'), drop 'unsafe-eval' "
                "and wildcards from script-src.",
            )

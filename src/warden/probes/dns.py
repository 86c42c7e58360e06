"""The ``dns`` probe: ask a resolver for one name and record type, check the rcode and answers.

The query goes to ``server`` (``host:port``) or to the system's nameservers (/etc/resolv.conf),
over UDP (falling back to TCP when the reply is truncated) or TCP. Answers are compared in a
normal form: IP addresses canonical, names lower-case without the final dot, TXT strings joined.
An MX, SRV or CAA answer also matches its target name / value alone (``mail.example.com``).
"""

from __future__ import annotations

import ipaddress
from typing import Literal

import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.resolver
import dns.reversename
from dns.rdtypes.ANY.CAA import CAA
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.ANY.TXT import TXT
from dns.rdtypes.IN.SRV import SRV
from pydantic import Field, field_validator

from warden.config._base import ConfigModel
from warden.probes._base import Probe, ProbeConfig, register
from warden.probes._net import (
    Stopwatch,
    Verdict,
    down,
    one_line,
    run_check,
    split_host_port,
    up,
)
from warden.results import CheckResult, ErrorClass

RecordType = Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "PTR", "CAA"]


class DnsExpect(ConfigModel):
    rcode: str = Field("NOERROR", description="Expected response code: NOERROR, NXDOMAIN, ...")
    all_of: list[str] = Field(default_factory=list, description="Every one must be answered.")
    any_of: list[str] = Field(default_factory=list, description="At least one must be answered.")
    contains: str | None = Field(None, description="A substring of at least one answer.")
    min_answers: int = Field(1, ge=0, description="Fewest answers accepted (with NOERROR).")

    @field_validator("rcode")
    @classmethod
    def _rcode(cls, value: str) -> str:
        try:
            return dns.rcode.to_text(dns.rcode.from_text(value.upper()))
        except dns.rcode.UnknownRcode:
            raise ValueError(f"{value!r} is not a DNS rcode (NOERROR, NXDOMAIN, ...)") from None


class DnsConfig(ProbeConfig):
    name: str = Field(min_length=1, description="Name to look up (an IP address for PTR).")
    type: RecordType = Field("A", description="Record type.")
    server: str | None = Field(None, description="Resolver host:port; default the system's.")
    transport: Literal["udp", "tcp"] = "udp"
    expect: DnsExpect = Field(default_factory=DnsExpect)

    @field_validator("server")
    @classmethod
    def _server(cls, value: str | None) -> str | None:
        if value is not None:
            host, _ = split_host_port(value, 53)
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise ValueError("server must be an IP address (with an optional :port)") from None
        return value

    def target(self) -> str:
        return f"{self.type} {self.name}" + (f" @{self.server}" if self.server else "")


def system_nameservers() -> list[tuple[str, int]]:
    """Plain-DNS nameservers of /etc/resolv.conf as (address, port)."""
    resolver = dns.resolver.Resolver()
    found: list[tuple[str, int]] = []
    for ns in resolver.nameservers:
        if isinstance(ns, dns.nameserver.Do53Nameserver):
            found.append((ns.address, ns.port))
        elif isinstance(ns, str) and not ns.startswith("https:"):
            found.append((ns, resolver.nameserver_ports.get(ns, resolver.port)))
    return found


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    if isinstance(exc, dns.exception.Timeout):
        return ErrorClass.TIMEOUT
    if isinstance(exc, dns.resolver.NoResolverConfiguration):
        return ErrorClass.DNS
    if isinstance(exc, dns.exception.DNSException | EOFError):
        return ErrorClass.PROTOCOL  # a reply that is not a valid answer to the query
    return None


@register
class DnsProbe(Probe[DnsConfig]):
    type = "dns"
    config_model = DnsConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, EOFError, dns.exception.DNSException),
            classify=classify,
        )

    def _servers(self) -> list[tuple[str, int]]:
        if self.config.server:
            host, port = split_host_port(self.config.server, 53)
            return [(host, port)]
        return system_nameservers()

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        rdtype = dns.rdatatype.from_text(cfg.type)
        query = dns.message.make_query(_qname(cfg.name, cfg.type), rdtype)
        servers = self._servers()
        if not servers:
            return down(ErrorClass.DNS, "no nameserver configured (set server:)")
        each = self.timeout / len(servers)
        with watch.phase("dns"):
            response = await self._ask(query, servers, each)
        return judge(response, rdtype, cfg)

    async def _ask(
        self, query: dns.message.Message, servers: list[tuple[str, int]], timeout: float
    ) -> dns.message.Message:
        """The first answer among ``servers``; the last error if none answers."""
        last: Exception | None = None
        for host, port in servers:
            try:
                if self.config.transport == "tcp":
                    return await dns.asyncquery.tcp(query, host, timeout=timeout, port=port)
                response, _ = await dns.asyncquery.udp_with_fallback(
                    query, host, timeout=timeout, port=port
                )
                return response
            except (OSError, dns.exception.Timeout) as exc:
                last = exc
        assert last is not None
        raise last


def _qname(name: str, rtype: str) -> dns.name.Name:
    if rtype == "PTR":
        try:
            return dns.reversename.from_address(name)
        except (ValueError, dns.exception.SyntaxError):
            pass
    return dns.name.from_text(name)


def judge(
    response: dns.message.Message, rdtype: dns.rdatatype.RdataType, cfg: DnsConfig
) -> Verdict:
    """Check the rcode, then the answers of the asked type (following any CNAME chain)."""
    expect = cfg.expect
    what = f"{cfg.type} {cfg.name}"
    rcode = dns.rcode.to_text(response.rcode())
    if rcode != expect.rcode:
        error = ErrorClass.DNS if expect.rcode == "NOERROR" else ErrorClass.ASSERTION
        return down(error, f"{what}: got {rcode}, expected {expect.rcode}")
    if expect.rcode != "NOERROR":
        return up(f"{what}: {rcode} as expected")
    rrsets = [r for r in response.answer if r.rdtype == rdtype]
    answers = [rd for rrset in rrsets for rd in rrset]
    metrics = {"answers": float(len(answers))}
    if rrsets:
        metrics["ttl"] = float(min(r.ttl for r in rrsets))
    forms = [answer_forms(rd) for rd in answers]
    shown = one_line(", ".join(sorted(f[0] for f in forms)) or "no answers", 200)
    problem = _problem(expect, forms, cfg.type)
    if problem:
        return down(ErrorClass.ASSERTION, f"{what}: {problem} (got {shown})", metrics)
    return up(f"{what}: {shown}", metrics)


def _problem(expect: DnsExpect, forms: list[list[str]], rtype: str) -> str | None:
    if len(forms) < expect.min_answers:
        return f"{len(forms)} answers, expected at least {expect.min_answers}"
    answered = {f for form in forms for f in form}
    missing = [e for e in expect.all_of if normalize(e, rtype) not in answered]
    if missing:
        return f"missing {', '.join(missing)}"
    if expect.any_of and not any(normalize(e, rtype) in answered for e in expect.any_of):
        return f"none of {', '.join(expect.any_of)}"
    if expect.contains is not None:
        needle = normalize(expect.contains, rtype) if rtype != "TXT" else expect.contains
        if not any(needle in f for f in answered):
            return f"no answer contains {expect.contains!r}"
    return None


def normalize(text: str, rtype: str) -> str:
    """The comparable form of an expected or answered value of type ``rtype``."""
    text = text.strip()
    if rtype in ("A", "AAAA"):
        try:
            return ipaddress.ip_address(text).compressed
        except ValueError:
            return text
    if rtype == "TXT":
        return text
    return " ".join(part.rstrip(".") for part in text.lower().split())


def answer_forms(rd: dns.rdata.Rdata) -> list[str]:
    """The forms an answer matches; the first is how it is shown."""
    rtype = dns.rdatatype.to_text(rd.rdtype)
    if isinstance(rd, TXT):
        return [normalize(b"".join(rd.strings).decode("utf-8", "replace"), rtype)]
    forms = [normalize(rd.to_text(), rtype)]
    if isinstance(rd, MX):
        forms.append(normalize(rd.exchange.to_text(), rtype))
    elif isinstance(rd, SRV):
        forms.append(normalize(rd.target.to_text(), rtype))
    elif isinstance(rd, CAA):
        forms.append(normalize(rd.value.decode("utf-8", "replace"), rtype))
    return forms

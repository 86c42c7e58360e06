"""The dns probe against a tiny UDP+TCP DNS server on 127.0.0.1 built from dnspython messages."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.rrset
import pydantic
import pytest

import warden.probes.dns as dns_probe
from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes.dns import DnsConfig, DnsProbe
from warden.results import CheckResult, ErrorClass, Status

ZONE: dict[tuple[str, str], list[str]] = {
    ("www.example.test.", "A"): ["192.0.2.10", "192.0.2.11"],
    ("www.example.test.", "AAAA"): ["2001:db8::1"],
    ("alias.example.test.", "CNAME"): ["www.example.test."],
    ("example.test.", "MX"): ["10 mail.example.test.", "20 backup.example.test."],
    ("example.test.", "TXT"): ['"v=spf1 -all"', '"hello" "world"'],
    ("example.test.", "NS"): ["ns1.example.test."],
    ("example.test.", "SOA"): ["ns1.example.test. hostmaster.example.test. 7 3600 600 86400 300"],
    ("_https._tcp.example.test.", "SRV"): ["0 5 443 www.example.test."],
    ("10.2.0.192.in-addr.arpa.", "PTR"): ["www.example.test."],
    ("example.test.", "CAA"): ['0 issue "letsencrypt.org"'],
    ("big.example.test.", "TXT"): [f'"{i:02d} {"x" * 200}"' for i in range(10)],
}


def answer(wire: bytes, max_size: int) -> bytes:
    """The response to one query: zone data, NXDOMAIN, or SERVFAIL for names under fail."""
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    question = query.question[0]
    name, rtype = question.name.to_text(), dns.rdatatype.to_text(question.rdtype)
    if name.startswith("fail."):
        response.set_rcode(dns.rcode.SERVFAIL)
    elif not any(owner == name for owner, _ in ZONE):
        response.set_rcode(dns.rcode.NXDOMAIN)
    else:
        if (name, "CNAME") in ZONE and rtype != "CNAME":
            target = ZONE[(name, "CNAME")][0]
            response.answer.append(dns.rrset.from_text_list(name, 300, "IN", "CNAME", [target]))
            name = target
        if (name, rtype) in ZONE:
            rrset = dns.rrset.from_text_list(name, 60, "IN", rtype, ZONE[(name, rtype)])
            response.answer.append(rrset)
    try:
        return response.to_wire(max_size=max_size)
    except dns.exception.TooBig:
        response.answer.clear()
        response.flags |= dns.flags.TC
        return response.to_wire()


@dataclass
class DnsServer:
    port: int
    seen: list[str] = field(default_factory=list)  # "udp" / "tcp" per query


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.server.seen.append("udp")
        assert self.transport is not None
        self.transport.sendto(answer(data, 512), addr)


@pytest.fixture
async def server() -> AsyncIterator[DnsServer]:
    """One port, both transports: TCP listens first, UDP binds the same number."""
    loop = asyncio.get_running_loop()
    holder: list[DnsServer] = []

    async def tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        holder[0].seen.append("tcp")
        (size,) = struct.unpack("!H", await reader.readexactly(2))
        reply = answer(await reader.readexactly(size), 65535)
        writer.write(struct.pack("!H", len(reply)) + reply)
        await writer.drain()
        writer.close()

    tcp_server = await asyncio.start_server(tcp, "127.0.0.1", 0)
    port = tcp_server.sockets[0].getsockname()[1]
    holder.append(DnsServer(port))
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Udp(holder[0]), local_addr=("127.0.0.1", port)
    )
    yield holder[0]
    transport.close()
    tcp_server.close()
    await tcp_server.wait_closed()


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    probe = DnsProbe("dns-test", DnsConfig.model_validate(config), timeout, ProbeDeps())
    return await probe.check()


UP, DOWN = Status.UP, Status.DOWN


@pytest.mark.parametrize(
    ("name", "rtype", "expect", "status", "error"),
    [
        ("www.example.test", "A", {"all_of": ["192.0.2.10", "192.0.2.11"]}, UP, ""),
        ("www.example.test", "A", {"any_of": ["192.0.2.99", "192.0.2.11"]}, UP, ""),
        ("www.example.test", "A", {"all_of": ["192.0.2.10", "192.0.2.99"]}, DOWN, "assertion"),
        ("www.example.test", "A", {"any_of": ["192.0.2.98", "192.0.2.99"]}, DOWN, "assertion"),
        ("www.example.test", "AAAA", {"all_of": ["2001:0db8:0:0::1"]}, UP, ""),
        ("alias.example.test", "A", {"all_of": ["192.0.2.10"]}, UP, ""),
        ("alias.example.test", "CNAME", {"all_of": ["WWW.example.test."]}, UP, ""),
        (
            "example.test",
            "MX",
            {"all_of": ["mail.example.test", "20 backup.example.test."]},
            UP,
            "",
        ),
        ("example.test", "TXT", {"all_of": ["helloworld"], "contains": "v=spf1"}, UP, ""),
        ("example.test", "TXT", {"contains": "V=SPF1"}, DOWN, "assertion"),
        ("example.test", "NS", {"all_of": ["ns1.example.test"]}, UP, ""),
        ("example.test", "SOA", {"contains": "hostmaster.example.test"}, UP, ""),
        ("_https._tcp.example.test", "SRV", {"any_of": ["www.example.test"]}, UP, ""),
        ("192.0.2.10", "PTR", {"all_of": ["www.example.test"]}, UP, ""),
        ("example.test", "CAA", {"any_of": ["letsencrypt.org"]}, UP, ""),
        ("example.test", "A", {}, DOWN, "assertion"),
        ("example.test", "A", {"min_answers": 0}, UP, ""),
        ("nx.example.test", "A", {}, DOWN, "dns"),
        ("nx.example.test", "A", {"rcode": "nxdomain"}, UP, ""),
        ("www.example.test", "A", {"rcode": "NXDOMAIN"}, DOWN, "assertion"),
        ("fail.example.test", "A", {}, DOWN, "dns"),
    ],
)
async def test_answers(
    server: DnsServer,
    name: str,
    rtype: str,
    expect: dict[str, Any],
    status: Status,
    error: str,
) -> None:
    config = {"name": name, "type": rtype, "server": f"127.0.0.1:{server.port}", "expect": expect}
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert set(result.phases) == {"dns"}
    assert server.seen == ["udp"]
    if status is UP and "rcode" not in expect and expect.get("min_answers") != 0:
        assert result.metrics["answers"] >= 1
        assert result.metrics["ttl"] == 60


async def test_message_shows_the_answers(server: DnsServer) -> None:
    result = await run({"name": "www.example.test", "server": f"127.0.0.1:{server.port}"})
    assert result.message == "A www.example.test: 192.0.2.10, 192.0.2.11"
    assert result.metrics == {"answers": 2.0, "ttl": 60.0}


async def test_truncated_udp_reply_falls_back_to_tcp(server: DnsServer) -> None:
    config = {"name": "big.example.test", "type": "TXT", "server": f"127.0.0.1:{server.port}"}
    result = await run({**config, "expect": {"contains": "09 xxx"}})
    assert result.status is Status.UP, result.message
    assert result.metrics["answers"] == 10
    assert server.seen == ["udp", "tcp"]


async def test_tcp_transport(server: DnsServer) -> None:
    config = {"name": "www.example.test", "server": f"127.0.0.1:{server.port}", "transport": "tcp"}
    result = await run(config)
    assert result.status is Status.UP, result.message
    assert server.seen == ["tcp"]


@pytest.mark.parametrize(
    ("transport", "error"),
    # UDP hears no "port unreachable" (dnspython's socket is not connected): it waits it out.
    [("udp", ErrorClass.TIMEOUT), ("tcp", ErrorClass.REFUSED)],
)
async def test_no_server_listening(transport: str, error: ErrorClass) -> None:
    config = {"name": "x.test", "server": f"127.0.0.1:{free_port()}", "transport": transport}
    result = await run(config, timeout=0.5)
    assert result.status is Status.DOWN
    assert result.error is error, result.message


async def test_silent_server_times_out() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
        mute.bind(("127.0.0.1", 0))
        port = mute.getsockname()[1]
        result = await run({"name": "x.test", "server": f"127.0.0.1:{port}"}, timeout=0.3)
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TIMEOUT


class _Junk(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.transport.sendto(data[:2] + b"\x81", addr)  # the right id, then nonsense


async def test_garbage_reply_is_a_protocol_error() -> None:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(_Junk, local_addr=("127.0.0.1", 0))
    try:
        port = transport.get_extra_info("sockname")[1]
        result = await run({"name": "x.test", "server": f"127.0.0.1:{port}"}, timeout=2.0)
    finally:
        transport.close()
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.PROTOCOL, result.message


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (dns.exception.Timeout(), ErrorClass.TIMEOUT),
        (dns.message.ShortHeader(), ErrorClass.PROTOCOL),
        (dns.resolver.NoResolverConfiguration(), ErrorClass.DNS),
        (ConnectionRefusedError(), None),
    ],
)
def test_classify(exc: BaseException, error: ErrorClass | None) -> None:
    assert dns_probe.classify(exc, "dns") == error


async def test_default_resolver_is_the_systems(
    server: DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dns_probe, "system_nameservers", lambda: [("127.0.0.1", server.port)])
    result = await run({"name": "www.example.test"})
    assert result.status is Status.UP, result.message
    assert server.seen == ["udp"]


def test_system_nameservers_reads_resolv_conf() -> None:
    found = dns_probe.system_nameservers()  # reads /etc/resolv.conf, sends nothing
    assert all(isinstance(h, str) and isinstance(p, int) for h, p in found)


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"name": "a.test", "type": "MXX"}, "Input should be"),
        ({"name": "a.test", "expect": {"rcode": "NOPE"}}, "not a DNS rcode"),
        ({"name": "a.test", "server": "dns.example:53"}, "must be an IP address"),
        ({"name": "a.test", "server": "127.0.0.1:99999"}, "bad port"),
        ({"name": "a.test", "transport": "quic"}, "Input should be 'udp' or 'tcp'"),
        ({"name": ""}, "at least 1 character"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        DnsConfig.model_validate(config)


@pytest.mark.parametrize(
    ("config", "target"),
    [
        ({"name": "a.test"}, "A a.test"),
        ({"name": "a.test", "type": "MX", "server": "[::1]:5353"}, "MX a.test @[::1]:5353"),
    ],
)
def test_target(config: dict[str, Any], target: str) -> None:
    assert DnsConfig.model_validate(config).target() == target

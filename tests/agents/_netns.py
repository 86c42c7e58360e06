"""Network namespaces for the agent tests: a private bridge on this host and one namespace per
location joined to it by a veth pair, each with its own ``tc netem`` delay.

A kernel built without netem (``Specified qdisc kind is unknown``) leaves ``netem`` false, and
the caller adds the delay another way. Every name carries a random suffix, the subnet is a /24
of 10.0.0.0/8 that no route uses, and ``teardown`` deletes whatever was made even when the
setup stopped half-way. Only root can do this (``ip`` from iproute2; ``tc`` for netem).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field


class NetnsUnavailable(Exception):
    """This machine cannot make namespaces for the test (not root, no iproute2, no rights)."""


def ip(*args: str, ns: str | None = None) -> None:
    cmd = ["ip", *args] if ns is None else ["ip", "netns", "exec", ns, "ip", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")


def _free_subnet() -> ipaddress.IPv4Network:
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True, check=True)
    used = [ipaddress.ip_network(w, strict=False) for w in routes.stdout.split() if "/" in w]
    for _ in range(50):
        net = ipaddress.ip_network(
            f"10.{secrets.randbelow(200) + 50}.{secrets.randbelow(250)}.0/24"
        )
        if not any(net.overlaps(u) for u in used):
            return net
    raise NetnsUnavailable("no free /24 in 10.0.0.0/8")


@dataclass
class Location:
    name: str
    netns: str
    host_if: str
    ns_if: str
    address: str
    delay_ms: int


@dataclass
class Lab:
    suffix: str = field(default_factory=lambda: secrets.token_hex(2))
    bridge: str = ""
    gateway: str = ""
    locations: list[Location] = field(default_factory=list)
    made: list[tuple[str, str]] = field(default_factory=list)  # ("netns"|"link", name)
    netem: bool = True  # False when the kernel has no netem qdisc

    def setup(self, names: list[str], delays_ms: list[int]) -> Lab:
        if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("tc") is None:
            raise NetnsUnavailable("needs root, ip and tc (iproute2)")
        net = _free_subnet()
        hosts = list(net.hosts())
        self.gateway = str(hosts[0])
        self.bridge = f"wdb{self.suffix}"
        try:
            ip("link", "add", self.bridge, "type", "bridge")
        except RuntimeError as exc:
            raise NetnsUnavailable(str(exc)) from None
        self.made.append(("link", self.bridge))
        ip("addr", "add", f"{self.gateway}/{net.prefixlen}", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        for i, (name, delay) in enumerate(zip(names, delays_ms, strict=True)):
            loc = Location(
                name, f"wdn{self.suffix}{i}", f"wdh{self.suffix}{i}", f"wdv{self.suffix}{i}",
                str(hosts[10 + i]), delay,
            )  # fmt: skip
            ip("netns", "add", loc.netns)
            self.made.append(("netns", loc.netns))
            ip("link", "add", loc.host_if, "type", "veth", "peer", "name", loc.ns_if)
            self.made.append(("link", loc.host_if))
            ip("link", "set", loc.ns_if, "netns", loc.netns)
            ip("link", "set", loc.host_if, "master", self.bridge)
            ip("link", "set", loc.host_if, "up")
            ip("link", "set", "lo", "up", ns=loc.netns)
            ip("addr", "add", f"{loc.address}/{net.prefixlen}", "dev", loc.ns_if, ns=loc.netns)
            ip("link", "set", loc.ns_if, "up", ns=loc.netns)
            ip("route", "add", "default", "via", self.gateway, ns=loc.netns)
            tc = ["tc", "qdisc", "add", "dev", loc.ns_if, "root", "netem", "delay", f"{delay}ms"]
            done = subprocess.run(
                ["ip", "netns", "exec", loc.netns, *tc],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            if done.returncode != 0:
                if "unknown" not in done.stderr:
                    raise RuntimeError(f"tc netem: {done.stderr.strip()}")
                self.netem = False  # this kernel has no netem (the test delays elsewhere)
            self.locations.append(loc)
        return self

    def cut(self, loc: Location) -> None:
        """Cut the location off: its link to the bridge goes down."""
        ip("link", "set", loc.host_if, "down")

    def restore(self, loc: Location) -> None:
        ip("link", "set", loc.host_if, "up")

    def teardown(self) -> list[str]:
        """Delete everything made, newest first; returns what could not be deleted."""
        left = []
        for kind, name in reversed(self.made):
            args = ["netns", "delete", name] if kind == "netns" else ["link", "delete", name]
            try:
                ip(*args)
            except RuntimeError as exc:
                if "Cannot find" not in str(exc) and "No such" not in str(exc):
                    left.append(str(exc))
        self.made.clear()
        return left

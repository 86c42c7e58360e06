"""What the benchmark scripts share: free ports, waiting for a server, and a throwaway nginx.

Scripts run as ``python bench/<name>.py``, so ``bench/`` is on ``sys.path`` and they import
this module as ``_common``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str, seconds: float = 10) -> None:
    """Wait until ``proc`` listens on 127.0.0.1:``port``; exit with a message if it dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"error: {what} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise SystemExit(f"error: {what} did not listen on 127.0.0.1:{port}")


@contextlib.contextmanager
def stopping(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Terminate ``proc`` on the way out (kill it if it does not stop within 5 s)."""
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    return found or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@contextlib.contextmanager
def nginx(prefix: Path, server: str, listen_suffix: str = "") -> Iterator[int]:
    """Run nginx (one worker) with ``server`` as its server block body; yields its port."""
    exe = nginx_binary()
    if exe is None:
        raise SystemExit("error: nginx is not installed (apt-get install nginx-light)")
    port = free_port()
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = textwrap.dedent(f"""\
        {user}
        worker_processes 1;
        daemon off;
        error_log {prefix}/logs/error.log warn;
        pid {prefix}/nginx.pid;
        events {{ worker_connections 8192; }}
        http {{
          access_log off;
          keepalive_requests 10000000;
          client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
          fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi;
          scgi_temp_path {prefix}/scgi;
          server {{
            listen 127.0.0.1:{port} backlog=4096{listen_suffix};
        {textwrap.indent(server, "    ")}
          }}
        }}
        """)
    (prefix / "nginx.conf").write_text(conf)
    proc = subprocess.Popen(
        [exe, "-p", str(prefix), "-c", str(prefix / "nginx.conf")], stderr=subprocess.DEVNULL
    )
    with stopping(proc):
        wait_port(port, proc, "nginx")
        yield port

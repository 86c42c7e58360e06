"""The deploy tests' deploy and rollback: ``python switch.py DIR PORT`` points nginx's upstream
at PORT and reloads nginx (the master's pid is in DIR/nginx.pid)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

work, port = Path(sys.argv[1]), int(sys.argv[2])
(work / "upstream.conf").write_text(f"upstream app {{ server 127.0.0.1:{port}; }}\n")
pid = int((work / "nginx.pid").read_text().split()[0])
os.kill(pid, signal.SIGHUP)

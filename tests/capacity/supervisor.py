"""A small supervisor of local HTTP workers behind nginx, the command action of the scaling
end-to-end test: ``python supervisor.py DIR SIZE`` starts or stops workers until SIZE run,
writes nginx's upstream file and reloads nginx (its master's pid in DIR/nginx.pid).

Each worker is ``python supervisor.py DIR worker PORT``: an HTTP server answering 200 after a
millisecond of work. State (port -> pid) is kept in DIR/workers.json; sizes applied are
appended to DIR/sizes.log.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int) -> None:
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"worker on {port} did not start")


def scale(directory: Path, size: int) -> None:
    state = directory / "workers.json"
    workers: dict[str, int] = json.loads(state.read_text()) if state.exists() else {}
    while len(workers) < size:
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, __file__, str(directory), "worker", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        _wait(port)
        workers[str(port)] = proc.pid
    while len(workers) > size:
        port = max(workers)
        os.kill(workers.pop(port), signal.SIGTERM)
    servers = "".join(f"  server 127.0.0.1:{p};\n" for p in sorted(workers))
    (directory / "upstream.conf").write_text(f"upstream app {{\n{servers}}}\n")
    state.write_text(json.dumps(workers))
    pid_file = directory / "nginx.pid"
    if pid_file.exists():
        os.kill(int(pid_file.read_text().strip()), signal.SIGHUP)
    with (directory / "sizes.log").open("a") as log:
        log.write(f"{size}\n")


def stop_all(directory: Path) -> None:
    state = directory / "workers.json"
    for pid in json.loads(state.read_text()).values() if state.exists() else []:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


class _Worker(BaseHTTPRequestHandler):
    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        end = time.perf_counter() + 0.001
        while time.perf_counter() < end:
            pass
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")


def main() -> None:
    directory = Path(sys.argv[1])
    if sys.argv[2] == "worker":
        server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[3])), _Worker)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        server.serve_forever()
        return
    scale(directory, int(sys.argv[2]))


if __name__ == "__main__":
    main()

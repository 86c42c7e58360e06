"""A small app for the deploy tests: ``python versioned_app.py PORT VERSION ERROR_EVERY``
answers ``VERSION`` on every request, and a 500 on every ERROR_EVERY-th (0: never)."""

from __future__ import annotations

import itertools
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, VERSION, EVERY = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
COUNT = itertools.count(1)


class App(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        n = next(COUNT)
        failing = EVERY > 0 and n % EVERY == 0
        body = f"{VERSION}\n".encode()
        self.send_response(500 if failing else 200)
        self.send_header("X-Version", VERSION)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), App).serve_forever()

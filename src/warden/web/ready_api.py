"""Readiness runs through the API: ``POST /api/v1/ready`` (operator) starts a bounded ramp
in the background and answers 202 with its id; ``GET /api/v1/ready/{id}`` gives its state and,
once done, the JSON of ``warden ready --json``; ``GET /api/v1/ready`` lists the recent runs.

One run at a time; loopback targets only (a remote target needs the CLI's --allow-remote);
at most 10 levels of at most 60 s. Runs are kept in memory (the last 20).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web, bad, json
from warden.web.users import Role

KEEP = 20


class ReadyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str
    traffic: float = Field(10.0, ge=1, le=1000, description="Times today's peak.")
    peak: float | None = Field(None, gt=0)
    service: str | None = None
    paths: list[str] = Field(default_factory=lambda: ["/"], min_length=1, max_length=20)
    steps: int = Field(5, ge=1, le=10)
    step_duration: float = Field(20.0, ge=1, le=60)
    p95_ms: float = Field(200.0, gt=0)
    error_rate: float = Field(0.001, ge=0, le=1)
    databases: list[str] = Field(default_factory=list, max_length=5)


class Runs:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.runs: OrderedDict[int, dict[str, Any]] = OrderedDict()

    def busy(self) -> bool:
        return any(r["status"] == "running" for r in self.runs.values())

    def add(self, body: ReadyBody, started: float) -> int:
        run_id = next(self.ids)
        self.runs[run_id] = {
            "id": run_id, "status": "running", "started": started,
            "request": body.model_dump(), "result": None, "error": None,
        }  # fmt: skip
        while len(self.runs) > KEEP:
            self.runs.popitem(last=False)
        return run_id


def ready_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard
    runs = Runs()

    def work(run_id: int, body: ReadyBody) -> None:
        from warden.capacity.readiness import Budget, ReadyRequest, run_readiness

        request = ReadyRequest(
            body.target, body.traffic, body.peak, body.service, tuple(body.paths), body.steps,
            body.step_duration, Budget(p95_ms=body.p95_ms, error_rate=body.error_rate),
            tuple(body.databases), allow_remote=False,
        )  # fmt: skip
        try:
            data = run_readiness(request, engine=web.engine, capacity=web.app.config.capacity,
                                 config_path=None, now=time.time())  # fmt: skip
            update: dict[str, Any] = {"status": "done", "result": data}
        except Exception as exc:  # a refused target, no peak, a failed run: said, not raised
            update = {"status": "failed", "error": str(exc)}
        with runs.lock:
            if run_id in runs.runs:
                runs.runs[run_id].update(update, finished=time.time())

    @guard(Role.OPERATOR)
    async def start(request: Request) -> Response:
        from warden.web.api import read_json_body

        try:
            body = ReadyBody.model_validate(await read_json_body(request))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise bad(f"{where}: {first['msg']}") from None
        with runs.lock:
            if runs.busy():
                raise HTTPException(409, "a readiness run is already going")
            run_id = runs.add(body, web.now())
        threading.Thread(target=work, args=(run_id, body), name=f"warden-ready-{run_id}",
                         daemon=True).start()  # fmt: skip
        return json({"id": run_id, "status": "running", "url": f"/api/v1/ready/{run_id}"}, 202)

    @guard(Role.VIEWER)
    async def one(request: Request) -> Response:
        try:
            run_id = int(request.path_params["id"])
        except ValueError:
            raise HTTPException(404, "no such run") from None
        with runs.lock:
            got = runs.runs.get(run_id)
            if got is None:
                raise HTTPException(404, f"no readiness run {run_id} (kept: the last {KEEP})")
            return json(dict(got))

    @guard(Role.VIEWER)
    async def listing(_: Request) -> Response:
        with runs.lock:
            rows = [{k: v for k, v in r.items() if k != "result"} for r in runs.runs.values()]
        return json({"runs": rows[::-1]})

    return [
        Route("/api/v1/ready", start, methods=["POST"]),
        Route("/api/v1/ready", listing, methods=["GET"]),
        Route("/api/v1/ready/{id}", one),
    ]

"""A server that accepts and never answers is a timeout, for every service probe."""

from __future__ import annotations

import pytest

from warden.probes import REGISTRY, ProbeDeps, load_all
from warden.results import ErrorClass, Status

load_all()


@pytest.mark.parametrize(
    ("probe", "url", "message"),
    [
        ("postgres", "postgresql://u@127.0.0.1:{port}/db", "timed out after 500ms during connect"),
        ("mysql", "mysql://root@127.0.0.1:{port}/", "timed out after 500ms during connect"),
        ("redis", "redis://127.0.0.1:{port}/0", None),
        ("rabbitmq", "amqp://guest:guest@127.0.0.1:{port}/", None),
    ],
)
async def test_silent_server_times_out(
    silent_port: int, probe: str, url: str, message: str | None
) -> None:
    cls = REGISTRY.get(probe)
    config = cls.config_model.model_validate({"url": url.format(port=silent_port)})
    result = await cls("silent", config, 0.5, ProbeDeps()).check()
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TIMEOUT, result.message
    if message is not None:
        assert result.message == message

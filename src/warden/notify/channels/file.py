"""``file``: append each notification as one JSON line to a local file (works offline).

The line is the Alertmanager webhook payload (v4) that a ``webhook`` receiver would get, plus
``dedupKey``; ``tail -f`` or ``jq`` read it. Folders are created; a write error is retried.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from warden.alerting.config import FileTarget
from warden.notify.channels._base import REGISTRY, Delivery


@REGISTRY.register
class FileChannel:
    type: ClassVar[str] = "file"

    def __init__(self, target: FileTarget) -> None:
        self.target = target

    def describe(self) -> str:
        return f"file {self.target.path}"

    async def send(self, payload: Mapping[str, Any], dedup_key: str) -> Delivery:
        line = json.dumps({**payload, "dedupKey": dedup_key}, default=str, sort_keys=True)
        return await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> Delivery:
        path = Path(self.target.path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, (line + "\n").encode())  # one write: lines never interleave
            finally:
                os.close(fd)
        except OSError as exc:
            return Delivery(False, f"cannot write {path}: {exc.strerror}")
        return Delivery(True)

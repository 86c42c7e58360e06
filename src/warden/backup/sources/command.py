"""Any program: its stdout is the backup, and a restore program reads it back on stdin.

For systems without a dedicated source (``etcdctl snapshot save /dev/stdout``, an export
tool, ...). The restore command gets the target in ``WARDEN_RESTORE_TARGET``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Literal

from pydantic import Field

from warden.backup.sources._base import (
    ObjectOpener,
    Readable,
    Source,
    SourceConfig,
    register,
)
from warden.backup.sources._process import feed_tool, tool_output
from warden.errors import BackupError


class CommandSourceConfig(SourceConfig):
    type: Literal["command"] = "command"
    backup: list[str] = Field(min_length=1, description="argv whose stdout is the backup.")
    restore: list[str] = Field(
        default_factory=list, description="argv that reads a backup on stdin."
    )
    object_name: str = Field("data", description="Name of the stored object.")
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment.")


@register
class CommandSource(Source[CommandSourceConfig]):
    type = "command"
    config_model = CommandSourceConfig

    def describe(self) -> str:
        return "command:" + " ".join(self.config.backup)[:200]

    def objects(self) -> list[str]:
        return [self.config.object_name]

    def dump(
        self, name: str, cancel: threading.Event | None = None
    ) -> AbstractContextManager[Readable]:
        return tool_output(self.config.backup, self.config.env, cancel)

    def restore(
        self, open_object: ObjectOpener, names: Sequence[str], target: str, force: bool
    ) -> str:
        if not self.config.restore:
            raise BackupError("this command source has no restore command")
        env = {**self.config.env, "WARDEN_RESTORE_TARGET": target}
        if force:
            env["WARDEN_RESTORE_FORCE"] = "1"
        for name in names:
            with open_object(name) as stream:
                feed_tool(self.config.restore, stream, env)
        return target

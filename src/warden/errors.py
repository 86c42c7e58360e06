"""Warden's own failures: one root, mapped at the boundary from third-party errors.

A failure of a *watched* system is never an exception: it is data in a ``CheckResult``.
These exceptions are for Warden itself (bad config, unreachable store, a broken plugin).

    WardenError
    ├── ConfigError            the configuration file is invalid (carries every issue found)
    ├── StoreError             the result store cannot be opened, read or written
    ├── ProbeError             a probe could not run at all (a bug or bad setup, not a "down")
    ├── CollectorError         a collector could not run at all
    ├── PluginError            a plugin type is unknown or registered twice
    ├── NotifyError            a notification could not be delivered (after retries)
    ├── LoadTestError          a load test could not start or was misconfigured
    ├── AuditError             an audit could not run (unreachable target, missing rights)
    ├── ScanError              (warden.scan) infrastructure code could not be scanned
    ├── CostError              (warden.cost) cost data cannot be read, written or queried;
    │                          CostInputError: a bad export row or option, named
    ├── FaultError             (warden.gameday) a game-day fault cannot be checked, injected
    │                          or reverted
    └── BackupError            a backup, restore, verify or drill failed
        ├── IntegrityError     a stored object failed its checksum or decryption
        ├── TargetNotEmptyError    (warden.backup) a restore target holds data; --force
        ├── KeyConfigError         (warden.backup) the encryption key is missing or malformed
        └── ObjectMissingError     (warden.backup) a manifest names an object the repo lacks
"""

from __future__ import annotations

from dataclasses import dataclass


class WardenError(Exception):
    """Root of every error Warden raises on purpose."""


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in a configuration file, located by file, line and key path."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(WardenError):
    """The configuration is invalid; ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class StoreError(WardenError):
    """The result store cannot be opened, read or written."""


class ProbeError(WardenError):
    """A probe could not run at all (bad setup or a bug), as opposed to a target being down."""


class CollectorError(WardenError):
    """A collector could not run at all."""


class PluginError(WardenError):
    """A plugin type is unknown or registered twice."""


class NotifyError(WardenError):
    """A notification could not be delivered."""


class LoadTestError(WardenError):
    """A load test could not start or was misconfigured."""


class AuditError(WardenError):
    """An audit could not run against its target."""


class BackupError(WardenError):
    """A backup, restore, verification or drill failed."""


class IntegrityError(BackupError):
    """A stored backup object failed its checksum or its decryption."""

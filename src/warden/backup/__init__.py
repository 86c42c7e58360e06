"""Backups and disaster recovery: sources streamed through zstd and AES-256-GCM into a repository.

The parts, each its own module:

- ``config``: the ``backups:`` section (sources and repositories are plugins by ``type:``);
- ``sources/`` and ``repos/``: one module per source type and per repository type;
- ``crypto`` and ``stream``: the key, the chunk format, and the byte pipeline;
- ``manifest``: repository layout, manifests and attempt records;
- ``runner`` (``run_backup``), ``restore`` (verify/restore/extract), ``retention`` (GFS),
  ``drill`` (``run_drill``), ``status`` (RPO/RTO state and metrics), ``storage`` (store tables),
  ``jobs`` (what ``warden up`` schedules).

See docs/backup.md.
"""

from __future__ import annotations

import warden.config  # noqa: F401  (first: config.schema imports warden.backup.config)

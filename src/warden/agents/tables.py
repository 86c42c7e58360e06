"""The tables of probe agents, on the store's shared ``metadata`` (registered in warden.tables).

- ``agent_tokens``: one row per token; only its SHA-256 is kept, and each is bound to one
  location (an agent token can push that location's results and read its assignment, nothing
  else: user API tokens live elsewhere, in ``api_tokens``).
- ``agent_locations``: one row per location: when its agent was last heard from (the server's
  clock), its clock offset and round trip, its address and version, how many batches it still
  had on disk.
- ``agent_batches``: the id of every batch received, so a batch sent twice (its answer was
  lost, or it was replayed from the agent's disk) is stored once.
- ``agent_results``: every result of every location, its time on the server's clock.
- ``agent_latest``: the newest result per monitor and location (what the quorum reads).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)

from warden.store.schema import BigId, metadata

agent_tokens = Table(
    "agent_tokens",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("location", String(63), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float(53), nullable=False),
    Column("last_used_at", Float(53), nullable=True),
    Column("revoked_at", Float(53), nullable=True),
)

agent_locations = Table(
    "agent_locations",
    metadata,
    Column("location", String(63), primary_key=True),
    Column("last_seen", Float(53), nullable=False),
    Column("last_push", Float(53), nullable=True),
    Column("clock_offset", Float(53), nullable=True),  # the server's clock minus the agent's
    Column("rtt", Float, nullable=True),
    Column("address", String(100), nullable=False, default=""),
    Column("version", String(50), nullable=False, default=""),
    Column("buffered", Integer, nullable=False, default=0),
    Column("batches", BigInteger, nullable=False, default=0),
    Column("results", BigInteger, nullable=False, default=0),
)

agent_batches = Table(
    "agent_batches",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("location", String(63), nullable=False),
    Column("received_at", Float(53), nullable=False),
    Column("results", Integer, nullable=False),
    Index("ix_agent_batches_received", "received_at"),
)

agent_results = Table(
    "agent_results",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("monitor", String(200), nullable=False),
    Column("location", String(63), nullable=False),
    Column("ts", Float(53), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("latency", Float, nullable=False),
    Column("error", String(20), nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Column("batch_id", String(64), nullable=False),
    Index("ix_agent_results_monitor_ts", "monitor", "location", "ts"),
    Index("ix_agent_results_ts", "ts"),
)

agent_latest = Table(
    "agent_latest",
    metadata,
    Column("monitor", String(200), primary_key=True),
    Column("location", String(63), primary_key=True),
    Column("ts", Float(53), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("latency", Float, nullable=False),
    Column("error", String(20), nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
)

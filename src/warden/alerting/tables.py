"""Tables of alerting, notifications and incidents, on the store's shared ``metadata``.

Registered by being listed in ``warden.tables`` (the store itself knows no feature), so
``warden.tables.open_store`` creates them. Times are float seconds since the epoch; labels,
annotations and payloads are JSON text.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from warden.store.schema import metadata

alert_instances = Table(
    "alert_instances",
    metadata,
    Column("fingerprint", String(32), primary_key=True),
    Column("rule", String(200), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("labels", Text, nullable=False),
    Column("annotations", Text, nullable=False),
    Column("value", Float(53), nullable=True),
    Column("active_since", Float(53), nullable=True),
    Column("starts_at", Float(53), nullable=True),
    Column("ends_at", Float(53), nullable=True),
    Column("updated_at", Float(53), nullable=False),
    Index("ix_alert_instances_state", "state"),
)

silences = Table(
    "silences",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("matchers", Text, nullable=False),
    Column("starts_at", Float(53), nullable=False),
    Column("ends_at", Float(53), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", Float(53), nullable=False),
)

alert_groups = Table(
    "alert_groups",
    metadata,
    Column("group_key", String(500), primary_key=True),
    Column("receiver", String(200), nullable=False),
    Column("first_seen", Float(53), nullable=False),
    Column("last_notified", Float(53), nullable=True),
    Column("notified", Text, nullable=False),  # JSON list of firing fingerprints last sent
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedup_key", String(64), nullable=False, unique=True),
    Column("group_key", String(500), nullable=False),
    Column("receiver", String(200), nullable=False),
    Column("channel", String(40), nullable=False),  # "apprise:0", "webhook:1", ...
    Column("status", String(16), nullable=False),  # firing | resolved
    Column("payload", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending | sent
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", Float(53), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float(53), nullable=False),
    Column("sent_at", Float(53), nullable=True),
    Index("ix_notifications_state_next", "state", "next_attempt"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_key", String(500), nullable=False),
    Column("title", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_at", Float(53), nullable=False),
    Column("updated_at", Float(53), nullable=False),
    Column("resolved_at", Float(53), nullable=True),
    Column("acked_by", String(200), nullable=True),
    Column("acked_at", Float(53), nullable=True),
    Index("ix_incidents_group_status", "group_key", "status"),
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, nullable=False),
    Column("at", Float(53), nullable=False),
    Column("kind", String(20), nullable=False),  # status | alert | note | notification
    Column("author", String(200), nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("data", Text, nullable=False, default="{}"),
    Index("ix_incident_events_incident", "incident_id", "at"),
)

incident_alerts = Table(
    "incident_alerts",
    metadata,
    Column("incident_id", Integer, primary_key=True),
    Column("fingerprint", String(32), primary_key=True),
    Column("labels", Text, nullable=False),
    Column("first_at", Float(53), nullable=False),
    Column("resolved_at", Float(53), nullable=True),
)

"""Notifications: the Alertmanager-style payload, channels (Apprise, webhook, Alertmanager),
the persisted outbox with its delivery log, and the delivery worker with retries."""

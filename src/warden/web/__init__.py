"""The web side of ``warden up``: heartbeat pings, health endpoints, API, dashboard."""

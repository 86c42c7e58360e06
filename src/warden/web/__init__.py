"""The web side of ``warden up``: heartbeat pings, health endpoints, API, dashboard."""

# The config package first: its schema imports ``warden.web.config`` (the web sections).
import warden.config  # noqa: F401

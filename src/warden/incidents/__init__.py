"""Incidents: opened by critical and high alerts, a lifecycle and timeline, and postmortems."""

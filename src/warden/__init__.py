"""Warden: watches, alerts, audits, load-tests and backs up a small team's infrastructure."""

__version__ = "0.1.0"

__all__ = ["__version__"]

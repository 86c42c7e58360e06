"""Routine reports and the documents behind them; ``runbooks/`` holds the shipped runbooks."""

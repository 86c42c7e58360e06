"""Capacity: forecasts of when each sampled resource reaches its limit (``warden capacity``),
the samples and built-in rules that warn before it does, and the dashboard's charts of them."""

"""Real traffic from access logs: parsers per log format, route templating, per-route stats."""

"""The command-line interface: `warden` and its command groups (see docs/cli.md)."""

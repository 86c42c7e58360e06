"""``python -m warden.cli`` runs the CLI (used by tests that start ``warden up`` as a process)."""

from warden.cli.main import main

main()

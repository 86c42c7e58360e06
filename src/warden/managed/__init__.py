"""Monitors, maintenance windows and status pages managed through the API and the dashboard.

``storage`` keeps them in the store, ``validate`` checks them with the YAML's models and
messages, ``service`` runs them beside the YAML's in ``warden up`` and ``export`` writes them
back as YAML for the config file.
"""

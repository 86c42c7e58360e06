"""Game days: inject a real fault, check that the right alert fires and the service recovers,
and score how detection and the people did (``warden gameday run PLAN.yaml``)."""

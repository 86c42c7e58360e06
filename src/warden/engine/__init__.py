"""The engine of `warden up`: the App (composition root), scheduler, event bus, clock, jobs."""

"""The web tests' fixtures (a small App, its web app, users and clients) for these tests."""

from tests.web.conftest import make_site, site, store

__all__ = ["make_site", "site", "store"]

"""Unit tests run without a database and without the environment other tiers set up."""

import os

import pytest


@pytest.fixture(autouse=True)
def _no_fueltracker_environment(monkeypatch):
    """Other tiers point FUELTRACKER_* at the test database; settings tests must not see it."""
    for name in [n for n in os.environ if n.startswith("FUELTRACKER_")]:
        monkeypatch.delenv(name)

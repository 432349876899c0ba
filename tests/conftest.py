"""Shared fixtures."""

from __future__ import annotations

import pytest

from healthsim.config import load_scenario


@pytest.fixture(scope="session")
def baseline():
    return load_scenario("baseline")

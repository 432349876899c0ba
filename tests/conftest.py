"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from healthsim.config import load_scenario, shipped_scenarios

# Hypothesis: model runs take tens of milliseconds, so no per-example deadline; the
# "ci" profile (HYPOTHESIS_PROFILE=ci) searches harder, "dev" (the default) stays quick.
settings.register_profile(
    "dev", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
    max_examples=300,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def baseline():
    return load_scenario("baseline")


@pytest.fixture(scope="session")
def shipped() -> dict[str, Path]:
    """Shipped scenario names mapped to their files."""
    return shipped_scenarios()


@pytest.fixture(scope="session")
def regime_pair(shipped) -> tuple[Path, Path]:
    """The two regimes the article contrasts, as files: blame-focused, board-supported."""
    return shipped["blame_focused"], shipped["board_supported"]

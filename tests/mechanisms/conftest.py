"""Fixtures shared by the mechanism tests (settings and helpers: helpers.py)."""

from __future__ import annotations

import pytest

from .helpers import NO_SQUEEZE, SEVERE_SQUEEZE, runs


@pytest.fixture(scope="session")
def squeeze_arms():
    """Five years without a squeeze and under a severe one, on the same seeds (C10):
    read by the finance and the workforce tests."""
    return runs(years=5, **NO_SQUEEZE), runs(years=5, **SEVERE_SQUEEZE)

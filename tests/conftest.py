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


def _mutate_every_scenario(spec: str) -> None:
    """``tools/mutation_check.py``: force one parameter (``key=value``, a dotted scenario
    key) to a value in every scenario loaded or overridden in this process, after its
    own values, so the mechanism tests run with that effect switched off."""
    import ast

    from healthsim.config import loader

    key, _, text = spec.partition("=")
    value = ast.literal_eval(text)
    *sections, field = key.split(".")
    validate = loader.validate

    def mutated(data, file=None):
        sc = validate(data, file)
        path = [sc]
        for name in sections:
            path.append(getattr(path[-1], name))
        new = path[-1].model_copy(update={field: value})
        for parent, name in zip(reversed(path[:-1]), reversed(sections), strict=True):
            new = parent.model_copy(update={name: new})
        return new

    loader.validate = mutated


if os.environ.get("HEALTHSIM_MUTANT"):
    _mutate_every_scenario(os.environ["HEALTHSIM_MUTANT"])


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


#: Test modules whose tests get a marker automatically, so a developer can select or
#: skip a kind of test: ``pytest -m "not golden"`` while recalibrating, ``-m mechanism``
#: to check the claims' directions only.
MODULE_MARKERS = {
    "test_golden": ("golden", "golden outputs of the shipped scenarios (tests/golden/)"),
    "test_invariants": ("invariant", "invariants at parameter edges and for drawn inputs"),
    "test_determinism": ("determinism", "seed stability and common random numbers"),
}


def pytest_configure(config: pytest.Config) -> None:
    for marker, doc in dict(MODULE_MARKERS.values()).items():
        config.addinivalue_line("markers", f"{marker}: {doc}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        found = MODULE_MARKERS.get(module.__name__.rsplit(".", 1)[-1]) if module else None
        if found:
            item.add_marker(found[0])

"""Scenario files -> validated, frozen configuration (the only place that reads scenario
files; the external data they draw on is read in :mod:`healthsim.sources`)."""

from healthsim.config.loader import (
    ScenarioError,
    load_scenario,
    read_toml_file,
    resolve_path,
    scenario_to_toml,
    shipped_scenarios,
    validate,
    with_overrides,
)
from healthsim.config.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "read_toml_file",
    "resolve_path",
    "scenario_to_toml",
    "shipped_scenarios",
    "validate",
    "with_overrides",
]

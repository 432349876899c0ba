"""healthsim: agent-based simulation of local health economies under quality-failure
regimes and a financial squeeze."""

from healthsim._version import __version__
from healthsim.config import Scenario, ScenarioError, load_scenario
from healthsim.experiments import RunResult, run
from healthsim.experiments.compare import compare
from healthsim.model import HealthEconomy
from healthsim.sensitivity import sensitivity_analysis as sensitivity_analysis
from healthsim.sensitivity.evaluate import evaluate

__all__ = [
    "HealthEconomy",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "evaluate",
    "load_scenario",
    "run",
]

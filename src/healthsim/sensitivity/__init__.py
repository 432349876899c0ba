"""Sensitivity analysis of healthsim: which uncertain parameters drive the outcomes,
and where the ranking of regimes flips.

SALib does the sampling and the estimators (Morris, Sobol, FAST, PAWN); healthsim
declares the parameters against its scenario schema, runs every sample point ``k`` times
on the same seeds through the experiment executors (local processes or Dask, stored and
resumable), measures the seed noise, and, for a contrast between two regimes, finds the
regions of parameter space where the winner changes. See ``docs/sensitivity.md``.
"""

from healthsim.sensitivity.api import (
    check_corners,
    function_analysis,
    sensitivity_analysis,
)
from healthsim.sensitivity.discovery import FlipAnalysis, Region
from healthsim.sensitivity.jobs import FunctionJob, ishigami, ishigami_indices, noisy_ishigami
from healthsim.sensitivity.methods import METHOD_NAMES
from healthsim.sensitivity.result import SensitivityResult
from healthsim.sensitivity.spec import (
    Analysis,
    AnalysisError,
    build_analysis,
    load_analysis,
    shipped_analyses,
)

__all__ = [
    "METHOD_NAMES",
    "Analysis",
    "AnalysisError",
    "FlipAnalysis",
    "FunctionJob",
    "Region",
    "SensitivityResult",
    "build_analysis",
    "check_corners",
    "function_analysis",
    "ishigami",
    "ishigami_indices",
    "load_analysis",
    "noisy_ishigami",
    "sensitivity_analysis",
    "shipped_analyses",
]

"""Calibration against the public record (docs/calibration.md): targets, check and fit.

- :func:`run_check`: simulate the calibration scenario over many seeds and compare every
  target statistic with its band (``healthsim calibrate --check``).
- :func:`run_fit`: fit the uncertain defaults to the targets by ABC-SMC within a budget
  of model runs, resumable (``healthsim calibrate --fit``).
- :func:`band_distance`: how far a point's statistic means are from the bands.
- :data:`TARGETS`, :data:`FITTED`, :data:`SET_FROM_SOURCES`: what is checked, what is
  fitted (with priors), and what is set from sources.
"""

from healthsim.calibration.check import CheckResult, run_check
from healthsim.calibration.distance import band_distance, distance_table, statistic_distance
from healthsim.calibration.fit import FitError, FitResult, FitSettings, run_fit
from healthsim.calibration.parameters import FITTED, SET_FROM_SOURCES, Parameter
from healthsim.calibration.targets import TARGET_TITLES, TARGETS, Target, calibration_stats

__all__ = [
    "FITTED",
    "SET_FROM_SOURCES",
    "TARGETS",
    "TARGET_TITLES",
    "CheckResult",
    "FitError",
    "FitResult",
    "FitSettings",
    "Parameter",
    "Target",
    "band_distance",
    "calibration_stats",
    "distance_table",
    "run_check",
    "run_fit",
    "statistic_distance",
]

"""EMA Workbench adapter: healthsim as an ``ema_workbench`` model (needs the optional
``ema`` extra: ``pip install "healthsim[ema]"``). See
:mod:`healthsim.sensitivity.ema`."""

from healthsim.sensitivity.ema import (
    HealthsimEvaluator,
    HealthsimModel,
    ema_name,
    key_of,
    lever_parameters,
    outcome_list,
    uncertainty_parameters,
)

__all__ = [
    "HealthsimEvaluator",
    "HealthsimModel",
    "ema_name",
    "key_of",
    "lever_parameters",
    "outcome_list",
    "uncertainty_parameters",
]

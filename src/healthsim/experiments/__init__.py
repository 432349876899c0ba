"""Running the model: one run, ensembles, comparisons, sensitivity, executors."""

from healthsim.experiments.single import RunResult, run, simulate

__all__ = ["RunResult", "run", "simulate"]

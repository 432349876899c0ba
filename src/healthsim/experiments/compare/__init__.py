"""Compare scenarios (failure regimes, squeezes) over an ensemble of replicates.

Replicate *i* runs every scenario on the same seed (derived from the master seed; see
:func:`~healthsim.experiments.tasks.replicate_seed`), so with each mechanism's own
random stream the scenarios see the same demand noise, local shocks and inspection
draws: differences between them come from the regimes, not from luck (common random
numbers), and paired differences need far fewer runs.

From Python::

    import healthsim
    from healthsim import reports
    res = healthsim.compare(["blame_focused", "board_supported", "whole_system"], reps=200)
    res.stats, res.differences, res.probability_best, res.breakdown, res.bands
    reports.comparison_figures(res)["fan_charts"]
    reports.write_comparison(res, "out/regimes")

or ``healthsim.compare("regimes_under_squeeze")`` for a shipped comparison file.

The modules: :mod:`.files` (comparison files), :mod:`.spec` (the resolved comparison),
:mod:`.running` (running and resuming it), :mod:`.result` (its runs and statistics).
"""

from healthsim.config.files import DEFAULT_REPS, DEFAULT_SEED, ComparisonFile
from healthsim.experiments.compare.files import (
    find_comparison_file,
    read_comparison_file,
    shipped_comparisons,
    shipped_dir,
)
from healthsim.experiments.compare.result import LEVEL, ComparisonResult
from healthsim.experiments.compare.running import (
    check_out_folder,
    check_resumable,
    compare,
    run_comparison,
)
from healthsim.experiments.compare.spec import ComparisonSpec, build_spec

__all__ = [
    "DEFAULT_REPS",
    "DEFAULT_SEED",
    "LEVEL",
    "ComparisonFile",
    "ComparisonResult",
    "ComparisonSpec",
    "build_spec",
    "check_out_folder",
    "check_resumable",
    "compare",
    "find_comparison_file",
    "read_comparison_file",
    "run_comparison",
    "shipped_comparisons",
    "shipped_dir",
]

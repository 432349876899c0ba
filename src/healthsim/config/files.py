"""What comparison and analysis files may hold: their keys, types and bounds.

The readers validate against these models (:func:`healthsim.experiments.compare.
read_comparison_file`, :func:`healthsim.sensitivity.load_analysis`, which also checks
what depends on the scenarios, e.g. bounds within what the scenario schema allows), and
the files' JSON Schemas (``docs/comparison.schema.json``, ``docs/analysis.schema.json``;
:mod:`healthsim.config.docs`) come from them. They live here, beside the scenario
schema, so that every file healthsim reads is declared in one layer.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Distributions a varied parameter may be sampled from.
Dist = Literal["uniform", "loguniform", "triangular", "truncnormal"]
#: Where the uncertain parameters not set otherwise come from (experiments.uncertainty).
ParameterSets = Literal["posterior", "prior", "defaults"]

# --------------------------------------------------------------------------------------
# Comparison files (comparisons/*.toml)
# --------------------------------------------------------------------------------------

DEFAULT_REPS = 100
DEFAULT_SEED = 1


class ComparisonFile(BaseModel):
    """A comparison declared in a TOML file (see ``comparisons/*.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(None, description="Name, used for the default output folder.")
    title: str | None = Field(None, description="Title of the report.")
    description: str = Field("", description="What the comparison asks, in a sentence.")
    scenarios: list[str] = Field(
        min_length=1,
        description="Scenario files (relative to this file) or shipped scenario names.",
    )
    baseline: str | None = Field(
        None, description="Name of the scenario the others are compared with (default: first)."
    )
    reps: int = Field(DEFAULT_REPS, ge=2, le=1_000_000, description="Replicates (seeds).")
    seed: int = Field(DEFAULT_SEED, ge=0, lt=2**63, description="Master seed.")
    years: int | None = Field(None, ge=1, le=100, description="Run length, for every scenario.")
    metrics: list[str] | None = Field(None, description="Per-run metrics shown first.")
    series: list[str] | None = Field(None, description="Monthly metrics kept for fan charts.")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Values set in every scenario, by dotted key path."
    )
    parameters: ParameterSets = Field(
        "posterior",
        description="Where each replicate's parameter values come from: a set of the "
        "calibration posterior (default), the priors, or today's defaults (luck only).",
    )


# --------------------------------------------------------------------------------------
# Analysis files (analyses/*.toml)
# --------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterDecl(_Strict):
    """One parameter as declared: bounds and distribution, or levels."""

    low: float | None = Field(None, description="Lower bound (real and integer values).")
    high: float | None = Field(None, description="Upper bound (real and integer values).")
    levels: tuple[str | bool | int | float, ...] | None = Field(
        None, description="Levels of a categorical value (default: every allowed level)."
    )
    dist: Dist = Field("uniform", description="uniform, loguniform, triangular, truncnormal.")
    mode: float | None = Field(None, description="Peak of a triangular distribution.")
    mean: float | None = Field(None, description="Mean of a truncated normal.")
    sd: float | None = Field(None, gt=0, description="Standard deviation of a truncated normal.")
    group: str | None = Field(None, min_length=1, description="Group analysed as one factor.")
    applies_to: tuple[str, ...] | None = Field(
        None, description="Scenarios of a contrast this changes (default: both)."
    )
    label: str | None = Field(None, description="Short name for figures.")
    range: Literal["prior"] | None = Field(
        None,
        description='"prior": sample over the parameter\'s declared prior (the default '
        "when no low, high or levels are given).",
    )


class MethodDecl(_Strict):
    """The sensitivity method and its design (docs/sensitivity.md)."""

    name: Literal["morris", "sobol", "fast", "pawn"] = Field(
        "morris", description="SALib method: morris, sobol, fast or pawn."
    )
    n: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="Design size: Morris trajectories, Sobol base sample (a power of "
        "two), FAST points per parameter, PAWN points.",
    )
    levels: int = Field(4, ge=2, le=100, description="Morris: grid levels (even).")
    candidates: int = Field(
        0,
        ge=0,
        le=100_000,
        description="Morris: draw this many trajectories and keep the n most spread out "
        "(0: draw n).",
    )
    second_order: bool = Field(True, description="Sobol: also the pairwise indices S2.")
    m: int = Field(4, ge=1, le=20, description="FAST: interference factor.")
    slides: int = Field(10, ge=2, le=100, description="PAWN: conditioning slices.")
    resamples: int = Field(
        100, ge=10, le=10_000, description="Bootstrap resamples for confidence intervals."
    )
    conf_level: float = Field(0.95, gt=0, lt=1, description="Confidence level of intervals.")


class ContrastDecl(_Strict):
    """A paired difference of two regimes on the same seeds."""

    a: str = Field(min_length=1, description="First regime (the contrast is a minus b).")
    b: str = Field(min_length=1, description="Second regime.")


class DiscoveryDecl(_Strict):
    """Scenario discovery of a contrast: where in the sample its sign flips."""

    output: str | None = Field(None, description="Contrast output to explain (default: first).")
    max_depth: int = Field(
        3, ge=1, le=5, description="Depth of the decision tree (conditions in a box)."
    )
    min_leaf: float = Field(
        0.05, gt=0, le=0.5, description="Smallest box, as a share of the sample points."
    )


class AnalysisDecl(_Strict):
    """A sensitivity analysis declared in a TOML file (see ``analyses/*.toml``)."""

    name: str = Field(
        "sensitivity", min_length=1, description="Name, used for the default output folder."
    )
    description: str = Field("", description="What the analysis asks, in a line.")
    scenario: str | None = Field(
        None, description="The scenario analysed (a file or a shipped name), or give contrast."
    )
    contrast: ContrastDecl | None = Field(
        None, description="Analyse the paired difference a minus b instead of one scenario."
    )
    years: int | None = Field(None, ge=1, le=100, description="Run length, for every run.")
    replicates: int = Field(
        4,
        ge=1,
        le=10_000,
        description="Runs of each scenario at each point, on the same seeds everywhere.",
    )
    seed: int = Field(
        2013,
        ge=0,
        le=2**63 - 1,
        description="Master seed: the sample and the replicates' seeds derive from it.",
    )
    outputs: tuple[str, ...] = Field(
        ("harm_total",), min_length=1, description="Per-run metrics analysed."
    )
    fixed: dict[str, Any] = Field(
        default_factory=dict, description="Values set for every run, by dotted key path."
    )
    method: MethodDecl = Field(MethodDecl(), description="The method and its design.")
    parameters: dict[str, ParameterDecl] = Field(
        min_length=1, description="The parameters varied, by dotted scenario key path."
    )
    discovery: DiscoveryDecl = Field(
        DiscoveryDecl(), description="Scenario discovery (contrasts only)."
    )
    max_failed_share: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Share of points that may lack every replicate before the indices "
        "are marked unreliable.",
    )
    parameter_sets: ParameterSets = Field(
        "posterior",
        description="Where the uncertain parameters not sampled come from: replicate i "
        "runs on set i of the calibration posterior (default), of the priors, or on "
        "today's defaults.",
    )

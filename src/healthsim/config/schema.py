"""The scenario schema: every parameter of a run, validated and frozen.

Each section is a pydantic model that rejects unknown keys. Every field's description
says what it means, its unit, and where its default comes from (a source, or the
reasoning when no public figure exists). The scenario-file reference in
``docs/scenario-reference.md`` and the JSON Schema in ``docs/scenario.schema.json`` are
generated from these classes (``python -m healthsim.config.docs``), so they cannot drift.

Units: money in £m; time in months unless a name says years; rates "a year" are
fractions (0.04 = 4% a year); quality, fear, openness, morale, capability and
reputation are dimensionless in [0, 1].
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from healthsim.model.mechanisms import BEHAVIOUR_SECTIONS, INITIAL_SECTIONS
from healthsim.model.mechanisms.culture import Communication
from healthsim.model.mechanisms.finance import FinancialSupport
from healthsim.model.mechanisms.inspection import Identification
from healthsim.model.mechanisms.ladder import Ladder
from healthsim.model.mechanisms.local_system import Scope, ScopeSpec
from healthsim.model.mechanisms.support import Improvement, Support
from healthsim.model.parameters import Bounds, Section, field_bounds, meta, owner_of

Share = Annotated[float, Field(ge=0.0, le=1.0)]

#: the kinds of improvement support (regime.improvement.model): one enum, from the
#: support mechanism's table of kinds
SupportModel = Support

__all__ = [
    "Behaviour",
    "Bounds",
    "Communication",
    "Economy",
    "FinancialSupport",
    "Identification",
    "Improvement",
    "Initial",
    "Ladder",
    "Regime",
    "Scenario",
    "Scope",
    "ScopeSpec",
    "Section",
    "Squeeze",
    "SupportModel",
    "field_bounds",
    "meta",
    "owner_of",
]


# --------------------------------------------------------------------------------------
# Economy structure and network
# --------------------------------------------------------------------------------------


class TrustSpec(Section):
    """One named trust, for economies built from real organisation data."""

    id: str = Field(description="Unique trust identifier (e.g. an ODS code).", min_length=1)
    economy: str = Field(description="Local economy (ICB) the trust belongs to.", min_length=1)
    label: str = Field("", description="Label shown in outputs; defaults to the id.")
    beds: float = Field(450.0, ge=1, le=5000, description="General and acute beds (at least one).")
    region: str = Field("", description="Region the economy sits in (for inter-economy links).")


class LinkSpec(Section):
    """A patient-flow link between two trusts."""

    source: str = Field(min_length=1, description="Trust id at one end.")
    target: str = Field(min_length=1, description="Trust id at the other end.")
    weight: float = Field(1.0, gt=0, le=1e9, description="Relative patient flow.")


class EconomyDataSpec(Section):
    """One named local economy (ICB), for economies built from real data."""

    id: str = Field(min_length=1, description="Economy identifier (e.g. an ICB code).")
    label: str = Field("", description="Label shown in outputs; defaults to the id.")
    population: float = Field(
        0.0, ge=0, description="Resident population (0 = derived from beds at 667 per bed)."
    )
    region: str = Field("", description="Region the economy sits in.")
    social_care_shortfall: float | None = Field(
        None,
        ge=0,
        le=1,
        description="This economy's starting social-care shortfall, replacing "
        "initial.social_care_shortfall (a 'failing local economy', C8).",
    )


class Economy(Section):
    """The shape of the simulated system: how many economies and trusts, and their links."""

    n_economies: int = Field(
        1,
        ge=1,
        le=200,
        description="Local economies (health and social-care systems). England had 44 "
        "planning footprints, later 42 integrated care systems (docs/calibration.md).",
    )
    trusts_per_economy: int = Field(
        6,
        ge=1,
        le=40,
        description="Provider trusts per economy: about 230 trusts over 42-44 footprints "
        "gives about 5 (docs/calibration.md); 6 makes the baseline a mid-sized system.",
    )
    trusts_per_economy_spread: int = Field(
        0,
        ge=0,
        le=10,
        description="Each generated economy gets trusts_per_economy plus or minus up to "
        "this many trusts (uniform, from the 'network' stream).",
    )
    services_per_trust: int = Field(
        6,
        ge=1,
        le=12,
        description="Service lines per trust (e.g. urgent care, medicine, surgery, "
        "maternity, children's, critical care): CQC rates acute trusts on eight core "
        "services; six keeps the breadth rule meaningful and the model fast.",
    )
    beds_mean: float = Field(
        450.0,
        gt=0,
        le=3000,
        description="Mean general and acute beds per generated trust: a typical acute "
        "trust has about 450 beds (docs/calibration.md).",
    )
    beds_cv: float = Field(
        0.35,
        ge=0,
        le=1.5,
        description="Coefficient of variation of beds across generated trusts (KH03 "
        "acute trusts range from about 150 to over 2,000 beds; lognormal).",
    )
    beds_min: float = Field(
        60.0,
        ge=1,
        le=500,
        description="Fewest beds of a generated trust (lognormal draws are clipped): the "
        "smallest acute trusts in KH03 have about 150 beds; below 60 a trust is a "
        "community hospital (assumption).",
    )
    beds_max: float = Field(
        3000.0,
        ge=500,
        le=10000,
        description="Most beds of a generated trust (KH03: the largest have over 2,000).",
    )
    population_per_bed: float = Field(
        667.0,
        gt=0,
        le=10000,
        description="Catchment population per bed: about 300,000 people for a 450-bed "
        "trust (docs/calibration.md).",
    )
    flow_density: Share = Field(
        0.6,
        description="Probability that two trusts of the same economy share a direct "
        "patient-flow link (generated networks). Each economy's trusts are always "
        "connected (a ring is added first).",
    )
    inter_economy_links: int = Field(
        1,
        ge=0,
        le=10,
        description="Patient-flow links from each economy to the next ones of its region "
        "(a sparse ring within each region; consecutive regions joined by one link): "
        "economies are linked sparsely (MODEL.md §3).",
    )
    inter_economy_flow: Share = Field(
        0.2,
        description="Weight of a link between economies relative to one inside an economy.",
    )
    link_weight_floor: float = Field(
        0.5,
        ge=0,
        le=10,
        description="Generated links' weights are this plus a uniform draw in [0, 1), "
        "times the link's scale (assumption: flows between neighbours differ about "
        "three-fold).",
    )
    inter_region_flow_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Weight of the one link between consecutive regions, as a share of "
        "inter_economy_flow (assumption: regions are more separate than economies).",
    )
    economies_per_region: int = Field(
        7,
        ge=1,
        le=200,
        description="Generated economies are grouped into regions of this size (England: "
        "seven NHS regions of about six ICBs).",
    )
    network_file: str | None = Field(
        None,
        description="GraphML or CSV edge-list file of patient-flow links between trusts, "
        "relative to the scenario file. CSV columns: source, target, weight (optional). "
        "GraphML nodes may carry 'economy', 'beds', 'label' and 'region'. When set, it "
        "replaces the generated network; trusts not listed under [[economy.trusts]] are "
        "created from the file's nodes. Not with [[economy.links]] (an error).",
    )
    trusts: tuple[TrustSpec, ...] = Field(
        (),
        description="Explicit trusts (as written by `healthsim economy build`). When "
        "given, they replace the generated ones.",
    )
    economies: tuple[EconomyDataSpec, ...] = Field(
        (), description="Explicit economies with populations, matched to trusts by id."
    )
    links: tuple[LinkSpec, ...] = Field(
        (),
        description="Explicit patient-flow links between trusts (filled from "
        "network_file when one is given; not both). When empty, links are generated.",
    )
    disclaimer: str = Field(
        "",
        description="A line printed on every output built from this scenario (e.g. that "
        "results about real organisations are simulated, not forecasts).",
    )

    @model_validator(mode="after")
    def _unique_trusts(self) -> Economy:
        if self.beds_min > self.beds_max:
            raise ValueError("beds_min must not be above beds_max")
        ids = [t.id for t in self.trusts]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate trust ids: {', '.join(dupes)}")
        if self.links and self.trusts:
            known = set(ids)
            for link in self.links:
                for end in (link.source, link.target):
                    if end not in known:
                        raise ValueError(f"link names unknown trust '{end}'")
        return self


class Initial(*reversed(INITIAL_SECTIONS)):
    """The state of each trust when the run starts (each mechanism declares its own
    starting values)."""


class Behaviour(*reversed(BEHAVIOUR_SECTIONS)):
    """The strength of each mechanism. Most are the article's claims written as
    uncertain parameters: a sensitivity analysis varies them to see where the
    ranking of regimes flips. Each mechanism module declares its own
    (healthsim.model.mechanisms)."""


# --------------------------------------------------------------------------------------
# Regime
# --------------------------------------------------------------------------------------


class Regime(Section):
    """A quality-failure regime: a named set of levers (MODEL.md §4)."""

    name: str = Field("regime", description="Name of the regime, shown in outputs.")
    identification: Identification = Identification()
    ladder: Ladder = Ladder()
    communication: Communication = Communication()
    improvement: Improvement = Improvement()
    scope: ScopeSpec = ScopeSpec()
    financial_support: FinancialSupport = FinancialSupport()


# --------------------------------------------------------------------------------------
# Squeeze
# --------------------------------------------------------------------------------------


class SqueezeYear(Section):
    """An override of the squeeze for one year of the run (year 1 = the first)."""

    year: int = Field(ge=1, le=200, description="Year of the run (1 = first).")
    real_funding_growth: float | None = Field(None, ge=-0.5, le=0.5)
    demand_growth: float | None = Field(None, ge=-0.5, le=0.5)
    tariff_efficiency: float | None = Field(None, ge=-0.5, le=0.5)
    cost_inflation: float | None = Field(None, ge=-0.5, le=0.5)
    social_care_budget_growth: float | None = Field(None, ge=-0.5, le=0.5)
    social_care_need_growth: float | None = Field(None, ge=-0.5, le=0.5)
    cash_injection: float = Field(
        0.0,
        ge=0,
        le=1,
        description="One-off cash to providers this year as a share of income (e.g. the "
        "£1.8bn Sustainability and Transformation Fund of 2016/17, about 2%).",
    )


class Squeeze(Section):
    """The financial squeeze (C10): all growth rates are real, a year."""

    name: str = Field("squeeze", description="Name of the squeeze, shown in outputs.")
    real_funding_growth: float = Field(
        0.01,
        ge=-0.5,
        le=0.5,
        description="Growth of commissioners' allocations: about 1% a year in real terms "
        "over 2010-2019, against a long-run average of 3.7% (King's Fund).",
    )
    demand_growth: float = Field(
        0.035,
        ge=-0.5,
        le=0.5,
        description="Growth of the need for care: 3-4% a year (docs/calibration.md).",
    )
    tariff_efficiency: float = Field(
        0.04,
        ge=-0.5,
        le=0.5,
        description="Annual efficiency requirement in the tariff: about 4% to 2014/15, 2% "
        "from 2016/17 (Monitor and NHS England national tariff).",
    )
    cost_inflation: float = Field(
        0.02,
        ge=-0.5,
        le=0.5,
        description="Annual growth of providers' unit costs (pay drift, drugs, pensions "
        "and negligence premiums), matched in the tariff's cost uplift.",
    )
    social_care_need_growth: float = Field(
        0.02,
        ge=-0.5,
        le=0.5,
        description="Growth of the need for social care (ageing and complexity; about 2% a "
        "year, ONS population projections of the over-75s).",
    )
    social_care_budget_growth: float = Field(
        -0.01,
        ge=-0.5,
        le=0.5,
        description="Real growth of local social-care capacity: councils' adult "
        "social-care spending fell about 1% a year in real terms 2010-2015 (King's Fund).",
    )
    years: tuple[SqueezeYear, ...] = Field(
        (), description="Year-by-year overrides, e.g. the 2016/17 cash injection."
    )

    @model_validator(mode="after")
    def _unique_years(self) -> Squeeze:
        ys = [y.year for y in self.years]
        if len(ys) != len(set(ys)):
            raise ValueError("each year may appear once in squeeze.years")
        return self


class Scenario(Section):
    """A complete scenario: the economy, its starting state, the mechanisms, the regime
    and the squeeze."""

    name: str = Field("scenario", description="Scenario name, used for output folders.")
    description: str = Field("", description="One line describing the scenario.")
    extends: str | None = Field(
        None,
        description="Another scenario file (relative path or shipped name) this one "
        "changes; keys given here override the ones there.",
    )
    years: int = Field(10, ge=1, le=100, description="Length of a run in years.")
    start_year: int = Field(
        2013, ge=1900, le=2200, description="Calendar year of month 1 (for labels)."
    )
    economy: Economy = Economy()
    initial: Initial = Initial()
    behaviour: Behaviour = Behaviour()
    regime: Regime = Regime()
    squeeze: Squeeze = Squeeze()

    @property
    def months(self) -> int:
        """Length of a run in months."""
        return self.years * 12


ScenarioKind = Literal["scenario"]

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

from enum import StrEnum
from typing import Annotated, Literal, NamedTuple

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class Bounds(NamedTuple):
    """The numeric range a field allows (None where it is open-ended)."""

    low: float | None
    high: float | None
    low_open: bool  # the low end itself is not allowed (gt rather than ge)
    high_open: bool  # the high end itself is not allowed (lt rather than le)


def field_bounds(metadata) -> Bounds:
    """The range given by a field's constraint metadata (``FieldInfo.metadata``):
    the one place the docs, the app's sliders, sensitivity declarations and the
    invariant tests read a parameter's allowed range from. Values keep their type
    (an integer field's bounds are integers)."""
    low = high = None
    low_open = high_open = False
    for m in metadata:
        if isinstance(m, at.Ge):
            low, low_open = m.ge, False
        elif isinstance(m, at.Gt):
            low, low_open = m.gt, True
        elif isinstance(m, at.Le):
            high, high_open = m.le, False
        elif isinstance(m, at.Lt):
            high, high_open = m.lt, True
    return Bounds(low, high, low_open, high_open)


class Section(BaseModel):
    """Base of every scenario section: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


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
        "planning footprints, later 42 integrated care systems (CALIBRATION.md).",
    )
    trusts_per_economy: int = Field(
        6,
        ge=1,
        le=40,
        description="Provider trusts per economy: about 230 trusts over 42-44 footprints "
        "gives about 5 (CALIBRATION.md); 6 makes the baseline a mid-sized system.",
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
        "trust has about 450 beds (CALIBRATION.md).",
    )
    beds_cv: float = Field(
        0.35,
        ge=0,
        le=1.5,
        description="Coefficient of variation of beds across generated trusts (KH03 "
        "acute trusts range from about 150 to over 2,000 beds; lognormal).",
    )
    population_per_bed: float = Field(
        667.0,
        gt=0,
        le=10000,
        description="Catchment population per bed: about 300,000 people for a 450-bed "
        "trust (CALIBRATION.md).",
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
        "created from the file's nodes.",
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
        "network_file when one is given). When empty, links are generated.",
    )
    disclaimer: str = Field(
        "",
        description="A line printed on every output built from this scenario (e.g. that "
        "results about real organisations are simulated, not forecasts).",
    )

    @model_validator(mode="after")
    def _unique_trusts(self) -> Economy:
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


class Initial(Section):
    """The state of each trust when the run starts."""

    quality_mean: Share = Field(
        0.66,
        description="Mean true quality of a service line. Set with the inspection bands "
        "so that the first ratings round matches CQC 2014-16 (T5, CALIBRATION.md).",
    )
    quality_sd_trust: float = Field(
        0.06,
        ge=0,
        le=0.5,
        description="Spread of trust-level quality (a trust's services share a culture).",
    )
    quality_sd_service: float = Field(
        0.08,
        ge=0,
        le=0.5,
        description="Spread of service quality around its trust's level: pockets of poor "
        "care exist in all trusts at times (C3).",
    )
    struggling_share: Share = Field(
        0.12,
        description="Share of trusts that start out consistently struggling: 'a small "
        "number of trusts that have consistently struggled to meet a range of national "
        "quality standards' (the article); the Keogh review looked at 14 of about 160 "
        "acute trusts (about 9%).",
    )
    struggling_gap: float = Field(
        0.15,
        ge=0,
        le=1,
        description="How far below the others a struggling trust's quality starts "
        "(calibrated so about 10% of acute trusts are rated inadequate in the first "
        "round, T5).",
    )
    capability_mean: Share = Field(
        0.55, description="Mean board capability (0 = no grip, 1 = the best boards)."
    )
    capability_sd: float = Field(0.12, ge=0, le=0.5, description="Spread of board capability.")
    morale: Share = Field(0.62, description="Staff morale at the start (NHS staff survey era).")
    staffing_ratio: float = Field(
        0.93,
        gt=0,
        le=1.2,
        description="Staff in post over establishment: nursing vacancy rates of about 6-8% "
        "in 2013-14 (NHS Improvement workforce data).",
    )
    surplus_margin: float = Field(
        0.015,
        ge=-0.2,
        le=0.2,
        description="Mean surplus as a share of income: aggregate +£0.6bn on about £76bn "
        "in 2012/13 (T3, NAO 2014).",
    )
    surplus_margin_sd: float = Field(
        0.01,
        ge=0,
        le=0.2,
        description="Spread of trusts' margins: 5-10% of trusts were in deficit before the "
        "squeeze (T3).",
    )
    cash_months: float = Field(1.0, ge=-24, le=24, description="Cash reserves in months of income.")
    special_measures_share: Share = Field(
        0.0,
        description="Share of trusts (the lowest quality) that start in special measures; "
        "11 of about 230 after the Keogh review of July 2013 is about 0.05 (T2).",
    )
    social_care_shortfall: Share = Field(
        0.10,
        description="Share of social-care need not met at the start; with "
        "delayed_discharge_beds_per_shortfall it sets delayed transfers of care at about "
        "3% of beds, as in 2013 (NHS England DTOC statistics).",
    )
    reputation: Share = Field(0.7, description="Public reputation at the start.")


class Behaviour(Section):
    """The strength of each mechanism. Most are the article's claims written as
    uncertain parameters: a sensitivity analysis varies them to see where the
    ranking of regimes flips."""

    # C3, quality drift
    improvement_rate: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Monthly share of the gap to perfect quality closed by a fully "
        "capable, open, well-resourced board (C11). Calibrated with the deterioration "
        "terms so quality is steady without a squeeze.",
    )
    baseline_deterioration: float = Field(
        0.0229,
        ge=0,
        le=0.2,
        description="Share of quality lost a month from ordinary entropy (staff churn, ageing "
        "estate, rising acuity); balances improvement at the initial quality.",
    )
    occupancy_threshold: Share = Field(
        0.92,
        description="Bed occupancy above which safety suffers: 85-92% is the usual "
        "safe range (Bagust et al. 1999; NHS England).",
    )
    occupancy_harm: float = Field(
        0.05,
        ge=0,
        le=5,
        description="Share of quality lost a month per unit of occupancy above the threshold (C8).",
    )
    understaffing_harm: float = Field(
        0.03,
        ge=0,
        le=5,
        description="Share of quality lost a month per unit of staff in post below 95% of "
        "the establishment the activity safely needs (before any cuts of posts) (C10).",
    )
    cuts_harm: float = Field(
        0.6,
        ge=0,
        le=20,
        description="Share of quality lost a month per unit of annual cost cut beyond the "
        "efficiency frontier (C10).",
    )
    morale_harm: float = Field(
        0.02, ge=0, le=2, description="Share of quality lost a month per unit of morale below 0.6."
    )
    shock_rate: Share = Field(
        0.012,
        description="Monthly chance of a local shock to one service line (an outbreak, a "
        "key consultant leaving, a never event): 'pockets of poor care can exist in all "
        "types of trust at various times' (C3).",
    )
    shock_size: float = Field(
        0.14, ge=0, le=1, description="Mean quality drop of a local shock (exponential)."
    )
    quality_noise_sd: float = Field(
        0.006, ge=0, le=0.2, description="Month-to-month noise in each service's quality."
    )
    # C5, fear and openness
    openness_base: Share = Field(
        0.75,
        description="Share of harm reported by staff with no fear and good morale "
        "(NRLS-era estimates of under-reporting of 25-50%).",
    )
    fear_from_naming: Share = Field(
        0.8,
        description="Fear in a trust that is publicly named at full blame intensity (C5).",
    )
    fear_contagion: Share = Field(
        0.3,
        description="Share of that fear felt by the other trusts of the economy when one "
        "is named ('there but for the grace of God', C3/C5).",
    )
    fear_culture: Share = Field(
        0.15,
        description="Fear felt everywhere in proportion to the regime's blame intensity.",
    )
    fear_adjustment: Share = Field(
        0.15, description="Monthly share of the gap to its target that fear closes."
    )
    fear_toxicity: Share = Field(
        0.6,
        description="Share of openness lost at full fear: 'fear is toxic to both safety "
        "and improvement' (Berwick 2013). The key uncertain claim of C5.",
    )
    fear_learning_penalty: Share = Field(
        0.4,
        description="Share of the learning from reported harm lost at full fear (fear "
        "makes boards defensive as well as staff silent).",
    )
    blame_deterrence: float = Field(
        0.15,
        ge=0,
        le=2,
        description="Extra improvement effort from blame pressure, relative to "
        "improvement_rate: the counter-claim that naming and shaming motivates boards. "
        "High values let blame beat support.",
    )
    general_deterrence: Share = Field(
        0.2,
        description="Share of blame pressure felt by trusts not on the ladder (the threat "
        "of being named).",
    )
    reputation_loss_naming: Share = Field(
        0.3, description="Reputation lost when a trust is publicly named (C5)."
    )
    reputation_recovery: Share = Field(
        0.03, description="Monthly share of the gap to quality-based reputation recovered."
    )
    reputation_demand_shift: Share = Field(
        0.15,
        description="Share of a trust's demand that moves to neighbours at zero reputation "
        "(patient choice and GP referral, C5).",
    )
    reputation_recruitment: Share = Field(
        0.5, description="Share of recruitment lost at zero reputation (C5)."
    )
    # workforce
    turnover_base: float = Field(
        0.011,
        ge=0,
        le=0.2,
        description="Monthly staff leaving rate: about 13% a year for NHS nurses in the "
        "2010s (NHS Digital leaver rates).",
    )
    fear_turnover: float = Field(
        0.6, ge=0, le=5, description="Relative increase in leaving at full fear (C5)."
    )
    morale_turnover: float = Field(
        1.0, ge=0, le=10, description="Relative increase in leaving per unit morale below 0.6."
    )
    recruitment_rate: Share = Field(
        0.17, description="Monthly share of vacancies filled when a trust is free to hire."
    )
    hiring_restraint: Share = Field(
        0.3,
        description="Share of recruitment lost by a trust in deficit (vacancy freezes).",
    )
    agency_fill: Share = Field(
        0.8,
        description="Share of vacant shifts covered by bank and agency staff: most are "
        "covered (NHS Improvement 2016), so vacancies cost more than posts filled.",
    )
    agency_premium: float = Field(
        0.5,
        ge=0,
        le=3,
        description="Agency cost above substantive pay: 20-100%; £3.6bn on agency in "
        "2015/16 (NAO 2016).",
    )
    morale_adjustment: Share = Field(
        0.1, description="Monthly share of the gap to its target that morale closes."
    )
    # C11, boards
    capability_learning: float = Field(
        0.004,
        ge=0,
        le=0.2,
        description="Monthly gain of board capability from experience, towards 1.",
    )
    capability_decay: float = Field(
        0.002, ge=0, le=0.2, description="Monthly loss of capability (drift, turnover)."
    )
    new_board_capability: Share = Field(
        0.5,
        description="Mean capability of a replacement board: new leaders start without "
        "local knowledge (C11).",
    )
    new_board_capability_sd: float = Field(
        0.12, ge=0, le=0.5, description="Spread of a replacement board's capability."
    )
    disruption_months: int = Field(
        9,
        ge=0,
        le=60,
        description="Months of disruption after a board is replaced: recruitment, "
        "interim leaders, loss of grip (King's Fund on NHS leadership churn).",
    )
    disruption_penalty: Share = Field(
        0.5, description="Share of capability unusable during the disruption."
    )
    board_churn_base: float = Field(
        0.004,
        ge=0,
        le=0.2,
        description="Monthly chance a board is replaced for ordinary reasons "
        "(median chief executive tenure about 3 years; whole-board turnover rarer).",
    )
    fear_board_churn: float = Field(
        0.02,
        ge=0,
        le=0.5,
        description="Extra monthly chance of board replacement at full fear (C5, C11).",
    )
    # C6, improvement support
    buddy_effectiveness: float = Field(
        0.18,
        ge=0,
        le=0.5,
        description="Monthly share of the gap to good quality closed by full buddy "
        "support, scaled by the buddy's capability (C6).",
    )
    buddy_capability_transfer: float = Field(
        0.01,
        ge=0,
        le=0.2,
        description="Monthly capability the supported board learns from its buddy: "
        "peer help builds capability, so it lasts after support ends (C6).",
    )
    buddy_burden: float = Field(
        0.004,
        ge=0,
        le=0.2,
        description="Monthly capability the buddy's own board loses while supporting "
        "(its leaders' time).",
    )
    buddy_cost: float = Field(
        0.05, ge=0, le=10, description="£m a month paid to the buddy by the regime."
    )
    buddy_min_rating_quality: Share = Field(
        0.68,
        description="Observed quality a trust needs to be a buddy (a good rating); it "
        "must also have a capable board and no deficit.",
    )
    buddy_capacity: int = Field(
        1, ge=1, le=10, description="Trusts one buddy can support at a time."
    )
    consultancy_effectiveness: float = Field(
        0.12,
        ge=0,
        le=0.5,
        description="Monthly share of the gap to good quality closed by full consultancy "
        "support: fast, but no capability is built (C6).",
    )
    consultancy_cost: float = Field(
        0.25,
        ge=0,
        le=10,
        description="£m a month a trust pays consultants at full intensity (turnaround "
        "contracts of £2-5m a year).",
    )
    consultancy_decay: Share = Field(
        0.15,
        description="Monthly share of consultancy gains lost after the contract ends, "
        "unless the board has the capability to hold them (C6).",
    )
    central_effectiveness: float = Field(
        0.08,
        ge=0,
        le=0.5,
        description="Monthly share of the gap closed by a central prescription "
        "(improvement director, national programme) (C6).",
    )
    central_cost: float = Field(
        0.08, ge=0, le=10, description="£m a month of a central improvement team."
    )
    # C7, accountability
    accountability_penalty: float = Field(
        0.2,
        ge=0,
        le=5,
        description="Loss of accountability clarity per outside body holding powers over "
        "the trust: clarity = 1 / (1 + penalty x bodies). 'With too many in charge, no "
        "one is' (Berwick; C7). No direct measure exists: set with T1 (time in special "
        "measures) under the 2013 regime, whose trusts in special measures answered to up "
        "to three bodies (conditions, oversight directions, an improvement director).",
    )

    # C8, social care
    delayed_discharge_beds_per_shortfall: float = Field(
        0.3,
        ge=0,
        le=3,
        description="Share of beds filled by delayed discharges per unit of social-care "
        "shortfall: with a 10% shortfall, delayed transfers of care fill about 3% of "
        "beds, as in 2013, rising to about 6% in 2017 (NHS England DTOC).",
    )
    base_occupancy: float = Field(
        0.86,
        ge=0.3,
        le=1.0,
        description="Bed occupancy from demand alone at the start (G&A occupancy was "
        "about 88-90% in 2013, including delayed discharges; KH03). Below 0.3 a trust "
        "would hardly be a hospital.",
    )
    throughput_growth: float = Field(
        0.03,
        ge=-0.2,
        le=0.2,
        description="Annual growth of what a bed can treat as stays shorten: G&A length "
        "of stay fell about 2-3% a year in the 2010s (HES).",
    )
    demand_noise_sd: float = Field(
        0.02,
        ge=0,
        le=0.5,
        description="Month-to-month noise in each trust's demand (the standard deviation "
        "of a lognormal factor with mean 1, so demand stays positive).",
    )
    population_demand_elasticity: float = Field(
        0.5,
        ge=0,
        le=2,
        description="How much an economy's demand per bed rises with its population per "
        "bed relative to population_per_bed (assumption: demand ~ (population/beds)^e, "
        "kept within 0.8 to 1.25 times). No effect on generated economies, whose "
        "population follows their beds; it matters for economies built from NHS data.",
    )
    overflow_diversion: Share = Field(
        0.5,
        description="Share of demand a full trust cannot treat that is diverted to its "
        "neighbours (ambulance diversion, transfers) (C8).",
    )
    # C10, finance
    efficiency_capacity: float = Field(
        0.02,
        ge=0,
        le=0.2,
        description="Annual efficiency a board of average capability delivers without "
        "hurting care: providers achieved about 2% a year against 4% asked (T4, "
        "Nuffield Trust 2016).",
    )
    unsafe_cut_share: Share = Field(
        0.35,
        description="Share of the efficiency asked beyond a board's safe capacity that it "
        "delivers anyway by cutting posts and services (which then hurts care, C10).",
    )
    efficiency_frontier: float = Field(
        0.025,
        ge=0,
        le=0.2,
        description="Annual cost cut beyond which cuts hurt quality directly (C10), when "
        "it is also beyond the board's safe capacity (efficiency_capacity, more for abler "
        "boards): deeper cuts close services and defer maintenance.",
    )
    deficit_push: float = Field(
        0.4,
        ge=0,
        le=2,
        description="Extra cost cutting a board attempts per unit of deficit margin, "
        "beyond what the tariff asks.",
    )
    harm_litigation_cost: float = Field(
        0.004,
        ge=0,
        le=1,
        description="£m of litigation and remediation per avoidable harm event "
        "(NHS Resolution clinical negligence costs of about £1.5-2bn a year).",
    )
    reconfiguration_months: int = Field(
        36,
        ge=1,
        le=240,
        description="Months a service reconfiguration takes before it saves money: "
        "trusts 'are unable to reconfigure their services quickly enough' (C10).",
    )
    reconfiguration_saving: Share = Field(
        0.04, description="Share of costs a completed reconfiguration saves."
    )
    reconfiguration_cost: float = Field(
        0.03,
        ge=0,
        le=1,
        description="One-off cost of a reconfiguration as a share of annual income.",
    )
    reconfiguration_threshold: float = Field(
        -0.02,
        ge=-1,
        le=1,
        description="Annual margin below which a capable board starts a reconfiguration.",
    )
    unsustainable_cash_months: float = Field(
        -2.0,
        ge=-60,
        le=0,
        description="Cash (months of income) below which a trust is counted financially "
        "unsustainable (in the NHS it would need emergency loans; the model lets cash go "
        "negative and flags it).",
    )
    # C2, politics
    scandal_rate: Share = Field(
        0.01,
        description="Monthly chance that a trust becomes newsworthy (a story, a "
        "campaign), whatever its quality.",
    )
    salience_decay: Share = Field(0.1, description="Monthly share of media salience that fades.")


# --------------------------------------------------------------------------------------
# Regime
# --------------------------------------------------------------------------------------


class SupportModel(StrEnum):
    """Kinds of improvement support (C6)."""

    buddy = "buddy"
    consultancy = "consultancy"
    central = "central"
    none = "none"


class Scope(StrEnum):
    """Scope of the regime's action (C9)."""

    trust_only = "trust_only"
    whole_economy = "whole_economy"


class Identification(Section):
    """How the inspectorate finds failure (C1-C3)."""

    inspection_interval_months: int = Field(
        24,
        ge=1,
        le=240,
        description="Months between scheduled inspections of a trust: CQC's new "
        "approach aimed at every acute trust within about two years.",
    )
    noise_sd: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Standard deviation of the inspectors' error on a service's quality "
        "(C1): the old regime was noisy, the new one calibrated.",
    )
    services_sampled: int = Field(
        5,
        ge=1,
        le=12,
        description="Service lines looked at per inspection (capped at the trust's): the "
        "new CQC approach covered most core services; calibrated with T5.",
    )
    bar: Share = Field(
        0.5,
        description="Observed quality below which a service is rated inadequate. Quality "
        "is on an abstract 0-1 scale; the bar is calibrated with the inspection noise and "
        "sampling so the first round of ratings matches CQC 2014-16 (T5).",
    )
    good_threshold: Share = Field(
        0.68, description="Observed quality at or above which a service is rated good."
    )
    outstanding_threshold: Share = Field(
        0.82, description="Observed quality at or above which a service is outstanding."
    )
    breadth_rule: int = Field(
        2,
        ge=1,
        le=12,
        description="Inadequate services needed for a trust to be found failing: "
        "'consistently failing a range of standards', not one pocket (C3).",
    )
    persistence_rule: int = Field(
        1,
        ge=1,
        le=10,
        description="Failing inspections in a row needed before special measures (C3).",
    )
    risk_trigger_weight: float = Field(
        0.25,
        ge=0,
        le=5,
        description="Strength of risk-triggered inspections: reported harm above the "
        "national rate, complaints and deficits bring an inspection forward (C1).",
    )
    political_pressure: Share = Field(
        0.05,
        description="Weight of media salience against evidence in who is inspected and "
        "who is put in special measures: 0 = independent; 1 = visibility decides (C2). "
        "The default (the 2013 regime) allows a little political steer, the article's "
        "worry; no measure of it exists.",
    )
    inspection_cost: float = Field(
        0.15, ge=0, le=10, description="£m per inspection (CQC's costs per acute trust)."
    )


class Ladder(Section):
    """The graded scale of failure and consequences (C4)."""

    enabled: bool = Field(
        True, description="False = no failure regime (inspections and ratings only)."
    )
    graduated: bool = Field(
        True,
        description="True: advice and warnings for isolated or moderate failure before "
        "special measures. False: any finding of failure goes straight to special "
        "measures.",
    )
    review_months: int = Field(
        12,
        ge=1,
        le=60,
        description="Months after entry before the first exit re-inspection: the regime "
        "was designed for 12 months plus 6 (T1).",
    )
    reinspection_months: int = Field(
        6, ge=1, le=60, description="Months between later exit re-inspections."
    )
    exit_max_failing: int = Field(
        0,
        ge=0,
        le=12,
        description="Inadequate services a trust may still show to leave special measures.",
    )
    exit_min_quality: Share = Field(
        0.56,
        description="Mean observed quality of the sampled services needed to exit.",
    )
    administration_after_months: int = Field(
        36,
        ge=1,
        le=240,
        description="Months in special measures after which a still-failing trust goes "
        "into administration or merger (the top rung).",
    )
    administration_enabled: bool = Field(
        True, description="Whether the top rung (administration or merger) is used."
    )
    conditions_carry_powers: bool = Field(
        True,
        description="Whether warnings come with commissioner or regulator conditions "
        "that cut across the board's accountability (C7).",
    )
    oversight_directions: bool = Field(
        True,
        description="Whether the oversight body takes powers of direction over a trust in "
        "special measures (C7).",
    )
    relapse_window_months: int = Field(
        36, ge=1, le=240, description="Re-entry within this long after exit is a relapse."
    )


class Communication(Section):
    """Naming, blame and board replacement (C5, C11)."""

    naming: bool = Field(True, description="Trusts in special measures are named publicly.")
    blame_intensity: Share = Field(
        0.5,
        description="How much failure is framed as the leaders' fault: 0 = 'abandon blame "
        "as a tool' (Berwick); 1 = name and shame.",
    )
    board_replacement_probability: Share = Field(
        0.3,
        description="Chance the board is replaced when a trust enters special measures.",
    )


class Improvement(Section):
    """How improvement is supported (C6, C7)."""

    model: SupportModel = Field(
        SupportModel.buddy, description="Kind of support for trusts in special measures."
    )
    intensity: Share = Field(1.0, description="Intensity of the support.")
    funding: float = Field(
        0.1,
        ge=0,
        le=10,
        description="£m a month of improvement money per trust in special measures, "
        "raising its resources.",
    )
    powers: bool = Field(
        True,
        description="Whether the helper (buddy or improvement director) holds powers over "
        "the board (C7). The default (the 2013 regime) appointed improvement directors "
        "with powers alongside buddies.",
    )
    support_months: int = Field(
        24, ge=1, le=120, description="Longest time support lasts for one episode."
    )


class ScopeSpec(Section):
    """Trust-only or whole-economy action (C8, C9)."""

    scope: Scope = Field(Scope.trust_only, description="Scope of the regime's action.")
    social_care_uplift: float = Field(
        0.0,
        ge=0,
        le=2,
        description="Share of extra social-care capacity funded in an economy once one of "
        "its trusts is found failing (a warning or special measures; whole-economy "
        "scope). Raised once per economy and kept: a structural fix.",
    )
    reconfiguration_support: bool = Field(
        False,
        description="Commissioners fund and speed up the reconfiguration of a trust in "
        "special measures (whole-economy scope).",
    )
    system_cost_share: float = Field(
        0.5,
        ge=0,
        le=5,
        description="Share of the social-care uplift's cost borne by the regime.",
    )


class FinancialSupport(Section):
    """Money that follows failure."""

    deficit_cover: Share = Field(
        0.0, description="Share of a special-measures trust's deficit covered centrally."
    )


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
        description="Growth of the need for care: 3-4% a year (CALIBRATION.md).",
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

"""Controlled settings and helpers shared by the mechanism tests.

Two kinds of test use them:

- **rule tests** call a mechanism's compiled rules directly, with the parameters packed
  from a loaded scenario (:func:`packed`) and small arrays of trust and service records
  (:func:`trusts`, :func:`services`, :func:`draws_by_trust`, :func:`draws_by_service`).
  The coefficients a worked value depends on are set explicitly, through scenario
  overrides, so the value stays right when the defaults are recalibrated, and a
  mutation applied to the validated scenario (a parameter set to its ``neutral``
  value) still reaches the rule;
- **whole-model direction tests** (metamorphic) compare runs on the same seeds: with
  common random numbers the two arms of a comparison see identical exogenous shocks, so
  a difference is the mechanism's doing, not noise. Where one seed is not enough the
  comparison is pooled over several. Some drive ``HealthEconomy`` directly for fine
  control (put one trust in special measures at month 0, replace one board) and follow
  that trust month by month against a counterfactual run on the same seed.

Scenarios are loaded inside the tests and fixtures (never at import), so whatever the
loader does to a validated scenario applies to every one the tests use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from healthsim import run
from healthsim.config import load_scenario, with_overrides
from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model import Rating
from healthsim.model.agents import Finding
from healthsim.model.economy import HealthEconomy
from healthsim.model.mechanisms import LAYOUT, pack
from healthsim.model.streams import MONTH_DTYPE, SERVICE_DTYPE
from healthsim.model.variables import records

SEEDS = (1, 2, 3, 4, 5, 6)

# ------------------------------------------------------------------------------------
# rule tests: packed parameters and small arrays of records
# ------------------------------------------------------------------------------------


def behaviour(**values: Any) -> dict[str, Any]:
    """``[behaviour]`` values as dotted overrides: ``behaviour(fear_toxicity=0.6)``."""
    return {f"behaviour.{k}": v for k, v in values.items()}


def params(overrides: Mapping[str, Any] | None = None, scenario: str = "baseline") -> np.ndarray:
    """Every mechanism's parameters for ``scenario`` with ``overrides`` (dotted key
    paths): the one-record array the compiled passes take (``params``)."""
    return pack(with_overrides(load_scenario(scenario), dict(overrides or {})))


def packed(overrides: Mapping[str, Any] | None = None, scenario: str = "baseline"):
    """The record the compiled rules take (``p = params[0]``, read as ``p.<name>``)."""
    return params(overrides, scenario)[0]


def scenario(overrides: Mapping[str, Any] | None = None, name: str = "baseline"):
    """A loaded scenario with ``overrides`` (for the Python rules that read sections)."""
    return with_overrides(load_scenario(name), dict(overrides or {}))


def _filled(arr: np.ndarray, fields: Mapping[str, Any]) -> np.ndarray:
    for k, v in fields.items():
        arr[k] = v
    return arr


def trusts(n: int = 1, **fields: Any) -> np.ndarray:
    """``n`` trust records at their fill values, but the ``fields`` given (a value or
    one per trust). ``tr[i]`` is what a rule taking a trust record ``x`` gets."""
    return _filled(LAYOUT.allocate("trust", n), fields)


def services(n: int, s: int, **fields: Any) -> np.ndarray:
    """(``n`` trusts, ``s`` services) service records, with ``fields`` set."""
    return _filled(LAYOUT.allocate("service", (n, s)), fields)


def draws_by_trust(months: int, n: int, **fields: Any) -> np.ndarray:
    """The draws by month and trust (``Draws.months``), zero but the ``fields`` given."""
    return _filled(records(np.zeros((months, n), dtype=MONTH_DTYPE)), fields)


def draws_by_service(months: int, n: int, s: int, **fields: Any) -> np.ndarray:
    """The draws by month, trust and service (``Draws.services``)."""
    return _filled(records(np.zeros((months, n, s), dtype=SERVICE_DTYPE)), fields)


# ------------------------------------------------------------------------------------
# whole-model tests: controlled settings
# ------------------------------------------------------------------------------------

#: True quality does not move by itself: no drift, shocks, noise or support. Isolates
#: how failure is *identified* (C1-C4) from how it develops.
FROZEN_QUALITY = {
    "behaviour.improvement_rate": 0.0,
    "behaviour.baseline_deterioration": 0.0,
    "behaviour.occupancy_harm": 0.0,
    "behaviour.understaffing_harm": 0.0,
    "behaviour.cuts_harm": 0.0,
    "behaviour.morale_harm": 0.0,
    "behaviour.shock_rate": 0.0,
    "behaviour.quality_noise_sd": 0.0,
    "regime.improvement.model": "none",
    "regime.improvement.funding": 0.0,
    "initial.special_measures_share": 0.0,
    "initial.struggling_share": 0.0,
}

#: An inspectorate that works only to its schedule, sees every service, with no error.
PLAIN_INSPECTION = {
    "regime.identification.noise_sd": 0.0,
    "regime.identification.services_sampled": 6,
    "regime.identification.bar": 0.45,
    "regime.identification.good_threshold": 0.66,
    "regime.identification.breadth_rule": 2,
    "regime.identification.persistence_rule": 1,
    "regime.identification.risk_trigger_weight": 0.0,
    "regime.identification.political_pressure": 0.0,
    "regime.identification.inspection_interval_months": 12,
    "economy.services_per_trust": 6,
}

#: The oversight body applies no package that would blur a comparison: no naming, no
#: blame, no board replacement, no powers, no money, no exit reviews for five years.
NEUTRAL_PACKAGE = {
    "regime.communication.naming": False,
    "regime.communication.blame_intensity": 0.0,
    "regime.communication.board_replacement_probability": 0.0,
    "regime.improvement.funding": 0.0,
    "regime.improvement.powers": False,
    "regime.improvement.intensity": 1.0,
    "regime.ladder.oversight_directions": False,
    "regime.ladder.conditions_carry_powers": False,
    "regime.ladder.review_months": 60,
    "regime.identification.inspection_interval_months": 240,
    "regime.identification.risk_trigger_weight": 0.0,
    "regime.identification.political_pressure": 0.0,
    "regime.scope.scope": "trust_only",
    "regime.financial_support.deficit_cover": 0.0,
    "initial.special_measures_share": 0.0,
    "behaviour.board_churn_base": 0.0,
    "behaviour.fear_board_churn": 0.0,
}

#: Fear everywhere from the general culture (blame 0.9 x 0.5 = 0.45), none of the
#: regime's package, and no risk triggers: who is inspected does not depend on reporting.
FEARFUL = {
    **NEUTRAL_PACKAGE,
    "regime.communication.blame_intensity": 0.9,
    "behaviour.fear_culture": 0.5,
}

#: Patchy trusts near the bar under a frozen quality and a plain inspectorate: the
#: setting of the identification claims (C1-C4).
C1_PATCHY = {
    **FROZEN_QUALITY,
    **PLAIN_INSPECTION,
    "initial.quality_mean": 0.52,
    "initial.quality_sd_trust": 0.05,
    "initial.quality_sd_service": 0.08,
    "regime.ladder.graduated": False,
}

#: One local economy whose social care meets only 60% of need, steadily, so its full
#: hospitals (not their boards) are what makes trusts fail. Central support lifts a
#: trust out of special measures; the question is whether it stays out.
C9_SYSTEM_CAUSE = {
    "initial.social_care_shortfall": 0.4,
    "initial.quality_mean": 0.6,
    "initial.struggling_share": 0.0,
    "initial.special_measures_share": 0.0,
    "squeeze.social_care_budget_growth": 0.0,
    "squeeze.social_care_need_growth": 0.0,
    "squeeze.years": [],
    "behaviour.delayed_discharge_beds_per_shortfall": 0.3,
    "behaviour.occupancy_harm": 0.6,
    "behaviour.occupancy_threshold": 0.9,
    "regime.ladder.enabled": True,
    "regime.ladder.graduated": True,
    "regime.ladder.review_months": 6,
    "regime.ladder.reinspection_months": 3,
    "regime.ladder.relapse_window_months": 36,
    "regime.identification.inspection_interval_months": 6,
    "regime.identification.noise_sd": 0.03,
    "regime.identification.breadth_rule": 2,
    "regime.identification.persistence_rule": 1,
    "regime.improvement.model": "central",
    "regime.improvement.support_months": 12,
    "regime.communication.blame_intensity": 0.0,
    "regime.communication.board_replacement_probability": 0.0,
    "regime.scope.social_care_uplift": 0.3,
    "regime.scope.reconfiguration_support": False,
}

NO_SQUEEZE = {
    "squeeze.real_funding_growth": 0.037,
    "squeeze.demand_growth": 0.035,
    "squeeze.tariff_efficiency": 0.015,
    "squeeze.cost_inflation": 0.02,
    "squeeze.social_care_budget_growth": 0.02,
    "squeeze.social_care_need_growth": 0.02,
    "squeeze.years": [],
}
SEVERE_SQUEEZE = {
    **NO_SQUEEZE,
    "squeeze.real_funding_growth": 0.0,
    "squeeze.demand_growth": 0.04,
    "squeeze.tariff_efficiency": 0.05,
    "squeeze.social_care_budget_growth": -0.03,
}

# ------------------------------------------------------------------------------------
# whole-model tests: running and reading
# ------------------------------------------------------------------------------------


def runs(
    scenario: str = "baseline",
    seeds: Iterable[int] | None = None,
    years: int = 3,
    **overrides: Any,
) -> list:
    """Run one arm of a comparison on each seed (common random numbers across arms)."""
    seeds = SEEDS if seeds is None else seeds
    return [run(scenario, seed=s, years=years, overrides=overrides) for s in seeds]


def pooled(results: list, key: str) -> float:
    """A summary metric summed over the seeds of an arm (NaN counts as 0)."""
    return float(np.nansum([r.summary[key] for r in results]))


def averaged(results: list, key: str) -> float:
    return float(np.nanmean([r.summary[key] for r in results]))


def monthly_total(results: list, column: str) -> float:
    return float(sum(r.timeseries[column].sum() for r in results))


def dotted(overrides: dict[str, Any]) -> dict[str, Any]:
    """Dotted key paths as HealthEconomy keyword arguments."""
    return {k.replace(".", "__"): v for k, v in overrides.items()}


def force_special_measures(m: HealthEconomy, i: int) -> None:
    """Put trust ``i`` in special measures now, as an inspection of all its services
    that saw its true quality would (the regime's package applies)."""
    s, ident = m.s, m.p.regime.identification
    q = s.quality[i]
    failing = int((q < ident.bar).sum())
    finding = Finding(
        month=m.month_index,
        trust=i,
        services=tuple(range(q.size)),
        observed=tuple(float(x) for x in q),
        failing_observed=failing,
        rating=Rating.inadequate,
        failing_true=failing,
        truly_failing=failing >= ident.breadth_rule,
    )
    s.rating[i] = Rating.inadequate
    s.observed_quality[i] = float(q.mean())
    m.oversight.enter_special_measures(i, finding)


def worst_trust(m: HealthEconomy) -> int:
    return int(np.argmin(m.s.quality.mean(axis=1)))


def per_trust(result, column: str) -> np.ndarray:
    """(months, trusts) array of a per-trust column."""
    return result.trusts.pivot(index="month", columns="trust", values=column).to_numpy()


def followed(overrides: dict[str, Any], seed: int, months: int = 12) -> tuple[HealthEconomy, int]:
    """The baseline economy with ``overrides``: its worst trust put in special measures
    at month 0, then ``months`` months run. Returns the model and that trust."""
    m = ScenarioEconomy("baseline", rng=seed, **dotted(overrides))
    i = worst_trust(m)
    force_special_measures(m, i)
    m.run(months)
    return m, i

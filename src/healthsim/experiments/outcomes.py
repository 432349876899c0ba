"""What each per-run metric means for a comparison: label, unit and which way is better.

Every metric an ensemble analyses is a number per run: the model's own per-run metrics
(:data:`healthsim.metrics.summary.SUMMARY`) plus the *accounts* a comparison adds (harm
by where it happened, income and spending; see :mod:`healthsim.experiments.tasks`).
Statistics such as "probability best" and "worst decile" need to know whether lower or
higher is better, so each metric declares it here. A metric the catalogue does not know
(one added to the model later) is still analysed, with direction ``neither``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from healthsim.metrics.summary import SUMMARY
from healthsim.model.history import MONTHLY

Better = Literal["lower", "higher", "neither"]

#: Units of metrics that cannot be negative.
NON_NEGATIVE_UNITS = frozenset(
    {
        "events",
        "entries",
        "re-entries",
        "exits",
        "boards",
        "trust-months",
        "trusts",
        "months",
        "inspections",
        "beds",
    }
)


#: Metrics that are balances (income less spending): they can be near or below zero.
BALANCES = frozenset({"surplus_total", "net_position"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """How to read one per-run metric.

    Attributes:
        name: the metric's key in a run's values.
        label: a short name for tables and figures ("Avoidable harm").
        unit: the unit, in words ("events", "£m", "share of trusts").
        better: ``lower``, ``higher`` or ``neither`` (no direction is better).
        digits: decimals to show in tables.
        percent: shown as a percentage (the value is a share, 0-1).
    """

    name: str
    label: str
    unit: str
    better: Better
    digits: int = 1
    percent: bool = False

    @property
    def relative_meaningful(self) -> bool:
        """Whether a difference reads as a share of the baseline: not for shares (they
        differ in points) nor for balances that can sit near or below zero (a surplus,
        a net position), whose percentages are huge or change sign for small changes."""
        return not self.percent and self.name not in BALANCES

    @property
    def sign(self) -> int:
        """+1 when higher is better, -1 when lower is better, 0 when neither."""
        return {"higher": 1, "lower": -1, "neither": 0}[self.better]

    def format(self, value: float, *, signed: bool = False) -> str:
        """The value as a table shows it (percentages for shares, thousands separated)."""
        if value != value:  # NaN
            return "n/a"
        v = round(value * 100 if self.percent else value, self.digits)
        if v == 0:
            text = f"{0:.{self.digits}f}"  # never "-0.0" or "+0.0"
        else:
            text = f"{v:+,.{self.digits}f}" if signed else f"{v:,.{self.digits}f}"
        return text + ("%" if self.percent else "")

    @property
    def bounds(self) -> tuple[float, float]:
        """Values the metric can take: 0 to 1 for shares and 0-1 scales, at least 0 for
        counts, durations and money spent; unbounded otherwise."""
        if self.percent or self.unit in ("0-1", "share"):
            return (0.0, 1.0)
        if self.unit in NON_NEGATIVE_UNITS:
            return (0.0, float("inf"))
        return (float("-inf"), float("inf"))

    @property
    def unit_shown(self) -> str:
        """The unit as tables show it (percentages become percentage points)."""
        return "%" if self.percent else self.unit


def _o(name: str, label: str, unit: str, better: Better, digits: int = 1, percent: bool = False):
    return Outcome(name, label, unit, better, digits, percent)


#: Accounts a comparison computes from each run's monthly records (see tasks.accounts).
ACCOUNTS = {
    "harm_at_special_measures": "avoidable harm at trusts in special measures or administration",
    "harm_at_missed_failure": "avoidable harm at truly failing trusts not in special measures",
    "harm_at_lighter_action": "avoidable harm at trusts on advice or a warning, not failing",
    "harm_after_exit": "avoidable harm at trusts in the relapse window after leaving "
    "special measures",
    "harm_at_buddies": "avoidable harm at trusts while they act as another trust's buddy",
    "harm_elsewhere": "avoidable harm at all other trusts (not failing, no regulatory action)",
    "months_at_special_measures": "trust-months in special measures or administration",
    "months_at_missed_failure": "trust-months truly failing but not in special measures",
    "months_at_lighter_action": "trust-months on advice or a warning, not failing",
    "months_after_exit": "trust-months in the relapse window after leaving special measures",
    "months_at_buddies": "trust-months acting as another trust's buddy (and in no state above)",
    "months_elsewhere": "trust-months in none of the states above",
    "income_total": "trusts' combined income over the run, £m (including central payments)",
    "spending_total": "trusts' combined spending over the run, £m (income less surplus)",
    "litigation_cost": "estimated litigation and remediation for avoidable harm, £m "
    "(harm events times the scenario's cost per event); part of trusts' spending",
    "net_position": "trusts' combined surplus less the regime's own spending, £m",
    "deficit_trust_months": "trust-months with a deficit over the previous 12 months",
    "unsustainable_trust_months": "trust-months with cash below the unsustainable level",
}

CATALOGUE: dict[str, Outcome] = {
    o.name: o
    for o in (
        _o("harm_total", "Avoidable harm", "events", "lower", 0),
        _o("harm_hidden_total", "Hidden (unreported) harm", "events", "lower", 0),
        _o("harm_reported_total", "Reported harm", "events", "neither", 0),
        _o("hidden_harm_share", "Share of harm hidden", "share", "lower", 1, True),
        _o("quality_mean_final", "Mean quality at the end", "0-1", "higher", 3),
        _o("quality_p10_final", "Quality of the worst trusts at the end", "0-1", "higher", 3),
        _o("quality_mean_run", "Mean quality over the run", "0-1", "higher", 3),
        _o("sm_entries", "Entries to special measures", "entries", "neither", 2),
        _o("sm_exits", "Exits from special measures", "exits", "neither", 2),
        _o("sm_relapses", "Relapses after exit", "re-entries", "lower", 2),
        _o("relapse_rate", "Relapses per exit", "share", "lower", 1, True),
        _o("sm_months_mean", "Length of a special-measures spell", "months", "lower", 1),
        _o("sm_exit_within_12m_share", "Spells ended within 12 months", "share", "higher", 1, True),
        _o("sm_stock_mean", "Share of trusts in special measures", "share", "neither", 1, True),
        _o("sm_trust_months", "Trust-months in special measures", "trust-months", "lower", 1),
        _o(
            "false_positives",
            "False positives (entries of trusts not failing)",
            "entries",
            "lower",
            2,
        ),
        _o("false_positive_share", "False positives per entry", "share", "lower", 1, True),
        _o(
            "false_negative_months",
            "Missed failure (failing, not in special measures)",
            "trust-months",
            "lower",
            1,
        ),
        _o("good_trusts_tipped", "Good trusts tipped into special measures", "entries", "lower", 2),
        _o("detection_lag_mean", "Time to detect failure", "months", "lower", 1),
        _o("political_entries", "Politically driven entries", "entries", "lower", 2),
        _o("political_share", "Politically driven share of entries", "share", "lower", 1, True),
        _o("inspections", "Inspections", "inspections", "neither", 1),
        _o("deficit_share_peak", "Peak share of trusts in deficit", "share", "lower", 1, True),
        _o(
            "deficit_share_final",
            "Share of trusts in deficit at the end",
            "share",
            "lower",
            1,
            True,
        ),
        _o("margin_worst", "Worst 12-month margin", "share of income", "higher", 2, True),
        _o("financial_failures", "Trusts ever financially unsustainable", "trusts", "lower", 2),
        _o("surplus_total", "Trusts' combined surplus", "£m", "higher", 1),
        _o("efficiency_achieved_mean", "Efficiency delivered a year", "share", "neither", 2, True),
        _o("board_replacements", "Boards replaced", "boards", "lower", 2),
        _o("turnover_annual", "Staff leaving a year", "share of staff", "lower", 2, True),
        _o("fear_mean", "Fear among staff", "0-1", "lower", 3),
        _o("openness_mean", "Openness (share of harm reported)", "0-1", "higher", 3),
        _o("morale_final", "Staff morale at the end", "0-1", "higher", 3),
        _o("capability_final", "Board capability at the end", "0-1", "higher", 3),
        _o("clarity_mean", "Clarity of accountability", "0-1", "higher", 3),
        _o("buddy_months", "Months spent as a buddy", "trust-months", "neither", 1),
        _o("buddy_capability_lost", "Board capability buddies lost", "0-1", "lower", 3),
        _o(
            "buddy_quality_change",
            "Buddies' quality change while buddying",
            "per month",
            "higher",
            4,
        ),
        _o("failure_clustering", "Clustering of failure on flow links", "ratio", "lower", 2),
        _o("economy_concentration", "Concentration of failure in economies", "ratio", "lower", 2),
        _o("regime_cost_total", "Regime's own spending", "£m", "lower", 1),
        _o("delayed_discharge_beds_mean", "Beds held by delayed discharges", "beds", "lower", 1),
        _o("occupancy_mean", "Bed occupancy", "share", "neither", 1, True),
        # accounts (tasks.accounts)
        _o("harm_at_special_measures", "At trusts in special measures", "events", "lower", 0),
        _o(
            "harm_at_missed_failure",
            "At failing trusts not yet in special measures",
            "events",
            "lower",
            0,
        ),
        _o("harm_at_lighter_action", "At trusts on advice or a warning", "events", "lower", 0),
        _o("harm_after_exit", "At trusts recently out of special measures", "events", "lower", 0),
        _o("harm_at_buddies", "At trusts acting as buddies", "events", "lower", 0),
        _o("harm_elsewhere", "At all other trusts", "events", "lower", 0),
        _o(
            "months_at_special_measures",
            "Trust-months in special measures",
            "trust-months",
            "neither",
            1,
        ),
        _o(
            "months_at_missed_failure",
            "Trust-months failing, not yet in special measures",
            "trust-months",
            "lower",
            1,
        ),
        _o(
            "months_at_lighter_action",
            "Trust-months on advice or a warning",
            "trust-months",
            "neither",
            1,
        ),
        _o(
            "months_after_exit",
            "Trust-months recently out of special measures",
            "trust-months",
            "neither",
            1,
        ),
        _o("months_at_buddies", "Trust-months acting as buddies", "trust-months", "neither", 1),
        _o(
            "months_elsewhere",
            "Trust-months with no action, not failing",
            "trust-months",
            "neither",
            1,
        ),
        _o("harm_from_composition", "From where trusts spent their months", "events", "lower", 0),
        _o("harm_from_rates", "From harm per trust-month in the same state", "events", "lower", 0),
        _o("income_total", "Trusts' income", "£m", "higher", 1),
        _o("spending_total", "Trusts' spending", "£m", "lower", 1),
        _o("litigation_cost", "Litigation for harm (estimate)", "£m", "lower", 1),
        _o("net_position", "Trusts' surplus less regime spending", "£m", "higher", 1),
        _o("deficit_trust_months", "Trust-months in deficit", "trust-months", "lower", 1),
        _o(
            "unsustainable_trust_months",
            "Trust-months financially unsustainable",
            "trust-months",
            "lower",
            1,
        ),
    )
}

#: The metrics a comparison reports up front when its file names none.
DEFAULT_METRICS = (
    "harm_total",
    "harm_hidden_total",
    "quality_mean_final",
    "quality_p10_final",
    "false_negative_months",
    "false_positives",
    "sm_relapses",
    "board_replacements",
    "turnover_annual",
    "morale_final",
    "deficit_share_peak",
    "financial_failures",
    "net_position",
    "regime_cost_total",
)

#: Monthly metrics kept from every run (float32) for the fan charts.
DEFAULT_SERIES = (
    "quality_mean",
    "quality_p10",
    "harm",
    "harm_hidden",
    "in_special_measures",
    "in_deficit",
    "turnover",
    "morale",
    "fear",
    "board_replacements",
    "surplus",
    "regime_cost",
)


@dataclass(frozen=True, slots=True)
class Series:
    """How to show a monthly metric in a fan chart.

    Attributes:
        name: key in the recorder's monthly metrics.
        label: chart title.
        unit: y-axis label.
        scale: multiply by this to show it (e.g. 12 to annualise a monthly rate).
        cumulative: plot the running total rather than the monthly value.
    """

    name: str
    label: str
    unit: str
    scale: float = 1.0
    cumulative: bool = False


SERIES: dict[str, Series] = {
    s.name: s
    for s in (
        Series("quality_mean", "Mean true quality of trusts", "quality (0-1)"),
        Series("quality_p10", "Quality of the worst tenth of trusts", "quality (0-1)"),
        Series("harm", "Avoidable harm a month", "harm events a month"),
        Series("harm_hidden", "Unreported (hidden) harm a month", "harm events a month"),
        Series("in_special_measures", "Trusts in special measures", "trusts"),
        Series("in_deficit", "Trusts in deficit", "trusts"),
        Series("turnover", "Staff leaving (annual rate)", "% of staff a year", 1200.0),
        Series("morale", "Staff morale", "morale (0-1)"),
        Series("fear", "Fear among staff", "fear (0-1)"),
        Series("board_replacements", "Boards replaced (running total)", "boards", 1.0, True),
        Series("surplus", "Trusts' combined surplus (running total)", "£m", 1.0, True),
        Series("regime_cost", "Regime's spending (running total)", "£m", 1.0, True),
    )
}

#: The fan charts of the report, in order.
FAN_CHARTS = (
    "quality_mean",
    "harm",
    "harm_hidden",
    "in_special_measures",
    "in_deficit",
    "turnover",
)


def outcome(name: str) -> Outcome:
    """The catalogue entry for a metric; an unknown one gets a neutral entry."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    desc = SUMMARY.get(name) or ACCOUNTS.get(name) or name.replace("_", " ")
    return Outcome(name, desc[:1].upper() + desc[1:], "", "neither", 2)


def series_info(name: str) -> Series:
    """How to show a monthly metric; an unknown one gets its recorder description."""
    if name in SERIES:
        return SERIES[name]
    desc = MONTHLY.get(name, name)
    return Series(name, desc[:1].upper() + desc[1:], "")


def known_metrics() -> list[str]:
    """Every per-run metric a comparison produces: the model's and the accounts."""
    return [*SUMMARY, *ACCOUNTS]


def relative_text(rel: float) -> str:
    """A relative difference for a table or sentence: '+13.0%' below a doubling, then
    '2.4 times' and 'about 45 times' (never '+4397.3%')."""
    if rel >= 1:
        times = 1 + rel
        return f"{times:.1f} times" if times < 10 else f"about {times:,.0f} times"
    return f"{rel * 100:+.1f}%"

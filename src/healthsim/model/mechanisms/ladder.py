"""The failure regime: the graded ladder and the package that comes with it (end-of-month events; C4, C5, C6, C9, C11).

A calibrated scale of failure and consequences, from an isolated incident to Mid
Staffordshire (C4): advice, a warning (with commissioner conditions), special measures,
administration or merger. The oversight body (the system leaders who own the regime)
acts on each inspection, applies the regime's package at entry to special measures
(naming, board replacement, support, whole-economy action) and decides exit and
escalation (`[regime.ladder]`).

**Response to an inspection** (`respond`; nothing if `regime.ladder.enabled` is false):

```
in special measures: a review leads to the exit review below; any other inspection changes only the rating
failing   = n_fail ≥ breadth_rule;    fail_streak_i = fail_streak_i + 1 if failing else 0
pure      = failing and fail_streak_i ≥ persistence_rule
political = not pure and pp > 0 and n_fail ≥ 1 and u_pol[t, i] < pp × salience_i       (pp = political_pressure)
if pure or political:          enter special measures
elif graduated and n_fail ≥ 1: warning (commissioner conditions if conditions_carry_powers)
elif graduated and rating = requires improvement: advice (conditions lifted)
else:                          no rung (conditions lifted)
```

A move to warning or into special measures also calls the whole-economy action
(`local_system`) and withdraws the trust as a buddy (`support`). A failing finding that
does not yet meet the persistence rule puts the trust on warning under a graduated
ladder; an ungraduated one has only "none" and special measures below administration.
C3, C4 **[H]**.

**Entry to special measures**: `rung = special measures`, `entries += 1`; a relapse if
the trust left within `relapse_window_months`; a false positive if the finding was not
truly failing (and a good trust tipped if its true mean quality was at least good); the
detection lag `t − failing_since` if it was. Then the package: public naming if
`regime.communication.naming` (`reputation`); the board replaced with probability
`regime.communication.board_replacement_probability` (`boards`); support of the
regime's kind (`support`); whole-economy action, and a commissioner-funded
reconfiguration under `regime.scope.reconfiguration_support` (`finance`). The first exit
review comes at the end of month `floor(now) + review_months + floor(u_review ×
(reinspection_months + 1))`: CQC re-inspections came 12–18 months after entry
**[S]/[C]** (T1).

**Exit review** (`review_exit`):

```
in administration: leave, whatever the finding: to warning (graduated ladder) or no rung
elif n_fail ≤ exit_max_failing and mean(obs) ≥ exit_min_quality: leave to advice (graduated) or no rung
elif administration_enabled and months_in_sm ≥ administration_after_months:
    administration: the board replaced; support ends and administration_support runs for administration_months;
    regime cost += administration_cost; the next review in administration_months
else: stay; the next review in reinspection_months
leaving: the spell's length recorded; the rung set (advice or none lifts conditions; warning imposes them);
         named = false; support ends; exits += 1
```

A graduated ladder keeps an eye on a trust after exit; a binary one does not. The exit
bar and the review timing are calibrated to T1 and T2 **[C]**; administration, the top
rung, and its package are **[A]**.

At the start a share `initial.special_measures_share` of trusts (the lowest quality)
begins in special measures, as the Keogh trusts did in July 2013 **[S]** (T2); their
entries are not counted as the run's, their board replacements and costs are (in month
1).
"""

from __future__ import annotations

import numpy as np
from mesa import Agent

from healthsim.model.mechanisms import boards, finance, local_system, reputation, support
from healthsim.model.mechanisms.inspection import Finding
from healthsim.model.mechanisms.states import Rating, Rung
from healthsim.model.mechanisms.support import Support
from healthsim.model.parameters import Section, initial, lever
from healthsim.model.variables import month_var, trust_var

TITLE = "The failure ladder and the regime's package"
CLAIMS = ("C4", "C5", "C6", "C9", "C11")


class Ladder(Section):
    """The graded scale of failure and consequences (C4)."""

    enabled: bool = lever(True, doc="False = no failure regime (inspections and ratings only).")
    graduated: bool = lever(
        True,
        doc="True: advice and warnings for isolated or moderate failure before special "
        "measures. False: any finding of failure goes straight to special measures.",
    )
    review_months: int = lever(
        12,
        ge=1,
        le=60,
        unit="months",
        doc="Months after entry before the first exit re-inspection: the regime was "
        "designed for 12 months plus 6 (T1).",
    )
    reinspection_months: int = lever(
        6, ge=1, le=60, unit="months", doc="Months between later exit re-inspections."
    )
    exit_max_failing: int = lever(
        0,
        ge=0,
        le=12,
        unit="services",
        doc="Inadequate services a trust may still show to leave special measures.",
    )
    exit_min_quality: float = lever(
        0.56,
        ge=0,
        le=1,
        unit="0-1",
        doc="Mean observed quality of the sampled services needed to exit.",
    )
    administration_after_months: int = lever(
        36,
        ge=1,
        le=240,
        unit="months",
        doc="Months in special measures after which a still-failing trust goes into "
        "administration or merger (the top rung).",
    )
    administration_enabled: bool = lever(
        True, doc="Whether the top rung (administration or merger) is used."
    )
    administration_months: int = lever(
        12,
        ge=1,
        le=120,
        unit="months",
        doc="How long administration lasts before the trust leaves it (and how long its "
        "support runs).",
    )
    administration_support: Support = lever(
        Support.central,
        doc="Kind of support a trust in administration receives.",
    )
    administration_cost: float = lever(
        2.0,
        ge=0,
        le=100,
        unit="£m",
        doc="One-off cost to the regime of putting a trust into administration (the "
        "administrator's team).",
    )
    conditions_carry_powers: bool = lever(
        True,
        doc="Whether warnings come with commissioner or regulator conditions that cut "
        "across the board's accountability (C7).",
    )
    oversight_directions: bool = lever(
        True,
        doc="Whether the oversight body takes powers of direction over a trust in special "
        "measures (C7).",
    )
    relapse_window_months: int = lever(
        36,
        ge=1,
        le=240,
        unit="months",
        doc="Re-entry within this long after exit is a relapse.",
    )


class LadderInitial(Section):
    special_measures_share: float = initial(
        0.0,
        ge=0,
        le=1,
        unit="share of trusts",
        doc="Share of trusts (the lowest quality) that start in special measures.",
        source="11 of about 230 after the Keogh review of July 2013 is about 0.05 (T2).",
    )


VARS = (
    trust_var("rung", "int", "rung", "ladder rung (0 none .. 4 administration)", record="rung"),
    trust_var("months_in_sm", "int", "months", "months in the current special-measures spell"),
    trust_var(
        "sm_entry_month",
        "int",
        "month",
        "month of entry (-1 when not in special measures)",
        fill=-1,
    ),
    trust_var("last_exit_month", "int", "month", "month of the latest exit (-1 never)", fill=-1),
    trust_var("fail_streak", "int", "inspections", "failing inspections in a row"),
    trust_var("ever_in_sm", "bool", "yes/no", "ever in special measures in the run"),
    month_var("entries", "entries", "entries to special measures this month"),
    month_var("exits", "exits", "exits from special measures this month"),
    month_var("relapses", "entries", "re-entries within the relapse window this month"),
    month_var("false_positive_entries", "entries", "entries of trusts not truly failing"),
    month_var("political_entries", "entries", "entries a pure-quality rule would not have made"),
    month_var("regime_cost", "£m", "cost of the regime this month, £m"),
)


def pack(sc) -> dict[str, float]:
    return {}


PARAMS = None
INITIAL = LadderInitial
LEVERS = {"ladder": Ladder}


class Oversight(Agent):
    """The system leaders who run the failure regime (C4-C9, C11)."""

    def respond(self, i: int, f: Finding, reason: str) -> None:
        """Act on an inspection of trust ``i``: escalate, de-escalate, or review an exit."""
        m, s = self.model, self.model.s
        reg = m.p.regime
        if not reg.ladder.enabled:
            return
        if s.rung[i] >= Rung.special_measures:
            if reason == "review":
                self.review_exit(i, f)
            return
        ident = reg.identification
        failing = f.failing_observed >= ident.breadth_rule
        s.fail_streak[i] = s.fail_streak[i] + 1 if failing else 0
        pure = failing and s.fail_streak[i] >= ident.persistence_rule
        political = (
            not pure
            and ident.political_pressure > 0
            and f.failing_observed >= 1
            and m.draws.political_u[m.month_index, i] < ident.political_pressure * s.salience[i]
        )
        if pure or political:
            self.enter_special_measures(i, f, political=political)
        elif reg.ladder.graduated and (failing or f.failing_observed >= 1):
            self.set_rung(i, Rung.warning)
        elif reg.ladder.graduated and f.rating == Rating.requires_improvement:
            self.set_rung(i, Rung.advice)
        else:
            self.set_rung(i, Rung.none)

    def set_rung(self, i: int, rung: Rung) -> None:
        m, s = self.model, self.model.s
        old = Rung(int(s.rung[i]))
        s.rung[i] = rung
        commissioner = m.commissioners[int(s.economy[i])]
        if rung == Rung.warning and m.p.regime.ladder.conditions_carry_powers:
            commissioner.impose_conditions(i)
        elif rung < Rung.warning:
            commissioner.lift_conditions(i)
        if rung != old:
            m.log(i, f"moved to {rung.name.replace('_', ' ')}")
        if rung >= Rung.warning:
            local_system.act_on_economy(m, i)
            support.release_as_buddy(m, i)

    def enter_special_measures(self, i: int, f: Finding, political: bool = False) -> None:
        """Put trust ``i`` in special measures and apply the regime's package."""
        m, s, reg = self.model, self.model.s, self.model.p.regime
        t = m.month_index
        s.rung[i] = Rung.special_measures
        s.months_in_sm[i] = 0
        s.sm_entry_month[i] = t
        s.fail_streak[i] = 0
        m.tally.entries += 1
        if (
            s.last_exit_month[i] >= 0
            and t - s.last_exit_month[i] <= reg.ladder.relapse_window_months
        ):
            m.tally.relapses += 1
        if not f.truly_failing:
            m.tally.false_positive_entries += 1
            if s.quality[i].mean() >= reg.identification.good_threshold:
                m.good_trusts_tipped += 1
        elif s.failing_since[i] >= 0:
            m.detection_lags.append(t - int(s.failing_since[i]))
        if political:
            m.tally.political_entries += 1
        s.ever_in_sm[i] = True
        support.release_as_buddy(m, i)
        text = "placed in special measures" + (" (political pressure)" if political else "")
        if reg.communication.naming:
            reputation.name_publicly(m, i)
            text += ", named publicly"
        m.log(i, text)
        if m.draws.replace_u[t, i] < reg.communication.board_replacement_probability:
            boards.replace_board(m, i, "regime")
        support.start_support(m, i)
        local_system.act_on_economy(m, i)
        if (
            reg.scope.scope == local_system.Scope.whole_economy
            and reg.scope.reconfiguration_support
        ):
            finance.consider_reconfiguration(m, i, supported=True)
        # The inspectorate returns after review_months plus a scheduling delay of up to
        # reinspection_months (CQC re-inspections came 12-18 months after entry).
        delay = np.floor(m.draws.review_u[t, i] * (reg.ladder.reinspection_months + 1))
        self.book_review(i, reg.ladder.review_months + delay)

    def book_review(self, i: int, after: float) -> None:
        """The next exit review of trust ``i``, at the end of the month ``after`` months on."""
        m = self.model
        trust = m.trusts[i]
        trust.pending_review = m.schedule_event(
            trust.special_measures_review, at=float(np.floor(m.time)) + after + 0.5
        )

    def review_exit(self, i: int, f: Finding) -> None:
        """Decide whether trust ``i`` leaves special measures, stays, or goes to the top
        rung."""
        m, s, lad = self.model, self.model.s, self.model.p.regime.ladder
        if s.rung[i] == Rung.administration:
            after = Rung.warning if lad.graduated else Rung.none
            self.exit_special_measures(i, to=after, text="leaves administration")
            return
        if f.failing_observed <= lad.exit_max_failing and f.observed_mean >= lad.exit_min_quality:
            # a graduated ladder keeps an eye on a trust after exit; a binary one does not
            after = Rung.advice if lad.graduated else Rung.none
            self.exit_special_measures(i, to=after, text="leaves special measures")
            return
        if lad.administration_enabled and s.months_in_sm[i] >= lad.administration_after_months:
            s.rung[i] = Rung.administration
            boards.replace_board(m, i, "administration")
            support.end_support(m, i)
            s.support[i] = lad.administration_support.code
            s.support_left[i] = lad.administration_months
            m.log(i, "placed in administration (or merged)")
            m.tally.regime_cost += lad.administration_cost
            self.book_review(i, lad.administration_months)
            return
        m.log(i, "stays in special measures")
        self.book_review(i, lad.reinspection_months)

    def exit_special_measures(self, i: int, to: Rung, text: str) -> None:
        m, s = self.model, self.model.s
        m.completed_sm_spells.append(int(s.months_in_sm[i]))
        s.rung[i] = Rung.none
        self.set_rung(i, to)
        s.named[i] = False
        s.sm_entry_month[i] = -1
        s.last_exit_month[i] = m.month_index
        m.tally.exits += 1
        support.end_support(m, i)
        m.log(i, text)


def start_in_special_measures(model, share: float) -> None:
    """Keogh-like start: the lowest-quality trusts begin in special measures."""
    s = model.s
    k = round(share * s.n)
    if k <= 0 or not model.p.regime.ladder.enabled:
        return
    ident = model.p.regime.identification
    order = np.argsort(s.quality.mean(axis=1), kind="stable")[:k]
    for i in order:
        q = s.quality[i]
        failing_true = int((q < ident.bar).sum())
        f = Finding(
            0,
            int(i),
            (),
            (float(q.mean()),),
            failing_true,
            Rating.inadequate,
            failing_true,
            failing_true >= ident.breadth_rule,
        )
        s.rating[i] = Rating.inadequate
        s.observed_quality[i] = float(q.mean())
        model.oversight.enter_special_measures(int(i), f)
    # Starting stock is not counted as entries made during the run; its board
    # replacements and costs are, in month 1.
    model.tally.reset("board_replacements", "regime_cost")
    model.good_trusts_tipped = 0
    model.detection_lags.clear()

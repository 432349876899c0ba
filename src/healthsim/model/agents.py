"""The organisations of the local economy, as Mesa agents (MODEL.md §2).

Agents are handles onto the model's arrays that make the decisions: an inspectorate
that inspects, an oversight body that escalates, supports, replaces boards and lets
trusts go; trusts that plan their year and may reconfigure; commissioners and social
care that set their budgets. The monthly arithmetic is vectorised in the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from mesa.discrete_space import FixedAgent

from healthsim.model import rules
from healthsim.model.kernel import observe, risk_triggers
from healthsim.model.state import Rating, Rung, Support

if TYPE_CHECKING:
    from healthsim.model.economy import HealthEconomy


@dataclass(frozen=True, slots=True)
class Finding:
    """What an inspection observed (C1, C3)."""

    month: int
    trust: int
    services: tuple[int, ...]
    observed: tuple[float, ...]
    failing_observed: int  # sampled services observed below the bar
    rating: Rating
    failing_true: int  # services truly below the bar (all of them)
    truly_failing: bool  # true quality fails the breadth rule

    @property
    def observed_mean(self) -> float:
        return float(np.mean(self.observed))


class Trust(FixedAgent):
    """A provider trust: a handle on row ``index`` of the model's arrays."""

    def __init__(self, model: HealthEconomy, index: int, trust_id: str, label: str, cell) -> None:
        super().__init__(model)
        self.index = index
        self.trust_id = trust_id
        self.label = label
        self.cell = cell
        self.pending_review = None

    # -- state, read from the arrays ------------------------------------------------
    @property
    def rung(self) -> Rung:
        return Rung(int(self.model.s.rung[self.index]))

    @property
    def quality(self) -> float:
        return float(self.model.s.quality[self.index].mean())

    @property
    def economy(self) -> int:
        return int(self.model.s.economy[self.index])

    # -- scheduled events (Mesa events call these bound methods) ----------------------
    def special_measures_review(self) -> None:
        """An exit re-inspection is due while in special measures."""
        self.pending_review = None
        if self.model.s.rung[self.index] >= Rung.special_measures:
            self.model.inspectorate.inspect(self, reason="review")

    # -- decisions ------------------------------------------------------------------
    def consider_reconfiguration(self, supported: bool) -> None:
        """Start a service reconfiguration when the deficit is deep and the board able,
        or when commissioners fund one (whole-economy scope) (C10)."""
        m, s, b = self.model, self.model.s, self.model.p.behaviour
        i = self.index
        if s.reconfig_left[i] > 0:
            return
        deep = m.margin_12m[i] < b.reconfiguration_threshold and s.capability[i] > 0.5
        if deep or supported:
            months = b.reconfiguration_months // 2 if supported else b.reconfiguration_months
            s.reconfig_left[i] = max(1, months)
            cost = b.reconfiguration_cost * m.annual_income(i)
            if supported:
                m.month_regime_cost += cost  # commissioners fund it from regime money
            else:
                m.charge_one_off(i, cost)
            funded = " funded by commissioners" if supported else ""
            m.log(i, f"starts a service reconfiguration{funded}")

    def replace_board(self, reason: str) -> None:
        """A new board: capability drawn afresh, a period of disruption (C11)."""
        m, s, b = self.model, self.model.s, self.model.p.behaviour
        i, t = self.index, m.month_index
        z = m.draws.board_z[t, i]
        s.capability[i] = float(
            np.clip(b.new_board_capability + b.new_board_capability_sd * z, 0.05, 1)
        )
        s.disruption[i] = b.disruption_months
        m.month_board_replacements += 1
        m.log(i, f"board replaced ({reason})")


def plan_years(model: HealthEconomy, required: float, idx=slice(None)) -> None:
    """Trusts ``idx`` (all by default) set this year's cost-improvement plans (C10): each
    board's decision, computed for all trusts at once.

    The target is what the tariff asks plus a push to close any deficit; a board
    delivers up to its safe capacity by productivity (rules.efficiency_achieved), and
    beyond it cuts: beyond both the safe capacity and the frontier, cuts hurt care
    directly (``cut_excess``). Of what is found by deeper cuts, a share POST_CUT_SHARE
    comes from cutting posts (the funded establishment falls by as much pay as that
    saves, and the saving comes through fewer staff and less agency cover), the rest
    from cutting non-pay spending (maintenance, services), which lowers the unit cost.
    """
    m, s, b = model, model.s, model.p.behaviour
    margin = m.margin_12m[idx]
    target = required + b.deficit_push * np.maximum(0.0, -margin)
    target = np.minimum(rules.MAX_EFFICIENCY_TARGET, np.maximum(0.0, target))
    s.efficiency_target[idx] = target
    capability = s.capability[idx]
    achieved = rules.efficiency_achieved(
        target, capability, b.efficiency_capacity, b.unsafe_cut_share
    )
    s.efficiency_rate[idx] = achieved
    safe = rules.safe_efficiency(capability, b.efficiency_capacity)
    productivity = np.minimum(achieved, safe)
    s.cut_excess[idx] = np.maximum(0.0, achieved - np.maximum(safe, b.efficiency_frontier))
    posts = rules.POST_CUT_SHARE * (achieved - productivity)
    s.productivity_rate[idx] = achieved - posts
    cut = posts > 0
    if cut.any():
        s.establishment[idx] *= np.where(cut, np.maximum(0.0, 1.0 - posts / m.pay_share), 1.0)


class Commissioner(Agent):
    """The commissioner of one local economy: allocation, contracts, conditions."""

    def __init__(self, model: HealthEconomy, economy: int, label: str) -> None:
        super().__init__(model)
        self.economy = economy
        self.label = label

    def set_budget(self, funding_growth: float) -> None:
        """Annual allocation round: the allocation grows at the real funding rate."""
        self.model.allocation[self.economy] *= 1.0 + funding_growth

    def impose_conditions(self, trust: Trust) -> None:
        """Contract conditions on a trust under warning: a power over its board (C7)."""
        s = self.model.s
        if not s.conditions[trust.index]:
            s.conditions[trust.index] = True

    def lift_conditions(self, trust: Trust) -> None:
        self.model.s.conditions[trust.index] = False


class SocialCare(Agent):
    """Local social care of one economy: its capacity is squeezed by its budget (C8)."""

    def __init__(self, model: HealthEconomy, economy: int, label: str) -> None:
        super().__init__(model)
        self.economy = economy
        self.label = label

    def set_budget(self, budget_growth: float) -> None:
        """Annual budget round: capacity grows (or shrinks) with the real budget."""
        self.model.sc_capacity[self.economy] *= 1.0 + budget_growth


class Inspectorate(Agent):
    """The regulator: scheduled and risk-triggered inspections, noisy ratings (C1-C3)."""

    def __init__(self, model: HealthEconomy) -> None:
        super().__init__(model)
        self._rounds: dict[int, object] = {}  # month -> the Mesa event of its round
        self._due = np.zeros(model.s.n, dtype=np.bool_)  # this month's risk triggers
        n_serv = model.s.quality.shape[1]  # an inspection's sample (kernel.observe)
        self._sampled = np.zeros(n_serv, dtype=np.int64)
        self._observed = np.zeros(n_serv)

    def schedule(self, trust: Trust, after: float) -> None:
        """Book the next routine inspection ``after`` months from now (at the end of that
        month; it replaces any routine visit already booked). The inspectorate keeps one
        Mesa event per month in which visits are due."""
        m = self.model
        month = int(np.floor(m.time)) + max(1, int(after))
        m.s.inspection_due[trust.index] = month
        if month not in self._rounds:
            self._rounds[month] = m.schedule_event(self.visit_due, at=month + 0.5)

    def visit_due(self) -> None:
        """The inspectorate's round at the end of a month (a scheduled Mesa event):
        inspect every trust whose routine visit falls due now, in trust order."""
        m = self.model
        month = int(np.floor(m.time))
        self._rounds.pop(month, None)
        due = np.flatnonzero(m.s.inspection_due == month)
        for i in due:
            self.inspect(m.trusts[int(i)], reason="scheduled")

    def check_risk(self) -> None:
        """Monthly: bring inspections forward where reported harm, money or media
        salience signal risk (C1), biased by political pressure (C2).

        The monthly chance for a trust is (1 - p) * w * 0.08 * signal + p * 0.15 *
        salience, where w is the risk-trigger weight, p the political pressure and the
        signal is reported harm per admission above the national rate (relative) plus
        five times any deficit margin. A trust inspected in the last six months, or in
        special measures (which has its own reviews), is not triggered."""
        m = self.model
        ident = m.p.regime.identification
        w, pp = ident.risk_trigger_weight, ident.political_pressure
        if w <= 0 and pp <= 0:
            return
        s = m.s
        t = m.month_index  # the step has drawn this month (past the planned end too)
        due = self._due
        if risk_triggers(
            m.reported_rate,
            m.margin_12m,
            s.salience,
            m.draws.trigger_u[t],
            w,
            pp,
            t,
            s.last_inspection,
            s.rung,
            Rung.special_measures.value,
            due,
        ):
            for i in np.flatnonzero(due):
                self.inspect(m.trusts[i], reason="risk")

    def inspect(self, trust: Trust, reason: str) -> Finding:
        """Observe a sample of services with noise, rate them, report to oversight."""
        m, s = self.model, self.model.s
        ident = m.p.regime.identification
        i = trust.index
        t = m.month_index
        n_serv = s.quality.shape[1]
        k = min(ident.services_sampled, n_serv)
        sampled, obs = self._sampled[:k], self._observed[:k]
        n_fail_obs, n_ri, n_out, failing_true = observe(
            s.quality[i],
            m.draws.inspection_keys[t, i],
            m.draws.inspection_noise[t, i],
            k,
            ident.noise_sd,
            ident.bar,
            ident.good_threshold,
            ident.outstanding_threshold,
            sampled,
            obs,
        )
        if n_fail_obs >= ident.breadth_rule:
            rating = Rating.inadequate
        elif n_fail_obs >= 1 or n_ri + n_fail_obs >= 2:
            rating = Rating.requires_improvement
        elif n_out >= 2 and n_ri == 0:
            rating = Rating.outstanding
        else:
            rating = Rating.good
        finding = Finding(
            month=m.month_index + 1,
            trust=i,
            services=tuple(sampled.tolist()),
            observed=tuple(obs.tolist()),
            failing_observed=n_fail_obs,
            rating=rating,
            failing_true=failing_true,
            truly_failing=failing_true >= ident.breadth_rule,
        )
        s.rating[i] = rating
        if s.first_rating[i] < 0:
            s.first_rating[i] = rating
        s.observed_quality[i] = obs.sum() / obs.shape[0]
        s.last_inspection[i] = m.month_index
        m.month_inspections += 1
        m.month_regime_cost += ident.inspection_cost
        m.log(
            i,
            f"inspected ({reason}): rated {rating.name.replace('_', ' ')}"
            + (f", {n_fail_obs} service(s) inadequate" if n_fail_obs else ""),
        )
        if reason != "review":
            self.schedule(trust, ident.inspection_interval_months)
        m.oversight.respond(trust, finding, reason)
        return finding


class Oversight(Agent):
    """The system leaders who run the failure regime (C4-C9, C11)."""

    def respond(self, trust: Trust, f: Finding, reason: str) -> None:
        """Act on an inspection: escalate, de-escalate, or review an exit."""
        m, s = self.model, self.model.s
        reg = m.p.regime
        i = trust.index
        if not reg.ladder.enabled:
            return
        if s.rung[i] >= Rung.special_measures:
            if reason == "review":
                self.review_exit(trust, f)
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
            self.enter_special_measures(trust, f, political=political)
        elif reg.ladder.graduated and (failing or f.failing_observed >= 1):
            self.set_rung(trust, Rung.warning)
        elif reg.ladder.graduated and f.rating == Rating.requires_improvement:
            self.set_rung(trust, Rung.advice)
        else:
            self.set_rung(trust, Rung.none)

    def set_rung(self, trust: Trust, rung: Rung) -> None:
        m, s = self.model, self.model.s
        i = trust.index
        old = Rung(int(s.rung[i]))
        s.rung[i] = rung
        commissioner = m.commissioners[int(s.economy[i])]
        if rung == Rung.warning and m.p.regime.ladder.conditions_carry_powers:
            commissioner.impose_conditions(trust)
        elif rung < Rung.warning:
            commissioner.lift_conditions(trust)
        if rung != old:
            m.log(i, f"moved to {rung.name.replace('_', ' ')}")
        if rung >= Rung.warning:
            self.act_on_economy(trust)
            self.release_as_buddy(trust)

    def release_as_buddy(self, trust: Trust) -> None:
        """A buddy found failing itself stops supporting: its partners wait for another
        buddy (matched again next month)."""
        m, s = self.model, self.model.s
        i = trust.index
        if s.buddy_load[i] <= 0:
            return
        for j in np.flatnonzero(s.buddy_of == i):
            partner = m.trusts[int(j)]
            self.end_support(partner)
            s.awaiting_support[j] = s.rung[j] >= Rung.special_measures
            m.log(int(j), f"buddy {trust.label} withdraws (it is failing itself)")

    def act_on_economy(self, trust: Trust) -> None:
        """Whole-economy scope (C9): when a trust is found failing (a warning or special
        measures), raise the social-care capacity of its economy; a structural fix, made
        once per economy, not per finding."""
        m, scope = self.model, self.model.p.regime.scope
        if scope.scope != "whole_economy" or scope.social_care_uplift <= 0:
            return
        e = int(m.s.economy[trust.index])
        if m.sc_uplift[e] < scope.social_care_uplift:
            m.sc_uplift[e] = scope.social_care_uplift
            m.log(trust.index, "economy-wide action: social-care capacity raised")

    def enter_special_measures(self, trust: Trust, f: Finding, political: bool = False) -> None:
        """Put a trust in special measures and apply the regime's package."""
        m, s, reg = self.model, self.model.s, self.model.p.regime
        i, t = trust.index, m.month_index
        s.rung[i] = Rung.special_measures
        s.months_in_sm[i] = 0
        s.sm_entry_month[i] = t
        s.fail_streak[i] = 0
        m.month_entries += 1
        if (
            s.last_exit_month[i] >= 0
            and t - s.last_exit_month[i] <= reg.ladder.relapse_window_months
        ):
            m.month_relapses += 1
        if not f.truly_failing:
            m.month_false_positives += 1
            if s.quality[i].mean() >= reg.identification.good_threshold:
                m.good_trusts_tipped += 1
        elif s.failing_since[i] >= 0:
            m.detection_lags.append(t - int(s.failing_since[i]))
        if political:
            m.month_political += 1
        s.ever_in_sm[i] = True
        self.release_as_buddy(trust)
        text = "placed in special measures" + (" (political pressure)" if political else "")
        if reg.communication.naming:
            s.named[i] = True
            s.reputation[i] *= 1.0 - m.p.behaviour.reputation_loss_naming
            s.salience[i] = min(1.0, s.salience[i] + 0.5)
            text += ", named publicly"
        m.log(i, text)
        td = t
        if m.draws.replace_u[td, i] < reg.communication.board_replacement_probability:
            trust.replace_board("regime")
        self.start_support(trust)
        self.act_on_economy(trust)
        if reg.scope.scope == "whole_economy" and reg.scope.reconfiguration_support:
            trust.consider_reconfiguration(supported=True)
        # The inspectorate returns after review_months plus a scheduling delay of up to
        # reinspection_months (CQC re-inspections came 12-18 months after entry).
        delay = np.floor(m.draws.review_u[td, i] * (reg.ladder.reinspection_months + 1))
        trust.pending_review = m.schedule_event(
            trust.special_measures_review,
            at=float(np.floor(m.time)) + reg.ladder.review_months + delay + 0.5,
        )

    def start_support(self, trust: Trust, retry: bool = False) -> None:
        """Provide the regime's kind of improvement support (C6). When no buddy is free,
        the trust waits and the oversight body looks again every third month."""
        m, s, imp = self.model, self.model.s, self.model.p.regime.improvement
        i = trust.index
        kind = Support[imp.model.value]
        s.awaiting_support[i] = False
        if kind == Support.buddy:
            buddy = self.match_buddy(trust)
            if buddy is None:
                if not retry:
                    m.log(i, "no buddy available yet")
                s.awaiting_support[i] = True
                kind = Support.none
            else:
                s.buddy_of[i] = buddy
                s.buddy_load[buddy] += 1
                m.add_buddy_link(buddy, i)
                m.log(i, f"buddy: {m.trusts[buddy].label}")
        s.support[i] = kind
        s.support_left[i] = imp.support_months if kind != Support.none else 0

    def match_buddy(self, trust: Trust) -> int | None:
        """The nearest strong trust with spare capacity: a good rating, a capable board,
        no deficit, not itself failing; nearest by patient-flow hops, then capability."""
        m, s, b = self.model, self.model.s, self.model.p.behaviour
        i = trust.index
        # Rated trusts qualify on their rating; unrated ones (before the first round of
        # inspections) on their reputation.
        known = np.where(np.isnan(s.observed_quality), s.reputation, s.observed_quality)
        ok = (
            (known >= b.buddy_min_rating_quality)
            & (s.capability >= 0.5)
            & (m.margin_12m >= 0)
            & (s.rung < Rung.warning)
            & (s.buddy_load < b.buddy_capacity)
            & (s.support == Support.none)
        )
        ok[i] = False
        cands = np.flatnonzero(ok)
        if cands.size == 0:
            return None
        hops = m.hops_from(i)[cands]
        # nearest first, then the most capable board, then the lowest index
        order = np.lexsort((cands, -s.capability[cands], hops))
        return int(cands[order[0]])

    def end_support(self, trust: Trust) -> None:
        m, s = self.model, self.model.s
        i = trust.index
        if s.buddy_of[i] >= 0:
            b = int(s.buddy_of[i])
            s.buddy_load[b] -= 1
            m.remove_buddy_link(b, i)
            s.buddy_of[i] = -1
        s.support[i] = Support.none
        s.support_left[i] = 0
        s.awaiting_support[i] = False

    def review_exit(self, trust: Trust, f: Finding) -> None:
        """Decide whether a trust leaves special measures, stays, or goes to the top rung."""
        m, s, lad = self.model, self.model.s, self.model.p.regime.ladder
        i = trust.index
        if s.rung[i] == Rung.administration:
            after = Rung.warning if m.p.regime.ladder.graduated else Rung.none
            self.exit_special_measures(trust, to=after, text="leaves administration")
            return
        if f.failing_observed <= lad.exit_max_failing and f.observed_mean >= lad.exit_min_quality:
            # a graduated ladder keeps an eye on a trust after exit; a binary one does not
            after = Rung.advice if m.p.regime.ladder.graduated else Rung.none
            self.exit_special_measures(trust, to=after, text="leaves special measures")
            return
        if lad.administration_enabled and s.months_in_sm[i] >= lad.administration_after_months:
            s.rung[i] = Rung.administration
            trust.replace_board("administration")
            self.end_support(trust)
            s.support[i] = Support.central
            s.support_left[i] = 12
            m.log(i, "placed in administration (or merged)")
            m.month_regime_cost += 2.0
            trust.pending_review = m.schedule_event(
                trust.special_measures_review, at=float(np.floor(m.time)) + 12.5
            )
            return
        m.log(i, "stays in special measures")
        trust.pending_review = m.schedule_event(
            trust.special_measures_review,
            at=float(np.floor(m.time)) + lad.reinspection_months + 0.5,
        )

    def exit_special_measures(self, trust: Trust, to: Rung, text: str) -> None:
        m, s = self.model, self.model.s
        i = trust.index
        m.completed_sm_spells.append(int(s.months_in_sm[i]))
        s.rung[i] = Rung.none
        self.set_rung(trust, to)
        s.named[i] = False
        s.sm_entry_month[i] = -1
        s.last_exit_month[i] = m.month_index
        m.month_exits += 1
        self.end_support(trust)
        m.log(i, text)

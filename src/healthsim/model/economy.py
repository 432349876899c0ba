"""HealthEconomy: the Mesa model of a networked local health economy.

One step is one month. The numeric state of every trust lives in arrays the model owns
(:class:`~healthsim.model.state.TrustState`); agents decide, the arrays do the monthly
arithmetic, and metrics go into arrays allocated once. Inspections, exit reviews and the
annual budget and tariff round are Mesa scheduled events.

Order of a month (see docs/ODD.md, "Process overview and scheduling"):
demand and diversion -> social care and delayed discharges -> treatment and occupancy
-> harm and reporting -> payment and costs -> workforce -> fear, morale, openness ->
accountability -> quality (improvement, support, deterioration, shocks) -> boards ->
reputation and media -> risk-triggered inspections -> record. Routine inspections and
reviews run at the end of the month they are due; the budget round before month 1 of
each year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from mesa import Model
from mesa.discrete_space import Network
from mesa.experimental.scenarios import Scenario as MesaScenario
from mesa.time import Schedule

from healthsim.config.schema import Scenario
from healthsim.metrics.recorder import ArrayDataCollector, Recorder
from healthsim.model import rules
from healthsim.model.agents import (
    Commissioner,
    Inspectorate,
    Oversight,
    SocialCare,
    Trust,
    plan_years,
)
from healthsim.model.kernel import (
    ECONOMY_ROWS,
    WORK_FLAGS,
    WORK_ROWS,
    back_parameters,
    front_parameters,
    month_back,
    month_front,
    people_parameters,
    record_state,
    support_clock,
)
from healthsim.model.network import Structure, build_structure, trust_node
from healthsim.model.state import Rung, TrustState, bind_rows
from healthsim.model.streams import Draws, stream

#: Income per occupied bed a month at the start (£m): a 450-bed trust at 86% occupancy
#: earns about £300m a year (CALIBRATION.md: about £76bn over about 230 trusts).
PRICE_PER_BED_MONTH = 0.0646
#: Pay as a share of trust costs (NHS Providers: about 62%).
PAY_SHARE = 0.62
#: Adult social-care spending relative to the economy's acute income (about £17bn
#: against about £76bn).
SOCIAL_CARE_BUDGET_SHARE = 0.22
#: Correlation of initial board capability with initial trust quality (assumption,
#: set so that trusts start near their own steady state rather than drifting at once:
#: well-led trusts are the better ones, as CQC's well-led ratings track overall ones).
CAPABILITY_QUALITY_CORRELATION = 0.9


def _seed_from(rng: Any) -> int:
    """The integer seed of a run: an int as given, otherwise drawn and recorded."""
    if rng is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(rng, int | np.integer):
        if rng < 0:
            raise ValueError("seed must be a non-negative integer")
        return int(rng)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**32))
    raise TypeError("rng must be an integer seed, a numpy Generator or None")


class EconomyScenario(MesaScenario):
    """Mesa's scenario object for a healthsim run (``model.scenario``).

    It carries the healthsim scenario (``config``: a loaded scenario, a file or a
    shipped name) and any ``overrides``, so Mesa's tools that rebuild a model from
    ``type(model.scenario)(...)`` (SolaraViz's reset) get the same economy back. The
    healthsim scenario itself is ``model.p``.
    """

    config: Any = "baseline"
    overrides: Any = None


class HealthEconomy(Model):
    """A local health economy (or a region, or England) under a failure regime.

    Args:
        scenario: a loaded :class:`~healthsim.config.schema.Scenario`, a path to a
            scenario file, or a shipped scenario's name.
        rng: the run's seed (an int). Every stochastic mechanism draws from its own
            stream derived from it, so two regimes on one seed see the same shocks.
        **overrides: scenario values to replace, by key path with ``__`` between parts
            (``regime__communication__blame_intensity=0.9``) or dotted in a dict.

    Mesa's tools drive it unchanged: ``mesa.batch_run(HealthEconomy, parameters={
    "scenario": [...]}, rng=[1, 2], max_steps=24)`` returns the monthly metrics.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | EconomyScenario = "baseline",
        rng: Any = None,
        **overrides: Any,
    ) -> None:
        if isinstance(scenario, MesaScenario):
            # Mesa's own tools (SolaraViz's reset) pass Mesa's scenario object back.
            if rng is None:
                rng = scenario.rng
            overrides = {**dict(getattr(scenario, "overrides", None) or {}), **overrides}
            scenario = getattr(scenario, "config", None) or "baseline"
        seed = _seed_from(rng)
        if not isinstance(scenario, Scenario):
            from healthsim.config import load_scenario

            scenario = load_scenario(scenario)
        if overrides:
            from healthsim.config import with_overrides

            scenario = with_overrides(scenario, overrides)
        super().__init__(scenario=EconomyScenario(rng=seed, config=scenario))
        self.p = scenario
        self.seed = seed
        self.pay_share = PAY_SHARE
        self.months = scenario.months
        b = scenario.behaviour

        self.structure: Structure = build_structure(scenario.economy, stream(seed, "network"))
        st = self.structure
        n, n_serv, n_econ = st.n_trusts, scenario.economy.services_per_trust, st.n_economies
        self.draws = Draws.make(seed, self.months, n, n_serv)
        self.flow = st.flow
        self.flow_t = np.ascontiguousarray(st.flow.T)
        self._flow_graph = None  # built on first use (buddy matching): flow_graph
        self.econ_counts = np.bincount(st.economy_of, minlength=n_econ).astype(float)

        self._init_state(scenario, seed)

        # Mesa space and agents: trusts sit on the network's nodes.
        self.grid = Network(st.graph, layout=st.positions, random=self.random)
        self.trusts: list[Trust] = [
            Trust(self, i, tid, label, self.grid._cells[trust_node(tid)])
            for i, (tid, label) in enumerate(zip(st.trust_ids, st.trust_labels, strict=True))
        ]
        self.commissioners = [
            Commissioner(self, e, f"{lab} commissioner") for e, lab in enumerate(st.economy_labels)
        ]
        self.social_care = [
            SocialCare(self, e, f"{lab} social care") for e, lab in enumerate(st.economy_labels)
        ]
        self.inspectorate = Inspectorate(self)
        self.oversight = Oversight(self)

        self.recorder = Recorder(self.months, n)
        self.datacollector = ArrayDataCollector(self.recorder)
        self.events: list[tuple[int, int, str]] = []  # (month, trust index, text)
        self.completed_sm_spells: list[int] = []
        self.detection_lags: list[int] = []
        self.good_trusts_tipped = 0
        self.buddy_capability_lost = np.zeros(n)
        self.buddy_months = np.zeros(n)
        self.ever_unsustainable = np.zeros(n, dtype=bool)
        self._reset_month_counters()
        self.month_index = 0
        self.year_index = -1
        self.efficiency_required = scenario.squeeze.tariff_efficiency
        self.efficiency_achieved = 0.0
        self._constants(scenario)

        ident = scenario.regime.identification
        for tr in self.trusts:
            self.inspectorate.schedule(
                tr,
                1
                + np.floor(
                    self.draws.inspection_offset[tr.index] * ident.inspection_interval_months
                ),
            )
        self._start_in_special_measures(scenario.initial.special_measures_share)
        self.schedule_recurring(self.budget_round, Schedule(interval=12, start=0.25))
        self.running = True
        del b

    # ------------------------------------------------------------------------------
    # set-up
    # ------------------------------------------------------------------------------
    def _constants(self, sc: Scenario) -> None:
        """Per-run constants and buffers the monthly step reads (kept off the hot path)."""
        reg = sc.regime
        n = self.s.n
        self.n_econ = self.structure.n_economies
        self._whole_economy = reg.scope.scope == "whole_economy"
        self._breadth = reg.identification.breadth_rule
        self._fading = False
        self._hops: dict[int, np.ndarray] = {}
        self._kernel_parameters = people_parameters(sc)
        self._front_parameters = front_parameters(sc)
        self._back_parameters = back_parameters(sc)
        self._counts = np.zeros(10)  # the month's counters, for kernel.record_month
        self._dq = np.zeros((n, sc.economy.services_per_trust))  # the month's change
        # The model's working arrays, as rows of three blocks (kernel.WORK_ROWS,
        # WORK_FLAGS, ECONOMY_ROWS) that the compiled passes take whole; the named
        # attributes (self.margin_12m, self.need, ...) are views of their rows: write
        # into them in place, never rebind them.
        self.work = self._block(WORK_ROWS, n, np.float64)
        self.work_flags = self._block(WORK_FLAGS, n, np.bool_)
        self.economies = self._block(ECONOMY_ROWS, self.n_econ, np.float64)
        # this month's bed occupancy per trust (read by the workshop app); the step
        # writes it in place
        self.occupancy[:] = sc.behaviour.base_occupancy

    def __setstate__(self, state: dict) -> None:
        """Unpickle (or copy): the named working arrays become views of their blocks
        again (pickling views makes separate copies the compiled passes would not see)."""
        self.__dict__.update(state)
        bind_rows(self, WORK_ROWS, self.work)
        bind_rows(self, WORK_FLAGS, self.work_flags)
        bind_rows(self, ECONOMY_ROWS, self.economies)

    def _block(self, names: tuple[str, ...], size: int, dtype) -> np.ndarray:
        """A block with a row per name; an attribute of that name already set keeps its
        values; every name becomes an attribute viewing its row."""
        block = np.zeros((len(names), size), dtype=dtype)
        for k, name in enumerate(names):
            if getattr(self, name, None) is not None:
                block[k] = getattr(self, name)
        bind_rows(self, names, block)
        return block

    def _init_state(self, sc: Scenario, seed: int) -> None:
        st, ini, b = self.structure, sc.initial, sc.behaviour
        n, n_serv, n_econ = st.n_trusts, sc.economy.services_per_trust, st.n_economies
        r = stream(seed, "initial_state")
        trust_level = ini.quality_mean + ini.quality_sd_trust * r.standard_normal(n)
        service_z = r.standard_normal((n, n_serv))
        # A small number of trusts have consistently struggled (the article): a share
        # starts with its quality shifted down.
        struggling = r.random(n) < ini.struggling_share
        trust_level -= struggling * ini.struggling_gap
        quality = np.clip(
            trust_level[:, None] + ini.quality_sd_service * service_z,
            0.02,
            0.98,
        )
        # Better-run trusts give better care: capability shares the trust-level quality
        # draw with correlation CAPABILITY_QUALITY_CORRELATION.
        z_q = (trust_level - ini.quality_mean) / ini.quality_sd_trust if ini.quality_sd_trust else 0
        rho = CAPABILITY_QUALITY_CORRELATION
        z_c = rho * z_q + np.sqrt(1 - rho**2) * r.standard_normal(n)
        capability = np.clip(ini.capability_mean + ini.capability_sd * z_c, 0.05, 1)
        margin = ini.surplus_margin + ini.surplus_margin_sd * r.standard_normal(n)
        beds = st.beds.astype(float)
        # Economies with more people per bed than usual see more demand per bed.
        econ_beds = np.bincount(st.economy_of, weights=beds, minlength=n_econ)
        pressure = (st.population / (econ_beds * sc.economy.population_per_bed)) ** (
            b.population_demand_elasticity
        )
        pressure = np.clip(pressure, 0.8, 1.25)[st.economy_of]
        base_demand = beds * b.base_occupancy * pressure
        income0 = base_demand * PRICE_PER_BED_MONTH
        admissions0 = base_demand * rules.ADMISSIONS_PER_BED_MONTH / n_serv
        litigation0 = (rules.harm_rate(quality) * admissions0[:, None]).sum(axis=1) * (
            b.harm_litigation_cost
        )
        cost0 = income0 * (1 - margin) - litigation0
        staffing = np.full(n, ini.staffing_ratio)
        vac = np.maximum(0.0, 1 - staffing)
        paid_units = staffing + b.agency_fill * vac * (1 + b.agency_premium)
        self.price = PRICE_PER_BED_MONTH
        self.treated0 = base_demand.copy()
        self.s = TrustState(
            quality=quality,
            consult_gain=np.zeros((n, n_serv)),
            capability=capability,
            disruption=np.zeros(n),
            staff=staffing.copy(),
            establishment=np.ones(n),
            morale=np.full(n, ini.morale),
            fear=np.zeros(n),
            openness=np.full(n, b.openness_base),
            reputation=np.full(n, ini.reputation),
            salience=np.zeros(n),
            beds=beds,
            base_demand=base_demand,
            throughput=np.ones(n),
            unit_cost=np.ones(n),
            wage_bill0=PAY_SHARE * cost0 / paid_units,
            nonpay0=(1 - PAY_SHARE) * cost0 / base_demand,
            cash=ini.cash_months * income0,
            one_off_cost=np.zeros(n),
            injection=np.zeros(n),
            surplus_ring=np.tile(income0 * margin, (12, 1)),
            income_ring=np.tile(income0, (12, 1)),
            efficiency_target=np.zeros(n),
            efficiency_rate=np.zeros(n),
            productivity_rate=np.zeros(n),
            cut_excess=np.zeros(n),
            reconfig_left=np.zeros(n),
            reconfig_saving=np.zeros(n),
            rung=np.zeros(n, dtype=np.int64),
            rating=np.full(n, -1, dtype=np.int64),
            first_rating=np.full(n, -1, dtype=np.int64),
            observed_quality=np.full(n, np.nan),
            named=np.zeros(n, dtype=bool),
            months_in_sm=np.zeros(n, dtype=np.int64),
            sm_entry_month=np.full(n, -1, dtype=np.int64),
            last_exit_month=np.full(n, -1, dtype=np.int64),
            fail_streak=np.zeros(n, dtype=np.int64),
            last_inspection=np.full(n, -99, dtype=np.int64),
            inspection_due=np.full(n, -1, dtype=np.int64),
            support=np.zeros(n, dtype=np.int64),
            support_left=np.zeros(n, dtype=np.int64),
            awaiting_support=np.zeros(n, dtype=bool),
            buddy_of=np.full(n, -1, dtype=np.int64),
            buddy_load=np.zeros(n, dtype=np.int64),
            bodies=np.zeros(n),
            conditions=np.zeros(n, dtype=bool),
            failing_since=np.full(n, -1, dtype=np.int64),
            economy=st.economy_of.copy(),
            ever_in_sm=np.zeros(n, dtype=bool),
        )
        econ_income = np.bincount(st.economy_of, weights=income0, minlength=n_econ)
        self.allocation = econ_income * 12 * 1.01  # £m a year, 1% headroom
        self.need = np.ones(n_econ)
        self.sc_need = np.ones(n_econ)
        shortfall = np.full(n_econ, ini.social_care_shortfall)
        by_id = {e.id: e.social_care_shortfall for e in sc.economy.economies}
        for i, eid in enumerate(st.economy_ids):
            if by_id.get(eid) is not None:
                shortfall[i] = by_id[eid]
        self.sc_capacity = 1.0 - shortfall
        self.sc_uplift = np.zeros(n_econ)
        self.sc_budget = econ_income * 12 * SOCIAL_CARE_BUDGET_SHARE  # £m a year
        self.margin_12m = margin.copy()
        self.roll_surplus = self.s.surplus_ring.sum(axis=0)
        self.roll_income = self.s.income_ring.sum(axis=0)
        self.reported_rate = np.zeros(n)
        self.central_payment = np.zeros(n)
        self.shortfall = 1.0 - self.sc_capacity
        self._growth = np.zeros(3)  # this year's monthly growth: need, throughput, sc need

    def _start_in_special_measures(self, share: float) -> None:
        """Keogh-like start: the lowest-quality trusts begin in special measures."""
        k = round(share * self.s.n)
        if k <= 0 or not self.p.regime.ladder.enabled:
            return
        from healthsim.model.agents import Finding
        from healthsim.model.state import Rating

        order = np.argsort(self.s.quality.mean(axis=1), kind="stable")[:k]
        bar = self.p.regime.identification.bar
        for i in order:
            q = self.s.quality[i]
            failing_true = int((q < bar).sum())
            f = Finding(
                0,
                int(i),
                (),
                (float(q.mean()),),
                failing_true,
                Rating.inadequate,
                failing_true,
                failing_true >= self.p.regime.identification.breadth_rule,
            )
            self.s.rating[i] = Rating.inadequate
            self.s.observed_quality[i] = float(q.mean())
            self.oversight.enter_special_measures(self.trusts[int(i)], f)
        # Starting stock is not counted as entries made during the run; its board
        # replacements and costs are, in month 1.
        boards, cost = self.month_board_replacements, self.month_regime_cost
        self._reset_month_counters()
        self.month_board_replacements, self.month_regime_cost = boards, cost
        self.good_trusts_tipped = 0
        self.detection_lags.clear()

    # ------------------------------------------------------------------------------
    # helpers used by agents
    # ------------------------------------------------------------------------------
    def log(self, trust: int, text: str) -> None:
        """Add a plain-language event for the feed: (month, trust, text)."""
        self.events.append((self.month_index + 1 if self.steps else 0, trust, text))

    @property
    def flow_graph(self):
        """The patient-flow graph between trusts, on trust indices (networkx)."""
        if self._flow_graph is None:
            self._flow_graph = _trust_index_graph(self.structure)
        return self._flow_graph

    def hops_from(self, i: int) -> np.ndarray:
        """Patient-flow hops from trust ``i`` to every trust (large if unreachable).

        The flow network does not change during a run, so each trust's row is
        computed once, on first use (buddy matching)."""
        row = self._hops.get(i)
        if row is None:
            import networkx as nx

            row = np.full(self.s.n, 10**6, dtype=np.int64)
            for j, h in nx.single_source_shortest_path_length(self.flow_graph, i).items():
                row[j] = h
            self._hops[i] = row
        return row

    def charge_one_off(self, i: int, cost: float) -> None:
        """Charge trust ``i`` a one-off cost (£m) in the coming month's accounts."""
        self.s.one_off_cost[i] += cost

    def annual_income(self, i: int) -> float:
        return float(self.s.income_ring[:, i].sum())

    def add_buddy_link(self, buddy: int, trust: int) -> None:
        """Draw a buddy link on the network (flagged on an existing flow link)."""
        st = self.structure
        a, b = trust_node(st.trust_ids[buddy]), trust_node(st.trust_ids[trust])
        if not st.graph.has_edge(a, b):
            self.grid.add_connection(self.grid._cells[a], self.grid._cells[b])
            st.graph.edges[a, b].update(kind="buddy", weight=0.0)
        st.graph.edges[a, b]["buddy"] = True

    def remove_buddy_link(self, buddy: int, trust: int) -> None:
        st = self.structure
        a, b = trust_node(st.trust_ids[buddy]), trust_node(st.trust_ids[trust])
        data = st.graph.get_edge_data(a, b)
        if data is None:
            return
        if data.get("kind") == "buddy":
            self.grid.remove_connection(self.grid._cells[a], self.grid._cells[b])
        else:
            data.pop("buddy", None)

    def squeeze_year(self, year: int) -> dict[str, float]:
        """The squeeze in force in ``year`` (1 = first year of the run)."""
        sq = self.p.squeeze
        vals = {
            "real_funding_growth": sq.real_funding_growth,
            "demand_growth": sq.demand_growth,
            "tariff_efficiency": sq.tariff_efficiency,
            "cost_inflation": sq.cost_inflation,
            "social_care_budget_growth": sq.social_care_budget_growth,
            "social_care_need_growth": sq.social_care_need_growth,
            "cash_injection": 0.0,
        }
        for y in sq.years:
            if y.year == year:
                for k in vals:
                    v = getattr(y, k)
                    if v is not None:
                        vals[k] = v
        return vals

    def _reset_month_counters(self) -> None:
        self.month_entries = 0
        self.month_exits = 0
        self.month_relapses = 0
        self.month_false_positives = 0
        self.month_political = 0
        self.month_inspections = 0
        self.month_board_replacements = 0
        self.month_regime_cost = 0.0

    # ------------------------------------------------------------------------------
    # scheduled: the annual budget and tariff round
    # ------------------------------------------------------------------------------
    def budget_round(self) -> None:
        """Before month 1 of each year: allocations, tariff, social-care budgets, cost
        improvement plans, reconfiguration decisions and any one-off cash (C10)."""
        self.year_index += 1
        y = self.squeeze_year(self.year_index + 1)
        infl, eff = y["cost_inflation"], y["tariff_efficiency"]
        self.efficiency_required = eff
        self.price *= (1 + infl) * (1 - eff)
        for c in self.commissioners:
            c.set_budget((1 + y["real_funding_growth"]) * (1 + infl) - 1)
        for sc in self.social_care:
            sc.set_budget(y["social_care_budget_growth"])
        self.sc_budget *= (1 + y["social_care_budget_growth"]) * (1 + infl)
        b = self.p.behaviour
        self._growth[:] = (
            (1 + y["demand_growth"]) ** (1 / 12),
            (1 + b.throughput_growth) ** (1 / 12),
            (1 + y["social_care_need_growth"]) ** (1 / 12),
        )
        s = self.s
        plan_years(self, eff)  # every trust's cost-improvement plan
        for tr in self.trusts:
            tr.consider_reconfiguration(supported=False)
        # Costs rise with inflation and fall with the productivity delivered this year,
        # at the same time as the tariff changes (cuts of posts save through staffing).
        s.unit_cost *= (1 + infl) * (1 - s.productivity_rate)
        self.efficiency_achieved = float(s.efficiency_rate.mean())
        # One-off national cash (e.g. the 2016/17 Sustainability and Transformation
        # Fund), paid in twelve monthly parts as a share of last year's income.
        s.injection[:] = y["cash_injection"] * s.income_ring.sum(axis=0) / 12.0

    # ------------------------------------------------------------------------------
    # the month
    # ------------------------------------------------------------------------------
    def step(self) -> None:
        """One month of the economy (vectorised over trusts)."""
        t = self.steps - 1
        self.month_index = t
        if t >= self.draws.demand.shape[0]:
            self._extend_draws()
        td = t
        s, p, d = self.s, self.p, self.draws
        b = p.behaviour
        reg = p.regime

        # -- phases 1 to 5, compiled (kernel.month_front): the month's growth; demand
        # and its shift to neighbours (C5, C8), social care and delayed discharges,
        # treatment, occupancy, harm and reporting; commissioners pay, trusts spend
        # (C10); reconfigurations count down
        regime_money, any_sm = month_front(
            s.floats,
            s.ints,
            s.quality,
            self.work,
            self.work_flags,
            self.economies,
            self.flow_t,
            s.surplus_ring,
            s.income_ring,
            d.by_trust,
            td,
            self._front_parameters,
            self._growth,
            self.price,
            t % 12,
        )
        rung = s.rung
        support = s.support
        in_sm = rung >= Rung.special_measures if any_sm else None

        # -- phases 6 to 13, compiled (kernel.month_back): workforce, fear, morale,
        # openness, accountability and the base quality change (C5, C7, C10, C11:
        # rules.py's formulas); improvement support (C6) and the fading of consultancy
        # gains; quality takes its change, noise and shocks; boards, reputation, media
        # and true failure settle; which boards leave
        self._fading, leaving = month_back(
            self._kernel_parameters,
            self._back_parameters,
            self._breadth,
            t,
            s.floats,
            s.ints,
            s.flags,
            s.quality,
            s.consult_gain,
            self._dq,
            self.work,
            self.work_flags,
            self.economies,
            d.by_trust,
            d.by_service,
            td,
            self._fading,
        )

        # -- boards (C11): ordinary and fear-driven churn (drawn in kernel.settle) ----
        if leaving:
            for i in np.flatnonzero(self.churn):
                why = "leaders left" if s.fear[i] < 0.3 else "leaders left under pressure"
                self.trusts[i].replace_board(why)

        # -- support bookkeeping, ladder clocks --------------------------------------
        if any_sm:
            s.months_in_sm += in_sm
            if t % 3 == 0 and s.awaiting_support.any():  # the oversight body looks quarterly
                for i in np.flatnonzero(s.awaiting_support):
                    self.oversight.start_support(self.trusts[i], retry=True)
        ended = self.ended
        n_ended, spent = support_clock(
            s.support_left, support, ended, regime_money, b.buddy_cost, b.central_cost
        )
        if n_ended > 0:
            for i in np.flatnonzero(ended):
                self.oversight.end_support(self.trusts[i])
                self.log(int(i), "improvement support ends")
        self.month_regime_cost += spent
        if self._whole_economy and self.sc_uplift.any():
            self.month_regime_cost += float(
                (self.sc_uplift * self.sc_budget).sum() / 12.0 * reg.scope.system_cost_share
            )

        # -- the inspectorate's monthly risk check (C1, C2) --------------------------
        self.inspectorate.check_risk()

        # -- record (compiled: kernel.record_state) ---------------------------------
        rec = self.recorder
        r = rec.row()
        counts = self._counts
        counts[:] = (
            self.month_entries,
            self.month_exits,
            self.month_relapses,
            self.month_false_positives,
            self.month_political,
            self.month_inspections,
            self.month_board_replacements,
            self.month_regime_cost,
            self.efficiency_achieved,
            self.efficiency_required,
        )
        record_state(
            rec.trust_block,
            rec.scalar_block,
            r,
            s.floats,
            s.ints,
            self.work,
            self.work_flags,
            counts,
            self.shortfall,
        )
        self._reset_month_counters()
        if self.steps >= self.months:
            self.running = False

    def _extend_draws(self) -> None:
        """Stepping past the planned end (Mesa's tools, the app): draw twice as many
        months. Each stream draws row-major by month, so the months already run keep
        exactly the same numbers and later months get fresh ones."""
        d = self.draws
        months, trusts, services = d.shock_u.shape
        self.draws = Draws.make(self.seed, 2 * months, trusts, services)

    # ------------------------------------------------------------------------------
    def run(self, months: int | None = None) -> HealthEconomy:
        """Run to the end of the scenario (or for ``months`` months)."""
        n = self.months - self.steps if months is None else months
        for _ in range(n):
            self.step()
        return self


def _trust_index_graph(st: Structure):
    """The flow graph between trusts, on integer indices (for buddy matching)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(st.n_trusts))
    rows, cols = np.nonzero(np.triu(st.flow + st.flow.T))
    g.add_edges_from(zip(rows.tolist(), cols.tolist(), strict=True))
    return g

"""HealthEconomy: the Mesa model of a networked local health economy.

One step is one month. The numeric state lives in arrays of records the model owns, laid
out from what the mechanisms declare (:mod:`healthsim.model.variables`): ``model.s``
(every trust, its services and its 12-month accounts), ``model.e`` (every economy),
``model.tally`` (the month's model-wide counts) and ``model.year`` (what the budget round
set). Agents decide; the compiled kernel (:mod:`healthsim.model.kernel`) does the
monthly arithmetic by calling the mechanisms' rules; the history is recorded into arrays
allocated once. Inspections, exit reviews and the annual budget and tariff round are
Mesa scheduled events.

Order of a month (docs/ODD.md, "Process overview and scheduling"):
demand and diversion -> social care and delayed discharges -> treatment and occupancy
-> harm and reporting -> payment and costs -> workforce -> fear, morale, openness ->
accountability -> quality (improvement, support, deterioration, shocks) -> boards ->
reputation and media -> risk-triggered inspections -> record. Routine inspections and
reviews run at the end of the month they are due; the budget round before month 1 of
each year.

The model takes a loaded, validated scenario (:class:`healthsim.config.Scenario`);
scenario names, files and overrides are resolved by :mod:`healthsim.config` (and, for
Mesa's tools, by :class:`healthsim.experiments.mesa.ScenarioEconomy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from mesa import Model
from mesa.discrete_space import Network
from mesa.time import Schedule

from healthsim.model import kernel
from healthsim.model.agents import Commissioner, Inspectorate, Oversight, SocialCare, Trust
from healthsim.model.history import ArrayDataCollector, Recorder
from healthsim.model.mechanisms import (
    LAYOUT,
    boards,
    demand,
    finance,
    harm,
    ladder,
    local_system,
    pack,
    quality,
    support,
)
from healthsim.model.mechanisms.states import Rung
from healthsim.model.network import Structure, build_structure, trust_node
from healthsim.model.streams import Draws, stream
from healthsim.model.variables import Records, Row, records, word_view

if TYPE_CHECKING:
    from healthsim.config.schema import Scenario


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


class HealthEconomy(Model):
    """A local health economy (or a region, or England) under a failure regime.

    Args:
        scenario: a loaded :class:`~healthsim.config.schema.Scenario`.
        rng: the run's seed (an int). Every stochastic mechanism draws from its own
            stream derived from it, so two regimes on one seed see the same shocks.
        mesa_scenario: Mesa's scenario object for the run (``model.scenario``), for
            front ends that rebuild a model from it; a plain one by default.
    """

    def __init__(self, scenario: Scenario, rng: Any = None, *, mesa_scenario=None) -> None:
        seed = _seed_from(rng)
        if mesa_scenario is None:
            super().__init__(rng=seed)
        else:
            super().__init__(scenario=mesa_scenario)
        self.p = scenario
        self.seed = seed
        self.months = scenario.months

        self.structure: Structure = build_structure(scenario.economy, stream(seed, "network"))
        st = self.structure
        n, n_serv = st.n_trusts, scenario.economy.services_per_trust
        self.draws = Draws.make(seed, self.months, n, n_serv)
        self.flow = st.flow
        self._flow_graph = None  # built on first use (buddy matching): flow_graph
        self._hops: dict[int, np.ndarray] = {}
        #: every mechanism's parameters, packed for the compiled rules
        self.params = pack(scenario)
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
        self.month_index = 0
        self.year_index = -1
        self._fading = False  # bought support gains still wearing off
        self._kind_counts = np.zeros(len(support.KINDS), dtype=np.int64)
        self._whole_economy = scenario.regime.scope.scope == local_system.Scope.whole_economy
        self._retry = scenario.behaviour.buddy_retry_months

        interval = scenario.regime.identification.inspection_interval_months
        for i in range(n):
            self.inspectorate.schedule(i, 1 + np.floor(self.draws.inspection_offset[i] * interval))
        ladder.start_in_special_measures(self, scenario.initial.special_measures_share)
        self.schedule_recurring(self.budget_round, Schedule(interval=12, start=0.25))
        self.running = True
        self.datacollector.collect(self)  # step 0 for Mesa's tools, as Mesa models do

    # ------------------------------------------------------------------------------
    # set-up
    # ------------------------------------------------------------------------------
    def _init_state(self, sc: Scenario, seed: int) -> None:
        st, ini, b = self.structure, sc.initial, sc.behaviour
        n, n_serv, n_econ = st.n_trusts, sc.economy.services_per_trust, st.n_economies
        self.s = Records(
            trusts=LAYOUT.allocate("trust", n),
            services=LAYOUT.allocate("service", (n, n_serv)),
            rings=finance.rings(n),
        )
        self.e = Records(economies=LAYOUT.allocate("economy", n_econ))
        self.year = Row(LAYOUT.allocate("year", 1))
        self.tally = Row(LAYOUT.allocate("month", 1))
        self._bind_words()
        s, e = self.s, self.e
        # the order of the draws from the initial_state stream is part of the run
        r = stream(seed, "initial_state")
        q, z_quality = quality.initial_quality(ini, r, n, n_serv)
        s.quality[:] = q
        s.capability[:] = boards.initial_capability(ini, b, r, z_quality, n)
        margin = ini.surplus_margin + ini.surplus_margin_sd * r.standard_normal(n)
        s.efficiency_slack[:] = finance.efficiency_slack(b, r, n)

        s.economy[:] = st.economy_of
        s.beds[:] = st.beds
        links, s.inflow_start[:], s.inflow_end[:] = demand.inflow_links(st.flow)
        self.inflows = records(links)
        s.base_demand[:] = demand.base_demand(
            b, s.beds.copy(), st.population, st.economy_of, sc.economy.population_per_bed
        )
        s.treated0[:] = s.base_demand
        s.staff[:] = ini.staffing_ratio
        s.morale[:] = ini.morale
        s.openness[:] = b.openness_base
        s.reputation[:] = ini.reputation
        admissions0 = s.base_demand * b.admissions_per_bed_month / n_serv
        rates = harm.rates(self.params, s.quality, np.empty((n, n_serv)))
        litigation0 = (rates * admissions0[:, None]).sum(axis=1) * b.harm_litigation_cost
        finance.initial_accounts(self, sc, margin, litigation0)

        e.trusts[:] = np.bincount(st.economy_of, minlength=n_econ)
        shortfall = np.full(n_econ, ini.social_care_shortfall)
        by_id = {x.id: x.social_care_shortfall for x in sc.economy.economies}
        for k, eid in enumerate(st.economy_ids):
            if by_id.get(eid) is not None:
                shortfall[k] = by_id[eid]
        e.sc_capacity[:] = 1.0 - shortfall
        e.shortfall[:] = 1.0 - e.sc_capacity
        s.occupancy[:] = b.base_occupancy  # read by the workshop app before month 1
        self.year.efficiency_required = sc.squeeze.tariff_efficiency

    def _bind_words(self) -> None:
        """The leading words of each trust record: what a month's history row copies."""
        self.trust_words = word_view(self.s.trusts, LAYOUT.history.itemsize // 8)

    def __setstate__(self, state: dict) -> None:
        """Unpickle (or copy): the record views are rebuilt on the copied arrays."""
        self.__dict__.update(state)
        self._bind_words()

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

    # ------------------------------------------------------------------------------
    # scheduled: the annual budget and tariff round
    # ------------------------------------------------------------------------------
    def budget_round(self) -> None:
        """Before month 1 of each year (a scheduled Mesa event): see finance."""
        if self.running:  # not once the run has ended (run_for past the end)
            finance.budget_round(self)

    # ------------------------------------------------------------------------------
    # the month
    # ------------------------------------------------------------------------------
    def initial_record(self) -> Recorder:
        """The state before the first month as a one-row history (Mesa's step 0; the
        model's own history starts at month 1). Reads the state only (it records a copy
        of the trusts and of the month's tallies). A month's flows (harm, income,
        leavers) are 0; the trusts' quality, worst service and true failure follow from
        their services' starting quality; staffing and clarity, worked out during a
        month, are NaN."""
        trusts = self.s.trusts.copy()
        quality = self.s.services["quality"]
        ident = self.p.regime.identification
        trusts["quality_mean"] = quality.mean(axis=1)
        trusts["quality_worst"] = quality.min(axis=1)
        trusts["truly"] = (quality < ident.bar).sum(axis=1) >= ident.breadth_rule
        trusts["staffing"] = np.nan
        trusts["clarity"] = np.nan
        rec = Recorder(1, self.s.n)
        kernel.record_month(
            rec.words,
            rec.tallies,
            rec.row(),
            word_view(trusts, LAYOUT.history.itemsize // 8),
            self.tally.array.copy(),
            self.year.array,
            trusts,
            self.e.economies,
        )
        return rec

    def _wrapped_step(self) -> None:
        """Mesa's ``step()``: one month, but nothing at all once the run has ended
        (``running`` is False): no month, no time passing, no scheduled event. Set
        ``running = True`` to carry on past the scenario's end."""
        if self.running:
            super()._wrapped_step()

    def _do_step(self) -> None:
        """The step Mesa schedules each time unit (also by ``run_for``/``run_until``):
        skipped once the run has ended."""
        if self.running:
            super()._do_step()

    def step(self) -> None:
        """One month of the economy."""
        t = self.steps - 1
        self.month_index = t
        if t >= self.draws.months.shape[0]:
            self._extend_draws()
        s, d = self.s, self.draws

        # -- phases 1 to 5, compiled: growth, demand, social care, treatment, harm,
        # money, reconfigurations
        regime_money, any_sm = kernel.month_front(
            self.params,
            self.year.array,
            s.trusts,
            s.services,
            self.e.economies,
            s.rings,
            self.inflows,
            d.months,
            t,
        )
        in_sm = s.rung >= Rung.special_measures if any_sm else None

        # -- phases 6 to 13, compiled: workforce, culture, accountability, quality,
        # support, boards, reputation, true failure, which boards leave
        self._fading, leaving = kernel.month_back(
            self.params,
            s.trusts,
            s.services,
            self.e.economies,
            d.months,
            d.services,
            t,
            self._fading,
        )
        if leaving:
            for i in np.flatnonzero(s.churn):
                boards.replace_board(self, int(i), boards.leaving_reason(s.fear[i]))

        # -- support bookkeeping, ladder clocks --------------------------------------
        if any_sm:
            s.months_in_sm[:] += in_sm
            if t % self._retry == 0 and s.awaiting_support.any():
                for i in np.flatnonzero(s.awaiting_support):
                    support.start_support(self, int(i), retry=True)
        n_ended, spent = kernel.support_clock(
            self.params, s.trusts, regime_money, self._kind_counts
        )
        if n_ended > 0:
            for i in np.flatnonzero(s.ended):
                support.end_support(self, int(i))
                self.log(int(i), "improvement support ends")
        self.tally.regime_cost += spent
        if self._whole_economy and self.e.sc_uplift.any():
            self.tally.regime_cost += local_system.system_cost(self)

        # -- the inspectorate's monthly risk check (C1, C2) --------------------------
        self.inspectorate.check_risk()

        # -- record -------------------------------------------------------------------
        rec = self.recorder
        r = rec.row()
        kernel.record_month(
            rec.words,
            rec.tallies,
            r,
            self.trust_words,
            self.tally.array,
            self.year.array,
            s.trusts,
            self.e.economies,
        )
        self.tally.reset()
        if self.steps == self.months:  # once: after running = True it carries on
            self.running = False

    def _extend_draws(self) -> None:
        """Stepping past the planned end (Mesa's tools, the app): draw twice as many
        months. Each stream draws row-major by month, so the months already run keep
        exactly the same numbers and later months get fresh ones."""
        months, trusts, services = self.draws.services.shape
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

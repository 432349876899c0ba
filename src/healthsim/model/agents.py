"""The organisations of the local economy, as Mesa agents (MODEL.md §2).

Agents are handles onto the model's arrays that make the decisions: trusts (whose exit
reviews are scheduled events), commissioners and local social care that set their
budgets and conditions, the inspectorate that inspects
(:class:`~healthsim.model.mechanisms.inspection.Inspectorate`) and the oversight body
that runs the failure regime (:class:`~healthsim.model.mechanisms.ladder.Oversight`).
The decision rules live with their mechanisms; the monthly arithmetic is compiled
(:mod:`healthsim.model.kernel`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa import Agent
from mesa.discrete_space import FixedAgent

from healthsim.model.mechanisms.inspection import Finding, Inspectorate
from healthsim.model.mechanisms.ladder import Oversight
from healthsim.model.mechanisms.states import Rung

if TYPE_CHECKING:
    from healthsim.model.economy import HealthEconomy

__all__ = ["Commissioner", "Finding", "Inspectorate", "Oversight", "SocialCare", "Trust"]


class Trust(FixedAgent):
    """A provider trust: a handle on record ``index`` of the model's arrays."""

    def __init__(self, model: HealthEconomy, index: int, trust_id: str, label: str, cell) -> None:
        super().__init__(model)
        self.index = index
        self.trust_id = trust_id
        self.label = label
        self.cell = cell
        self.pending_review = None

    @property
    def rung(self) -> Rung:
        return Rung(int(self.model.s.rung[self.index]))

    @property
    def quality(self) -> float:
        return float(self.model.s.quality[self.index].mean())

    @property
    def economy(self) -> int:
        return int(self.model.s.economy[self.index])

    def special_measures_review(self) -> None:
        """An exit re-inspection is due while in special measures (a scheduled event)."""
        self.pending_review = None
        if self.model.s.rung[self.index] >= Rung.special_measures:
            self.model.inspectorate.inspect(self.index, reason="review")


class Commissioner(Agent):
    """The commissioner of one local economy: allocation, contracts, conditions."""

    def __init__(self, model: HealthEconomy, economy: int, label: str) -> None:
        super().__init__(model)
        self.economy = economy
        self.label = label

    def set_budget(self, funding_growth: float) -> None:
        """Annual allocation round: the allocation grows at the real funding rate."""
        self.model.e.allocation[self.economy] *= 1.0 + funding_growth

    def impose_conditions(self, i: int) -> None:
        """Contract conditions on trust ``i`` under warning: a power over its board (C7)."""
        self.model.s.conditions[i] = True

    def lift_conditions(self, i: int) -> None:
        self.model.s.conditions[i] = False


class SocialCare(Agent):
    """Local social care of one economy: its capacity is squeezed by its budget (C8)."""

    def __init__(self, model: HealthEconomy, economy: int, label: str) -> None:
        super().__init__(model)
        self.economy = economy
        self.label = label

    def set_budget(self, budget_growth: float) -> None:
        """Annual budget round: capacity grows (or shrinks) with the real budget."""
        self.model.e.sc_capacity[self.economy] *= 1.0 + budget_growth

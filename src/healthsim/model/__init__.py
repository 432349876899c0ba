"""The pure domain: Mesa model, agents, mechanisms, network, random streams. No I/O."""

from healthsim.model.economy import HealthEconomy
from healthsim.model.mechanisms.states import Rating, Rung
from healthsim.model.mechanisms.support import Support

__all__ = ["HealthEconomy", "Rating", "Rung", "Support"]

"""The pure domain: Mesa model, agents, rules, network, random streams. No I/O."""

from healthsim.model.economy import HealthEconomy
from healthsim.model.state import Rating, Rung, Support

__all__ = ["HealthEconomy", "Rating", "Rung", "Support"]

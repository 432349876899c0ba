"""The pure domain: Mesa model, agents, mechanisms, network, random streams. No I/O
(but for numba's cache of the compiled code, which goes where ``_compiled_cache`` says)."""

from healthsim.model._compiled_cache import use_source_keyed_cache

use_source_keyed_cache()  # before any compiled function is defined

# ruff: noqa: E402
from healthsim.model.economy import HealthEconomy
from healthsim.model.mechanisms.states import Rating, Rung
from healthsim.model.mechanisms.support import Support

__all__ = ["HealthEconomy", "Rating", "Rung", "Support"]

"""Named random streams and the exogenous draws of a run (common random numbers).

Each stochastic mechanism has its own stream, seeded from the run's seed and a stable
hash of the mechanism's name (as Starsim does). The exogenous draws are made up front,
indexed by month, trust and service line, so a draw does not depend on how many other
draws a regime happened to make: two regimes run on one seed see the same demand
noise, the same local shocks, the same inspection sampling and errors, the same media
stories. Arrays are row-major in month, so a longer run starts with the same draws.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from healthsim.model.state import bind_rows

STREAMS = (
    "network",
    "initial_state",
    "demand",
    "local_shocks",
    "local_shock_size",
    "quality_noise",
    "inspection_schedule",
    "inspection_sampling",
    "inspection_noise",
    "risk_trigger",
    "media",
    "political",
    "board_churn",
    "board_replacement",
    "new_board",
    "review_delay",
)


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for one named mechanism, derived from the run's seed.

    Args:
        seed: the run's seed (a non-negative integer).
        name: the mechanism's name; its CRC-32 is the spawn key, stable across
            Python versions and processes (unlike ``hash``).
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


#: draws by month and trust, in the order of the rows of ``Draws.by_trust``
MONTH_DRAWS = (
    "demand",
    "trigger_u",
    "scandal_u",
    "political_u",
    "churn_u",
    "replace_u",
    "board_z",
    "review_u",
)
#: draws by month, trust and service line (rows of ``Draws.by_service``)
SERVICE_DRAWS = ("shock_u", "shock_size", "quality_noise", "inspection_keys", "inspection_noise")


@dataclass(frozen=True, slots=True)
class Draws:
    """Every exogenous random number of a run, made before it starts.

    Shapes: M months, T trusts, S service lines. Uniforms are in [0, 1); normals are
    standard; ``shock_size`` is exponential with mean 1. The (M, T) draws are rows of
    one block (``by_trust``, in :data:`MONTH_DRAWS` order) and the (M, T, S) draws of
    another (``by_service``, :data:`SERVICE_DRAWS`), so a compiled pass takes each in
    one argument; the named fields are views of those rows.
    """

    demand: np.ndarray  # (M, T) normal: demand noise
    shock_u: np.ndarray  # (M, T, S) uniform: does a local shock hit this service?
    shock_size: np.ndarray  # (M, T, S) exponential: its size, in units of the mean
    quality_noise: np.ndarray  # (M, T, S) normal: month-to-month drift
    inspection_offset: np.ndarray  # (T,) uniform: phase of each trust's schedule
    inspection_keys: np.ndarray  # (M, T, S) uniform: services sampled = lowest keys
    inspection_noise: np.ndarray  # (M, T, S) normal: inspectors' error
    trigger_u: np.ndarray  # (M, T) uniform: risk-triggered inspection
    scandal_u: np.ndarray  # (M, T) uniform: a media story
    political_u: np.ndarray  # (M, T) uniform: a politically driven decision
    churn_u: np.ndarray  # (M, T) uniform: ordinary board replacement
    replace_u: np.ndarray  # (M, T) uniform: the regime replaces the board
    board_z: np.ndarray  # (M, T) normal: a new board's capability
    review_u: np.ndarray  # (M, T) uniform: scheduling delay of an exit re-inspection
    by_trust: np.ndarray  # (len(MONTH_DRAWS), M, T)
    by_service: np.ndarray  # (len(SERVICE_DRAWS), M, T, S)

    def __getstate__(self) -> dict:
        """Pickle (and copy) the blocks; the named draws are rebuilt as their views."""
        return {
            "inspection_offset": self.inspection_offset,
            "by_trust": self.by_trust,
            "by_service": self.by_service,
        }

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        bind_rows(self, MONTH_DRAWS, self.by_trust)
        bind_rows(self, SERVICE_DRAWS, self.by_service)

    @classmethod
    def make(cls, seed: int, months: int, trusts: int, services: int) -> Draws:
        """Draw everything for a run of ``months`` over ``trusts`` x ``services``."""
        m, t, s = months, trusts, services
        by_trust = np.empty((len(MONTH_DRAWS), m, t))
        by_service = np.empty((len(SERVICE_DRAWS), m, t, s))
        rows = dict(zip(MONTH_DRAWS, by_trust, strict=True))
        rows |= dict(zip(SERVICE_DRAWS, by_service, strict=True))
        # each draw written straight into its row (the same numbers as drawing it alone)
        stream(seed, "demand").standard_normal(out=rows["demand"])
        stream(seed, "local_shocks").random(out=rows["shock_u"])
        # its own stream: drawn after shock_u on one stream, the sizes would depend on
        # the run's length and a longer run would not start the same
        stream(seed, "local_shock_size").standard_exponential(out=rows["shock_size"])
        stream(seed, "quality_noise").standard_normal(out=rows["quality_noise"])
        stream(seed, "inspection_sampling").random(out=rows["inspection_keys"])
        stream(seed, "inspection_noise").standard_normal(out=rows["inspection_noise"])
        stream(seed, "risk_trigger").random(out=rows["trigger_u"])
        stream(seed, "media").random(out=rows["scandal_u"])
        stream(seed, "political").random(out=rows["political_u"])
        stream(seed, "board_churn").random(out=rows["churn_u"])
        stream(seed, "board_replacement").random(out=rows["replace_u"])
        stream(seed, "new_board").standard_normal(out=rows["board_z"])
        stream(seed, "review_delay").random(out=rows["review_u"])
        return cls(
            inspection_offset=stream(seed, "inspection_schedule").random(t),
            by_trust=by_trust,
            by_service=by_service,
            **rows,
        )

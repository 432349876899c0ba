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


@dataclass(frozen=True, slots=True)
class Draws:
    """Every exogenous random number of a run, made before it starts.

    Shapes: M months, T trusts, S service lines. Uniforms are in [0, 1); normals are
    standard; ``shock_size`` is exponential with mean 1.
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

    @classmethod
    def make(cls, seed: int, months: int, trusts: int, services: int) -> Draws:
        """Draw everything for a run of ``months`` over ``trusts`` x ``services``."""
        m, t, s = months, trusts, services
        shocks = stream(seed, "local_shocks")
        boards = stream(seed, "board_churn")
        return cls(
            demand=stream(seed, "demand").standard_normal((m, t)),
            shock_u=shocks.random((m, t, s)),
            # its own stream: drawn after shock_u on one stream, the sizes would
            # depend on the run's length and a longer run would not start the same
            shock_size=stream(seed, "local_shock_size").standard_exponential((m, t, s)),
            quality_noise=stream(seed, "quality_noise").standard_normal((m, t, s)),
            inspection_offset=stream(seed, "inspection_schedule").random(t),
            inspection_keys=stream(seed, "inspection_sampling").random((m, t, s)),
            inspection_noise=stream(seed, "inspection_noise").standard_normal((m, t, s)),
            trigger_u=stream(seed, "risk_trigger").random((m, t)),
            scandal_u=stream(seed, "media").random((m, t)),
            political_u=stream(seed, "political").random((m, t)),
            churn_u=boards.random((m, t)),
            replace_u=stream(seed, "board_replacement").random((m, t)),
            board_z=stream(seed, "new_board").standard_normal((m, t)),
            review_u=stream(seed, "review_delay").random((m, t)),
        )

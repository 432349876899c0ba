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

import numpy as np

from healthsim.model.variables import records

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


def _normal(g: np.random.Generator, out: np.ndarray) -> None:
    g.standard_normal(out=out)


def _uniform(g: np.random.Generator, out: np.ndarray) -> None:
    g.random(out=out)


def _exponential(g: np.random.Generator, out: np.ndarray) -> None:
    g.standard_exponential(out=out)


#: the draws by month and trust (fields of ``Draws.months``): each with its stream and
#: its distribution
BY_TRUST = (
    ("demand", "demand", _normal),
    ("trigger_u", "risk_trigger", _uniform),
    ("scandal_u", "media", _uniform),
    ("political_u", "political", _uniform),
    ("churn_u", "board_churn", _uniform),
    ("replace_u", "board_replacement", _uniform),
    ("board_z", "new_board", _normal),
    ("review_u", "review_delay", _uniform),
)
#: the draws by month, trust and service line (fields of ``Draws.services``). The shock
#: sizes have their own stream: drawn after the shocks on one stream, they would depend
#: on the run's length, and a longer run would not start the same.
BY_SERVICE = (
    ("shock_u", "local_shocks", _uniform),
    ("shock_size", "local_shock_size", _exponential),
    ("quality_noise", "quality_noise", _normal),
    ("inspection_keys", "inspection_sampling", _uniform),
    ("inspection_noise", "inspection_noise", _normal),
)
MONTH_DRAWS = tuple(f for f, _, _ in BY_TRUST)
SERVICE_DRAWS = tuple(f for f, _, _ in BY_SERVICE)
MONTH_DTYPE = np.dtype([(k, np.float64) for k in MONTH_DRAWS])
SERVICE_DTYPE = np.dtype([(k, np.float64) for k in SERVICE_DRAWS])


class Draws:
    """Every exogenous random number of a run, made before it starts.

    Shapes: M months, T trusts, S service lines. Uniforms are in [0, 1); normals are
    standard; ``shock_size`` is exponential with mean 1. The draws by month and trust
    are the fields of one (M, T) record array (``months``: ``demand`` noise,
    ``trigger_u`` for a risk-triggered inspection, ``scandal_u`` a media story,
    ``political_u`` a politically driven decision, ``churn_u`` ordinary board
    replacement, ``replace_u`` the regime replacing the board, ``board_z`` a new
    board's capability, ``review_u`` the scheduling delay of an exit re-inspection);
    those by month, trust and service of an (M, T, S) one (``services``: whether a
    local shock hits (``shock_u``), its size, month-to-month quality noise, the
    inspection's sampling keys and its error). ``inspection_offset`` (T) is the phase of
    each trust's inspection schedule. Each field is also an attribute (a view).
    """

    def __init__(
        self, inspection_offset: np.ndarray, months: np.ndarray, services: np.ndarray
    ) -> None:
        self.inspection_offset = inspection_offset
        self.months = months
        self.services = services
        self._bind()

    def _bind(self) -> None:
        for block in (self.months, self.services):
            for name in block.dtype.names:
                setattr(self, name, block[name])

    def __getstate__(self) -> dict:
        """Pickle (and copy) the record arrays; the named draws are rebuilt as views."""
        return {
            "inspection_offset": self.inspection_offset,
            "months": self.months,
            "services": self.services,
        }

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind()

    @classmethod
    def make(cls, seed: int, months: int, trusts: int, services: int) -> Draws:
        """Draw everything for a run of ``months`` over ``trusts`` x ``services``."""
        m, t, s = months, trusts, services
        by_trust = records(np.empty((m, t), dtype=MONTH_DTYPE))
        by_service = records(np.empty((m, t, s), dtype=SERVICE_DTYPE))
        # each draw goes through one contiguous buffer per shape (the generators write
        # only into contiguous arrays), so memory is touched once
        one = np.empty((m, t))
        each = np.empty((m, t, s))
        for field, name, draw in BY_TRUST:
            draw(stream(seed, name), one)
            by_trust[field] = one
        for field, name, draw in BY_SERVICE:
            draw(stream(seed, name), each)
            by_service[field] = each
        return cls(stream(seed, "inspection_schedule").random(t), by_trust, by_service)

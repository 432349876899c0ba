"""Small helpers every mechanism may use (compiled)."""

from __future__ import annotations

from numba import njit

#: Guards a division against a zero denominator; too small to change any result.
TINY = 1e-12
#: Months in a year: turns annual rates into monthly ones.
MONTHS_A_YEAR = 12.0


@njit(cache=True)
def relax(current, target, rate):  # pragma: no cover - compiled
    """Move ``current`` a share ``rate`` of the way to ``target`` (one month)."""
    return current + rate * (target - current)


@njit(cache=True)
def clip(x, low, high):  # pragma: no cover - compiled
    """``x`` kept in [low, high]."""
    return min(max(x, low), high)

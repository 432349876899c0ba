"""One date convention for every output: NHS financial years, April to March.

Run month 1 is April of the scenario's ``start_year``; year *k* of a run is the financial
year that starts in April of ``start_year + k - 1``, written ``2013/14``. Tables
(``financial_year``), figures (ticks at each April, labelled ``2013/14``), reports and
the app all use it, and say so once (:data:`CONVENTION`).
"""

from __future__ import annotations

import numpy as np

#: The sentence every report says once about dates.
CONVENTION = (
    "Years are NHS financial years, April to March (2013/14 runs from April 2013 to "
    "March 2014); month 1 of a run is April of its first year."
)

MONTH_NAMES = (
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "January",
    "February",
    "March",
)


def fy_label(year: int, short: bool = False) -> str:
    """The financial year starting in April of ``year``: ``"2013/14"`` (``"13/14"``)."""
    y = int(year)
    label = f"{y}/{(y + 1) % 100:02d}"
    return label[2:] if short else label


def fy_start(month: int | np.ndarray, start_year: int) -> np.ndarray:
    """The calendar year in which the financial year of each run month starts."""
    return start_year + (np.asarray(month, dtype=int).clip(min=1) - 1) // 12


def financial_year(month: int | np.ndarray, start_year: int) -> list[str] | str:
    """The financial year of a run month (``"2014/15"``), or of each of several."""
    starts = fy_start(month, start_year)
    if starts.ndim == 0:
        return fy_label(int(starts))
    years, index = np.unique(starts, return_inverse=True)
    labels = np.array([fy_label(int(y)) for y in years], dtype=object)
    return list(labels[index.ravel()])


def span(start_year: int, years: int) -> str:
    """The financial years a run of ``years`` covers: ``"2013/14 to 2022/23"``."""
    if years <= 1:
        return fy_label(start_year)
    return f"{fy_label(start_year)} to {fy_label(start_year + years - 1)}"


def month_name(month: int, start_year: int) -> str:
    """The calendar month of run month ``month`` (month 0 counts as 1): ``"May 2014"``."""
    m = max(int(month), 1) - 1
    return f"{MONTH_NAMES[m % 12]} {start_year + (m + 3) // 12}"


def decimal_time(month: int | np.ndarray, start_year: int) -> np.ndarray:
    """x positions of run months in calendar time (month 1 starts at April of
    ``start_year``, that is ``start_year + 0.25``)."""
    return start_year + 0.25 + (np.asarray(month, dtype=float) - 1) / 12


def year_ticks(start_year: int, months: int, most: int = 12) -> tuple[list[float], list[str]]:
    """Where each financial year's label goes on an x axis in :func:`decimal_time` over a
    run of ``months`` (the middle of the year) and the labels (``"2013/14"``, short
    ``"13/14"`` when there are more than six); at most ``most`` labels (every second or
    fifth year on long runs)."""
    years = max(1, -(-int(months) // 12))
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if years / s <= most)
    ys = list(range(start_year, start_year + years, step))
    short = len(ys) > 6
    return [y + 0.75 for y in ys], [fy_label(y, short=short) for y in ys]


def year_bounds(start_year: int, months: int) -> list[float]:
    """The start of every financial year of a run (each April), in :func:`decimal_time`."""
    years = max(1, -(-int(months) // 12))
    return [start_year + 0.25 + k for k in range(years + 1)]

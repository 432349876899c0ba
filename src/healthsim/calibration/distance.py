"""How far a simulated parameter point is from the calibration targets. No I/O.

For each target statistic, the mean over seeds is compared with its band:

    d_k = outside_k / width_k + pull * |mean_k - centre_k| / width_k

where ``outside_k`` is how far the mean lies outside the band (0 inside it) and
``width_k`` is the band's width, so one unit of distance is "one band width away". The
small ``pull`` towards the band's centre breaks ties among points that put every mean
inside its band (favouring means that are not perched on an edge, where a little noise
fails the check). The distance of a point is the sum over statistics. A statistic that
no seed of the point could compute (NaN on every seed, e.g. no trust ever left special
measures) scores :data:`MISSING_PENALTY`.

A band open on one side (infinite width) is scaled by the size of its finite edge and
has no centre to pull to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from healthsim.calibration.targets import TARGETS, Target, target_means

#: Default weight of the pull to the band centre (per band width).
PULL = 0.05
#: Distance scored by a statistic with no finite value on any seed (band widths).
MISSING_PENALTY = 10.0


def statistic_distance(target: Target, mean: float, pull: float = PULL) -> float:
    """Distance of one statistic's mean from its band, in band widths (see module)."""
    if not np.isfinite(mean):
        return MISSING_PENALTY
    outside = max(target.low - mean, 0.0, mean - target.high)
    width = target.width
    if np.isfinite(width) and width > 0:
        return outside / width + pull * abs(mean - target.centre) / width
    edge = target.high if np.isinf(target.low) else target.low
    scale = max(abs(edge), 1e-12)
    return outside / scale


def band_distance(
    means: Mapping[str, float], targets: Sequence[Target] = TARGETS, pull: float = PULL
) -> float:
    """Distance of a point's statistic means (name -> mean over seeds) from all bands."""
    return float(sum(statistic_distance(t, means.get(t.key, np.nan), pull) for t in targets))


def point_means(runs: pd.DataFrame, targets: Sequence[Target] = TARGETS) -> dict[str, float]:
    """Mean over seeds of each statistic, over the seeds where it is finite (a ratio
    target: the ratio of its parts' means, :func:`target_means`)."""
    means = target_means({k: runs[k].to_numpy(dtype=float) for k in runs.columns})
    return {t.key: means.get(t.key, float("nan")) for t in targets}


def distance_table(
    means: Mapping[str, float], targets: Sequence[Target] = TARGETS, pull: float = PULL
) -> pd.DataFrame:
    """One row per statistic: its mean, band, whether inside, and its distance term."""
    return pd.DataFrame(
        [
            {
                "target": t.target,
                "statistic": t.key,
                "label": t.label,
                "mean": means.get(t.key, np.nan),
                "band_low": t.low,
                "band_high": t.high,
                "pass": t.passes(means.get(t.key, np.nan)),
                "distance": statistic_distance(t, means.get(t.key, np.nan), pull),
            }
            for t in targets
        ]
    )

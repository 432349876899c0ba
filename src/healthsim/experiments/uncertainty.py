"""What we don't know about the parameters: the fitted posterior, the priors, and the
parameter sets a comparison or an analysis runs on.

A comparison's replicate *i* runs every scenario on seed *i* **and parameter set *i***
(the same set for every scenario, so pairs stay paired). The sets come from one of:

- ``"posterior"`` (the default): the parameter sets of the shipped calibration fit
  (``healthsim/data/posterior.json``, written by ``healthsim calibrate --fit``),
  resampled to equal weight in a fixed order; every other parameter at its default;
- ``"prior"``: every uncertain parameter (an assumption or calibrated: see
  :func:`healthsim.model.mechanisms.uncertain_parameters`) drawn from its prior;
- ``"defaults"``: today's fixed values (no parameter uncertainty, luck only).

The draws are a deterministic function of the set index and a seed: a set is the same
whatever the executor, the number of workers or how many sets are asked for.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from healthsim.model.mechanisms import uncertain_parameters

#: the shipped posterior (a data file of the package, not a module)
POSTERIOR_FILE = Path(__file__).resolve().parent.parent / "data" / "posterior.json"
#: how parameter sets may be chosen
KINDS = ("posterior", "prior", "defaults")
#: the seed of the prior draws and of the posterior's resampling order (recorded)
SETS_SEED = 1848  # the year of the first Public Health Act
FORMAT = 1


class UncertaintyError(ValueError):
    """A parameter-set choice that cannot be used (one line, for the command line)."""


@dataclass(frozen=True)
class Posterior:
    """A weighted sample of parameter sets and the fit that produced it.

    Attributes:
        keys: the dotted key paths of the fitted parameters.
        values: (sets, keys) array of values.
        weights: normalised weights of the sets.
        provenance: how it was made: targets, budget, seed, scenario, version, method.
    """

    keys: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape != (len(self.weights), len(self.keys)):
            raise UncertaintyError("a posterior needs one value per set and parameter")
        if not np.all(np.isfinite(self.values)) or np.any(self.weights < 0):
            raise UncertaintyError("a posterior's values must be finite, its weights >= 0")
        if not self.weights.sum() > 0:
            raise UncertaintyError("a posterior's weights must not all be 0")

    @property
    def size(self) -> int:
        return len(self.weights)

    @property
    def digest(self) -> str:
        """What identifies it (stored with the runs made from it)."""
        h = hashlib.sha256(json.dumps(list(self.keys)).encode())
        h.update(np.ascontiguousarray(self.values, dtype=float).tobytes())
        h.update(np.ascontiguousarray(self.weights, dtype=float).tobytes())
        return h.hexdigest()[:16]

    def frame(self):
        """The sets as a pandas DataFrame (a ``weight`` column and one per parameter)."""
        import pandas as pd

        df = pd.DataFrame(self.values, columns=list(self.keys))
        df.insert(0, "weight", self.weights / self.weights.sum())
        return df

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "provenance": self.provenance,
                "parameters": list(self.keys),
                "weights": [float(w) for w in self.weights / self.weights.sum()],
                "values": [[float(v) for v in row] for row in self.values],
            },
            indent=1,
        )

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_json() + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    def resampled(self, n: int, seed: int = SETS_SEED) -> np.ndarray:
        """Indices of ``n`` equal-weight draws. Draws come in blocks of ``size``: each
        block a systematic resample of the sets by weight (its offset drawn from the
        block's own stream) in a shuffled order, so set *i* depends only on the seed
        and i, never on ``n``."""
        w = self.weights / self.weights.sum()
        cum = np.cumsum(w)
        blocks = []
        for b in range(math.ceil(n / self.size)):
            rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5E7, b]))
            positions = (np.arange(self.size) + rng.random()) / self.size
            idx = np.minimum(np.searchsorted(cum, positions, side="right"), self.size - 1)
            blocks.append(idx[rng.permutation(self.size)])
        return np.concatenate(blocks)[:n]


def read_posterior(path: str | Path | None = None) -> Posterior:
    """The posterior in ``path`` (default: the shipped one)."""
    path = Path(path) if path is not None else POSTERIOR_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UncertaintyError(f"{path}: no such posterior file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UncertaintyError(f"{path}: not a posterior file ({type(exc).__name__})") from None
    try:
        keys = tuple(str(k) for k in data["parameters"])
        values = np.asarray(data["values"], dtype=float).reshape(-1, len(keys))
        weights = np.asarray(data["weights"], dtype=float)
        provenance = dict(data.get("provenance", {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise UncertaintyError(f"{path}: not a posterior file ({exc})") from None
    known = uncertain_parameters()
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise UncertaintyError(f"{path}: {unknown[0]} is not an uncertain parameter")
    return Posterior(keys, values, weights, provenance)


@dataclass(frozen=True)
class ParameterSets:
    """The parameter sets of a comparison or an analysis: set *i* is
    :meth:`overrides` (i) (empty for ``"defaults"``).

    Attributes:
        kind: "posterior", "prior" or "defaults".
        keys: the parameters the sets vary (empty for defaults).
        values: (sets, keys) array (set i of n).
        digest: what identifies the choice (stored with the runs).
    """

    kind: str
    keys: tuple[str, ...]
    values: np.ndarray
    digest: str
    description: str

    def __len__(self) -> int:
        return len(self.values)

    def overrides(self, i: int) -> tuple[tuple[str, Any], ...]:
        if not self.keys:
            return ()
        return tuple(_typed(k, v) for k, v in zip(self.keys, self.values[i], strict=True))

    def without(self, keys: Sequence[str]) -> ParameterSets:
        """The same sets with ``keys`` left out (a sensitivity analysis samples those)."""
        keep = [j for j, k in enumerate(self.keys) if k not in set(keys)]
        return ParameterSets(
            self.kind,
            tuple(self.keys[j] for j in keep),
            self.values[:, keep],
            self.digest + ("-" + ",".join(sorted(keys)) if keys else ""),
            self.description,
        )


_INTEGER = {k for k, (_, whole) in uncertain_parameters().items() if whole}


def _typed(key: str, value: float) -> tuple[str, Any]:
    return (key, round(value) if key in _INTEGER else float(value))


def parameter_sets(
    kind: str, n: int, *, posterior: Posterior | str | Path | None = None, seed: int = SETS_SEED
) -> ParameterSets:
    """``n`` parameter sets of ``kind`` (see the module's docstring)."""
    if kind not in KINDS:
        raise UncertaintyError(f"parameters must be one of {', '.join(KINDS)} (got {kind!r})")
    if n < 1:
        raise UncertaintyError("at least one parameter set is needed")
    if kind == "defaults":
        return ParameterSets(kind, (), np.zeros((n, 0)), "defaults", "today's defaults (luck only)")
    if kind == "prior":
        priors = uncertain_parameters()
        keys = tuple(priors)
        u = _uniforms(n, len(keys), seed)
        values = np.array(
            [[priors[k][0].ppf(u[i, j]) for j, k in enumerate(keys)] for i in range(n)]
        )
        values = np.array(
            [[_typed(k, v)[1] for k, v in zip(keys, row, strict=True)] for row in values]
        )
        return ParameterSets(
            kind,
            keys,
            values,
            f"prior-{seed}",
            f"every uncertain parameter ({len(keys)}) drawn from its prior",
        )
    post = posterior if isinstance(posterior, Posterior) else read_posterior(posterior)
    idx = post.resampled(n, seed)
    fitted = post.provenance.get("scenario", "the calibration scenario")
    return ParameterSets(
        kind,
        post.keys,
        post.values[idx],
        f"posterior-{post.digest}-{seed}",
        f"the calibration posterior ({len(post.keys)} fitted parameters, {post.size} sets, "
        f"fitted to {fitted}); other parameters at their defaults",
    )


def _uniforms(n: int, k: int, seed: int) -> np.ndarray:
    """(n, k) uniform draws; row i depends only on (seed, i)."""
    return np.array(
        [
            np.random.default_rng(np.random.SeedSequence([seed, 0x9A7, i])).random(k)
            for i in range(n)
        ]
    )


def explicit_keys(scenario) -> frozenset[str]:
    """The ``behaviour.*`` and ``initial.*`` keys a scenario sets to a value other than
    the default (in its file, a file it extends, or an override): a what-if the
    scenario asks for, which a parameter set does not overwrite."""
    keys = set()
    for section in ("behaviour", "initial"):
        values = getattr(scenario, section)
        defaults = type(values)()
        keys |= {
            f"{section}.{k}"
            for k in type(values).model_fields
            if getattr(values, k) != getattr(defaults, k)
        }
    return frozenset(keys)

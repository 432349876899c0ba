"""The numerical pieces of ABC-SMC (sequential Monte Carlo approximate Bayesian
computation). No I/O, no model: arrays in, arrays out.

Parameters live in the unit cube here (``u = (theta - low) / (high - low)``), where the
uniform prior has a constant density, so importance weights need only the proposal
density. The method follows Beaumont et al. (2009, Biometrika 96:983) with the adaptive
tolerance of Del Moral et al. (2012, Stat Comput 22:1009):

1. Generation 0: a scrambled Sobol sample of the prior (scipy.stats.qmc); the best
   ``N`` points form the first population, equally weighted.
2. Generation t: the tolerance is a weighted quantile of the previous population's
   distances; proposals are drawn from the previous population (by weight) and moved by
   a Gaussian kernel with twice its weighted covariance; a proposal outside the prior is
   redrawn whole (particle and move), so the proposal density is the kernel mixture
   restricted to the prior; proposals within the tolerance are accepted until there
   are ``N``, and weighted by prior / proposal density.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp
from scipy.stats import qmc

#: Floor on the kernel's variance in every direction of the unit cube (a standard
#: deviation of 1% of a prior's range): keeps small populations from collapsing onto a
#: subspace and the covariance invertible.
KERNEL_FLOOR = 0.01**2


def sobol_sample(n: int, d: int, seed: np.random.SeedSequence) -> np.ndarray:
    """``n`` points of a scrambled Sobol sequence in the unit cube (shape n x d).

    ``n`` should be a power of two (the sequence's balance properties hold then).
    """
    sampler = qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed))
    return sampler.random(n)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` under normalised weights ``w`` (inverse of the
    weighted empirical distribution: the smallest x with cumulative weight >= q)."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order]) / w.sum()
    i = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(x[order][min(i, len(x) - 1)])


def weighted_cov(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance (d x d) of the rows of ``u`` under normalised weights ``w``."""
    w = np.asarray(w, dtype=float) / np.sum(w)
    mean = w @ u
    c = u - mean
    denom = 1.0 - np.sum(w**2)
    cov = (c * w[:, None]).T @ c / (denom if denom > 1e-12 else 1.0)
    return np.atleast_2d(cov)


def kernel_cov(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The perturbation kernel's covariance: twice the population's weighted covariance
    (Beaumont et al. 2009), with :data:`KERNEL_FLOOR` added on the diagonal."""
    d = u.shape[1]
    return 2.0 * weighted_cov(u, w) + KERNEL_FLOOR * np.eye(d)


def propose(
    rng: np.random.Generator, u: np.ndarray, w: np.ndarray, cov: np.ndarray, k: int
) -> np.ndarray:
    """``k`` proposals inside the unit cube: pick a particle by weight, move it by
    N(0, cov); a move that leaves the cube is redrawn together with its particle."""
    chol = np.linalg.cholesky(cov)
    p = np.asarray(w, dtype=float) / np.sum(w)
    out = np.empty((0, u.shape[1]))
    tries = 0
    while len(out) < k:
        tries += 1
        if tries > 10_000:  # pragma: no cover - only with a degenerate kernel
            raise RuntimeError("cannot draw proposals inside the prior")
        m = 2 * (k - len(out)) + 8
        idx = rng.choice(len(u), size=m, p=p)
        cand = u[idx] + rng.standard_normal((m, u.shape[1])) @ chol.T
        inside = np.all((cand >= 0.0) & (cand <= 1.0), axis=1)
        out = np.vstack([out, cand[inside][: k - len(out)]])
    return out


def log_kernel_mixture(x: np.ndarray, u: np.ndarray, w: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """log of sum_j w_j N(x_i; u_j, cov) for each row of ``x`` (up to a constant)."""
    chol = np.linalg.cholesky(cov)
    diff = x[:, None, :] - u[None, :, :]  # (n, m, d)
    z = np.linalg.solve(chol, diff.reshape(-1, u.shape[1]).T).T.reshape(diff.shape)
    logk = -0.5 * np.sum(z**2, axis=2)  # (n, m)
    logw = np.log(np.asarray(w, dtype=float) / np.sum(w))
    return logsumexp(logk + logw[None, :], axis=1)


def importance_weights(
    x: np.ndarray, u_prev: np.ndarray, w_prev: np.ndarray, cov: np.ndarray
) -> np.ndarray:
    """Normalised weights of new particles ``x``: uniform prior over proposal density
    (the kernel mixture's normalising constant over the cube cancels)."""
    logw = -log_kernel_mixture(x, u_prev, w_prev, cov)
    logw -= logw.max()
    w = np.exp(logw)
    return w / w.sum()


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of normalised weights: 1 / sum(w^2)."""
    w = np.asarray(w, dtype=float) / np.sum(w)
    return float(1.0 / np.sum(w**2))

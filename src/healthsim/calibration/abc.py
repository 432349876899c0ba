"""The numerical pieces of ABC-SMC (sequential Monte Carlo approximate Bayesian
computation). No I/O, no model: arrays in, arrays out.

Parameters live in the unit cube here (``u = (theta - low) / (high - low)``), where the
uniform prior has density 1, so an importance weight is 1 / proposal density. The
method is the adaptive population Monte Carlo ABC of Lenormand, Jabot and Deffuant
(2013, Computational Statistics 28:2777), built on Beaumont et al. (2009, Biometrika
96:983), with deterministic-mixture importance weights (Cornuet et al. 2012, Scand J
Stat 39:798). It suits costly models: every generation costs the same number of runs.

1. Generation 0: a scrambled Sobol sample of the prior (scipy.stats.qmc); the best
   ``N`` points form the population.
2. Generation t: ``N`` new points are proposed from the population (a particle picked
   by weight, moved by a Gaussian kernel with twice the population's weighted
   covariance; a move leaving the prior is redrawn with its particle). The best ``N``
   of all points so far form the next population, and the tolerance is the largest
   distance in it; each particle is weighted by the prior over the mixture of all the
   proposals used (:func:`mixture_weights`).
3. Stop when the budget is spent, or when under ``p_acc_min`` of a generation's
   proposals beat the previous tolerance (the population has converged).
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


def weighted_cov(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance (d x d) of the rows of ``u`` under weights ``w`` (numpy's,
    with the unbiased correction for normalised weights)."""
    return np.atleast_2d(np.cov(u, rowvar=False, aweights=np.asarray(w, dtype=float)))


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


def log_mixture_density(x: np.ndarray, u: np.ndarray, w: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """log of sum_j w_j N(x_i; u_j, cov) for each row of ``x`` (normalised Gaussians, so
    densities of different generations compare)."""
    d = u.shape[1]
    chol = np.linalg.cholesky(cov)
    diff = x[:, None, :] - u[None, :, :]  # (n, m, d)
    z = np.linalg.solve(chol, diff.reshape(-1, d).T).T.reshape(diff.shape)
    log_norm = -np.sum(np.log(np.diag(chol))) - 0.5 * d * np.log(2 * np.pi)
    logk = -0.5 * np.sum(z**2, axis=2) + log_norm  # (n, m)
    logw = np.log(np.asarray(w, dtype=float) / np.sum(w))
    return logsumexp(logk + logw[None, :], axis=1)


def inside_probability(
    rng: np.random.Generator, u: np.ndarray, w: np.ndarray, cov: np.ndarray, draws: int = 16384
) -> float:
    """Probability that a draw of the kernel mixture lands inside the unit cube (Monte
    Carlo): the normalising constant of the proposal density restricted to the prior."""
    chol = np.linalg.cholesky(cov)
    p = np.asarray(w, dtype=float) / np.sum(w)
    idx = rng.choice(len(u), size=draws, p=p)
    cand = u[idx] + rng.standard_normal((draws, u.shape[1])) @ chol.T
    inside = np.all((cand >= 0.0) & (cand <= 1.0), axis=1)
    return float(max(inside.mean(), 1.0 / draws))


def mixture_weights(
    x: np.ndarray,
    proposals: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]],
    counts: list[int],
) -> np.ndarray:
    """Normalised importance weights of particles ``x`` drawn from several proposals.

    Deterministic-mixture weights (the balance heuristic; Veach and Guibas 1995, as in
    adaptive multiple importance sampling, Cornuet et al. 2012): each particle is
    weighted by the prior's density (1 in the cube) over the mixture of every proposal
    used so far, in proportion to the points each drew. ``counts[0]`` points came from
    the prior itself; ``proposals[g]`` = (particles, weights, kernel covariance, share
    inside the cube) drew ``counts[g + 1]``. Because the prior is always part of the
    mixture, no particle's weight can exceed ``total / counts[0]`` times the smallest,
    so an early particle cannot swamp the population.
    """
    total = float(sum(counts))
    logs = [np.full(len(x), np.log(counts[0] / total))]
    for (u, w, cov, inside), n in zip(proposals, counts[1:], strict=True):
        logs.append(np.log(n / total) + log_mixture_density(x, u, w, cov) - np.log(inside))
    log_q = logsumexp(np.vstack(logs), axis=0)
    log_w = -log_q - np.max(-log_q)
    w = np.exp(log_w)
    return w / w.sum()


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of normalised weights: 1 / sum(w^2)."""
    w = np.asarray(w, dtype=float) / np.sum(w)
    return float(1.0 / np.sum(w**2))

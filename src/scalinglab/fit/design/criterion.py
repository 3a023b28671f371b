"""Greedy batch design from the Fisher information: V-optimal (target variance) and D-optimal (log det).

Linearised at parameters theta (fitted coordinates), a run at x adds j j^T / s_x^2 to the information
M = J^T J / s^2 + P (J: the Jacobian of the predicted response at the runs done; P: a weak prior
precision that keeps M invertible while runs cannot identify every parameter). With S = M^-1 and
G = mean over target points t of g_t g_t^T, the integrated prediction variance over the target is
V = tr(G S), and by Sherman and Morrison adding x lowers it by

    dV(x) = j^T S G S j / (s_x^2 + j^T S j)                     (V-optimality; Atkinson and Donev 1992, ch. 10)

while log det M rises by log(1 + j^T S j / s_x^2) (D-optimality); s_x^2 is the noise variance the
candidate is designed with (s^2, or more for a run the caller trusts less, as the model-robust design
does). Both gains are averaged over several parameter vectors (the bootstrap refits: a poor current fit does not steer the design alone); the
V gains of each vector are taken relative to its own starting variance tr(G S_b), so that a few wild
refits of a small table, whose variances are orders of magnitude larger, do not outvote the rest.
The batch is built greedily: each step takes the affordable candidate with the largest mean gain per
price, then updates every S by the same rank-one formula, so later picks see earlier ones. The price
is the cost, but never less than budget / k: with at most k runs, a run cheaper than its share of the
budget saves nothing that buys more information (per unit cost alone fills the batch with tiny runs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Linearisation", "linearise", "greedy_batch", "parameter_gains", "CRITERIA"]

CRITERIA = ("v", "d")


@dataclass(frozen=True)
class Linearisation:
    """Per parameter vector b: covariance S_b (B, p, p), candidate Jacobians (B, m, p), target G_b (B, p, p)."""

    cov: np.ndarray
    cand: np.ndarray
    target: np.ndarray
    cand_noise: np.ndarray  # (m,) the noise variance each candidate is designed with

    def variance(self) -> np.ndarray:
        """The integrated target variance tr(G_b S_b) of each parameter vector (B,)."""
        return np.einsum("bij,bji->b", self.target, self.cov)


def _jacobian(model, thetas: np.ndarray, data: dict) -> np.ndarray:
    """(B, n, p) Jacobians at each row of ``thetas``, with non-finite entries set to 0."""
    with np.errstate(all="ignore"):
        jac = model.jacobian(thetas, data)
    return np.where(np.isfinite(jac), jac, 0.0)


def _inverse(matrix: np.ndarray) -> np.ndarray:
    """Inverse of symmetric positive-definite matrices (B, p, p) by eigendecomposition, eigenvalues floored."""
    vals, vecs = np.linalg.eigh(0.5 * (matrix + np.swapaxes(matrix, 1, 2)))
    vals = np.maximum(vals, 1e-12 * np.maximum(vals[:, -1:], 1e-300))
    return np.einsum("bij,bj,bkj->bik", vecs, 1.0 / vals, vecs)


def linearise(model, thetas: np.ndarray, runs: dict, candidates: dict, targets: dict, noise: float,
              prior_precision: np.ndarray, candidate_noise: np.ndarray | None = None) -> Linearisation:
    """The Fisher information of the runs done at each parameter vector, inverted, with the other Jacobians."""
    thetas = np.atleast_2d(thetas)
    j_runs = _jacobian(model, thetas, runs)
    info = np.einsum("bnp,bnq->bpq", j_runs, j_runs) / noise + np.diag(prior_precision)[None]
    j_target = _jacobian(model, thetas, targets)
    gram = np.einsum("btp,btq->bpq", j_target, j_target) / j_target.shape[1]
    cand = _jacobian(model, thetas, candidates)
    cand_noise = np.full(cand.shape[1], noise) if candidate_noise is None else np.asarray(candidate_noise, float)
    return Linearisation(_inverse(info), cand, gram, cand_noise)


def _gains(lin: Linearisation, cov: np.ndarray, criterion: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean gain (m,), mean gain relative to each vector's starting variance (m,), S_b j (B, m, p))."""
    sj = np.einsum("bpq,bmq->bmp", cov, lin.cand)
    spread = np.einsum("bmp,bmp->bm", lin.cand, sj)
    if criterion == "d":
        gain = np.log1p(np.maximum(spread, 0.0) / lin.cand_noise)
        return gain.mean(axis=0), gain.mean(axis=0), sj
    gain = np.einsum("bmp,bpq,bmq->bm", sj, lin.target, sj) / (lin.cand_noise + spread)
    start = np.maximum(lin.variance(), 1e-300)[:, None]
    return gain.mean(axis=0), (gain / start).mean(axis=0), sj


def greedy_batch(lin: Linearisation, cost: np.ndarray, budget: float, k: int, *, criterion: str = "v",
                 cost_power: float | None = None) -> tuple[list[int], list[float], float | None]:
    """(candidate indices, their expected gains, the cost power used) picked greedily within ``budget``.

    The score is gain / price: price = cost**cost_power, or with ``cost_power`` None, max(cost, budget / k)
    (each of the k picks has a fair share of the budget; cheaper runs save nothing that matters)."""
    if cost_power is None:
        price = np.maximum(cost, budget / k)
    else:
        price = cost ** float(cost_power)
    return (*_greedy(lin, cost, price, budget, k, criterion), cost_power)


def _greedy(lin: Linearisation, cost: np.ndarray, price: np.ndarray, budget: float, k: int,
            criterion: str) -> tuple[list[int], list[float]]:
    cov = lin.cov.copy()
    left = float(budget)
    free = np.ones(len(cost), bool)
    picks, gains = [], []
    while len(picks) < k:
        ok = free & (cost <= left * (1 + 1e-12))
        if not ok.any():
            break
        gain, relative, sj = _gains(lin, cov, criterion)
        score = np.where(ok, relative / price, -np.inf)
        best = int(np.argmax(score))
        picks.append(best)
        gains.append(float(gain[best]))
        free[best] = False
        left -= float(cost[best])
        col = sj[:, best, :]  # S_b j for the pick: the rank-one update of every S_b
        denom = lin.cand_noise[best] + np.einsum("bp,bp->b", lin.cand[:, best, :], col)
        cov -= np.einsum("bp,bq->bpq", col, col) / denom[:, None, None]
    return picks, gains


def parameter_gains(lin: Linearisation, index: int) -> np.ndarray:
    """Mean reduction of the variance of fitted coordinate ``index`` from each candidate alone (m,)."""
    sj = np.einsum("bpq,bmq->bmp", lin.cov, lin.cand)
    spread = np.einsum("bmp,bmp->bm", lin.cand, sj)
    return (sj[:, :, index] ** 2 / (lin.cand_noise + spread)).mean(axis=0)

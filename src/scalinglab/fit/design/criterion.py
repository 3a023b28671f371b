"""Greedy batch design from the Fisher information: V-optimal (target variance) and D-optimal (log det).

Linearised at parameters theta (fitted coordinates), a run at x adds j j^T / s^2 to the information
M = J^T J / s^2 + P (J: the Jacobian of the predicted response at the runs done; P: a weak prior
precision that keeps M invertible while runs cannot identify every parameter). With S = M^-1 and
G = mean over target points t of g_t g_t^T, the integrated prediction variance over the target is
V = tr(G S), and by Sherman and Morrison adding x lowers it by

    dV(x) = j^T S G S j / (s^2 + j^T S j)                       (V-optimality; Atkinson and Donev 1992, ch. 10)

while log det M rises by log(1 + j^T S j / s^2) (D-optimality). Both gains are averaged over several
parameter vectors (the bootstrap refits: a poor current fit does not steer the design alone). The
batch is built greedily: each step takes the affordable candidate with the largest mean gain per
unit cost, then updates every S by the same rank-one formula, so later picks see earlier ones. As
the budget need not bind (at most k runs), the batch picked by gain alone is built too and the one
with the larger total gain is kept: the cost-benefit rule of budgeted submodular maximisation
(Krause and Guestrin 2005; Leskovec et al. 2007, CELF), which alone can waste a large budget on tiny runs.
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
    noise: float

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
              prior_precision: np.ndarray) -> Linearisation:
    """The Fisher information of the runs done at each parameter vector, inverted, with the other Jacobians."""
    thetas = np.atleast_2d(thetas)
    j_runs = _jacobian(model, thetas, runs)
    info = np.einsum("bnp,bnq->bpq", j_runs, j_runs) / noise + np.diag(prior_precision)[None]
    j_target = _jacobian(model, thetas, targets)
    gram = np.einsum("btp,btq->bpq", j_target, j_target) / j_target.shape[1]
    return Linearisation(_inverse(info), _jacobian(model, thetas, candidates), gram, noise)


def _gains(lin: Linearisation, cov: np.ndarray, criterion: str) -> tuple[np.ndarray, np.ndarray]:
    """(mean gain over parameter vectors (m,), S_b j (B, m, p)) for every candidate."""
    sj = np.einsum("bpq,bmq->bmp", cov, lin.cand)
    spread = np.einsum("bmp,bmp->bm", lin.cand, sj)
    if criterion == "d":
        return np.log1p(np.maximum(spread, 0.0) / lin.noise).mean(axis=0), sj
    num = np.einsum("bmp,bpq,bmq->bm", sj, lin.target, sj)
    return (num / (lin.noise + spread)).mean(axis=0), sj


def greedy_batch(lin: Linearisation, cost: np.ndarray, budget: float, k: int, *, criterion: str = "v",
                 cost_power: float | None = None) -> tuple[list[int], list[float], float]:
    """(candidate indices, their expected gains, the cost power used), picked greedily by gain /
    cost**cost_power within ``budget``; ``cost_power`` None: the better (larger total gain) of the batches
    by gain per unit cost (power 1) and by gain alone (power 0)."""
    powers = (1.0, 0.0) if cost_power is None else (float(cost_power),)
    batches = [(*_greedy(lin, cost, budget, k, criterion, power), power) for power in powers]
    return max(batches, key=lambda batch: sum(batch[1]))


def _greedy(lin: Linearisation, cost: np.ndarray, budget: float, k: int, criterion: str,
            cost_power: float) -> tuple[list[int], list[float]]:
    cov = lin.cov.copy()
    left = float(budget)
    free = np.ones(len(cost), bool)
    picks, gains = [], []
    while len(picks) < k:
        ok = free & (cost <= left * (1 + 1e-12))
        if not ok.any():
            break
        gain, sj = _gains(lin, cov, criterion)
        score = np.where(ok, gain / cost**cost_power, -np.inf)
        best = int(np.argmax(score))
        picks.append(best)
        gains.append(float(gain[best]))
        free[best] = False
        left -= float(cost[best])
        col = sj[:, best, :]  # S_b j for the pick: the rank-one update of every S_b
        denom = lin.noise + np.einsum("bp,bp->b", lin.cand[:, best, :], col)
        cov -= np.einsum("bp,bq->bpq", col, col) / denom[:, None, None]
    return picks, gains


def parameter_gains(lin: Linearisation, index: int) -> np.ndarray:
    """Mean reduction of the variance of fitted coordinate ``index`` from each candidate alone (m,)."""
    sj = np.einsum("bpq,bmq->bmp", lin.cov, lin.cand)
    spread = np.einsum("bmp,bmp->bm", lin.cand, sj)
    return (sj[:, :, index] ** 2 / (lin.noise + spread)).mean(axis=0)

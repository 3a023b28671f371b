"""Rank correlations between uncertain inputs through a Gaussian copula, keeping every marginal exactly.

A scenario states Spearman rank correlations rho_s between pairs of inputs. For a Gaussian copula the
Pearson correlation of the underlying normals is r = 2 sin(pi rho_s / 6) (Pearson 1907; Kruskal 1958,
"Ordinal measures of association", JASA 53), and these must form a positive semi-definite matrix. Sampling follows Iman and Conover 1982 ("A distribution-free approach to inducing
rank correlation among input variables", Commun. Stat. Simul. Comput. 11(3)): each input is drawn from
its own distribution as before, then its draws are reordered to follow the ranks of correlated
normal scores, so the marginals are untouched and only the pairing of values across inputs changes.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError

__all__ = ["gaussian_copula_matrix", "rank_correlate"]


def gaussian_copula_matrix(names: list[str], pairs: list[tuple[str, str, float]]) -> np.ndarray:
    """Pearson matrix of the normal scores for rank correlations ``pairs`` (others 0); errors if not valid."""
    index = {name: i for i, name in enumerate(names)}
    matrix = np.eye(len(names))
    for a, b, rank in pairs:
        r = 2.0 * np.sin(np.pi * float(rank) / 6.0)
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = r
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest < -1e-9:
        raise InputError(f"the rank correlations cannot hold together (their matrix is not positive semi-definite: "
                         f"smallest eigenvalue {smallest:.3g}); weaken some of them")
    return matrix


def rank_correlate(columns: list[np.ndarray], matrix: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """The same values as ``columns`` (each (n,)), reordered so their ranks follow normals correlated by ``matrix``."""
    n = columns[0].size
    values, vectors = np.linalg.eigh(matrix)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))  # matrix = root @ root.T, also when only semi-definite
    scores = rng.standard_normal((n, len(columns))) @ root.T
    out = []
    for j, column in enumerate(columns):
        ranks = np.argsort(np.argsort(scores[:, j], kind="stable"), kind="stable")
        out.append(np.sort(np.ravel(column))[ranks])
    return out

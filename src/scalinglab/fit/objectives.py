"""Objectives on residuals r = log(predicted loss) - log(observed loss), summed over runs.

(A formula law may take its residuals in the target's own units instead, r = predicted - observed:
``fit.formula_model``; the objectives are the same functions of r.)

* ``huber`` (default): the log-Huber loss of Hoffmann et al. 2022 (section 3.3, delta = 1e-3),
  rho(r) = r^2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond; robust to outlying runs.
* ``squares``: least squares on log loss, rho(r) = r^2 / 2.
* ``asymmetric``: squares with over-prediction (r > 0, a run doing better than the law says)
  weighted ``weight`` times more; for laws that should bound loss from below rather than split it.

Each objective gives rho, its derivative psi = rho' and psi' = rho'', so gradients and Hessians
follow by the chain rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, UnknownNameError

__all__ = ["Objective", "OBJECTIVES", "make_objective"]

OBJECTIVES = ("huber", "squares", "asymmetric")


@dataclass(frozen=True)
class Objective:
    """A per-run loss rho(r) on log-space residuals; ``delta`` for Huber, ``weight`` for asymmetric."""

    name: str = "huber"
    delta: float = 1e-3
    weight: float = 4.0

    def rho(self, r: np.ndarray) -> np.ndarray:
        if self.name == "huber":
            c = np.clip(r, -self.delta, self.delta)
            return c * (r - 0.5 * c)
        if self.name == "squares":
            return 0.5 * r * r
        return 0.5 * r * r * np.where(r > 0, self.weight, 1.0)

    def psi(self, r: np.ndarray) -> np.ndarray:
        """d rho / d r."""
        if self.name == "huber":
            return np.clip(r, -self.delta, self.delta)
        if self.name == "squares":
            return r
        return r * np.where(r > 0, self.weight, 1.0)

    def psi_prime(self, r: np.ndarray) -> np.ndarray:
        """d psi / d r: 1 inside Huber's delta and 0 beyond; 1 for squares; ``weight`` or 1 for asymmetric."""
        if self.name == "huber":
            return (np.abs(r) <= self.delta).astype(float)
        if self.name == "squares":
            return np.ones_like(r)
        return np.where(r > 0, self.weight, 1.0)

    def value_and_psi(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sum of rho over the last axis, psi), sharing work for the Huber case."""
        if self.name == "huber":
            c = np.minimum(np.maximum(r, -self.delta), self.delta)  # np.clip's values, less call overhead
            return np.einsum("...n,...n->...", c, r - 0.5 * c), c
        psi = self.psi(r)
        return 0.5 * np.einsum("...n,...n->...", psi, r), psi

    def describe(self, space: str = "log") -> str:
        """In words; ``space="target"``: the residuals are in the target's own units (formula fits)."""
        on = "log loss" if space == "log" else "the target"
        if self.name == "huber":
            prefix = "log-Huber" if space == "log" else "Huber on the target"
            return f"{prefix} (delta {self.delta:g}), summed over runs"
        if self.name == "squares":
            return f"least squares on {on}, summed over runs"
        return f"asymmetric squares on {on} (over-prediction weighted {self.weight:g}x), summed over runs"

    def to_dict(self) -> dict:
        out = {"name": self.name}
        if self.name == "huber":
            out["delta"] = self.delta
        if self.name == "asymmetric":
            out["weight"] = self.weight
        return out


def make_objective(name: str = "huber", *, delta: float = 1e-3, weight: float = 4.0) -> Objective:
    """An objective by name, with its setting checked."""
    key = str(name).strip().lower()
    if key not in OBJECTIVES:
        raise UnknownNameError("objective", name, OBJECTIVES)
    if not (np.isfinite(delta) and delta > 0):
        raise InputError(f"objective delta must be positive, got {delta!r}")
    if not (np.isfinite(weight) and weight > 0):
        raise InputError(f"asymmetric objective weight must be positive, got {weight!r}")
    return Objective(key, float(delta), float(weight))

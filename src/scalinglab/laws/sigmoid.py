"""S-shaped accuracy against scale or against loss."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import InputError
from .base import Law, ParamSpec, as_positive_array

__all__ = ["SigmoidAccuracy", "sigmoid_accuracy", "sigmoid_accuracy_jacobian"]


def _logistic(slope, midpoint, t):
    with np.errstate(over="ignore"):  # exp overflow far below the midpoint gives 0, as it should
        return 1.0 / (1.0 + np.exp(-slope * (t - midpoint)))


def sigmoid_accuracy(floor, ceiling, midpoint, slope, t):
    """acc = floor + (ceiling - floor) s, s = 1 / (1 + exp(-slope (t - midpoint)))."""
    return floor + (ceiling - floor) * _logistic(slope, midpoint, t)


def sigmoid_accuracy_jacobian(floor, ceiling, midpoint, slope, t):
    """d acc / d (floor, ceiling, midpoint, slope) as (K, n, 4): (1 - s, s, -slope g, (t - midpoint) g),
    g = (ceiling - floor) s (1 - s)."""
    s = _logistic(slope, midpoint, t)
    g = (ceiling - floor) * s * (1 - s)
    return np.stack(np.broadcast_arrays(1 - s, s, -slope * g, (t - midpoint) * g), axis=-1)


@dataclass(frozen=True, slots=True)
class SigmoidAccuracy(Law):
    """acc(x) = floor + (ceiling - floor) / (1 + exp(-slope (t - midpoint))).

    With ``against="scale"`` t = log10 x (x = params, tokens or FLOP, accuracy rising with scale);
    with ``against="loss"`` t = -x (accuracy rising as loss falls). ``floor`` is the chance level
    (e.g. 0.25 for 4-way multiple choice), ``ceiling`` the best reachable accuracy. The logistic
    form follows the emergence analyses of Wei et al. 2022 (arXiv:2206.07682) and the loss-based
    view of Du et al. 2024 (arXiv:2403.15796).
    """

    floor: float
    ceiling: float
    midpoint: float
    slope: float
    against: str = "scale"

    family: ClassVar[str] = "sigmoid"
    PARAMS: ClassVar[tuple[ParamSpec, ...]] = (
        ParamSpec("floor", 0.0, 1.0, (0.0, 0.25, 0.5), False, "chance level"),
        ParamSpec("ceiling", 0.0, 1.0, (0.8, 0.9, 1.0), False, "best reachable accuracy"),
        ParamSpec("midpoint", -np.inf, np.inf, (), False, "half-way point (log10 scale or loss)"),
        ParamSpec("slope", 0.0, np.inf, (0.5, 1.0, 2.0, 5.0), False, "steepness"),
    )

    def __post_init__(self):
        if self.against not in ("scale", "loss"):
            raise InputError(f"against must be 'scale' or 'loss', got {self.against!r}")
        if not self.floor < self.ceiling:
            raise InputError(f"floor {self.floor} must be below ceiling {self.ceiling}")

    def params(self) -> dict:
        return {"floor": self.floor, "ceiling": self.ceiling, "midpoint": self.midpoint,
                "slope": self.slope, "against": self.against}

    def _t(self, x):
        if self.against == "scale":
            return np.log10(as_positive_array(x, "x"))
        return -np.asarray(x, dtype=float)

    def __call__(self, x):
        return sigmoid_accuracy(self.floor, self.ceiling, self.midpoint, self.slope, self._t(x))

    def inverse(self, accuracy):
        """The x (scale or loss) at which the curve reaches ``accuracy`` (strictly between floor and ceiling)."""
        y = np.asarray(accuracy, dtype=float)
        if np.any((y <= self.floor) | (y >= self.ceiling)):
            raise InputError(f"accuracy must lie strictly between floor {self.floor} and ceiling {self.ceiling}")
        t = self.midpoint - np.log((self.ceiling - self.floor) / (y - self.floor) - 1.0) / self.slope
        return 10.0**t if self.against == "scale" else -t

"""Predict a loss (or accuracy) from a law at given N, D (and U), compute, or a single scale x."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..laws import DataConstrainedLaw, KaplanComputeLaw, Law, NDLaw
from ..options import spelled

__all__ = ["Prediction", "predict"]


def _plain(value):
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array.tolist()


@dataclass(frozen=True)
class Prediction:
    """A law's loss at the given inputs (floats, or arrays broadcast together)."""

    law: str
    inputs: dict
    loss: float
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        out = {"law": self.law, **{k: _plain(v) for k, v in self.inputs.items()}, "loss": _plain(self.loss)}
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out

    def headline(self) -> str:
        shown = f"{self.loss:.4f}" if np.ndim(self.loss) == 0 else f"{np.size(self.loss)} values"
        return f"{self.law}: loss {shown}"

    def report(self) -> str:
        if np.ndim(self.loss) == 0:
            shown = ", ".join(f"{k} = {float(v):.4g}" for k, v in self.inputs.items())
            return "\n".join([f"{self.law}: loss = {float(self.loss):.4f} at {shown}"]
                             + [f"warning: {w}" for w in self.warnings])
        columns = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in self.inputs.values()],
                                      np.asarray(self.loss, dtype=float))
        lines = [f"{self.law}: " + ", ".join(self.inputs) + ", loss"]
        lines += ["  " + ", ".join(f"{v:.4g}" for v in row[:-1]) + f", {row[-1]:.4f}"
                  for row in zip(*(c.ravel() for c in columns))]
        return "\n".join(lines + [f"warning: {w}" for w in self.warnings])


def _value(value):
    """A float for a scalar, a float array otherwise."""
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array


def predict(law: Law, *, n_params=None, n_tokens=None, unique_tokens=None, compute_flops=None, x=None,
            name: str = "", fitted_range: dict | None = None) -> Prediction:
    """L(N, D), L(N, D, U), L(C) or f(x), whichever the law's family takes; with the law's ``fitted_range``
    (when known), a warning where N, D or C lie far beyond it (C = 6ND when N and D are given, the
    Kaplan et al. 2020 count, section 2.1)."""
    from dataclasses import replace

    from ..laws.ranges import extrapolation_warnings

    result = _predict(law, n_params=n_params, n_tokens=n_tokens, unique_tokens=unique_tokens,
                      compute_flops=compute_flops, x=x, name=name)
    if n_params is not None and n_tokens is not None and compute_flops is None:
        compute_flops = 6.0 * np.asarray(n_params, dtype=float) * np.asarray(n_tokens, dtype=float)
    warnings = extrapolation_warnings(fitted_range, name=result.law, n=n_params, d=n_tokens, c=compute_flops)
    return replace(result, warnings=tuple(warnings)) if warnings else result


def _predict(law: Law, *, n_params=None, n_tokens=None, unique_tokens=None, compute_flops=None, x=None,
             name: str = "") -> Prediction:
    name = name or law.family
    if isinstance(law, NDLaw):
        if n_params is None or n_tokens is None:
            raise InputError(f"law {name!r} needs both {spelled('params')} and {spelled('tokens')}")
        inputs = {"params": _value(n_params), "tokens": _value(n_tokens)}
        if isinstance(law, DataConstrainedLaw) and unique_tokens is not None:
            inputs["unique_tokens"] = _value(unique_tokens)
            return Prediction(name, inputs, _value(law.loss(n_params, n_tokens, unique_tokens)))
        if unique_tokens is not None:
            raise InputError(f"law {name!r} does not model repeated data; use a data-constrained law such as muennighoff2023")
        return Prediction(name, inputs, _value(law.loss(n_params, n_tokens)))
    if isinstance(law, KaplanComputeLaw):
        if compute_flops is None:
            raise InputError(f"law {name!r} needs {spelled('compute')}")
        return Prediction(name, {"compute": _value(compute_flops)}, _value(law(compute_flops)))
    if callable(law):
        if x is None:
            raise InputError(f"law {name!r} is a function of one variable; give {spelled('x')}")
        return Prediction(name, {"x": _value(x)}, _value(law(x)))
    raise InputError(f"law {name!r} ({law.family}) predicts no loss; it is an allocation rule (use `scalinglab plan`)")

"""Predict a loss (or accuracy) from a law at given N, D (and U), compute, or a single scale x."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..laws import DataConstrainedLaw, KaplanComputeLaw, Law, NDLaw

__all__ = ["Prediction", "predict"]


@dataclass(frozen=True)
class Prediction:
    law: str
    inputs: dict
    loss: float

    def to_dict(self) -> dict:
        return {"law": self.law, **self.inputs, "loss": float(self.loss)}

    def report(self) -> str:
        shown = ", ".join(f"{k} = {v:.4g}" for k, v in self.inputs.items())
        return f"{self.law}: loss = {float(self.loss):.4f} at {shown}"


def predict(law: Law, *, n_params=None, n_tokens=None, unique_tokens=None, compute_flops=None, x=None,
            name: str = "") -> Prediction:
    """L(N, D), L(N, D, U), L(C) or f(x), whichever the law's family takes."""
    name = name or law.family
    if isinstance(law, NDLaw):
        if n_params is None or n_tokens is None:
            raise InputError(f"law {name!r} needs both --params and --tokens")
        inputs = {"params": float(n_params), "tokens": float(n_tokens)}
        if isinstance(law, DataConstrainedLaw) and unique_tokens is not None:
            inputs["unique_tokens"] = float(unique_tokens)
            return Prediction(name, inputs, float(law.loss(n_params, n_tokens, unique_tokens)))
        if unique_tokens is not None:
            raise InputError(f"law {name!r} does not model repeated data; use a data-constrained law such as muennighoff2023")
        return Prediction(name, inputs, float(law.loss(n_params, n_tokens)))
    if isinstance(law, KaplanComputeLaw):
        if compute_flops is None:
            raise InputError(f"law {name!r} needs --compute")
        return Prediction(name, {"compute": float(compute_flops)}, float(law(compute_flops)))
    if callable(law):
        if x is None:
            raise InputError(f"law {name!r} is a function of one variable; give --x")
        return Prediction(name, {"x": float(x)}, float(np.asarray(law(x))))
    raise InputError(f"law {name!r} ({law.family}) predicts no loss; it is an allocation rule (use `scalinglab plan`)")

"""The uncertain inputs of a scenario by YAML path (``factors.compute.growth[0].rate``), and their draws.

The paths are those ``scalinglab scenarios show`` lists; correlations in scenario files and the
sensitivity table name inputs by them.
"""

from __future__ import annotations

import numpy as np

from .schema import Scenario, input_fields

__all__ = ["input_fields", "uncertain_inputs"]


def uncertain_inputs(scenario: Scenario, draws) -> dict[str, np.ndarray]:
    """YAML path -> the sampled values (n,) of every input that is not a point, in schema order."""
    out = {}
    for path, (number, field) in input_fields(scenario).items():
        value = draws(number, field)
        if np.ndim(value) and np.size(value) > 1:
            out[path] = np.ravel(value)
    return out

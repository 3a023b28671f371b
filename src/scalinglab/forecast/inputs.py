"""The uncertain inputs of a scenario by YAML path (``factors.compute.growth[0].rate``), and their draws.

The paths are those ``scalinglab scenarios show`` lists; correlations in scenario files and the
sensitivity table name inputs by them.
"""

from __future__ import annotations

import numpy as np

from .schema import Scenario, iter_numbers

__all__ = ["input_fields", "uncertain_inputs"]


def input_fields(scenario: Scenario) -> dict[str, tuple[object, str]]:
    """Every sourced value of the scenario: YAML path -> (its Number, the field that holds the value)."""
    out = {}
    for path, number in iter_numbers(scenario):
        for field in number.VALUE_FIELDS:
            if getattr(number, field, None) is None:
                continue
            out[path if field == "value" and number.VALUE_FIELDS[0] == "value" else f"{path}.{field}"] = (number, field)
    return out


def uncertain_inputs(scenario: Scenario, draws) -> dict[str, np.ndarray]:
    """YAML path -> the sampled values (n,) of every input that is not a point, in schema order."""
    out = {}
    for path, (number, field) in input_fields(scenario).items():
        value = draws(number, field)
        if np.ndim(value) and np.size(value) > 1:
            out[path] = np.ravel(value)
    return out

"""Reading a scenario: YAML text or a mapping, validated field by field (``schema``), then the checks
that span fields (era order, what each factor needs, and that compute follows from the factors).

Kept apart from ``schema`` so that the models import nothing of the evaluation (``growth``, ``model``),
and the evaluation imports nothing of the reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .growth import IDENTITY_FACTORS
from .model import compute_route
from .schema import FACTOR_KINDS, Scenario, ScenarioError, Series, format_validation_error

__all__ = ["check_scenario", "parse_scenario", "parse_scenario_text", "load_scenario_file"]


def _check_eras(name: str, series: Series) -> None:
    eras = series.growth or []
    for i, era in enumerate(eras):
        where = f"factors.{name}.growth[{i}]"
        if era.from_ is not None and era.until is not None and era.until <= era.from_:
            raise ScenarioError(f"{where}.until: {era.until} must be after from ({era.from_})")
        if i > 0 and era.from_ is None:
            raise ScenarioError(f"{where}.from: only the first era may leave 'from' out")
        if i < len(eras) - 1 and era.until is None:
            raise ScenarioError(f"{where}.until: only the last era may leave 'until' out")
        if i > 0 and era.from_ != eras[i - 1].until:
            raise ScenarioError(f"{where}.from: eras must follow each other without gaps or overlaps: this one starts "
                                f"in {era.from_} but the previous one ends in {eras[i - 1].until}")


def check_scenario(scenario: Scenario) -> None:
    """Checks that span fields: era order, what each factor needs, and that compute follows from the factors."""
    f = scenario.factors
    for name in FACTOR_KINDS:
        series = getattr(f, name)
        if series is None:
            continue
        _check_eras(name, series)
        if series.start is not None and series.start.year is not None and series.start.year > scenario.until:
            raise ScenarioError(f"factors.{name}.start.year: {series.start.year} is after the forecast ends ({scenario.until})")
        if series.saturate is not None and not series.growth:
            raise ScenarioError(f"factors.{name}.saturate: saturation needs a growth to slow down")
        if series.cap is not None:
            if name in ("flop_per_dollar", "cost_per_flop", "utilisation"):
                raise ScenarioError(f"factors.{name}.cap: caps apply to spending, compute and the other levels, not to {name}")
            if series.cap.share_of_gdp is not None:
                if FACTOR_KINDS[name][0] != "money":
                    raise ScenarioError(f"factors.{name}.cap.share_of_gdp: a share of GDP caps money, not {name}")
                if f.world_gdp is None or f.world_gdp.start is None:
                    raise ScenarioError(f"factors.{name}.cap.share_of_gdp: needs factors.world_gdp (a sourced start value)")
        if name not in IDENTITY_FACTORS and name != "algorithms" and series.start is None and not (
                name == "dataset" and series.rule is not None):
            raise ScenarioError(f"factors.{name}.start: missing (a sourced level, e.g. {{value: ..., year: ..., source: ...}})")
    if f.flop_per_dollar is not None and f.cost_per_flop is not None:
        raise ScenarioError("factors.cost_per_flop: give flop_per_dollar or cost_per_flop, not both")
    if f.compute is not None and f.gpus is not None:
        raise ScenarioError("factors.gpus: give compute directly or through gpus x gpu_flops x utilisation x run_length, not both")
    if f.gpus is not None:
        for needed in ("gpu_flops", "run_length"):
            if getattr(f, needed) is None:
                raise ScenarioError(f"factors.gpus: compute from GPUs also needs factors.{needed}")
    if f.gpu_production is not None and f.gpu_production.max_share is None:
        raise ScenarioError("factors.gpu_production.max_share: missing (the largest share of a year's shipments one run can use)")
    if f.utilisation is not None and f.utilisation.falls_with_cluster is not None:
        if f.gpus is None:
            raise ScenarioError("factors.utilisation.falls_with_cluster: needs factors.gpus (the cluster size)")
        if f.utilisation.growth:
            raise ScenarioError("factors.utilisation.growth: give growth or falls_with_cluster, not both")
    if f.dataset is not None and f.dataset.rule is not None:
        if f.dataset.start is not None or f.dataset.growth:
            raise ScenarioError("factors.dataset.rule: give a rule (dataset from compute) or start/growth, not both")
        if f.dataset.rule.law is not None:
            from ..laws import get_law

            try:
                get_law(f.dataset.rule.law)
            except Exception as error:  # UnknownNameError with suggestions
                raise ScenarioError(f"factors.dataset.rule.law: {error}") from None
    from ..units import parse_money

    for i, threshold in enumerate(scenario.milestones.spending):
        try:
            parse_money(threshold)
        except Exception as error:
            raise ScenarioError(f"milestones.spending[{i}]: {error}") from None
    compute_route(scenario)


def parse_scenario(data: Any, origin: str = "scenario", default_name: str | None = None) -> Scenario:
    """Validate a scenario mapping; errors become one ``ScenarioError`` line naming the field's path."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{origin}: a scenario must be a YAML mapping (name, start_year, until, factors)")
    if default_name and "name" not in data:
        data = {"name": default_name, **data}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(format_validation_error(error, origin)) from None
    try:
        check_scenario(scenario)
    except ScenarioError as error:
        raise ScenarioError(f"{origin}: {error}") from None
    return scenario


def load_scenario_file(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file (UTF-8 text)."""
    from .._io import read_text_file
    from ..errors import InputError

    path = Path(path)
    try:
        text = read_text_file(path, what="scenario file")
    except InputError as error:
        raise ScenarioError(str(error)) from None
    return parse_scenario_text(text, str(path), default_name=path.stem)


def parse_scenario_text(text: str, origin: str = "scenario", default_name: str | None = None) -> Scenario:
    """Read and validate a scenario from YAML text (``origin`` names it in errors); a repeated key or
    absurd nesting is an error, not the last value silently winning or a crash."""
    from .._io import load_yaml
    from ..errors import InputError

    try:
        data = load_yaml(text, origin=origin)
    except InputError as error:
        raise ScenarioError(str(error)) from None
    return parse_scenario(data, origin, default_name=default_name)

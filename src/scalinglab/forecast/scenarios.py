"""Preset scenarios (one per essay, in ``presets/*.yaml``) and lookup by name or file."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from .._io import read_bundled_yaml
from ..errors import UnknownNameError
from .schema import Scenario
from .validate import load_scenario_file, parse_scenario

__all__ = ["list_scenarios", "get_scenario", "resolve_scenario", "preset_path", "describe_scenario", "example_path"]


def _preset_dir() -> Path:
    return Path(str(resources.files(__package__).joinpath("presets")))


def example_path(name: str = "full-model") -> Path:
    """A bundled example scenario file (a template that uses every factor)."""
    path = Path(str(resources.files(__package__).joinpath("examples", f"{name}.yaml")))
    if not path.is_file():
        raise UnknownNameError("example scenario", name, [p.stem for p in path.parent.glob("*.yaml")])
    return path


@cache
def _names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in _preset_dir().glob("*.yaml")))


def preset_path(name: str) -> Path:
    key = name.strip().lower()
    if key not in _names():
        raise UnknownNameError("scenario", name, _names())
    return _preset_dir() / f"{key}.yaml"


@cache
def get_scenario(name: str) -> Scenario:
    """The preset scenario ``name`` (validated). Presets are the package's own files: read through
    ``read_bundled_yaml`` (kept as JSON), they are the mappings the strict loader of a user's file gives
    (a test checks), without importing a YAML parser and parsing each time."""
    path = preset_path(name)
    return parse_scenario(read_bundled_yaml(path), str(path), default_name=path.stem)


def list_scenarios() -> list[Scenario]:
    return [get_scenario(name) for name in _names()]


def resolve_scenario(spec: str) -> Scenario:
    """A preset name, or a path to a scenario YAML file."""
    path = Path(spec)
    if spec.lower().endswith((".yaml", ".yml")) or path.is_file():
        return load_scenario_file(path)
    return get_scenario(spec)


def describe_scenario(scenario: Scenario) -> dict:
    """The scenario as written (JSON-safe) plus each input's path, distribution and source."""
    from .inputs import input_fields

    inputs = []
    for where, (number, field) in input_fields(scenario).items():
        year = getattr(number, "year", None)
        text = number.describe(field) + (f" in {year}" if year is not None else "")
        inputs.append({"path": where, "value": text, "source": str(number.source),
                       "source_detail": number.source.model_dump()})
    for name in scenario.given():  # ceilings stated as absent, with the source that says so
        cap = getattr(scenario.factor(name), "cap", None)
        if cap is not None and cap.none:
            inputs.append({"path": f"factors.{name}.cap", "value": "none", "source": str(cap.source),
                           "source_detail": cap.source.model_dump()})
    for i, c in enumerate(scenario.correlations):
        inputs.append({"path": f"correlations[{i}]", "value": f"rank {c.rank:+g}: {c.between[0]} ~ {c.between[1]}",
                       "source": str(c.source), "source_detail": c.source.model_dump()})
    return {"name": scenario.name, "title": scenario.title, "essay": scenario.essay,
            "scenario": scenario.model_dump(mode="json", by_alias=True, exclude_none=True), "inputs": inputs}

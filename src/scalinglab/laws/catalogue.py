"""Formula laws of 2022-2025 (``catalogue.yaml``): each family written once as a formula with its inputs,
units, parameter bounds and starts, source and, where the source gives them and they were checked, its
published constants. Families without constants are fittable only.

    >>> family = get_catalogue_entry("parallel-chen2025")
    >>> family.group, sorted(family.inputs), family.fittable_only
    ('parallel scaling', ['N', 'P'], True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .._io import read_bundled_yaml
from ..errors import UnknownNameError
from ..provenance import Source

__all__ = ["CatalogueEntry", "InputSpec", "StartSpec", "catalogue", "get_catalogue_entry"]


@dataclass(frozen=True)
class InputSpec:
    """A named input of a formula law: its unit and what it counts."""

    unit: str
    meaning: str


@dataclass(frozen=True)
class StartSpec:
    """A fitted parameter's start value and bounds ``(lo, hi)``."""

    start: float
    bounds: tuple[float, float]


@dataclass(frozen=True)
class CatalogueEntry:
    """One law family as a formula: inputs are the names in ``inputs``, every other name is a parameter."""

    name: str
    group: str
    title: str
    formula: str
    target: dict
    inputs: dict[str, InputSpec]
    params: dict[str, StartSpec]
    source: Source
    checked: str
    constants: dict[str, float] = field(default_factory=dict)
    constants_source: str = ""

    @property
    def fittable_only(self) -> bool:
        """True when no published constants were checked: fit the family to your own runs."""
        return not self.constants

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "family": "formula",
            "group": self.group,
            "title": self.title,
            "formula": self.formula,
            "target": dict(self.target),
            "inputs": {k: {"unit": v.unit, "meaning": v.meaning} for k, v in self.inputs.items()},
            "param_specs": {k: {"start": v.start, "bounds": list(v.bounds)} for k, v in self.params.items()},
            "params": dict(self.constants),
            "constants_source": self.constants_source,
            "fittable_only": self.fittable_only,
            "source": self.source.to_dict(),
            "notes": self.checked,
        }

    def headline(self) -> str:
        """Name, group and the source's first author and year."""
        return f"{self.name} (formula, {self.group}; {self.source.short})"

    def report(self):
        """The formula, its target, inputs and parameters, the constants' source, how to fit it, and its source."""
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table

        target = self.target
        inputs = [[name, spec.unit, spec.meaning] for name, spec in self.inputs.items()]
        params = [[name, f"{spec.start:g}", f"[{spec.bounds[0]:g}, {spec.bounds[1]:g}]",
                   f"{self.constants[name]:.6g}" if name in self.constants else ""]
                  for name, spec in self.params.items()]
        lines = [Text(f"{self.name}  ({self.group}: {self.title})", style="bold"),
                 Text(f"{target['name']} = {self.formula}"),
                 Text(f"{target['name']}: {target['meaning']} ({target['unit']})"),
                 rich_table(None, ["input", "unit", "meaning"], inputs),
                 rich_table(None, ["parameter", "start", "bounds", "published"], params),
                 Text("Constants: " + (self.constants_source if self.constants else
                                       "none checked; fittable only (fit it to your runs with scalinglab fit --formula)")),
                 Text(f"Fit: scalinglab fit RUNS --formula '{self.formula}' "
                      + " ".join(f"--var {name}=COLUMN" for name in self.inputs)),
                 Text(f"Source: {self.source}"), Text(f"Checked against: {self.checked}")]
        return Group(*lines)


def _family(name: str, entry: dict) -> CatalogueEntry:
    return CatalogueEntry(
        name=name,
        group=entry["group"],
        title=entry["title"],
        formula=" ".join(str(entry["formula"]).split()),
        target=dict(entry["target"]),
        inputs={k: InputSpec(str(v["unit"]), str(v["meaning"])) for k, v in entry["inputs"].items()},
        params={k: StartSpec(float(v["start"]), (float(v["bounds"][0]), float(v["bounds"][1])))
                for k, v in entry["params"].items()},
        source=Source.from_dict(entry["source"]),
        checked=entry["checked"],
        constants={k: float(v) for k, v in (entry.get("constants") or {}).items()},
        constants_source=entry.get("constants_source", ""),
    )


@cache
def catalogue() -> dict[str, CatalogueEntry]:
    """Every formula law family, by name, in the order of ``catalogue.yaml``."""
    data = read_bundled_yaml(Path(__file__).with_name("catalogue.yaml"))
    return {name: _family(name, entry) for name, entry in data.items()}


def get_catalogue_entry(name: str) -> CatalogueEntry:
    """The formula family called ``name`` (case-insensitive); an error suggests close names."""
    families = catalogue()
    key = name.strip().lower()
    if key not in families:
        raise UnknownNameError("formula law", name, families)
    return families[key]

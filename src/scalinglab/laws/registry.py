"""Registry of published laws (``published.yaml``), each with its source and conventions.

    >>> round(float(get_law("hoffmann2022").law.loss(70e9, 1.4e12)), 4)
    1.9366
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .._io import read_bundled_yaml

from ..errors import UnknownNameError
from ..provenance import Source
from .base import Law
from .families import FAMILIES, law_from_dict, number

__all__ = ["DEFAULT_LAW", "PublishedLaw", "FAMILIES", "get_law", "list_laws", "law_from_dict", "resolve_law"]

@dataclass(frozen=True)
class PublishedLaw:
    """A law as published: the law object plus where it comes from and what its N means."""

    name: str
    law: Law
    source: Source
    n_convention: str
    data: str
    notes: str = ""
    stderr: dict[str, float] = field(default_factory=dict)
    fitted_range: dict = field(default_factory=dict)

    @property
    def family(self) -> str:
        return self.law.family

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "family": self.family,
            "params": self.law.to_dict()["params"],
            "stderr": dict(self.stderr),
            "n_convention": self.n_convention,
            "data": self.data,
            "source": self.source.to_dict(),
            "notes": self.notes,
            "formula": self.law.formula(),
            "fitted_range": dict(self.fitted_range),
        }

    def headline(self) -> str:
        """Name, family and the source's first author and year."""
        return f"{self.name} ({self.family}; {self.source.short})"

    def report(self):
        """The law's formula, its parameters with their standard errors, N convention, data and source."""
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table
        from ..units import format_quantity

        rows = []
        for key, value in self.law.params().items():
            if isinstance(value, dict):
                rows += [[f"{key}.{k}", f"{v:.6g}", ""] for k, v in value.items()]
            else:
                shown = f"{value:.6g}" if isinstance(value, float) else str(value)
                stderr = self.stderr.get(key)
                rows.append([key, shown, "" if stderr is None else f"± {format_quantity(stderr)}"])
        lines = [Text(f"{self.name}  ({self.family})", style="bold"), Text(self.law.formula()),
                 rich_table(None, ["parameter", "value", "stderr"], rows),
                 Text(f"N convention: {self.n_convention}"), Text(f"Data: {self.data}"), Text(f"Source: {self.source}")]
        if self.notes:
            lines.append(Text(f"Notes: {self.notes}"))
        return Group(*lines)


@cache
def _registry() -> dict[str, PublishedLaw]:
    entries = {}
    for name, entry in read_bundled_yaml(Path(__file__).with_name("published.yaml")).items():
        entries[name] = PublishedLaw(
            name=name,
            law=law_from_dict(entry),
            source=Source.from_dict(entry["source"]),
            n_convention=entry["n_convention"],
            data=entry.get("data", ""),
            notes=entry.get("notes", ""),
            stderr=entry.get("stderr", {}),
            fitted_range={k: ([number(x) for x in v] if isinstance(v, list) else v)
                          for k, v in (entry.get("fitted_range") or {}).items()},
        )
    return entries


from .._defaults import DEFAULT_LAW  # noqa: E402  (re-exported: the default law for planning)

#: Short names people use for the laws they mean.
ALIASES = {
    "hoffmann": "hoffmann2022",
    "epoch": "besiroglu2024",
    "besiroglu": "besiroglu2024",
    "kaplan": "kaplan2020",
    "muennighoff": "muennighoff2023",
    "datablations": "muennighoff2023",
}


#: Old law names, still accepted with a ``RenamedWarning``: ``chinchilla`` names the law family
#: (L = E + A/N^alpha + B/D^beta, what ``fit --law chinchilla`` fits) and the runs are ``chinchilla-runs``.
RENAMED = {"chinchilla": "hoffmann2022"}


def list_laws() -> list[PublishedLaw]:
    return list(_registry().values())


def get_law(name: str) -> PublishedLaw:
    """The published law called ``name`` (case-insensitive); an error suggests close names."""
    registry = _registry()
    key = name.strip().lower()
    if key in RENAMED:
        import warnings

        from ..errors import RenamedWarning

        warnings.warn(RenamedWarning(f"law {key!r} means {RENAMED[key]} (Hoffmann et al. 2022, Approach 3); "
                                     f"{key!r} is the law family, say {RENAMED[key]}"), stacklevel=3)
        key = RENAMED[key]
    key = ALIASES.get(key, key)
    if key not in registry:
        raise UnknownNameError("law", name, [*registry, *ALIASES])
    return registry[key]


def resolve_law(spec) -> tuple[str, Law]:
    """A law from a registry name, a JSON file holding ``{"law": {"family", "params"}}``, or an object.

    Saved fits (``scalinglab fit ... --save fit.json``) carry that ``law`` key, so a fit can be used
    wherever a published law can. Objects: a ``Law``, a ``PublishedLaw``, or anything with a ``law``
    attribute holding a ``Law`` (a fit result). Returns ``(display name, law)``.
    """
    from pathlib import Path

    from ..errors import InputError

    if isinstance(spec, Law):
        return spec.family, spec
    if isinstance(spec, PublishedLaw):
        return spec.name, spec.law
    if isinstance(getattr(spec, "law", None), Law):
        return getattr(spec, "name", None) or "fit", spec.law
    if isinstance(spec, Path):
        spec = str(spec)
    if not isinstance(spec, str):
        raise InputError(f"law must be a name, a saved fit (.json) or a law object, got {type(spec).__name__}")
    path = Path(spec)
    if spec.lower().endswith(".json") or path.is_file():
        from .saved import read_law_file

        spec = read_law_file(path, FAMILIES)
        try:
            return path.name, law_from_dict(spec)
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(f"law file {spec!r}: law.params do not make a {spec['family']} law ({error})") from None
    entry = get_law(spec)
    return entry.name, entry.law

"""``sl.laws`` and ``sl.datasets``: the published laws and the bundled run tables."""

from __future__ import annotations

from .._results import Result
from ..datasets.options import DATASET
from ..laws.options import LAW
from ..units import format_quantity
from .declared import declared
from .inputs import Namespace


def _law_report(entry):
    from .._table import rich_table
    from rich.console import Group
    from rich.text import Text

    rows = []
    for key, value in entry.law.params().items():
        if isinstance(value, dict):
            rows += [[f"{key}.{k}", f"{v:.6g}", ""] for k, v in value.items()]
        else:
            shown = f"{value:.6g}" if isinstance(value, float) else str(value)
            stderr = entry.stderr.get(key)
            rows.append([key, shown, "" if stderr is None else f"± {format_quantity(stderr)}"])
    lines = [Text(f"{entry.name}  ({entry.family})", style="bold"), Text(entry.law.formula()),
             rich_table(None, ["parameter", "value", "stderr"], rows),
             Text(f"N convention: {entry.n_convention}"), Text(f"Data: {entry.data}"), Text(f"Source: {entry.source}")]
    if entry.notes:
        lines.append(Text(f"Notes: {entry.notes}"))
    return Group(*lines)


def _law_result(entry) -> Result:
    return Result(entry, kind="Law", summary=f"{entry.name} ({entry.family}; {entry.source.citation.split(',')[0]})",
                  report=_law_report)


def _catalogue_report(entry):
    from .._table import rich_table
    from rich.console import Group
    from rich.text import Text

    target = entry.target
    inputs = [[name, spec.unit, spec.meaning] for name, spec in entry.inputs.items()]
    params = [[name, f"{spec.start:g}", f"[{spec.bounds[0]:g}, {spec.bounds[1]:g}]",
               f"{entry.constants[name]:.6g}" if name in entry.constants else ""]
              for name, spec in entry.params.items()]
    lines = [Text(f"{entry.name}  ({entry.group}: {entry.title})", style="bold"),
             Text(f"{target['name']} = {entry.formula}"),
             Text(f"{target['name']}: {target['meaning']} ({target['unit']})"),
             rich_table(None, ["input", "unit", "meaning"], inputs),
             rich_table(None, ["parameter", "start", "bounds", "published"], params),
             Text("Constants: " + (entry.constants_source if entry.constants else
                                   "none checked; fittable only (fit it to your runs with scalinglab fit --formula)")),
             Text(f"Fit: scalinglab fit RUNS --formula '{entry.formula}' "
                  + " ".join(f"--var {name}=COLUMN" for name in entry.inputs)),
             Text(f"Source: {entry.source}"), Text(f"Checked against: {entry.checked}")]
    return Group(*lines)


def _catalogue_result(entry) -> Result:
    return Result(entry, kind="Law", summary=f"{entry.name} (formula, {entry.group}; "
                  f"{entry.source.citation.split(',')[0]})", report=_catalogue_report)


class _Laws(Namespace):
    """Published laws: ``sl.laws.list()``, ``sl.laws.get(name)``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.laws.get("epoch").name
    'besiroglu2024'
    >>> "besiroglu2024" in [law.name for law in sl.laws.list()]
    True
    >>> sl.laws.get("vocab-tao2024").inputs["H"].unit
    'characters'
    """

    _package = "scalinglab.laws"

    def list(self) -> list[Result]:
        """Every published law with its family, N convention and source, then the formula laws by group."""
        from ..laws import list_laws
        from ..laws.catalogue import catalogue

        return [_law_result(entry) for entry in list_laws()] + [_catalogue_result(e) for e in catalogue().values()]

    @staticmethod
    @declared(LAW)
    def get(name: str) -> Result:
        """One law: a published law (``.law`` is the object) or a formula law of the catalogue (``.formula``,
        ``.inputs``, ``.constants``)."""
        from ..errors import UnknownNameError
        from ..laws import get_law
        from ..laws.catalogue import catalogue

        try:
            return _law_result(get_law(name))
        except UnknownNameError as error:
            entry = catalogue().get(name.strip().lower())
            if entry is None:
                raise UnknownNameError("law", name, [*error.choices, *catalogue()]) from None
            return _catalogue_result(entry)


laws = _Laws()


def _dataset_report(info) -> str:
    return f"{info.name}: {info.description}\nSource: {info.source}\nLicence: {info.licence}   SHA-256: {info.sha256}"


class _Datasets(Namespace):
    """Bundled public datasets: ``sl.datasets.list()``, ``sl.datasets.get(name)``, ``sl.datasets.read(name)``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> len(sl.datasets.read("chinchilla-runs")) > 200
    True
    """

    _package = "scalinglab.datasets"

    def list(self) -> list[Result]:
        """Every bundled dataset with its source."""
        from ..datasets import list_datasets

        return [Result(i, kind="Dataset", summary=f"{i.name} ({i.rows} rows)", report=_dataset_report)
                for i in list_datasets()]

    @staticmethod
    @declared(DATASET)
    def get(name: str) -> Result:
        """A dataset's provenance: source, licence, checksum."""
        from ..datasets import get_dataset

        info = get_dataset(name)
        return Result(info, kind="Dataset", summary=f"{info.name} ({info.rows} rows)", report=_dataset_report)

    def read(self, name: str):
        """The dataset as a pandas DataFrame (checked against its SHA-256)."""
        from ..datasets import read_bundled

        return read_bundled(name)


datasets = _Datasets()

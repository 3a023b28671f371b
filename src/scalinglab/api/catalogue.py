"""``sl.laws`` and ``sl.datasets``: the published laws and the bundled run tables."""

from __future__ import annotations

from .._results import Result
from ..datasets.options import DATASET
from ..laws.options import LAW
from .declared import declared
from .inputs import Namespace


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

        return [Result(entry, kind="Law") for entry in [*list_laws(), *catalogue().values()]]

    @staticmethod
    @declared(LAW)
    def get(name: str) -> Result:
        """One law: a published law (``.law`` is the object) or a formula law of the catalogue (``.formula``,
        ``.inputs``, ``.constants``)."""
        from ..errors import UnknownNameError
        from ..laws import get_law
        from ..laws.catalogue import catalogue

        try:
            return Result(get_law(name), kind="Law")
        except UnknownNameError as error:
            entry = catalogue().get(name.strip().lower())
            if entry is None:
                raise UnknownNameError("law", name, [*error.choices, *catalogue()]) from None
            return Result(entry, kind="Law")


laws = _Laws()


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

        return [Result(info, kind="Dataset") for info in list_datasets()]

    @staticmethod
    @declared(DATASET)
    def get(name: str) -> Result:
        """A dataset's provenance: source, licence, checksum."""
        from ..datasets import get_dataset

        return Result(get_dataset(name), kind="Dataset")

    def read(self, name: str):
        """The dataset as a pandas DataFrame (checked against its SHA-256)."""
        from ..datasets import read_bundled

        return read_bundled(name)


datasets = _Datasets()

"""Bundled public datasets with provenance and checksums, looked up by name.

    >>> read_bundled("chinchilla-runs").shape[0]
    245
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .._io import read_bundled_yaml

from ..errors import InputError, RenamedWarning, UnknownNameError
from ..provenance import Source

__all__ = ["DatasetInfo", "list_datasets", "get_dataset", "read_bundled", "read_bundled_cells", "dataset_path",
           "is_dataset_name"]


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    file: str
    sha256: str
    rows: int
    description: str
    source: Source
    licence: str
    columns: dict[str, str] = field(default_factory=dict)
    date_column: str | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name, "file": self.file, "sha256": self.sha256, "rows": self.rows,
            "description": self.description, "source": self.source.to_dict(), "licence": self.licence,
            "columns": dict(self.columns), "date_column": self.date_column,
        }

    def headline(self) -> str:
        return f"{self.name} ({self.rows} rows)"

    def report(self) -> str:
        """What the table holds, its source, licence and checksum."""
        return f"{self.name}: {self.description}\nSource: {self.source}\nLicence: {self.licence}   SHA-256: {self.sha256}"


#: The installed package's folder (the bundled files are plain files beside this module).
_HERE = Path(__file__).parent


@cache
def _registry() -> dict[str, DatasetInfo]:
    return {
        name: DatasetInfo(name=name, source=Source.from_dict(entry.pop("source")), **entry)
        for name, entry in read_bundled_yaml(_HERE / "registry.yaml").items()
    }


#: Old dataset names, still accepted with a ``RenamedWarning``: ``chinchilla`` is the law family (and,
#: for ``plan``, the old alias of ``hoffmann2022``), so the runs are ``chinchilla-runs``.
RENAMED = {"chinchilla": "chinchilla-runs"}


def _key(name: str) -> str:
    key = str(name).strip().lower()
    if key in RENAMED:
        import warnings

        warnings.warn(RenamedWarning(f"dataset {key!r} is now {RENAMED[key]!r}"), stacklevel=3)
        key = RENAMED[key]
    return key


def list_datasets() -> list[DatasetInfo]:
    return list(_registry().values())


def is_dataset_name(name: str) -> bool:
    key = str(name).strip().lower()
    return key in _registry() or key in RENAMED


def get_dataset(name: str) -> DatasetInfo:
    registry = _registry()
    key = _key(name)
    if key not in registry:
        raise UnknownNameError("dataset", name, registry)
    return registry[key]


def dataset_path(name: str) -> Path:
    """Path of the bundled file (inside the installed package)."""
    info = get_dataset(name)
    return _HERE / "data" / info.file


@cache
def _verified(name: str) -> Path:
    info = get_dataset(name)
    path = dataset_path(name)
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != info.sha256:
        raise InputError(f"bundled dataset {name!r} ({path}) fails its checksum: got {digest[:12]}..., "
                         f"expected {info.sha256[:12]}...; reinstall scalinglab")
    return path


def read_bundled(name: str) -> "pd.DataFrame":
    """The bundled table ``name`` as a DataFrame, after verifying its SHA-256 checksum."""
    import pandas as pd

    return pd.read_csv(_verified(get_dataset(name).name))


def read_bundled_cells(name: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows of text cells) of the bundled table ``name``, checksum verified, without pandas."""
    import csv

    with _verified(get_dataset(name).name).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        return header, list(reader)

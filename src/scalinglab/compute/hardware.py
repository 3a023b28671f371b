"""Accelerator catalogue: dense peak FLOP/s by precision, memory, power, prices, each with its source.

Built from ``accelerators.yaml``: every entry names its row in the bundled Epoch AI "Machine Learning
Hardware" data (dataset ``ml-hardware``); each field found there is read from that row with
the row and column as its source, and the YAML's ``values`` fill the gaps or replace figures that are
not the dense peak a training run uses (each with a datasheet source and a note). The table is read with
the csv module, each cell typed as ``pandas.read_csv`` types it (:func:`epoch_rows`; a test compares the
two readings bit for bit): importing pandas was most of the start-up time of ``cost`` and ``hardware``.

    >>> get_accelerator("H100").peak("bf16")
    989400000000000.0
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .._io import read_bundled_yaml
from .._table import rich_table
from ..errors import InputError, UnknownNameError
from ..provenance import Source
from ..units import format_money, format_quantity

__all__ = ["Accelerator", "PRECISIONS", "get_accelerator", "list_accelerators", "custom_accelerator",
           "normalise_precision", "catalogue_data"]

#: Peak-FLOP precisions, widest first.
PRECISIONS = ("fp32", "tf32", "bf16", "fp16", "fp8", "fp4")
_PRECISION_ALIASES = {
    "fp32": "fp32", "float32": "fp32", "single": "fp32", "32": "fp32",
    "tf32": "tf32", "tensorfloat32": "tf32",
    "bf16": "bf16", "bfloat16": "bf16", "16": "bf16", "half": "fp16",
    "fp16": "fp16", "float16": "fp16",
    "fp8": "fp8", "float8": "fp8", "e4m3": "fp8", "8": "fp8",
    "fp4": "fp4", "float4": "fp4", "4": "fp4",
}

#: Catalogue field -> Epoch column (the 16-bit tensor column gives both bf16 and fp16).
_EPOCH_COLUMNS = {
    "fp32": "FP32 (single precision) performance (FLOP/s)",
    "tf32": "TF32 (TensorFloat-32) performance (FLOP/s)",
    "bf16": "Tensor-FP16/BF16 performance (FLOP/s)",
    "fp16": "Tensor-FP16/BF16 performance (FLOP/s)",
    "fp8": "FP8 performance (FLOP/s)",
    "fp4": "FP4 performance (FLOP/s)",
    "memory_bytes": "Memory (bytes)",
    "memory_bandwidth": "Memory bandwidth (byte/s)",
    "tdp_watts": "TDP (W)",
    "release_date": "Release date",
    "release_price_usd": "Release price (USD)",
}
_SCALAR_FIELDS = ("memory_bytes", "memory_bandwidth", "tdp_watts", "release_date", "release_price_usd")
_EPOCH_CITATION = 'Epoch AI, "Data on Machine Learning Hardware" (CC-BY 4.0), bundled dataset ml-hardware'


@dataclass(frozen=True)
class Accelerator:
    """One accelerator. ``peak_flops`` maps precision -> dense peak FLOP/s; ``sources`` maps every
    field present (``bf16``, ``tdp_watts``, ``cloud_usd_per_hour``, ...) to its ``Source``."""

    name: str
    display_name: str
    vendor: str
    peak_flops: dict[str, float]
    memory_bytes: float | None = None
    memory_bandwidth: float | None = None
    tdp_watts: float | None = None
    release_date: str | None = None
    release_price_usd: float | None = None
    cloud_usd_per_hour: float | None = None
    cloud_price_date: str | None = None
    aliases: tuple[str, ...] = ()
    sources: dict[str, Source] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def default_precision(self) -> str:
        """BF16 where the chip has it, else FP16, else its widest tensor format."""
        for precision in ("bf16", "fp16", "tf32", "fp32", "fp8"):
            if precision in self.peak_flops:
                return precision
        raise InputError(f"accelerator {self.name!r} has no peak FLOP/s in the catalogue")

    def peak(self, precision: str | None = None) -> float:
        """Dense peak FLOP/s at ``precision`` (default: :attr:`default_precision`)."""
        key = self.default_precision if precision is None else normalise_precision(precision)
        if key not in self.peak_flops:
            have = ", ".join(p for p in PRECISIONS if p in self.peak_flops)
            raise InputError(f"accelerator {self.name!r} has no {key} peak in the catalogue; it has {have}")
        return self.peak_flops[key]

    def fields(self) -> dict[str, object]:
        """Every catalogue field that has a value (peaks by precision, then the scalars)."""
        out: dict[str, object] = {p: self.peak_flops[p] for p in PRECISIONS if p in self.peak_flops}
        for name in _SCALAR_FIELDS + ("cloud_usd_per_hour",):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def to_dict(self) -> dict:
        return {
            "name": self.name, "display_name": self.display_name, "vendor": self.vendor,
            "aliases": list(self.aliases), "default_precision": self.default_precision,
            "peak_flops": dict(self.peak_flops), "memory_bytes": self.memory_bytes,
            "memory_bandwidth": self.memory_bandwidth, "tdp_watts": self.tdp_watts,
            "release_date": self.release_date, "release_price_usd": self.release_price_usd,
            "cloud_usd_per_hour": self.cloud_usd_per_hour, "cloud_price_date": self.cloud_price_date,
            "sources": {k: v.to_dict() for k, v in self.sources.items()}, "notes": dict(self.notes),
        }

    def report(self):
        rows = []
        for key, value in self.fields().items():
            rows.append([key, _format_field(key, value), self.notes.get(key, ""), str(self.sources.get(key, ""))])
        title = f"{self.display_name} ({self.name}; aliases: {', '.join(self.aliases) or '-'})"
        return rich_table(title, ["field", "value", "note", "source"], rows)


def _format_field(key: str, value) -> str:
    if key in PRECISIONS:
        return f"{value / 1e12:,.1f} TFLOP/s"
    if key == "memory_bytes":
        return f"{value / 1e9:,.0f} GB"
    if key == "memory_bandwidth":
        return f"{value / 1e12:,.2f} TB/s"
    if key == "tdp_watts":
        return f"{value:,.0f} W"
    if key == "release_price_usd":
        return format_money(value)
    if key == "cloud_usd_per_hour":
        return f"${value:,.2f}/h"
    return str(value)


def normalise_precision(precision: str) -> str:
    key = re.sub(r"[\s_-]", "", str(precision).lower())
    if key not in _PRECISION_ALIASES:
        raise InputError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    return _PRECISION_ALIASES[key]


def _slug(name: str) -> str:
    return re.sub(r"[\s_]+", "-", str(name).strip().lower())


@cache
def catalogue_data() -> dict:
    """The parsed ``accelerators.yaml`` (sources, entries, cluster points, reference runs)."""
    return read_bundled_yaml(Path(__file__).with_name("accelerators.yaml"))


def resolve_source(spec, sources: dict, where: str) -> Source:
    """A ``Source`` from a key of the YAML's ``sources`` or an inline mapping."""
    if isinstance(spec, str):
        if spec not in sources:
            raise InputError(f"accelerators.yaml: {where} names unknown source {spec!r}")
        return Source.from_dict(sources[spec])
    if isinstance(spec, dict) and spec.get("citation"):
        return Source.from_dict(spec)
    raise InputError(f"accelerators.yaml: {where} has no source")


def _epoch_value(row, column: str):
    value = row[column]
    if isinstance(value, str):
        return value.strip() or None
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


#: Cells ``pandas.read_csv`` reads as missing (its default ``na_values``).
_NA_CELLS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                       "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_DECIMAL = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def epoch_rows() -> list[dict[str, object]]:
    """The rows of ``ml-hardware`` (checksum verified) as column -> cell, typed as ``pandas.read_csv`` types
    them: a column whose every cell is a plain decimal number or missing holds floats (NaN where missing),
    any other column text (NaN where missing)."""
    from ..datasets import read_bundled_cells

    header, cells = read_bundled_cells("ml-hardware")
    if any(len(row) != len(header) for row in cells):
        raise InputError("bundled dataset 'ml-hardware': a row has the wrong number of cells; reinstall scalinglab")
    nan = float("nan")
    columns = []
    for j in range(len(header)):
        column = [row[j] for row in cells]
        if all(cell in _NA_CELLS or _DECIMAL.fullmatch(cell) for cell in column):
            columns.append([nan if cell in _NA_CELLS else float(cell) for cell in column])
        else:
            columns.append([nan if cell in _NA_CELLS else cell for cell in column])
    return [dict(zip(header, values)) for values in zip(*columns)]


def _build(name: str, entry: dict, rows: list[dict], sources: dict) -> Accelerator:
    epoch_name = entry["epoch"]
    matches = [row for row in rows if row["Hardware name"] == epoch_name]
    if len(matches) != 1:
        raise InputError(f"accelerators.yaml: {name}: Epoch row {epoch_name!r} not found once in ml-hardware")
    row = matches[0]
    link = str(row["Link to datasheet"]).split()[0].rstrip(";") if isinstance(row["Link to datasheet"], str) else ""
    values: dict[str, object] = {}
    found: dict[str, Source] = {}
    notes: dict[str, str] = {}
    for key, column in _EPOCH_COLUMNS.items():
        value = _epoch_value(row, column)
        if value is not None:
            values[key] = value
            found[key] = Source(_EPOCH_CITATION, f"row {epoch_name!r}, column {column!r}", link)
    for key, spec in (entry.get("values") or {}).items():
        if key not in _EPOCH_COLUMNS:
            raise InputError(f"accelerators.yaml: {name}: unknown field {key!r}")
        source = resolve_source(spec.get("source"), sources, f"{name}.{key}")
        if spec.get("value") is None:
            values.pop(key, None)
            found.pop(key, None)
        else:
            values[key] = spec["value"] if key == "release_date" else float(spec["value"])
            found[key] = source
        if spec.get("note"):
            notes[key] = spec["note"]
    cloud = entry.get("cloud") or {}
    if cloud:
        if not cloud.get("date"):
            raise InputError(f"accelerators.yaml: {name}: cloud price without a date")
        values["cloud_usd_per_hour"] = float(cloud["usd_per_hour"])
        found["cloud_usd_per_hour"] = resolve_source(cloud.get("source"), sources, f"{name}.cloud")
        if cloud.get("note"):
            notes["cloud_usd_per_hour"] = cloud["note"]
    peaks = {p: float(values.pop(p)) for p in PRECISIONS if p in values}
    return Accelerator(
        name=name, display_name=epoch_name, vendor=entry.get("vendor", str(row["Manufacturer"])),
        peak_flops=peaks, aliases=tuple(str(a) for a in entry.get("aliases", ())), sources=found, notes=notes,
        cloud_price_date=str(cloud["date"]) if cloud else None,
        **{k: values.get(k) for k in _SCALAR_FIELDS + ("cloud_usd_per_hour",)},
    )


@cache
def _catalogue() -> dict[str, Accelerator]:
    data = catalogue_data()
    rows = epoch_rows()
    return {name: _build(name, entry, rows, data.get("sources", {})) for name, entry in data["accelerators"].items()}


@cache
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for name, acc in _catalogue().items():
        for key in (name, *acc.aliases, acc.display_name):
            table.setdefault(_slug(key), name)
            table.setdefault(_slug(key).replace("-", ""), name)
    return table


def list_accelerators() -> list[Accelerator]:
    """Every catalogue entry, in file order."""
    return list(_catalogue().values())


def get_accelerator(name: str | Accelerator) -> Accelerator:
    """Look an accelerator up by slug, alias or Epoch name, ignoring case, spaces and dashes."""
    if isinstance(name, Accelerator):
        return name
    lookup = _lookup()
    key = _slug(name)
    found = lookup.get(key) or lookup.get(key.replace("-", ""))
    if found is None:
        names = list(_catalogue())
        with_aliases = list(dict.fromkeys(names + [a for acc in _catalogue().values() for a in acc.aliases]))
        close = difflib.get_close_matches(key, with_aliases, n=3, cutoff=0.5)
        raise UnknownNameError("accelerator", str(name), with_aliases if close else names)
    return _catalogue()[found]


def custom_accelerator(peak_flops: float, *, name: str = "custom", precision: str = "bf16", tdp_watts=None,
                       release_price_usd=None, cloud_usd_per_hour=None) -> Accelerator:
    """An accelerator outside the catalogue (e.g. a whole supercomputer quoted as one peak)."""
    if not (math.isfinite(peak_flops) and peak_flops > 0):
        raise InputError(f"peak FLOP/s must be positive, got {peak_flops!r}")
    given = Source("given by the user")
    values = {"tdp_watts": tdp_watts, "release_price_usd": release_price_usd, "cloud_usd_per_hour": cloud_usd_per_hour}
    sources = {normalise_precision(precision): given, **{k: given for k, v in values.items() if v is not None}}
    return Accelerator(name=name, display_name=f"{name} ({format_quantity(peak_flops)}FLOP/s peak)", vendor="-",
                       peak_flops={normalise_precision(precision): float(peak_flops)}, sources=sources, **values)

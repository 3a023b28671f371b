"""Reading a saved law back (``scalinglab fit ... --save fit.json``): a pydantic schema, a version
check and the family's parameter bounds, so a hand-edited or foreign file is one line naming the field,
never a negative loss or a traceback."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, StrictFloat, StrictInt, ValidationError

from ..errors import InputError, UnknownNameError
from .base import FORMAT_VERSION, READABLE_VERSIONS, Law

__all__ = ["FORMAT_VERSION", "read_law_file", "check_law_dict"]


Number = Annotated[Union[StrictInt, StrictFloat], "a JSON number"]


class _LawSpec(BaseModel):
    model_config = ConfigDict(extra="allow")
    family: str
    params: dict[str, Union[Number, dict[str, Number]]]


class _SavedLaw(BaseModel):
    model_config = ConfigDict(extra="allow")
    format_version: StrictInt = FORMAT_VERSION
    law: _LawSpec


def _where(error: ValidationError) -> str:
    first = error.errors()[0]
    path = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("int", "float", "dict[", "union[")))
    value = first.get("input")
    shown = "null" if value is None else repr(value)
    kind = first["type"]
    if kind == "missing":
        return f"{path}: missing"
    return f"{path}: must be a number, got {shown}" if "params" in path else f"{path}: {first['msg']}, got {shown}"


def check_law_dict(data: Any, origin: str, families: dict[str, type[Law]]) -> dict:
    """Validate ``{"law": {"family", "params"}, "format_version": 1, ...}``; returns its ``law`` object
    (``families``: family name -> law class, whose ``PARAMS`` bound the parameters)."""
    if not isinstance(data, dict):
        raise InputError(f"{origin}: a saved law must be a JSON object with a 'law' key, got {type(data).__name__}")
    version = data.get("format_version", FORMAT_VERSION)
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise InputError(f"{origin}: format_version {version!r} is not one this scalinglab reads "
                         f"(versions {', '.join(map(str, READABLE_VERSIONS))}); save the fit again with this version")
    try:
        saved = _SavedLaw.model_validate(data)
    except ValidationError as error:
        raise InputError(f"{origin}: {_where(error)}") from None
    family = saved.law.family
    if family not in families:
        raise InputError(f"{origin}: law.family: {UnknownNameError('law family', family, families)}")
    if family == "formula":
        return _check_formula(data["law"], origin)
    _check_params(families[family], saved.law.params, f"{origin}: law.params", families)
    return {"family": family, "params": saved.law.params}


def _check_formula(law: dict, origin: str) -> dict:
    """A formula law: the formula parses, ``variables`` maps its input names to columns, and ``params``
    gives a finite number for every other name (and nothing else)."""
    from .formula import names, parse

    text, variables, params = law.get("formula"), law.get("variables"), law["params"]
    if not isinstance(text, str):
        raise InputError(f"{origin}: law.formula: must be the formula text, got {text!r}")
    if not isinstance(variables, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in variables.items()):
        raise InputError(f"{origin}: law.variables: must map the formula's input names to column names")
    try:
        found = names(parse(text))
    except InputError as error:
        raise InputError(f"{origin}: law.formula: {error}") from None
    wanted = [n for n in found if n not in variables]
    for name in variables:
        if name not in found:
            raise InputError(f"{origin}: law.variables.{name}: not a name of the formula {text!r}")
    for name, value in params.items():
        if name not in wanted:
            raise InputError(f"{origin}: law.params.{name}: not a parameter of the formula {text!r}")
        if isinstance(value, dict) or not math.isfinite(value):
            raise InputError(f"{origin}: law.params.{name}: must be a finite number, got {value!r}")
    missing = [n for n in wanted if n not in params]
    if missing:
        raise InputError(f"{origin}: law.params: missing {', '.join(missing)}")
    return {"family": "formula", "formula": text, "variables": dict(variables), "params": dict(params)}


def _check_params(cls, params: dict, where: str, families: dict) -> None:
    """Finite numbers within the family's bounds; a nested law (a data-constrained law's ``base``) is a
    Chinchilla-family law."""
    specs = {s.name: s for s in getattr(cls, "PARAMS", ())}
    for name, value in params.items():
        if isinstance(value, dict):
            _check_params(families["chinchilla"], value, f"{where}.{name}", families)
            continue
        if not math.isfinite(value):
            raise InputError(f"{where}.{name}: must be a finite number, got {value!r}")
        spec = specs.get(name)
        if spec is None:
            continue
        if spec.log_scale and value <= 0:
            raise InputError(f"{where}.{name}: must be positive, got {value!r}")
        if not spec.lower <= value <= spec.upper:
            raise InputError(f"{where}.{name}: must lie in [{spec.lower:g}, {spec.upper:g}], got {value!r}")
    missing = [s.name for s in specs.values() if s.name not in params and not s.name.startswith("log_")]
    if missing and not any(k.startswith("log_") for k in params):
        raise InputError(f"{where}: missing {', '.join(missing)}")


def read_law_file(path: str | Path, families: dict[str, type[Law]]) -> dict:
    """The ``law`` object of a saved fit (or any JSON with one), validated."""
    from .._io import read_text_file

    path = Path(path)
    origin = f"law file {str(path)!r}"
    if not path.exists():
        raise InputError(f"{origin} does not exist")
    text = read_text_file(path, what="law file")
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InputError(f"{origin} is not valid JSON ({error})") from None
    return check_law_dict(data, origin, families)

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
from .base import Law

__all__ = ["FORMAT_VERSION", "read_law_file", "check_law_dict"]

#: Version of the saved-fit layout written by ``FitResult.to_dict`` (``format_version``); files without
#: the key (written before it existed, or by hand) are read as version 1.
FORMAT_VERSION = 1

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


def check_law_dict(data: Any, origin: str) -> Law:
    """Validate ``{"law": {"family", "params"}, "format_version": 1, ...}`` and build its law."""
    from .registry import FAMILIES, law_from_dict

    if not isinstance(data, dict):
        raise InputError(f"{origin}: a saved law must be a JSON object with a 'law' key, got {type(data).__name__}")
    version = data.get("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise InputError(f"{origin}: format_version {version!r} is not one this scalinglab reads "
                         f"(version {FORMAT_VERSION}); save the fit again with this version")
    try:
        saved = _SavedLaw.model_validate(data)
    except ValidationError as error:
        raise InputError(f"{origin}: {_where(error)}") from None
    family = saved.law.family
    if family not in FAMILIES:
        raise InputError(f"{origin}: law.family: {UnknownNameError('law family', family, FAMILIES)}")
    _check_params(FAMILIES[family], saved.law.params, f"{origin}: law.params")
    try:
        return law_from_dict({"family": family, "params": saved.law.params})
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"{origin}: law.params do not make a {family} law ({error})") from None


def _check_params(cls, params: dict, where: str) -> None:
    specs = {s.name: s for s in getattr(cls, "PARAMS", ())}
    for name, value in params.items():
        if isinstance(value, dict):
            from .chinchilla import ChinchillaLaw

            _check_params(ChinchillaLaw, value, f"{where}.{name}")
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


def read_law_file(path: str | Path) -> Law:
    """The law in a saved fit (or any JSON with a ``law`` object), validated."""
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
    return check_law_dict(data, origin)

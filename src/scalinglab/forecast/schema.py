"""Scenario files: YAML validated with pydantic, every number carrying its source.

A scenario names factors (``spending``, ``compute``, ``data_stock``, ...); each factor is a series
with a ``start`` value in a year, ``growth`` by eras, and optionally a ``cap`` (in its own units or,
for money, a ``share_of_gdp``) and ``saturate`` (growth fading after a year). Every number is a
mapping with the number and its ``source``::

    spending:
      start: {value: "$500M", year: 2023, source: {citation: 'Essay "By 2027, a single AI model could cost $100 billion"', locator: "..."}}
      growth:
        - {from: 2018, until: 2025, rate: "10x/yr", source: ...}
        - {from: 2025, rate: "1.73x/yr", source: ...}
      cap: {value: "$100B", source: ...}

An era ``{from: A, until: B}`` multiplies the level B - A times between the runs of year A and year
B; eras must follow each other without gaps. Errors name the YAML path of the field
(``scenario.yaml: factors.spending.growth[1].rate: ...``).
"""

from __future__ import annotations

import typing
from functools import cache
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, create_model, field_validator, model_validator

from ..errors import InputError, UnitError, did_you_mean
from ..provenance import Source
from ..distributions import Distribution, Mixture, parse_value

__all__ = [
    "Scenario", "Factors", "Series", "Era", "SourceSpec", "ScenarioError", "FACTOR_KINDS", "format_validation_error",
]

#: factor -> kind of its values (how they are parsed and shown) and what it measures.
FACTOR_KINDS: dict[str, tuple[str, str]] = {
    "spending": ("money", "USD spent on the largest training run"),
    "flop_per_dollar": ("quantity", "training FLOP bought per dollar of run cost, at peak (FLOP/$)"),
    "cost_per_flop": ("money", "dollars per FLOP at peak (1 / flop_per_dollar)"),
    "utilisation": ("fraction", "achieved / peak FLOP/s (MFU); 1 when FLOP/$ is already realised"),
    "compute": ("quantity", "training compute of the largest run (FLOP)"),
    "algorithms": ("quantity", "algorithmic efficiency: compute-equivalent multiplier since its start"),
    "gpus": ("quantity", "accelerators in the largest run"),
    "gpu_flops": ("quantity", "peak FLOP/s per accelerator"),
    "run_length": ("duration", "wall-clock length of the largest run"),
    "gpu_production": ("quantity", "accelerators shipped worldwide per year"),
    "dataset": ("quantity", "training tokens of the largest run"),
    "data_stock": ("quantity", "stock of public human text (tokens)"),
    "world_gdp": ("money", "world GDP (USD per year)"),
}


class ScenarioError(InputError):
    """A scenario file (or dict) that cannot be used: names the file and the YAML path of the field."""


class SourceSpec(BaseModel):
    """Where a number comes from: an essay file and its sentence, or a paper and its table."""

    model_config = ConfigDict(extra="forbid")
    citation: str = Field(min_length=1)
    locator: str = ""
    identifier: str = ""
    notes: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data):
        if isinstance(data, str):
            return {"citation": data}
        return data

    def to_source(self) -> Source:
        return Source(self.citation, self.locator, self.identifier, self.notes)

    def __str__(self) -> str:
        return str(self.to_source())


def _distribution(value: Any, kind: str, shape: str | None, ci: float) -> Distribution:
    """Parse a raw YAML value (number, 'lo to hi' string or {mixture: [...]}) into a distribution."""
    if isinstance(value, dict):
        if set(value) != {"mixture"} or not isinstance(value["mixture"], list) or not value["mixture"]:
            raise ValueError("a mapping value must be {mixture: [{weight: w, value: v}, ...]}")
        weights, parts = [], []
        for i, item in enumerate(value["mixture"]):
            if not isinstance(item, dict) or set(item) - {"weight", "value"} or "value" not in item:
                raise ValueError(f"mixture[{i}] must be {{weight: w, value: v}}")
            weight = float(item.get("weight", 1.0))
            if not weight > 0:
                raise ValueError(f"mixture[{i}].weight must be positive, got {weight!r}")
            weights.append(weight)
            parts.append(parse_value(item["value"], kind, ci=ci))
        return Mixture(tuple(weights), tuple(parts), kind)
    if value is None:
        raise ValueError("a value is required")
    return parse_value(value, kind, shape=shape, ci=ci)


class Number(BaseModel):
    """A sourced number: ``{value: ..., source: ...}`` (lo to hi, uniform, normal or mixture allowed)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    KIND: ClassVar[str] = "quantity"
    VALUE_FIELDS: ClassVar[tuple[str, ...]] = ("value",)

    dist: Literal["lognormal", "normal", "uniform", "loguniform"] | None = None
    ci: float = Field(0.9, gt=0, lt=1)
    source: SourceSpec

    _parsed: dict[str, Distribution] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _needs_mapping(cls, data):
        if not isinstance(data, dict):
            field = cls.VALUE_FIELDS[0]
            raise ValueError(f"write {{{field}: {data!r}, source: ...}}: every number needs a source "
                             "(essay file and sentence, or paper)")
        return data

    def _kind_of(self, field: str) -> str:
        return "fraction" if field == "share_of_gdp" else self.KIND

    @field_validator("value", "rate", "share_of_gdp", check_fields=False)
    @classmethod
    def _parse_value(cls, value, info):
        if value is None:
            if cls.model_fields[info.field_name].is_required():
                raise ValueError(f"{info.field_name} is null; give a number, a 'lo to hi' range or a mixture")
            return value
        kind = "fraction" if info.field_name == "share_of_gdp" else cls.KIND
        try:
            _distribution(value, kind, info.data.get("dist"), info.data.get("ci", 0.9))
        except (UnitError, InputError) as error:
            raise ValueError(str(error)) from None
        return value

    @model_validator(mode="after")
    def _keep_parsed(self):
        for field in self.VALUE_FIELDS:
            raw = getattr(self, field, None)
            if raw is not None:
                self._parsed[field] = _distribution(raw, self._kind_of(field), self.dist, self.ci)
        return self

    def distribution(self, field: str | None = None) -> Distribution:
        return self._parsed[field or self.VALUE_FIELDS[0]]

    def describe(self, field: str | None = None) -> str:
        return self.distribution(field).describe()


class Value(Number):
    """``{value, source}``."""

    value: Any


class Start(Value):
    """The level in a year: ``{value, year, source}`` (year defaults to the scenario's start year)."""

    year: int | None = None


class Era(Number):
    """Growth between the runs of year ``from`` and year ``until`` (either may be open)."""

    KIND: ClassVar[str] = "growth"
    VALUE_FIELDS: ClassVar[tuple[str, ...]] = ("rate",)
    from_: int | None = Field(None, alias="from")
    until: int | None = None
    rate: Any

    def covers(self) -> str:
        a = "..." if self.from_ is None else str(self.from_)
        b = "..." if self.until is None else str(self.until)
        return f"{a}-{b}"


class Cap(Number):
    """A ceiling: ``{value: "$100B"}`` in the factor's units, ``{share_of_gdp: "1%"}`` for money, or
    ``{none: true}`` to state that the sources give no ceiling (the source says why)."""

    VALUE_FIELDS: ClassVar[tuple[str, ...]] = ("value", "share_of_gdp")
    value: Any = None
    share_of_gdp: Any = None
    none: bool = False

    @model_validator(mode="after")
    def _one_of(self):
        if (self.value is not None) + (self.share_of_gdp is not None) + bool(self.none) != 1:
            raise ValueError("give exactly one of value, share_of_gdp or none: true")
        return self

    def describe(self, field: str | None = None) -> str:
        if self.none:
            return "none"
        if field is None and self.value is None:
            return f"{self.distribution('share_of_gdp').describe()} of world GDP"
        return super().describe(field)


def _subclass(base: type[Number], kind: str) -> type[Number]:
    return type(f"{kind.title()}{base.__name__}", (base,), {"__annotations__": {"KIND": ClassVar[str]}, "KIND": kind,
                                                           "__module__": __name__})


@cache
def number_model(kind: str, base: type[Number] = Value) -> type[Number]:
    return base if base.KIND == kind else _subclass(base, kind)


class Saturate(BaseModel):
    """After year ``after`` the log growth rate halves every ``half_life`` (the level levels off)."""

    model_config = ConfigDict(extra="forbid")
    after: int
    half_life: number_model("duration")


class Series(BaseModel):
    """A factor over the years: start level, growth by eras, optional cap and saturation."""

    model_config = ConfigDict(extra="forbid")
    KIND: ClassVar[str] = "quantity"
    start: Start | None = None
    growth: list[Era] | None = None
    cap: Cap | None = None
    saturate: Saturate | None = None

    @field_validator("growth", mode="before")
    @classmethod
    def _one_era(cls, value):
        return [value] if isinstance(value, (dict, str, int, float)) else value


class Falls(BaseModel):
    """Utilisation U = U_ref (G / G_ref)^(-exponent), with U_ref the utilisation's start value."""

    model_config = ConfigDict(extra="forbid")
    exponent: number_model("quantity")
    reference_gpus: number_model("quantity")


class Rule(BaseModel):
    """Dataset from compute: ``tokens_per_param`` (D = sqrt(C r / 6)) or a law's compute-optimal D."""

    model_config = ConfigDict(extra="forbid")
    tokens_per_param: number_model("quantity") | None = None
    law: str | None = None

    @model_validator(mode="after")
    def _one_of(self):
        if (self.tokens_per_param is None) == (self.law is None):
            raise ValueError("give exactly one of tokens_per_param or law")
        return self


def _series(name: str, kind: str, **extra) -> type[Series]:
    fields = {"start": (number_model(kind, Start) | None, None), "cap": (number_model(kind, Cap) | None, None)}
    model = create_model(name, __base__=Series, **fields, **extra)
    model.KIND = kind
    return model


_EXTRA = {
    "utilisation": {"falls_with_cluster": (Falls | None, None)},
    "gpu_production": {"max_share": (number_model("fraction") | None, None)},
    "dataset": {"rule": (Rule | None, None)},
    "data_stock": {"binding_epochs": (number_model("quantity") | None, None)},
}

Factors = create_model(
    "Factors",
    __config__=ConfigDict(extra="forbid"),
    **{name: (_series(f"{name.title().replace('_', '')}Series", kind, **_EXTRA.get(name, {})) | None, None)
       for name, (kind, _) in FACTOR_KINDS.items()},
)
Factors.__doc__ = "The named factors of a forecast; every one is optional, but compute must follow from them."


class Milestones(BaseModel):
    """Thresholds for milestone years (defaults: $1B/$10B/$100B, 1e27/1e28/1e29 FLOP, 1/4/16/60 epochs)."""

    model_config = ConfigDict(extra="forbid")
    spending: list[float | str] = ["$1B", "$10B", "$100B"]
    compute: list[float | str] = [1e27, 1e28, 1e29]
    epochs: list[int] = [1, 4, 16, 60]

    @field_validator("epochs")
    @classmethod
    def _positive(cls, value):
        if any(e < 1 for e in value):
            raise ValueError("epochs must be whole numbers >= 1")
        return value


class Correlation(BaseModel):
    """A rank correlation between two uncertain inputs, named by their paths (``scalinglab scenarios show``)."""

    model_config = ConfigDict(extra="forbid")
    between: tuple[str, str]
    rank: float = Field(ge=-1.0, le=1.0)
    source: SourceSpec


class Scenario(BaseModel):
    """A forecast scenario: metadata, years, factors, milestone thresholds and correlations between inputs."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    title: str = ""
    essay: str | None = None
    summary: str = ""
    notes: list[str] = []
    start_year: int = Field(ge=1900, le=2200)
    until: int = Field(ge=1900, le=2300)
    factors: Factors
    milestones: Milestones = Milestones()
    checkpoints: list[int] = []
    correlations: list[Correlation] = []

    @model_validator(mode="after")
    def _years(self):
        if self.until <= self.start_year:
            raise ValueError(f"until ({self.until}) must be after start_year ({self.start_year})")
        return self

    @model_validator(mode="after")
    def _correlated_inputs(self):
        """Correlations name two different uncertain inputs, once per pair, and fit together (a valid matrix)."""
        if not self.correlations:
            return self
        fields = input_fields(self)
        pairs = set()
        for i, c in enumerate(self.correlations):
            for j, path in enumerate(c.between):
                if path not in fields:
                    raise ValueError(f"correlations[{i}].between[{j}]: unknown input {path!r}"
                                     f"{did_you_mean(path, fields)} (paths as `scalinglab scenarios show` lists them)")
                number, field = fields[path]
                if number.distribution(field).is_point:
                    raise ValueError(f"correlations[{i}].between[{j}]: {path} is a single value "
                                     f"({number.describe(field)}): only uncertain inputs can be correlated")
            pair = frozenset(c.between)
            if len(pair) != 2:
                raise ValueError(f"correlations[{i}].between: an input cannot be correlated with itself")
            if pair in pairs:
                raise ValueError(f"correlations[{i}].between: {c.between[0]} and {c.between[1]} are correlated twice")
            pairs.add(pair)
        from .copula import gaussian_copula_matrix

        names = list(dict.fromkeys(p for c in self.correlations for p in c.between))
        try:
            gaussian_copula_matrix(names, [(c.between[0], c.between[1], c.rank) for c in self.correlations])
        except InputError as error:
            raise ValueError(f"correlations: {error}") from None
        return self

    def factor(self, name: str):
        return getattr(self.factors, name)

    def given(self) -> list[str]:
        return [name for name in FACTOR_KINDS if getattr(self.factors, name) is not None]


def iter_numbers(model: BaseModel, path: str = ""):
    """Every sourced number under ``model`` as (YAML path, Number), in schema order."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = type(model).model_fields[name].alias or name
        here = f"{path}.{key}" if path else key
        if isinstance(value, Number):
            yield here, value
        elif isinstance(value, BaseModel):
            yield from iter_numbers(value, here)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Number):
                    yield f"{here}[{i}]", item
                elif isinstance(item, BaseModel):
                    yield from iter_numbers(item, f"{here}[{i}]")


def input_fields(scenario: Scenario) -> dict[str, tuple[Number, str]]:
    """Every sourced value of a scenario: its path (as ``scenarios show`` lists it) -> (its Number, the field)."""
    out = {}
    for path, number in iter_numbers(scenario):
        for field in number.VALUE_FIELDS:
            if getattr(number, field, None) is None:
                continue
            out[path if field == "value" and number.VALUE_FIELDS[0] == "value" else f"{path}.{field}"] = (number, field)
    return out


# ----------------------------------------------------------------------------------------- errors

def _loc_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class that holds the field at ``loc`` (to suggest known field names)."""
    cls: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = {f.alias or n: f for n, f in cls.model_fields.items()}
        if part not in fields:
            return None
        cls = _unwrap_model(fields[part].annotation)
        if cls is None:
            return None
    return cls


def _unwrap_model(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None


def _message(error: dict) -> str:
    loc, kind, text = tuple(error["loc"]), error["type"], error["msg"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        model = _model_at(loc)
        known = [f.alias or n for n, f in model.model_fields.items()] if model else []
        what = "factor" if loc[:-1] == ("factors",) else "field"
        return f"unknown {what} {name!r}{did_you_mean(name, known)}"
    if kind == "missing":
        if loc and loc[-1] == "source":
            return "missing: every number needs a source (essay file and sentence, or paper)"
        return "missing (required)"
    return text.removeprefix("Value error, ")


def format_validation_error(error: ValidationError, origin: str) -> str:
    errors = error.errors()
    first = errors[0]
    path = _loc_path(tuple(first["loc"]))
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{origin}: {path + ': ' if path else ''}{_message(first)}{more}"

"""Pydantic request bodies of ``/api/v1``; field names are the CLI's flag names (``--unique-tokens`` ->
``unique_tokens``), and numbers may be given as numbers or as the CLI's text ("70B", "0.3 to 0.5").

JSON bodies are strict (``true`` is not a number, ``1`` is not text); every text has a length limit and
none may be empty. Names of laws, accelerators, shapes, presets and datasets are listed in the schema as
enums, taken from the registries themselves; the registry looks the name up (ignoring case, with the
CLI's "did you mean" message), so a name is only ever a key, never a file.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from ..compute.cost_options import BUDGET, COST
from ..fit.design.options import SUGGEST
from ..fit.options import FIT, ISOFLOP
from ..forecast.options import FORECAST
from ..plan.options import PLAN, PREDICT_POINT
from ..sweep.options import STATUS
from .declared import Quantity, form_model, request_model
from .uploads import KEY_DIGITS

__all__ = ["LawObject", "PlanRequest", "PredictRequest", "CostRequest", "BudgetRequest", "ForecastRequest",
           "ScenarioText", "FitOptions", "IsoflopOptions", "SuggestOptions", "ClusterCurveRequest",
           "SweepStatusRequest"]

Name = Annotated[str, Field(min_length=1, max_length=80)]


@cache
def _names() -> dict[str, list[str]]:
    """The registries' names (with aliases) that the schema lists as enums."""
    from ..compute.flops import KNOWN_CONFIGS, METHODS
    from ..compute.hardware import PRECISIONS, list_accelerators
    from ..datasets import list_datasets
    from ..fit import ESTIMATORS, FAMILIES_FITTABLE, OBJECTIVES
    from ..forecast.scenarios import list_scenarios
    from ..laws import ChinchillaLaw, DataConstrainedLaw, list_laws
    from ..laws.registry import ALIASES

    laws = [entry.name for entry in list_laws()] + list(ALIASES)
    return {
        "law": laws,
        "forecast_law": [e.name for e in list_laws() if isinstance(e.law, (ChinchillaLaw, DataConstrainedLaw))],
        "family": list(dict.fromkeys([*FAMILIES_FITTABLE, "accuracy", *laws])), "fittable": list(FAMILIES_FITTABLE),
        "gpu": list(dict.fromkeys(n for a in list_accelerators() for n in (a.name, *a.aliases))),
        "model": list(KNOWN_CONFIGS), "flops_method": list(METHODS), "precision": list(PRECISIONS),
        "scenario": [s.name for s in list_scenarios()], "dataset": [d.name for d in list_datasets() if d.columns],
        "estimator": list(ESTIMATORS), "objective": list(OBJECTIVES),
    }


def _enum(kind: str, description: str | None = None):
    """Text that the schema lists as one of the registry's names (checked by the registry itself)."""
    schema: dict[str, Any] = {"type": "string", "enum": _names()[kind], "minLength": 1, "maxLength": 80}
    if description:
        schema["description"] = description
    return Annotated[str, Field(min_length=1, max_length=80), WithJsonSchema(schema)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LawObject(_Body):
    """A law given by value, e.g. a fit's ``law`` object: ``{"family": "chinchilla", "params": {...}}``."""

    family: Name
    params: dict[Name, float | dict[Name, float]] = Field(max_length=20)
    name: Name | None = None
    fitted_range: dict[Literal["n", "d", "c"], Annotated[list[float], Field(min_length=2, max_length=2)]] | None = Field(
        None, description="A fit's data.fitted_range: [smallest, largest] N, D and C of its runs, so that a plan far "
                          "beyond them carries the CLI's extrapolation warning.")


LawName = _enum("law", "A published law's name or alias (GET /api/v1/laws).")
Law = LawName | LawObject


PlanRequest = request_model("PlanRequest", PLAN, base=_Body, types={"law": Law})


class PlanChartRequest(_Body):
    laws: list[Law] = Field(default_factory=lambda: ["besiroglu2024", "hoffmann2022"], min_length=1, max_length=8)
    compute: Quantity = Field(5.76e23, description="The budget marked on the curves, in FLOP.")
    variant: Literal["optimal", "data-constrained", "inference"] = "optimal"
    unique_tokens: Quantity | None = Field(None, description=PLAN["unique_tokens"].describe())
    inference_tokens: Quantity | None = Field(None, description=PLAN["inference_tokens"].describe())
    bands: dict[Name, Annotated[list[Annotated[list[float], Field(min_length=9, max_length=9)]],
                                Field(max_length=200)]] = Field(default_factory=dict, max_length=8,
                                                 description="Per law name: rows of [C, N lo, N hi, D lo, D hi, "
                                                             "D/N lo, D/N hi, loss lo, loss hi] (a fit's intervals).")


#: ``predict`` at given N, D, C or x; a request names no runs table on the server.
PredictRequest = request_model("PredictRequest", PREDICT_POINT, base=_Body, types={"law": Law})


def _cost_types() -> dict:
    return {"gpu": _enum("gpu", "Accelerator name or alias, e.g. h100-sxm (GET /api/v1/hardware)."),
            "precision": _enum("precision"),
            "config": _enum("model", "A known transformer shape, e.g. gpt3-175b.") | Annotated[
                dict[Name, Any], Field(max_length=200, description="Or the contents of a Hugging Face config.json.")],
            "law": Law}


CostRequest = request_model("CostRequest", COST, base=_Body, types=_cost_types(),
                            aliases={"compute": "flops", "config": "model"})
BudgetRequest = request_model("BudgetRequest", BUDGET, base=_Body, types=_cost_types())


class ClusterCurveRequest(_Body):
    gpus: list[Annotated[float, Field(ge=1, le=1e9)]] = Field(
        default_factory=lambda: [8, 64, 512, 2048, 8192, 16384, 32768, 65536, 100_000], min_length=1, max_length=200)


class _ForecastBody(_Body):
    """What only the web takes: a scenario file's text instead of a preset's name."""

    yaml: str | None = Field(None, min_length=1, max_length=200_000,
                             description="Instead of scenario: a scenario file's YAML text.")


ForecastRequest = request_model(
    "ForecastRequest", FORECAST, base=_ForecastBody,
    types={"scenario": _enum("scenario", "A preset name (GET /api/v1/scenarios)."),
           "law": _enum("forecast_law", "The law of each year's loss (a published Chinchilla-form law).")})


#: A sweep of the server's registry, by name (the registry is the one ``serve --registry`` gave).
SweepStatusRequest = request_model("SweepStatusRequest", STATUS.without("db"), base=_Body, required=("name",))


class Snippets(BaseModel):
    """A request as a command line and as Python, written from the options' declarations."""

    cli: str
    python: str


class ScenarioText(_Body):
    yaml: str = Field(min_length=1, max_length=200_000)


class _Form(BaseModel):
    """Form fields next to an uploaded file; unknown names are refused by the router (the file is one)."""

    model_config = ConfigDict(extra="ignore")


#: A table uploaded before, by the content hash that ``POST /api/v1/uploads`` answered.
UploadKey = Annotated[str, Field(pattern=rf"^[0-9a-f]{{{KEY_DIGITS}}}$", description=(
    "A runs table uploaded before (POST /api/v1/uploads), by its content hash, instead of a file or dataset."))]


class _RunsForm(_Form):
    """Where the runs come from: a file sent with the form, an upload kept before, or a bundled dataset."""

    dataset: _enum("dataset", "A bundled runs table instead of an upload.") | None = None
    upload: UploadKey | None = None


def _fittable_family(name: str) -> str:
    """A family the design can fit, by name only (``sl.suggest`` also reads a saved fit's file: not here)."""
    from ..fit import FAMILIES_FITTABLE

    key = name.strip().lower()
    if key not in FAMILIES_FITTABLE:
        raise ValueError(f"{name!r} is not a law family to fit; use one of {', '.join(FAMILIES_FITTABLE)}")
    return key


#: ``scalinglab fit`` on the runs sent (a law file as ``base`` would name a server path: not on the web).
FitOptions = form_model("FitOptions", FIT.without("runs", "progress", "base"), base=_RunsForm,
                        types={"law": _enum("family", "The family to fit (a published law's name means its family)."),
                               "objective": _enum("objective")},
                        aliases={"compute": "budget"})

IsoflopOptions = form_model("IsoflopOptions", ISOFLOP.without("runs"), base=_RunsForm)

#: ``scalinglab suggest`` with candidates as a ``grid`` and the target as text (files would name server paths).
SuggestOptions = form_model(
    "SuggestOptions", SUGGEST.without("runs", "candidates", "target_rows"), base=_RunsForm,
    types={"law": Annotated[_enum("fittable", "The law family fitted to the runs."), AfterValidator(_fittable_family)]},
    required=("grid", "target"))

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
from ..forecast.options import FORECAST
from ..plan.options import PLAN, PREDICT_POINT
from .declared import Quantity, request_model

__all__ = ["LawObject", "PlanRequest", "PredictRequest", "CostRequest", "BudgetRequest", "ForecastRequest",
           "ScenarioText", "FitOptions", "IsoflopOptions", "SuggestOptions", "ClusterCurveRequest"]

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
UploadKey = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$", description=(
    "A runs table uploaded before (POST /api/v1/uploads), by its content hash, instead of a file or dataset."))]

#: Which runs of the table are used: a filter in the safe filter language and what to do with repeated settings.
Where = Annotated[str, Field(min_length=1, max_length=500, description=(
    "Keep the rows matching this filter, e.g. \"loss < 3 and params >= 1e8\" (--where)."))]
Duplicates = Literal["keep", "mean", "min", "error"]
#: One analysis per group of rows sharing these columns' values, compared in one table (--group-by).
GroupBy = Annotated[str, Field(min_length=1, max_length=200, description=(
    "One analysis per group of rows sharing these columns' values, COL[,COL] (--group-by)."))]


class FitOptions(_Form):
    """Options of ``scalinglab fit`` (the runs come as an uploaded file or a bundled dataset's name)."""

    dataset: _enum("dataset", "A bundled runs table instead of an upload.") | None = None
    upload: UploadKey | None = None
    law: _enum("family", "The family to fit (a published law's name means its family).") = "chinchilla"
    estimator: _enum("estimator") = "fast"
    objective: _enum("objective") = "huber"
    delta: float = 1e-3
    weight: float = 4.0
    drop_highest_loss: int = 0  # its domain is checked by its declaration (fit.options.FIT), in the field's name
    bootstrap: int = 0
    seed: int = Field(0, ge=0, le=2**32 - 1)
    level: float = 0.95
    holdout_above: Quantity | None = None
    leave_one_budget_out: bool = False
    budget: Name | None = Field(None, description="Comma-separated compute budgets for N_opt, D_opt.")
    x: Literal["c", "n", "d", "loss"] = "c"
    n_col: Name | None = None
    d_col: Name | None = None
    c_col: Name | None = None
    loss_col: Name | None = None
    u_col: Name | None = None
    budget_col: Name | None = None
    group_col: Name | None = None
    where: Where | None = None
    duplicates: Duplicates = Field("keep", description="Runs repeating an (N, D) setting: keep (noted), mean, min or error.")
    flops_per_param_token: float | None = Field(None, description="k in C = k N D (default: the table's or 6).")
    formula: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        None, description="A law of your own instead of law, e.g. 'L + B / (N^alpha * E^beta)' (--formula).")
    variables: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        None, description="The formula's inputs, NAME=COLUMN comma-separated, e.g. 'N=params, E=experts' (--var).")
    params: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        None, description="Starts and bounds, NAME=START:LOWER:UPPER comma-separated, e.g. 'alpha=0.3:0:3' (--param).")
    group_by: GroupBy | None = None


class IsoflopOptions(_Form):
    dataset: _enum("dataset", "A bundled runs table instead of an upload.") | None = None
    upload: UploadKey | None = None
    approach: int = Field(2, ge=1, le=2, description="IsoFLOP Approach 1 or 2 (Hoffmann et al. 2022).")
    bootstrap: int = 500
    seed: int = Field(0, ge=0, le=2**32 - 1)
    level: float = 0.95
    min_runs: int | None = None
    n_col: Name | None = None
    d_col: Name | None = None
    c_col: Name | None = None
    loss_col: Name | None = None
    budget_col: Name | None = None
    group_col: Name | None = None
    where: Where | None = None
    duplicates: Duplicates = Field("keep", description="Runs repeating an (N, D) setting: keep (noted), mean, min or error.")
    group_by: GroupBy | None = None


def _fittable_family(name: str) -> str:
    """A family the design can fit, by name only (``sl.suggest`` also reads a saved fit's file: not here)."""
    from ..fit import FAMILIES_FITTABLE

    key = name.strip().lower()
    if key not in FAMILIES_FITTABLE:
        raise ValueError(f"{name!r} is not a law family to fit; use one of {', '.join(FAMILIES_FITTABLE)}")
    return key


class SuggestOptions(_Form):
    """Options of ``scalinglab suggest`` on a bundled or uploaded runs table, with candidates as a ``grid``."""

    dataset: _enum("dataset", "A bundled runs table instead of an upload.") | None = None
    upload: UploadKey | None = None
    law: Annotated[_enum("fittable", "The law family fitted to the runs (--law)."), AfterValidator(_fittable_family)] = "chinchilla"
    grid: Annotated[str, Field(max_length=500)] = Field(
        description="Candidate runs as log-spaced ranges, every combination, e.g. 'N=10M..1B:12,D=1B..100B:12' (--grid).")
    target: Annotated[str, Field(max_length=500)] = Field(
        description="Where the law must be right, e.g. 'C=1e22..1e24' or 'N=70B,D=1.4T' (--target).")
    budget: Annotated[str, Field(max_length=80)] = Field(
        description="The most the suggested runs may cost together, e.g. 1e21 (FLOP unless cost says otherwise).")
    k: int = Field(5, ge=1, le=100, description="The most runs to suggest.")
    cost: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        None, description="Each candidate's cost as a formula of N, D, C, U, e.g. '6*N*D' (default C = k N D).")
    bootstrap: int = Field(32, ge=0, description="Bootstrap refits the design is averaged over.")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    criterion: Literal["v", "d"] = "v"
    n_col: Name | None = None
    d_col: Name | None = None
    c_col: Name | None = None
    loss_col: Name | None = None
    flops_per_param_token: float | None = Field(None, description="k in C = k N D (default: the table's or 6).")
    formula: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        None, description="A law of your own instead of law (--formula); grid and target then name its inputs.")
    variables: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        None, description="The formula's inputs, NAME=COLUMN comma-separated (--var).")

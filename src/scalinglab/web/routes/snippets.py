"""``/api/v1/snippets/{command}``: a page's request as a command line and as Python, from the declarations.

Each body is the command's own request (the same fields and checks; names looked up in their registries,
forms as ``/fit`` takes them); the answer is ``{"cli": ..., "python": ...}`` written by
:meth:`scalinglab.options.Options.snippets`, so a page shows what the declarations say, not a copy of the
flags kept in JavaScript (the Sweeps page's ``sweep status`` too). What has no command-line spelling is shown as the file a user would save it to:
an uploaded table by its own name, a fit's law as ``fit.json``, an edited scenario as ``scenario.yaml``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import Field

from ...compute.cost_options import COST
from ...fit.design.options import SUGGEST
from ...fit.options import FIT, ISOFLOP
from ...forecast.options import FORECAST
from ...options import Options, speaking
from ...plan.options import PLAN
from ...sweep.options import STATUS
from .. import service
from .._common import ApiError, DocumentedRoute, check_bootstrap, check_samples, check_yaml, errors, settings_of
from ..schemas import (CostRequest, FitOptions, ForecastRequest, IsoflopOptions, PlanRequest, Snippets, SuggestOptions,
                       SweepStatusRequest)

router = APIRouter(tags=["snippets"], route_class=DocumentedRoute)

#: A saved fit, as the Fit page's command saves it.
FIT_FILE = "fit.json"


def _checked(options: Options, values: dict) -> dict:
    with speaking("web"):
        options.check(values)
    return values


@router.post("/snippets/cost", summary="A cost request as a command line and as Python (checked as /cost checks it)")
async def cost(options: CostRequest) -> Snippets:
    from ...compute.hardware import get_accelerator

    values = options.model_dump()
    with speaking("web"):
        COST.check(values)
        if values["gpu"] is not None:
            get_accelerator(values["gpu"])
        service.model_config(values["config"])
        if isinstance(values["config"], dict):  # a config.json's contents have no command-line spelling
            values["config"] = "config.json"
    return COST.snippets("cost", "cost", values)


@router.post("/snippets/plan", summary="Plans under one or more laws as command lines and as Python (one line each)")
async def plan(requests: Annotated[list[PlanRequest], Field(min_length=1, max_length=16)]) -> Snippets:
    """One ``plan`` per request, e.g. the Plan page's budget under each law it shows, each planned as
    ``/plan`` plans it (a plan takes milliseconds) so that a bad value is refused here too; a law given as
    an object (a fit) is written as ``fit.json``."""
    shown = []
    for options in requests:
        values = options.model_dump()
        with speaking("web"):
            service.plan(**values)
        shown.append({**values, "law": FIT_FILE if isinstance(values["law"], dict) else values["law"]})
    return PLAN.snippets("plan", "plan", *shown)


@router.post("/snippets/forecast", summary="A forecast request as a command line and as Python")
async def forecast(request: Request, options: ForecastRequest) -> Snippets:
    """A preset by its name; a scenario's YAML text as ``scenario.yaml`` (the page's Export saves it)."""
    check_samples(request, options.samples)
    check_yaml(request, options.yaml)
    values = options.model_dump(exclude={"yaml"})
    if (options.scenario is None) == (options.yaml is None):
        raise ApiError(422, "give either scenario (a preset name) or yaml (a scenario file's text)")
    if options.yaml is not None:
        values["scenario"] = "scenario.yaml"
    else:
        from ...forecast.scenarios import get_scenario

        with speaking("web"):
            get_scenario(options.scenario)
    return FORECAST.snippets("forecast", "forecast", _checked(FORECAST, values))


def _runs_values(request: Request, options) -> dict:
    """The form's options with ``runs``: the bundled dataset's name or the uploaded table's own name."""
    values = options.model_dump()
    dataset, upload = values.pop("dataset"), values.pop("upload")
    if (dataset is None) == (upload is None):
        raise ApiError(422, "give one of upload (a table uploaded before, by its hash) or dataset (a bundled "
                            "dataset's name)")
    if dataset is not None:
        from ...datasets import get_dataset

        return {"runs": get_dataset(dataset).name, **values}
    return {"runs": request.app.state.uploads.get(upload).name, **values}


def _form_snippets(request: Request, options, declared: Options, command: str, *, save: str | None = None) -> Snippets:
    values = _checked(declared, _runs_values(request, options))
    check_bootstrap(request, values.get("bootstrap", 0))
    return declared.snippets(command, command, values, save=save)


@router.post("/snippets/fit", summary="A fit (the Fit page's form) as a command line and as Python, saving fit.json")
async def fit(request: Request, options: Annotated[FitOptions, Form()]) -> Snippets:
    return _form_snippets(request, options, FIT, "fit", save=FIT_FILE)


@router.post("/snippets/isoflop", summary="An IsoFLOP fit (the Fit page's form) as a command line and as Python")
async def isoflop(request: Request, options: Annotated[IsoflopOptions, Form()]) -> Snippets:
    return _form_snippets(request, options, ISOFLOP, "isoflop")


@router.post("/snippets/suggest", summary="A suggestion (the Fit page's form) as a command line and as Python")
async def suggest(request: Request, options: Annotated[SuggestOptions, Form()]) -> Snippets:
    return _form_snippets(request, options, SUGGEST, "suggest")


@router.post("/snippets/sweep-status", responses=errors(404), summary="A sweep of the registry as `scalinglab sweep status` and as Python")
async def sweep_status(request: Request, options: SweepStatusRequest) -> Snippets:
    """The registry is named by its file name only (the server's folder is not shown)."""
    registry = settings_of(request).registry
    if registry is None:
        raise ApiError(404, "no runs registry: start the server with `scalinglab serve --registry runs.db`")
    return STATUS.snippets("sweep status", "sweep.status", {"db": registry.name, "name": options.name})

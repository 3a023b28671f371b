"""``/api/v1/plan``, ``/predict`` and the Plan page's chart: allocations and losses under a law."""

from __future__ import annotations

from fastapi import APIRouter, Request

from .. import service
from .._common import DocumentedRoute, ApiError, body, call
from ..schemas import PlanChartRequest, PlanRequest, PredictRequest

router = APIRouter(tags=["plan"], route_class=DocumentedRoute)


def _law(value):
    return value.model_dump(exclude_none=True) if hasattr(value, "model_dump") else value


@router.post("/plan", summary="Compute-optimal N and D (scalinglab plan --json)")
async def plan(request: Request, options: PlanRequest):
    limit = request.app.state.settings.limits.compute_points
    if isinstance(options.compute, list) and len(options.compute) > limit:
        raise ApiError(422, f"compute has {len(options.compute)} budgets; the explorer plans at most {limit}")
    values = options.model_dump()
    values["law"] = _law(options.law)
    return body(await call(request, service.plan, **values))


@router.post("/predict", summary="The loss a law predicts (scalinglab predict --json)")
async def predict(request: Request, options: PredictRequest):
    values = options.model_dump()
    values["law"] = _law(options.law)
    return body(await call(request, service.predict, **values))


@router.post("/charts/plan", summary="The Plan page: plans of several laws over a compute range, and the chart")
async def plan_chart(request: Request, options: PlanChartRequest):
    laws = [_law(law) for law in options.laws]
    result = await call(request, service.plan_curves, laws=laws, compute=options.compute, variant=options.variant,
                        unique_tokens=options.unique_tokens, inference_tokens=options.inference_tokens,
                        bands=options.bands)
    return body(result)

"""``/api/v1/cost``, ``/budget``, ``/hardware`` and ``/cluster``: time, dollars, energy; the catalogue."""

from __future__ import annotations

from fastapi import APIRouter, Request

from .. import service
from .._common import DocumentedRoute, body, call, check_samples
from ..schemas import BudgetRequest, ClusterCurveRequest, CostRequest

router = APIRouter(tags=["cost"], route_class=DocumentedRoute)


@router.post("/cost", summary="Days, GPU-hours, cost, energy and CO2 of a run (scalinglab cost --json)")
async def cost(request: Request, options: CostRequest):
    check_samples(request, options.samples)
    return body(await call(request, service.cost, **options.model_dump()))


@router.post("/budget", summary="What a budget buys (scalinglab budget --json)")
async def budget(request: Request, options: BudgetRequest):
    check_samples(request, options.samples)
    values = options.model_dump()
    values["law"] = options.law.model_dump(exclude_none=True) if hasattr(options.law, "model_dump") else options.law
    return body(await call(request, service.budget, **values))


@router.get("/hardware", summary="The accelerator catalogue (scalinglab hardware list --json)")
async def hardware_list():
    return body(service.hardware_list())


@router.get("/hardware/{name}", summary="One accelerator with every field's source (scalinglab hardware show)")
async def hardware_show(name: str):
    return body(service.hardware_show(name))


@router.get("/cluster", summary="Utilisation against cluster size: calibration and model (hardware cluster --json)")
async def cluster(request: Request):
    return body(await call(request, service.cluster))


@router.post("/cluster/curve", summary="U(G) of the default cluster-size model at the given sizes")
async def cluster_curve(request: Request, options: ClusterCurveRequest):
    return body(await call(request, service.cluster_curve, gpus=options.gpus))


@router.post("/charts/cluster", summary="The Cost page's cluster-size curve with the published points, and the chart")
async def cluster_chart(request: Request, options: ClusterCurveRequest):
    return body(await call(request, service.cluster_chart, gpus=options.gpus))

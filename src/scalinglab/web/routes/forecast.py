"""``/api/v1/scenarios`` and ``/forecast``: presets, scenario YAML in and out, Monte Carlo forecasts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from .. import service
from .._common import DocumentedRoute, body, call, check_samples, check_yaml
from ..schemas import ForecastRequest, ScenarioText

router = APIRouter(tags=["forecast"], route_class=DocumentedRoute)


@router.get("/scenarios", summary="Preset scenarios (scalinglab scenarios list --json)")
async def scenarios(request: Request):
    return body(await call(request, service.scenarios_list))


@router.get("/scenarios/{name}", summary="One preset with each input's source (scalinglab scenarios show --json)")
async def scenario(request: Request, name: str):
    return body(await call(request, service.scenario_show, name=name))


@router.get("/scenarios/{name}/yaml", summary="A preset's YAML, as `scalinglab forecast --scenario FILE` reads it",
            responses={200: {"content": {"application/yaml": {"schema": {"type": "string"}}}}})
async def scenario_yaml(name: str):
    return PlainTextResponse(service.scenario_yaml(name), media_type="application/yaml")


@router.post("/scenarios/describe", summary="Validate scenario YAML and list its inputs with their sources")
async def describe(request: Request, options: ScenarioText):
    check_yaml(request, options.yaml)
    return body(await call(request, service.scenario_describe, text=options.yaml))


async def _forecast(request: Request, options: ForecastRequest):
    check_samples(request, options.samples)
    check_yaml(request, options.yaml)
    return await call(request, service.forecast, yaml_text=options.yaml, **options.model_dump(exclude={"yaml"}))


@router.post("/forecast", summary="Monte Carlo forecast of a preset or a scenario YAML (scalinglab forecast --json)")
async def forecast(request: Request, options: ForecastRequest):
    return body(await _forecast(request, options))


@router.post("/charts/forecast", summary="The Forecast page: the forecast and its fan charts")
async def forecast_chart(request: Request, options: ForecastRequest):
    result = await _forecast(request, options)
    spec = await call(request, service.forecast_spec, result=result)
    return body({"result": result.to_dict(), "spec": spec})

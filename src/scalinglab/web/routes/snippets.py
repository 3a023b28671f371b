"""``/api/v1/snippets/cost``: the Cost page's request as a command line and as Python, from the declarations.

The body is ``/api/v1/cost``'s own (the same fields and checks, names looked up in their registries); the
answer is ``{"cli": ..., "python": ...}`` written by :meth:`scalinglab.options.Options.snippets`, so the page
shows what the declarations say, not a copy of the flags kept in JavaScript.
"""

from __future__ import annotations

from fastapi import APIRouter

from ...compute.cost_options import COST
from ...options import speaking
from .. import service
from .._common import DocumentedRoute
from ..schemas import CostRequest, Snippets

router = APIRouter(tags=["cost"], route_class=DocumentedRoute)


@router.post("/snippets/cost", summary="A cost request as a command line and as Python (checked as /cost checks it)")
async def cost(options: CostRequest) -> Snippets:
    from ...compute.hardware import get_accelerator

    values = options.model_dump()
    with speaking("web"):
        COST.check(values)
        if values["gpu"] is not None:
            get_accelerator(values["gpu"])
        if isinstance(values["config"], dict):  # a config.json's contents have no command-line spelling
            service.model_config(values["config"])
            values["config"] = "config.json"
        else:
            service.model_config(values["config"])
    return COST.snippets("cost", "cost", values)

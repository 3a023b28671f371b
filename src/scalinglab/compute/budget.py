"""Budgets joined to planning: dollars (or GPUs x days) on an accelerator -> FLOP -> N, D and loss.

GPU-hours H come from the budget:

* cloud dollars:  H = dollars / (price per GPU-hour);
* owned dollars:  H = dollars / (hardware price x (1 + overhead) x depreciation rate / 8766 h
                                 + watts x PUE / 1000 x $/kWh)  (the cost model of ``cost``, per hour);
* GPUs x days:    H = G x 24 x days.

Training compute C = H x 3600 x peak x U x goodput, and ``scalinglab.plan.compute_optimal`` turns C
into the compute-optimal N, D and the loss under a law (a published one or a saved fit).

With ranges, C is sampled; N_opt and D_opt rise and the loss falls monotonically with C, so their
percentiles are the plan at the percentiles of C, sorted (p5 of the loss at p95 of C) - exact, and
fast for laws that are minimised numerically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..laws import DEFAULT_LAW
from ..options import spelled
from ..units import SECONDS_PER, format_quantity
from .cluster import achieved_flops_per_gpu, default_cluster_model
from .cost import (DEFAULT_KEYS, PERCENTILES, EstimateResult, cloud_price, cost_defaults, default_assumptions, draw,
                   mfu_from_hfu, parse_inputs, resolve_accelerator, summarise)
from .hardware import normalise_precision

__all__ = ["BudgetPlan", "plan_budget"]

BASES = ("cloud", "owned")


@dataclass(frozen=True)
class BudgetPlan(EstimateResult):
    """What a budget buys: GPU-hours, FLOP, and the compute-optimal N, D and loss under ``law``."""

    basis: str = "cloud"
    law: str = ""
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return self._dict(basis=self.basis, law=self.law, warnings=list(self.warnings))

    def headline(self) -> str:
        v = self.values
        return (f"{self.accelerator} under {self.law}: {v['flops']:.3g} FLOP -> N = {format_quantity(v['n_opt'])}, "
                f"D = {format_quantity(v['d_opt'])}")

    def report(self):
        return self._table(f"Budget on {self.accelerator} ({self.precision}, {self.basis}) -> "
                           f"compute-optimal plan under {self.law}")


def plan_budget(*, accelerator=None, dollars=None, gpus=None, days=None, basis: str = "cloud",
                law: str = DEFAULT_LAW, precision: str | None = None, peak_flops=None, mfu=None,
                cluster_model: bool = False, cluster_b=None, goodput=None, price_per_gpu_hour=None,
                cloud_discount=None, hfu=None, recompute: str | None = None, gpu_price=None,
                overhead=None, depreciation=None, electricity=None, pue=None, watts=None,
                flops_per_param_token: float = 6.0, samples: int = 10_000, seed: int = 0) -> BudgetPlan:
    """Turn a budget into the compute-optimal model it buys (numeric arguments may be ranges)."""
    from ..laws import resolve_law
    from ..plan import compute_optimal

    if basis not in BASES:
        raise InputError(f"basis must be one of {', '.join(BASES)}, got {basis!r}")
    law_name, law_object = resolve_law(law)
    given = parse_inputs(dict(dollars=dollars, gpus=gpus, days=days, peak_flops=peak_flops, mfu=mfu, hfu=hfu,
                              cluster_b=cluster_b, goodput=goodput, price_per_gpu_hour=price_per_gpu_hour,
                              cloud_discount=cloud_discount,
                              gpu_price=gpu_price, overhead=overhead, depreciation=depreciation,
                              electricity=electricity, pue=pue, watts=watts))
    acc = resolve_accelerator(accelerator, given.get("peak_flops"), precision)
    precision = normalise_precision(precision) if precision else acc.default_precision
    defaults = cost_defaults()
    p, sampled, notes = draw(given, samples, seed)
    for key, default in DEFAULT_KEYS.items():
        p.setdefault(key, defaults[default].value)
    assumed = default_assumptions(given, acc, defaults)
    if "hfu" in given:
        assumed["mfu"], _ = mfu_from_hfu(p, given, recompute)
    elif "mfu" not in given and not cluster_model:
        mfu = defaults["budget_mfu"]  # the same MFU ``cost`` assumes
        p["mfu"] = mfu.value
        assumed["mfu"] = {"value": mfu.value, "source": str(mfu.source), "note": mfu.note}
    elif "mfu" in given:
        assumed["mfu"] = {"value": str(given["mfu"]), "source": "given"}

    hourly = _hourly_rates(p, acc, notes)
    gpu_hours, g = _gpu_hours(p, given, basis, hourly)
    peak = p["peak_flops"] if "peak_flops" in p else acc.peak(precision)
    model = None
    if cluster_model:
        if g is None:
            raise InputError("the cluster-size model needs the number of GPUs")
        model = default_cluster_model(accelerator=acc.name)
    achieved = achieved_flops_per_gpu(peak, g, mfu=None if cluster_model else p["mfu"], cluster_model=model,
                                      cluster_b=p.get("cluster_b"))
    flops = gpu_hours * 3600.0 * achieved * p["goodput"]
    seconds = None if g is None else gpu_hours * 3600.0 / g
    out = {
        "gpus": g, "gpu_hours": gpu_hours, "days": None if seconds is None else seconds / SECONDS_PER["day"],
        "mfu": achieved / peak, "goodput": p["goodput"], "flops": flops,
        "cloud_cost_usd": None if hourly["cloud"] is None else gpu_hours * hourly["cloud"],
        "owned_cost_usd": None if hourly["owned"] is None else gpu_hours * hourly["owned"],
    }
    values, table = summarise(out)
    if "goodput" not in given and defaults["goodput"].range is not None:  # FLOP bought scale with the goodput
        goodput, (lo, hi) = defaults["goodput"].value, defaults["goodput"].range
        span = [values["flops"] * lo / goodput, values["flops"] * hi / goodput]
        assumed["goodput"]["flops_range"] = span
        notes.append(f"goodput not given: {100 * goodput:.0f}% assumed; its sourced range {100 * lo:.0f}-{100 * hi:.0f}% "
                     f"buys {span[0]:.3g} to {span[1]:.3g} FLOP ({spelled('goodput')} sets it)")
    plan = compute_optimal(law_object, values["flops"], flops_per_param_token=flops_per_param_token, name=law_name)
    values.update({"n_opt": float(plan.n_params), "d_opt": float(plan.n_tokens),
                   "tokens_per_param": float(plan.tokens_per_param),
                   "loss": None if plan.loss is None else float(plan.loss)})
    if "flops" in table:  # the FLOP bought vary when a range moves them (the owned overhead does not, on cloud)
        table.update(_plan_percentiles(law_object, table["flops"], flops_per_param_token, law_name))
    assumptions = {"law": law_name, "flops_per_param_token": flops_per_param_token, "plan_method": plan.method,
                   "peak_flops_per_gpu": peak if np.ndim(peak) == 0 else str(given["peak_flops"]), **assumed}
    from ..laws.ranges import extrapolation_warnings, fitted_range

    warnings = tuple(extrapolation_warnings(fitted_range(law), n=plan.n_params, d=plan.n_tokens, c=values["flops"],
                                            name=law_name))
    notes += [f"warning: {w}" for w in warnings]
    return BudgetPlan(acc.name, precision, values, table if sampled else {}, assumptions,
                      tuple(dict.fromkeys(notes)), samples, seed, basis=basis, law=law_name, warnings=warnings)


def _hourly_rates(p: dict, acc, notes: list) -> dict:
    """Cloud and owned dollars per GPU-hour (None where a price is missing)."""
    cloud = cloud_price(p, acc)
    price = p.get("gpu_price", acc.release_price_usd)
    watts = p.get("watts", acc.tdp_watts)
    owned = None
    if price is not None and watts is not None:
        hours_per_year = SECONDS_PER["year"] / 3600.0
        owned = price * (1.0 + p["overhead"]) * p["depreciation"] / hours_per_year + \
            watts * p["pue"] / 1000.0 * p["electricity"]
    if cloud is None:
        notes.append(f"no cloud price for {acc.name} in the catalogue: pass price_per_gpu_hour")
    if owned is None:
        notes.append(f"no release price or TDP for {acc.name} in the catalogue: pass gpu_price and watts for owned cost")
    return {"cloud": cloud, "owned": owned}


def _gpu_hours(p: dict, given: dict, basis: str, hourly: dict):
    has = {k for k in ("dollars", "gpus", "days") if k in given}
    if has == {"dollars", "gpus", "days"}:
        raise InputError("dollars, GPUs and days over-determine the budget: give dollars (optionally with GPUs "
                         "or days), or GPUs and days")
    if "dollars" in has:
        rate = hourly[basis]
        if rate is None:
            raise InputError(f"no {basis} price per GPU-hour for this accelerator: pass "
                             f"{'price_per_gpu_hour' if basis == 'cloud' else 'gpu_price and watts'}")
        if np.any(np.asarray(rate) <= 0):
            raise InputError(f"the {basis} price per GPU-hour must be positive to spend a budget")
        gpu_hours = p["dollars"] / rate
        if "gpus" in has:
            return gpu_hours, p["gpus"]
        if "days" in has:
            return gpu_hours, gpu_hours / (24.0 * p["days"])
        return gpu_hours, None
    if has == {"gpus", "days"}:
        return p["gpus"] * 24.0 * p["days"], p["gpus"]
    raise InputError("give a budget: dollars (cloud or owned basis), or GPUs and days")


def _plan_percentiles(law, flops_pct: dict, k: float, name: str) -> dict:
    from ..plan import compute_optimal

    keys = [f"p{p}" for p in PERCENTILES]
    plan = compute_optimal(law, [flops_pct[key] for key in keys], flops_per_param_token=k, name=name)
    columns = {"n_opt": plan.n_params, "d_opt": plan.n_tokens, "tokens_per_param": plan.tokens_per_param,
               "loss": plan.loss}
    # each is monotone in C, so its percentiles are its values at C's percentiles, in sorted order
    return {key: dict(zip(keys, sorted(map(float, np.asarray(v))))) for key, v in columns.items() if v is not None}

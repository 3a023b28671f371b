"""The forecast section of the demo report: every essay as a scenario, side by side, and the compute trend."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .html import Section
from ..forecast.milestones import year_percentiles
from ..forecast.montecarlo import compare_scenarios
from ..forecast.scenarios import list_scenarios
from ..forecast.trends import fit_trend

SAMPLES = 20_000
#: Essay on compute, algorithms and spending slowing down, Appendix, Growth table ("Total" row)
ESSAY_004_TOTALS = {(2012, 2018): 15868.3033, (2018, 2025): 3070589719.0, (2025, 2035): 421231.043}


def _year(value: float | None, until: int) -> str:
    return f"> {until}" if value is None else f"{value:.1f}"


def _years(p: dict, until: int) -> str:
    """'2027.1 (2026.0–2028.1)'; a range that is one value is printed once ('2030.0', '>2040')."""
    median, low, high = (_year(p[k], until) for k in ("p50", "p5", "p95"))
    if low == high == median:
        return median.replace("> ", ">")
    return f"{median} ({low}\u2013{high})".replace("> ", ">")


def section(out_dir: Path) -> Section:
    from ..charts.forecast import compare_chart, fan_chart, run_path_chart, tornado_chart, trend_chart
    from ..forecast.sensitivity import sensitivity

    compare = compare_scenarios(list_scenarios(), samples=SAMPLES, seed=0, until=2040)
    by_name = {r.scenario.name: r for r in compare.results}
    milestones = []
    for r in compare.results:
        milestones += [m for m in r.milestones if m not in milestones]
    rows = []
    for m in milestones:
        row = {"milestone": m}
        for r in compare.results:
            if m in r.milestones:
                p = year_percentiles(r.milestones[m])
                row[r.scenario.name] = _years(p, r.until)
            else:
                row[r.scenario.name] = "-"
        rows.append(row)

    slowdown = by_name["compute-slowdown"]
    table_004 = pd.DataFrame([
        {"years": f"{a}-{b}", "essay 004 (Total)": f"{v:,.4g}",
         "scalinglab, as the essay counts": f"{slowdown.growth_between('effective_compute', a, b, uncapped=True)[0]:,.4g}",
         "with its ~$100B cap": f"{slowdown.growth_between('effective_compute', a, b)[0]:,.4g}"}
        for (a, b), v in ESSAY_004_TOTALS.items()])

    view = by_name["exponential-view"]
    growth = view.derived_growth()["spending"]
    view_m = view.milestone_summary()
    binds = view.binds["data stock"]
    loss_flat = view.value("loss", view.until)
    drivers = sensitivity(by_name["scaling-picture"].scenario, "data stock binds", samples=SAMPLES, seed=0, until=2040)
    top = drivers.rows[0]
    trend = fit_trend("notable-models", "Training compute (FLOP)", since="2010")
    data = by_name["epoch-trends"].milestone_summary()
    trend_rows = pd.DataFrame([{
        "data": "notable-models, all domains, since 2010", "rows": trend.n,
        "growth per year": f"{trend.growth_per_year:.2f}x", "90% CI": f"{trend.ci90[0]:.2f}-{trend.ci90[1]:.2f}",
        "doubling": f"{trend.doubling_months:.1f} months",
    }])
    paragraphs = [
        "Each essay's numbers are a scenario file in which every number names its source; the Monte Carlo draws "
        f"every uncertain input once per sample ({SAMPLES:,} samples, seed 0) and reports percentiles per year and "
        "the distribution of the year each milestone is reached (median, 5th-95th percentile).",
        f"Exponential View (000): compute 4-5x a year with cost per FLOP falling 35% a year makes the cost of the "
        f"largest run grow {growth:.2f}x a year; from GPT-4's ~$500M cluster in 2023 the median run passes $10B in "
        f"{view_m['spending >= $10B']['p50']:.1f} and $100B in {view_m['spending >= $100B']['p50']:.1f}, about a year "
        "after the essay's '$10 billion' (2025) and '$100 billion' (2027): tripling a year cannot do 10x in one year.",
        "Compute slowdown (004): its appendix's per-year factors reproduce its growth table when years are counted "
        "as it counts them (an era A-B is B - A growth-years, so 2012->2018 is 5 of them); its own ~$100B cap, which "
        "the table ignores, cuts 2025->2035 by more than an order of magnitude.",
        "Data (Epoch AI trends): datasets of 15T tokens in 2024 growing 3x a year reach a median 3.2e14-token stock in "
        f"{data['data stock exhausted at 1 epoch']['p50']:.1f}; repeating the stock 4, 16 or 60 times (Muennighoff et "
        f"al. 2023) moves that to {data['data stock exhausted at 4 epochs']['p50']:.1f}, "
        f"{data['data stock exhausted at 16 epochs']['p50']:.1f} and {data['data stock exhausted at 60 epochs']['p50']:.1f}.",
        "Constraints that bind: a run trains on at most the text stock times its allowed epochs, and past that its "
        "extra compute goes into parameters that the data-constrained law (Muennighoff et al. 2023) discounts. In "
        f"the exponential-view preset the stock, read once, binds in {binds['binds_share']:.0%} of samples from a median "
        f"{binds['first_year']['p50']:.1f}; the predicted loss (under {view.law}) then levels off at {loss_flat:.3g} "
        f"while compute keeps growing {view.value('compute', view.until) / view.value('compute', 2030):,.0f}-fold from "
        f"2030 to {view.until}.",
        f"Sensitivity: in the scaling-picture preset, {top['input']} ({top['value']}) explains {top['first_order']:.0%} of "
        "the variance of the year its data stock binds (first-order Sobol index, SALib's RBD-FAST on the Monte Carlo "
        "samples).",
        f"Trend: training compute of Epoch AI's notable models since 2010 grows {trend.growth_per_year:.2f}x a year "
        f"(90% CI {trend.ci90[0]:.2f}-{trend.ci90[1]:.2f}); Epoch AI reports 4-5x.",
    ]
    return Section(
        "Forecasts: the essays as scenarios",
        paragraphs,
        [("Milestone year by scenario: median (5th-95th percentile)", pd.DataFrame(rows)),
         ("Essay 004's growth table (effective compute = algorithms x FLOP/$ x spending)", table_004),
         ("Exponential trend of training compute", trend_rows)],
        [compare_chart(compare), fan_chart(view, "spending"), run_path_chart(view), tornado_chart(drivers),
         trend_chart(trend)],
        summary=(f"In the Exponential View preset the largest run passes $100B in a median "
                 f"{view_m['spending >= $100B']['p50']:.1f}; at Epoch AI's trends datasets read the public text "
                 f"stock once by {data['data stock exhausted at 1 epoch']['p50']:.1f} and 16 times by "
                 f"{data['data stock exhausted at 16 epochs']['p50']:.1f}; notable models' training compute grows "
                 f"{trend.growth_per_year:.2f}x a year."),
    )


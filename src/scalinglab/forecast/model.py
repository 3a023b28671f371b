"""The forecast model: named factors combined into compute, effective compute, data and milestones.

Compute of the largest run (FLOP) follows, in this order of preference, from

* ``compute`` given directly (a start and a growth);
* ``gpus x gpu_flops x utilisation x run_length`` (essay "Scaling Laws for AI And Some Implications": "the FLOPs required
  for training a model can be estimated as Training time x #cores x peak FLOP/s x utilization rate"), where the GPUs of one run
  are capped at ``gpu_production.max_share`` of that year's shipments and utilisation may fall with
  cluster size, U = U_ref (G / G_ref)^(-b);
* the money identity ``compute = spending x flop_per_dollar x utilisation`` (FLOP/$ at peak; with
  utilisation left out it defaults to 1, i.e. FLOP/$ is already realised).

The identity also ties the three together: a factor given without growth gets the growth the others
imply, one given without a start gets the start that makes the identity hold, and when all three
growths are given the consistency check reports whether spending and FLOP/$ imply the compute growth.
Ceilings on spending and compute shrink both (the run is as large as the tighter one allows).
Effective compute = compute x algorithmic efficiency. Datasets come from compute (D = sqrt(C r / 6)
with r tokens per parameter, or a law's compute-optimal D) or are given; the data stock is
exhausted at E epochs once D exceeds the effective data of E passes over it (Muennighoff et al.
2023, eq. 5): U (1 + R_D* (1 - exp(-(E - 1) / R_D*))). The run itself never trains on more than
``binding_epochs`` passes over the stock: its N, D and loss follow ``constraints``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..units import SECONDS_PER
from .growth import Draws, Grid, Piece, series_piece
from .schema import Scenario, ScenarioError

__all__ = ["compute_route", "ModelPaths", "evaluate", "epoch_multiplier", "DEFAULT_BINDING_EPOCHS"]

#: Muennighoff et al. 2023 (arXiv:2305.16264), section 1: "up to 4 epochs" of repetition is about as good
#: as fresh data; the default number of epochs at which the data stock counts as a binding constraint.
DEFAULT_BINDING_EPOCHS = 4.0

_LOG10_SECONDS_PER_YEAR = np.log10(SECONDS_PER["year"])


def compute_route(scenario: Scenario) -> str:
    """'direct', 'gpus' or 'money': how compute follows from the factors (raises if it does not)."""
    f = scenario.factors
    if f.compute is not None and f.compute.start is not None and f.compute.growth:
        return "direct"
    if f.gpus is not None:
        return "gpus"
    members = _identity_members(scenario)
    missing_growth = [m for m, s in members.items() if s is None or not s.growth]
    missing_start = [m for m, s in members.items() if s is None or s.start is None]
    if len(missing_growth) <= 1 and len(missing_start) <= 1:
        return "money"
    raise ScenarioError("factors: cannot determine compute: give factors.compute (start and growth), or two of "
                        "spending, flop_per_dollar (or cost_per_flop) and compute with the third's start or growth, "
                        "or gpus with gpu_flops and run_length")


def _identity_members(scenario: Scenario) -> dict:
    f = scenario.factors
    return {"spending": f.spending, "flop_per_dollar": f.flop_per_dollar or f.cost_per_flop, "compute": f.compute}


def epoch_multiplier(epochs, r_d_star: float) -> np.ndarray:
    """Effective data of E passes over U unique tokens, in units of U (Muennighoff et al. 2023, eq. 5)."""
    from ..laws import effective_data

    epochs = np.asarray(epochs, dtype=float)
    return effective_data(epochs, 1.0, r_d_star)


def muennighoff_r_d_star() -> float:
    from ..laws import get_law

    return float(get_law("muennighoff2023").law.R_D_star)


@dataclass
class ModelPaths:
    """log10 levels over the grid (shape (years, n|1)) plus what the milestones and checks need."""

    grid: Grid
    route: str
    levels: dict[str, np.ndarray] = field(default_factory=dict)
    #: constraint -> (log10 wanted level, log10 ceiling): it binds where wanted > ceiling
    constraints: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)  # factor -> what was derived ("growth", "start", "path")
    growth_check: dict | None = None
    level_check: dict | None = None
    stock_margin: np.ndarray | None = None  # log10(dataset / stock)
    binding_epochs: np.ndarray | float = DEFAULT_BINDING_EPOCHS
    r_d_star: float = 0.0
    #: constraint -> stage of the path it cuts (see constraints.STAGES); ceilings of one stage compete
    stages: dict[str, str] = field(default_factory=dict)
    #: the law the run's N, D and loss follow (None: no dataset, so no run path)
    law_name: str | None = None
    #: how the run's dataset is chosen ("compute-optimal under hoffmann2022", "20 tokens per parameter", ...)
    dataset_from: str | None = None
    shrink: np.ndarray = field(default_factory=lambda: np.zeros((1, 1)))  # log10 factor the ceilings cut the run by


def _full(grid: Grid, piece: Piece) -> np.ndarray | None:
    return piece.level(grid) if piece.start is not None and piece.cum is not None else None


def _utilisation(scenario: Scenario, grid: Grid, draws: Draws, log_gpus: np.ndarray | None) -> np.ndarray:
    spec = scenario.factors.utilisation
    if spec is None:
        return np.zeros((1, 1))
    log_u = series_piece("utilisation", spec, grid, draws).level(grid, in_place=True)
    if spec.falls_with_cluster is not None:
        falls = spec.falls_with_cluster
        log_u = log_u - draws(falls.exponent) * (log_gpus - draws.log10(falls.reference_gpus))
    return np.minimum(log_u, 0.0)


def _average_growth(path: np.ndarray, grid: Grid) -> np.ndarray:
    """Per-sample average growth factor per year over the reported years."""
    i0 = grid.index(grid.report_from)
    return 10.0 ** ((path[-1] - path[i0]) / (grid.last - grid.report_from))


def _resolve_money(scenario: Scenario, grid: Grid, draws: Draws, paths: ModelPaths, gdp, log_u, compute_full,
                   compute_piece: Piece | None = None):
    """Fill spending, FLOP/$ and compute from the identity c = s + p + u (log10).

    ``compute_piece`` is the compute factor's piece when the caller has built it already (it is not built twice).
    """
    f = scenario.factors
    pieces = {
        "spending": series_piece("spending", f.spending, grid, draws, gdp),
        "flop_per_dollar": series_piece("flop_per_dollar", f.flop_per_dollar, grid, draws),
        "compute": compute_piece if compute_piece is not None else series_piece("compute", f.compute, grid, draws),
    }
    if f.cost_per_flop is not None:
        cost = series_piece("cost_per_flop", f.cost_per_flop, grid, draws)
        pieces["flop_per_dollar"] = Piece("flop_per_dollar", None if cost.cum is None else -cost.cum,
                                          None if cost.start is None else (-cost.start[0], cost.start[1]))
    # compute given as a full path (directly or from GPUs) has both a growth and a start
    missing_growth = [m for m, p in pieces.items() if p.cum is None and not (m == "compute" and compute_full is not None)]
    missing_start = [m for m, p in pieces.items() if p.start is None and not (m == "compute" and compute_full is not None)]
    if len(missing_growth) > 1 or len(missing_start) > 1:
        return None
    if compute_full is not None:
        compute_full = np.broadcast_to(compute_full, (grid.size, compute_full.shape[1]))
        cum = compute_full - compute_full[:1]
        pieces["compute"] = Piece("compute", cum, (compute_full[grid.index(grid.report_from)], grid.report_from),
                                  pieces["compute"].cap)
    sign = {"spending": -1.0, "flop_per_dollar": -1.0, "compute": 1.0}
    u_cum = log_u - log_u[:1]
    if missing_growth:
        # sum over members of sign * cum + (-u) = 0  ->  solve for the missing one
        target = missing_growth[0]
        rest = sum(sign[m] * pieces[m].cum for m in pieces if m != target) - u_cum
        pieces[target].cum = -rest / sign[target]
        paths.derived[target] = "growth"
    else:
        implied = pieces["spending"].cum + pieces["flop_per_dollar"].cum + u_cum
        given = _average_growth(pieces["compute"].cum, grid)
        from_parts = _average_growth(implied, grid)
        ratio = float(np.median(given / from_parts))
        paths.growth_check = {
            "compute_growth_given": float(np.median(given)),
            "compute_growth_implied": float(np.median(from_parts)),
            "ratio": ratio,
            "consistent": bool(abs(np.log(ratio)) <= np.log(1.1)),
        }
    full = {m: pieces[m].level(grid) for m in pieces if pieces[m].start is not None}
    if missing_start:
        target = missing_start[0]
        anchor = max(pieces[m].start[1] for m in pieces if m != target)
        anchor = min(max(anchor, grid.first), grid.last)
        i = grid.index(anchor)
        identity = sum(sign[m] * full[m] for m in full) - log_u
        value_at_anchor = -identity[i] / sign[target]
        pieces[target].start = (value_at_anchor, anchor)
        full[target] = pieces[target].level(grid)
        paths.derived[target] = "start" if target not in paths.derived else "path"
    else:
        anchor = max(p.start[1] for p in pieces.values())
        i = grid.index(min(max(anchor, grid.first), grid.last))
        gap = full["compute"][i] - (full["spending"][i] + full["flop_per_dollar"][i] + log_u[min(i, log_u.shape[0] - 1)])
        paths.level_check = {"year": int(grid.first + i), "compute_over_implied": float(np.median(10.0 ** gap))}
    for name, piece in pieces.items():
        full[name + "_cap"] = piece.cap
    return full


def _cut(level: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """``level + cut`` (log10); the level itself when no ceiling cuts it (a single zero), without a copy."""
    if cut.size == 1 and not cut.any():
        return level
    return level + cut


def evaluate(scenario: Scenario, grid: Grid, draws: Draws, law: str | None = None) -> ModelPaths:
    """All log10 paths of a scenario over the grid for every sample.

    ``law`` names the law of the run's N, D and loss (see ``constraints``); given, it also sets the dataset
    the run wants (its compute-optimal D) unless the scenario gives the dataset as a series.
    """
    f = scenario.factors
    route = compute_route(scenario)
    paths = ModelPaths(grid, route)
    levels = paths.levels
    gdp = None
    if f.world_gdp is not None:
        gdp = series_piece("world_gdp", f.world_gdp, grid, draws).level(grid, in_place=True)
        levels["world_gdp"] = gdp

    log_gpus = None
    compute_full = None
    compute_piece = None
    if route == "gpus":
        gpus = series_piece("gpus", f.gpus, grid, draws)
        wanted = gpus.level(grid, in_place=True)
        ceiling = np.full_like(wanted, np.inf)
        if gpus.cap is not None:
            ceiling = np.minimum(ceiling, gpus.cap)
            paths.constraints["gpus cap"] = (wanted, gpus.cap)
            paths.stages["gpus cap"] = "gpus"
        if f.gpu_production is not None:
            production = series_piece("gpu_production", f.gpu_production, grid, draws).level(grid, in_place=True)
            supply = production + draws.log10(f.gpu_production.max_share)
            levels["gpu_production"] = production
            paths.constraints["GPU supply"] = (wanted, supply)
            paths.stages["GPU supply"] = "gpus"
            ceiling = np.minimum(ceiling, supply)
        log_gpus = np.minimum(wanted, ceiling)
        levels["gpus"] = log_gpus
    log_u = _utilisation(scenario, grid, draws, log_gpus)
    if route == "gpus":
        gpu_flops = series_piece("gpu_flops", f.gpu_flops, grid, draws).level(grid, in_place=True)
        run_length = series_piece("run_length", f.run_length, grid, draws).level(grid, in_place=True)
        compute_full = log_gpus + gpu_flops + log_u + run_length
        levels["gpu_flops"] = gpu_flops
    elif route == "direct":
        compute_piece = series_piece("compute", f.compute, grid, draws)
        compute_full = compute_piece.level(grid, in_place=True)

    money = _resolve_money(scenario, grid, draws, paths, gdp, log_u, compute_full, compute_piece)
    linked = money is not None
    if linked:
        compute, spending, fpd = money["compute"], money.get("spending"), money.get("flop_per_dollar")
        compute_cap, spending_cap = money["compute_cap"], money["spending_cap"]
    else:
        compute, spending, fpd, spending_cap = compute_full, None, None, None
        if compute_piece is None and f.compute is not None:
            compute_piece = series_piece("compute", f.compute, grid, draws)
        compute_cap = None if compute_piece is None else compute_piece.cap
        if f.spending is not None and f.spending.start is not None and f.spending.growth:
            piece = series_piece("spending", f.spending, grid, draws, gdp)
            spending, spending_cap = piece.level(grid, in_place=True), piece.cap
    # a ceiling on spending, compute or GPU supply shrinks the run; when the identity links spending and
    # compute they shrink alike
    spend_cut = np.zeros((1, 1)) if spending_cap is None else np.minimum(0.0, spending_cap - spending)
    compute_cut = np.zeros((1, 1)) if compute_cap is None else np.minimum(0.0, compute_cap - compute)
    if spending_cap is not None:
        paths.constraints["spending cap"] = (spending, spending_cap)
        paths.stages["spending cap"] = "compute" if linked else "spending"
    if compute_cap is not None:
        paths.constraints["compute cap"] = (compute, compute_cap)
        paths.stages["compute cap"] = "compute"
    per_gpu = None
    if f.gpus is None and f.gpu_flops is not None and f.run_length is not None:
        # GPUs the run needs: G = C / (F U T)
        per_gpu = series_piece("gpu_flops", f.gpu_flops, grid, draws).level(grid, in_place=True) + log_u \
            + series_piece("run_length", f.run_length, grid, draws).level(grid, in_place=True)
        if f.gpu_production is not None:
            production = series_piece("gpu_production", f.gpu_production, grid, draws).level(grid, in_place=True)
            levels["gpu_production"] = production
            supply = production + draws.log10(f.gpu_production.max_share)
            needed = compute - per_gpu
            paths.constraints["GPU supply"] = (needed, supply)
            paths.stages["GPU supply"] = "compute"
            compute_cut = np.minimum(compute_cut, np.minimum(0.0, supply - needed))
    shrink = np.minimum(spend_cut, compute_cut) if linked else compute_cut
    compute = _cut(compute, shrink)
    paths.shrink = shrink
    if spending is not None:
        levels["spending"] = _cut(spending, shrink if linked else spend_cut)
    if fpd is not None:
        levels["flop_per_dollar"] = fpd
    if f.utilisation is not None:
        levels["utilisation"] = log_u
    levels["compute"] = compute
    if per_gpu is not None:
        levels["gpus"] = compute - per_gpu

    if f.algorithms is not None:
        piece = series_piece("algorithms", f.algorithms, grid, draws)
        if piece.start is None:
            piece.start = (0.0, grid.report_from)
        levels["algorithms"] = piece.level(grid, in_place=True)
        levels["effective_compute"] = compute + levels["algorithms"]
    _data(scenario, grid, draws, paths, compute, law)
    return paths


def _dataset_from_law(law_name: str, log_compute: np.ndarray) -> np.ndarray:
    """log10 D_opt(C) under a law's compute-optimal plan (``plan.compute_optimal``) on a grid of log10 C.

    Chinchilla-form laws and allocation rules are power laws in C (Hoffmann et al. 2022, eq. 4), so a
    straight line in log-log reproduces them exactly; other laws are interpolated linearly in log-log.
    """
    from ..laws import get_law
    from ..plan import compute_optimal

    law = get_law(law_name).law
    lo, hi = float(np.floor(np.min(log_compute))) - 1, float(np.ceil(np.max(log_compute))) + 1
    grid_c = np.linspace(lo, hi, max(int(4 * (hi - lo)) + 1, 8))
    log_d = np.log10(compute_optimal(law, 10.0 ** grid_c).n_tokens)
    slope, intercept = np.polyfit(grid_c, log_d, 1)
    if np.max(np.abs(slope * grid_c + intercept - log_d)) < 1e-9:
        return slope * log_compute + intercept
    step = grid_c[1] - grid_c[0]
    position = (log_compute - lo) / step
    index = np.clip(np.floor(position).astype(int), 0, grid_c.size - 2)
    return log_d[index] + (position - index) * (log_d[index + 1] - log_d[index])


def _data(scenario: Scenario, grid: Grid, draws: Draws, paths: ModelPaths, compute: np.ndarray,
          law_name: str | None) -> None:
    from .constraints import run_law, run_path

    f = scenario.factors
    levels = paths.levels
    rule = f.dataset.rule if f.dataset is not None else None
    law = None
    if law_name is not None or f.dataset is not None:
        if law_name is None and rule is not None and rule.law is not None:
            from ..laws import AllocationRule, get_law

            if not isinstance(get_law(rule.law).law, AllocationRule):
                law_name = rule.law
        law = run_law(law_name)
        paths.law_name = law.name
    if f.dataset is not None and rule is None:
        piece = series_piece("dataset", f.dataset, grid, draws)
        wanted = piece.level(grid, in_place=True)
        if piece.cap is not None:
            paths.constraints["dataset cap"] = (wanted, piece.cap)
            paths.stages["dataset cap"] = "dataset"
            wanted = np.minimum(wanted, piece.cap)
        levels["dataset"] = wanted
        paths.dataset_from = "the scenario's dataset series"
    elif law_name is not None and (rule is None or rule.law is None or rule.law != law_name):
        levels["dataset"] = law.optimal_log_tokens(compute)
        paths.dataset_from = f"compute-optimal under {law.name}"
    elif rule is not None and rule.tokens_per_param is not None:
        # C = 6 N D and D = r N  ->  D = sqrt(C r / 6)
        levels["dataset"] = 0.5 * (compute + draws.log10(rule.tokens_per_param) - np.log10(6.0))
        paths.dataset_from = f"{rule.tokens_per_param.describe()} tokens per parameter"
    elif rule is not None:
        levels["dataset"] = _dataset_from_law(rule.law, compute)
        paths.dataset_from = f"compute-optimal under {rule.law}"
    stock = None
    if f.data_stock is not None:
        stock = series_piece("data_stock", f.data_stock, grid, draws).level(grid, in_place=True)
        levels["data_stock"] = stock
        if "dataset" in levels:
            paths.r_d_star = muennighoff_r_d_star()
            wanted = levels["dataset"]
            paths.stock_margin = wanted - stock
            epochs = draws(f.data_stock.binding_epochs) if f.data_stock.binding_epochs is not None else DEFAULT_BINDING_EPOCHS
            paths.binding_epochs = epochs
            # the run trains on at most E passes over the stock (Muennighoff et al. 2023 discount the repeats)
            ceiling = stock + np.log10(epochs)
            paths.constraints["data stock"] = (wanted, ceiling)
            paths.stages["data stock"] = "dataset"
            levels["dataset_wanted"] = wanted
            levels["dataset"] = np.minimum(wanted, ceiling)
    if law is not None and "dataset" in levels:
        levels.update(run_path(law, compute, levels["dataset"], stock))

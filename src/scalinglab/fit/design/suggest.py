"""Which runs to train next: fit the runs done, refit on bootstrap resamples, and pick a batch greedily.

With at least as many runs as the law has parameters, the batch is V-optimal per unit cost (see
``criterion``), linearised at the fit and at ``bootstrap`` refits on resampled runs, and model-robust:
a candidate far from the target counts as noisier (``ROBUST_DECADES``). The noise
variance s^2 of one run's log loss is a posterior mean with an inverse-gamma prior of shape 2 and scale
2 (0.01)^2 (a 1% scatter of runs around the law: the Chinchilla law fitted to the bundled chinchilla-runs,
marin-isoflop and misfitting-lr-sweep tables leaves median absolute log residuals of 0.4%, 1.5% and 1.3%):
s^2 = (2 (0.01)^2 + RSS / 2) / (1 + n / 2). The prior precision of each fitted coordinate is
(4 / width)^2 for a bounded coordinate (its range is four prior standard deviations) and 1/4
(a standard deviation of 2) otherwise.

With fewer runs than parameters there is nothing to linearise at: the batch fills the input space
instead (maximin distance in standardised log inputs from the runs done and the runs already picked),
spending at most half the budget: each pick costs at most that half's remainder divided by the picks
still to make (the cheapest candidate when none is that cheap).
"""

from __future__ import annotations

import time

import numpy as np

from ..._version import __version__
from ...errors import InputError, LawError
from ...options import spelled
from ..bootstrap import run_bootstrap
from ..estimators import estimate
from ..identify import identifiability
from ..models import FAMILIES_FITTABLE, FitModel, make_model
from ..objectives import make_objective
from ..runs import Runs, rows_text
from .criterion import CRITERIA, greedy_batch, linearise, parameter_gains
from .inputs import formula_costs, grid_runs, parse_ranges, table_runs, target_runs
from .result import Suggestion

__all__ = ["suggest_runs", "resolve_family", "NOISE_SCALE", "DEFAULT_BOOTSTRAP"]

NOISE_SCALE = 0.01
"""Prior scale of one run's scatter around the law (log loss)."""
DEFAULT_BOOTSTRAP = 32
_PRIOR_SD = 2.0
_SAME_RUN = 1e-9
START_SHARE = 0.5
"""The share of the budget a space-filling start may spend: the design proper needs the rest."""
ROBUST_DECADES = 1.0
"""Model-robust V-optimal design (after Box and Draper 1959): a candidate at distance r (Euclidean, in
decades of the law's inputs) from the nearest target point is designed as if its noise variance were
s^2 (1 + (r / ROBUST_DECADES)^2). The law is an approximation, and a run far from the target says less
about the loss there than the linearised law claims; without this, the design buys far runs (a 600M
model on 140B tokens for a compute-optimal target) whose leverage the misfit of the law turns into bias.
Chosen on the development split of ``benchmarks/bench_suggest.py`` (1 decade against 0.5 and 2)."""


def resolve_family(law) -> tuple[str, object | None]:
    """(family, the law given when it is a concrete law, else None) of a family name, a published law's
    name or a saved fit; a family that cannot be fitted is refused."""
    if isinstance(law, str) and law.strip().lower() in FAMILIES_FITTABLE:
        return law.strip().lower(), None
    from ...laws import resolve_law

    concrete = resolve_law(law)[1]
    if concrete.family not in FAMILIES_FITTABLE:
        raise InputError(f"{spelled('law')} {law!r}: the {concrete.family} family cannot be fitted; use one of "
                         f"{', '.join(FAMILIES_FITTABLE)}")
    return concrete.family, concrete


def _model(family: str, x: str, concrete, table: Runs, objective) -> FitModel:
    if family != "data-constrained":
        return make_model(family, x=x)
    base = getattr(concrete, "base", None)
    if base is not None:
        return make_model("data-constrained", base=base)
    chin = make_model("chinchilla")
    data, y = chin.data(table)
    return make_model("data-constrained", base_start=estimate(chin, objective, data, y).theta)


def _prior_precision(model: FitModel) -> np.ndarray:
    out = []
    for lo, hi in model.bounds():
        width = None if lo is None or hi is None else hi - lo
        out.append((4.0 / width) ** 2 if width else 1.0 / _PRIOR_SD**2)
    return np.array(out)


def _costs(candidates: Runs, cost, column_cost) -> np.ndarray:
    """Each candidate's cost: given values, the table's cost column, or its compute C = k N D."""
    if isinstance(cost, str):
        values, where = formula_costs(cost, candidates), f"{spelled('cost')} {cost!r}"
    elif cost is not None:
        values = np.broadcast_to(np.asarray(cost, dtype=float), (len(candidates),)).copy()
        where = spelled("cost")
    elif column_cost is not None:
        values, where = column_cost, "the candidates' cost column"
    elif candidates.c is not None:
        values, where = candidates.c.astype(float), "C = k N D"
    else:
        raise InputError(f"the candidates have no compute C (no N and D); give their cost with {spelled('cost')} or a "
                         "cost column")
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        count = int(bad.sum())
        raise InputError(f"{where}: {count} candidate{'s have' if count > 1 else ' has'} a non-positive cost "
                         f"({rows_text(candidates.rows[bad])})")
    return values


def _input_values(model: FitModel, runs: Runs) -> dict[str, np.ndarray]:
    """The law's inputs of ``runs`` by name: a formula's own names, else N, D, C, U as the law reads them."""
    if getattr(model, "formula", None) is not None:
        return model.input_values(runs)
    return {key.upper(): getattr(runs, key).astype(float) for key in model.inputs}


def _inputs(model: FitModel, runs: Runs) -> np.ndarray:
    """(n, inputs) input values, for comparing candidates with runs and for space filling."""
    return np.column_stack(list(_input_values(model, runs).values()))


def _check_new(model: FitModel, table: Runs, candidates: Runs) -> None:
    done, cand = np.log(_inputs(model, table)), np.log(_inputs(model, candidates))
    for i, row in enumerate(cand):
        same = np.flatnonzero(np.all(np.abs(done - row) <= _SAME_RUN, axis=1))
        if len(same):
            values = ", ".join(f"{key}={float(np.exp(v)):.6g}" for key, v in zip(_input_values(model, candidates), row))
            raise InputError(f"candidate row {int(candidates.rows[i])} ({values}) is already a run (row "
                             f"{int(table.rows[same[0]])} of {table.source}); leave it out of the candidates")


def _space_filling(model: FitModel, table: Runs, candidates: Runs, cost: np.ndarray, budget: float,
                   k: int) -> list[int]:
    """Greedy maximin in standardised log inputs within ``START_SHARE`` of the budget (see the module docstring)."""
    cand = np.log(_inputs(model, candidates))
    done = np.log(_inputs(model, table)) if len(table) else np.empty((0, cand.shape[1]))
    scale = np.ptp(cand, axis=0)
    scale[scale == 0] = 1.0
    cand, done = cand / scale, done / scale
    nearest = np.full(len(cand), np.inf)
    for point in done:
        nearest = np.minimum(nearest, np.linalg.norm(cand - point, axis=1))
    picks, left = [], float(budget) * START_SHARE
    free = np.ones(len(cand), bool)
    while len(picks) < k:
        cap = left / (k - len(picks))
        ok = free & (cost <= cap)
        if not ok.any():
            ok = free & (cost <= left + float(budget) * (1 - START_SHARE))
            if not ok.any():
                break
            ok &= cost <= cost[ok].min()
        distance = np.where(np.isfinite(nearest), nearest, 0.0)
        score = np.where(ok, distance - 1e-9 * cost / cost.max(), -np.inf)  # ties: the cheaper
        best = int(np.argmax(score))
        picks.append(best)
        free[best] = False
        left -= float(cost[best])
        nearest = np.minimum(nearest, np.linalg.norm(cand - cand[best], axis=1))
    return picks


def _decades_to_target(model: FitModel, candidates: Runs, target: Runs) -> np.ndarray:
    """Each candidate's distance to the nearest target point in decades of the law's inputs (0 where an
    input is not positive)."""
    with np.errstate(all="ignore"):
        far = np.log10(_inputs(model, candidates))[:, None, :] - np.log10(_inputs(model, target))[None, :, :]
        distance = np.sqrt((far ** 2).sum(axis=2)).min(axis=1)
    return np.where(np.isfinite(distance), distance, 0.0)


def _noise(model: FitModel, theta: np.ndarray, data: dict, y: np.ndarray) -> float:
    r = model.predict(theta[None, :], data)[0] - y
    return float((2 * NOISE_SCALE**2 + 0.5 * float(r @ r)) / (1 + 0.5 * len(y)))


def _describe(model: FitModel, runs: Runs, i: int) -> dict:
    """The inputs of candidate ``i``: n, d, c (u) for a built-in law, a formula's own names for a formula."""
    if getattr(model, "formula", None) is not None:
        return {name: float(v[i]) for name, v in _input_values(model, runs).items()}
    out = {key: float(getattr(runs, key)[i]) for key in ("n", "d", "c", "u") if getattr(runs, key) is not None}
    return {key: out[key] for key in out if key in model.inputs or key in ("n", "d", "c")}


def suggest_runs(runs: Runs, law="chinchilla", *, formula: str | None = None, variables: dict | None = None,
                 params: dict | None = None, candidates=None, grid: str | None = None,
                 target: str | None = None, target_rows=None, budget: float, k: int = 5, cost=None,
                 bootstrap: int = DEFAULT_BOOTSTRAP, seed: int = 0, criterion: str = "v", cost_power: float | None = None,
                 x: str = "c", objective: str = "huber", level: float = 0.95) -> Suggestion:
    """Up to ``k`` runs from the candidates (a table or a ``grid`` text), ranked, within ``budget``.

    ``formula`` (with ``variables``, its inputs -> columns, and ``params``) designs for a law of one's own;
    ``runs`` then holds its inputs (``load_runs(..., inputs=variables)``). ``target`` (text, e.g.
    ``"C=1e22..1e24"``) or ``target_rows`` (a table) is where the law must be
    right; ``cost`` gives each candidate's cost: a formula of N, D, C, U (``"6*N*D"``), numbers, or by
    default the table's cost column, else C = k N D.
    """
    started = time.perf_counter()
    if criterion not in CRITERIA:
        raise InputError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    if not (np.isfinite(budget) and budget > 0):
        raise InputError(f"{spelled('budget')} must be a positive amount, got {budget!r}")
    if (candidates is None) == (grid is None):
        raise InputError(f"give the candidate runs with exactly one of {spelled('candidates')} (a table) or "
                         f"{spelled('grid')} (a range)")
    if (target is None) == (target_rows is None):
        raise InputError(f"give the target region with exactly one of {spelled('target')} (a range) or "
                         f"{spelled('target_rows')} (a table)")
    obj = make_objective(objective)
    names = spec = None
    if formula is not None:
        from ...laws.formula_law import formula_family
        from ..formula_model import FormulaModel

        spec = formula_family(formula, variables, params)
        family, concrete, names = "formula", None, spec.inputs
        model = FormulaModel(spec, "log" if runs.loss is None or np.all(runs.loss > 0) else "target")
    else:
        family, concrete = resolve_family(law)
        model = _model(family, x, concrete, runs, obj)
    kk = runs.flops_per_param_token
    var = None if spec is None else dict(spec.variables)
    cand, column_cost = (grid_runs(grid, kk, names), None) if grid is not None else table_runs(
        candidates, kk, spelled("candidates"), var)
    if len(cand) == 0:
        raise InputError("the candidate set is empty")
    missing = [key.upper() for key in model.inputs if getattr(cand, key) is None]
    if grid is not None and missing:
        raise InputError(f"{spelled('grid')} {grid!r}: the {family} law needs {', '.join(missing)} for each candidate; add "
                         f"{missing[0]}=lo..hi:count to {spelled('grid')}")
    cand.require(model.inputs, f"a candidate run of the {family} law")
    _input_values(model, cand)
    costs = _costs(cand, cost, column_cost)
    if budget < costs.min():
        raise InputError(f"{spelled('budget')} {budget:.3g} is below the cheapest candidate's cost {costs.min():.3g}")
    data, y = model.data(runs) if len(runs) else (None, None)  # the runs done must have the law's inputs
    if len(runs):
        _check_new(model, runs, cand)
    p = len(model.specs)
    notes = list(runs.notes)
    identified: dict = {}
    theta_hat = None
    if len(runs) >= p:
        theta_hat = estimate(model, obj, data, y).theta
    the_law = model.to_law(theta_hat) if theta_hat is not None else concrete
    if target is not None:
        if the_law is None and names is None:
            parse_ranges(target, spelled("target"), 2)
            tgt = None
        else:
            try:
                tgt = target_runs(target, model.inputs, kk, the_law, names)
            except LawError as error:
                raise InputError(f"{spelled('target')} {target!r}: the fitted law gives no compute-optimal runs ({error})") from None
        target_info = {"text": target, "points": 0 if tgt is None else len(tgt)}
    else:
        tgt, _ = table_runs(target_rows, kk, spelled("target_rows"), var)
        tgt.require(model.inputs, f"a target row of the {family} law")
        _input_values(model, tgt)
        target_info = {"text": str(target_rows), "points": len(tgt)}
    if tgt is not None:
        target_info["inputs"] = {key: v.tolist() for key, v in _input_values(model, tgt).items()}

    v_before = v_after = None
    if theta_hat is None:
        picks = _space_filling(model, runs, cand, costs, budget, k)
        gains: list = [None] * len(picks)
        method = "space-filling start"
        notes.append(f"{len(runs)} runs for the {p} parameters of the {family} law: too few to fit, so the runs are "
                     f"spread over the inputs (maximin); suggest again once {p} runs are done")
        reasons = ["spreads the runs over the inputs"] * len(picks)
    else:
        boot = run_bootstrap(model, obj, data, y, theta_hat, bootstrap, seed=seed) if bootstrap else None
        thetas = theta_hat[None, :] if boot is None else np.vstack([theta_hat, boot.thetas])
        thetas = thetas[np.all(np.isfinite(thetas), axis=1)]
        noise = _noise(model, theta_hat, data, y)
        cand_noise = noise * (1 + (_decades_to_target(model, cand, tgt) / ROBUST_DECADES) ** 2) \
            if criterion == "v" else None
        lin = linearise(model, thetas, data, model._data(cand), model._data(tgt), noise,
                        _prior_precision(model), cand_noise)
        picks, gains, power = greedy_batch(lin, costs, budget, k, criterion=criterion, cost_power=cost_power)
        v_before = float(lin.variance().mean())
        v_after = max(v_before - float(np.sum(gains)), 0.0) if criterion == "v" else None
        method = ({"v": "V-optimal", "d": "D-optimal"}[criterion] + " greedy batch, "
                  + ("by gain per share of the budget" if power is None else "by gain per unit cost" if power == 1
                     else "by gain" if power == 0 else f"by gain / cost^{power:g}"))
        ident, _ = identifiability(model, data, y, theta_hat, None, None if boot is None else boot.thetas, level)
        reasons = [f"{100 * g / v_before:.1f}% of the target variance" if criterion == "v" and v_before > 0 else
                   "information gain" for g in gains]
        shown = _input_values(model, cand)
        for j, name in enumerate(model.names):
            info = ident.get(name)
            if info is None or info["identified"]:
                identified[name] = {"identified": True}
                continue
            per_cost = parameter_gains(lin, j) / costs
            best = [int(i) for i in np.argsort(-per_cost, kind="stable")[:3]]
            identified[name] = {
                "identified": False,
                "best_candidates": [_describe(model, cand, i) for i in best],
                "best_candidates_text": "; ".join(", ".join(f"{key}={v[i]:.3g}" for key, v in shown.items())
                                                  for i in best),
                "moved_by_picks": [rank + 1 for rank, i in enumerate(picks) if i in best]}
            for rank, i in enumerate(picks):
                if i in best:
                    reasons[rank] += f"; moves {name}"
    spent = np.cumsum(costs[picks]) if picks else np.zeros(0)
    rows = tuple({"rank": rank + 1, "candidate_row": int(cand.rows[i]), "inputs": _describe(model, cand, i),
                  "cost": float(costs[i]), "variance_reduction": gains[rank], "cumulative_cost": float(spent[rank]),
                  "reason": reasons[rank]} for rank, i in enumerate(picks))
    if len(picks) < k:
        notes.append(f"{len(picks)} of the {k} runs asked fit in the budget")
    settings = {"formula": formula, "variables": var, "criterion": criterion, "cost_power": cost_power, "bootstrap": bootstrap, "seed": seed,
                "objective": objective, "x": x if model.inputs == (x,) else None, "cost": cost if isinstance(cost, str) else "given" if cost is not None
                else ("column" if column_cost is not None else "C = k N D"), "flops_per_param_token": kk}
    return Suggestion(family=family, method=method, picks=rows, budget=float(budget),
                      spent=float(spent[-1]) if len(spent) else 0.0, n_runs=len(runs), n_candidates=len(cand),
                      target=target_info, variance_before=v_before, variance_after=v_after,
                      identifiability=identified, settings=settings, notes=tuple(notes), version=__version__,
                      seconds=time.perf_counter() - started)

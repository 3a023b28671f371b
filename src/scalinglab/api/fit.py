"""``sl.fit``, ``sl.load_fit``, ``sl.isoflop``, ``sl.suggest`` and ``sl.bench``: laws fitted to runs, and which run next."""

from __future__ import annotations

import numpy as np

from .._results import Result
from ..errors import InputError
from ..fit.bench_options import BENCH
from ..fit.design.options import SUGGEST
from ..fit.options import CURVES, FIT, ISOFLOP, PREDICT_TASK
from ..laws.formula_law import formula_option
from ..options import spelled
from ..units import parse_pairs, parse_quantity
from .declared import declared
from .inputs import parse_value, parse_values, unwrap


def _table(where, duplicates, drop_missing, c_note) -> dict:
    return {"where": where, "duplicates": duplicates, "drop_missing": drop_missing, "c_note": c_note}


@declared(FIT, positional=("law",))
def fit(runs, law, *, estimator, objective, delta, weight, drop_highest_loss, bootstrap, seed, level, holdout_above,
        leave_one_budget_out, compute, at, target_loss, x, base, n_col, d_col, c_col, loss_col, u_col, budget_col,
        group_col, flops_per_param_token, where, duplicates, drop_missing, c_note, progress, floor, ceiling,
        accuracy_col, profile, formula, variables, group_by, params) -> Result:
    """Fit a scaling law to training runs, with bootstrap intervals, diagnostics and a backtest.

    With ``formula`` (e.g. ``"L + B / (N^alpha * E^beta)"``) a law of one's own is fitted instead of a
    family: ``variables`` maps its input names to columns (``{"N": "dense_parameter_count"}``; a list of
    ``"N=column"`` texts works too), every other name is a parameter, and ``params`` overrides a
    parameter's start and bounds (``{"alpha": "0.3:0:3"}``, start:lower:upper).

    With ``law="accuracy"`` (or ``"sigmoid"``) the accuracy S-curve is fitted to the column
    ``accuracy_col`` against ``x`` (``c``, ``n``, ``d`` or ``loss``), with ``floor`` and ``ceiling``
    fixed (numbers) or fitted (None or ``"fit"``), and ``at`` holds x values. An option that the
    family cannot use (``target_loss`` for the accuracy law, ``floor`` for Chinchilla, ...) is
    refused with an ``InputError``, never ignored.

    Returns
    -------
    Result
        Wrapping a ``FitResult``: ``params``, ``stderr``, ``intervals``, ``derived``, ``diagnostics``;
        ``to_frame()`` gives one row per parameter; ``save(path)`` writes a fit usable as a law.

    Examples
    --------
    >>> import scalinglab as sl
    >>> result = sl.fit("chinchilla-runs", drop_highest_loss=5)
    >>> round(result.params["alpha"], 3), round(result.params["beta"], 3)
    (0.347, 0.367)
    """
    from ..fit import fit_law
    from ..fit.models import FAMILIES_FITTABLE

    if formula is None:  # a formula law given as the law (a published name, an object, a fit of one) fits its formula
        given = getattr(unwrap(law), "law", unwrap(law))
        if isinstance(given, str) and given.strip().lower() not in (*FAMILIES_FITTABLE, "accuracy", "formula"):
            from ..laws import get_law, list_laws

            given = get_law(given).law if given.strip().lower() in {e.name for e in list_laws()} else given
        if getattr(given, "family", None) == "formula" and hasattr(given, "text"):
            law, formula, variables = "formula", given.text, variables or dict(given.variables)
    own = formula_options(law, formula, variables, params)
    if own:
        law = "formula"
    family = law
    law = unwrap(law)
    if not isinstance(law, str):
        family = getattr(getattr(law, "law", law), "family", None)
        if family is None:
            raise InputError(f"law must be a family name or a law object, got {type(law).__name__}")
    columns = {"n_col": n_col, "d_col": d_col, "c_col": c_col, "loss_col": loss_col, "u_col": u_col,
               "budget_col": budget_col, "group_col": group_col}
    table = _table(where, duplicates, drop_missing, c_note)
    if group_by is not None:
        from ..fit.groups import fit_groups

        groups = fit_groups(unwrap(runs), group_by, family, flops_per_param_token=flops_per_param_token,
                            columns=columns, table=table, estimator=estimator, objective=objective, delta=delta,
                            weight=weight, drop_highest_loss=drop_highest_loss, bootstrap=bootstrap, seed=seed,
                            level=level, x=x, **own)
        return Result(groups, kind="Fit groups")
    budgets = parse_values(compute, spelled("compute")) or None
    targets = [] if target_loss is None else [float(t) for t in np.atleast_1d(target_loss)]
    from ..fit.options import check_family_options

    check_family_options(family, leave_one_budget_out=leave_one_budget_out, drop_highest_loss=drop_highest_loss > 0,
                         target_loss=bool(targets), compute=budgets is not None, at=bool(at),
                         objective=objective not in (None, "squares"), delta=delta != 1e-3, weight=weight != 4.0,
                         estimator=str(estimator).strip().lower() != "fast", base=base is not None,
                         u_col=u_col is not None, floor=floor is not None, ceiling=ceiling is not None,
                         accuracy_col=accuracy_col is not None, x=str(x).strip().lower() != "c")
    holdout = None if holdout_above is None else parse_quantity(holdout_above, what=spelled("holdout_above"))
    if isinstance(family, str) and family.strip().lower() in ("accuracy", "sigmoid"):
        from ..fit.accuracy import fit_accuracy, parse_bound

        columns["accuracy_col"] = accuracy_col
        return Result(fit_accuracy(
            unwrap(runs), x=x, floor=parse_bound(floor, spelled("floor")), ceiling=parse_bound(ceiling, spelled("ceiling")),
            bootstrap=bootstrap, seed=seed, level=level, at=parse_values(at, spelled("at")) if at else (),
            columns=columns, table=table, holdout_above=holdout, profile=profile), kind="Fit")
    result = fit_law(
        unwrap(runs), family, estimator=estimator, objective=objective or "huber", delta=delta, weight=weight,
        drop_highest_loss=drop_highest_loss, bootstrap=bootstrap, seed=seed, level=level,
        holdout_above=holdout, leave_one_budget_out=leave_one_budget_out, budgets=budgets, points=parse_pairs(at),
        targets=targets, x=x,
        base=None if base is None else unwrap(base), columns=columns,
        flops_per_param_token=flops_per_param_token, table=table, progress=progress, profile=profile, **own)
    return Result(result, kind="Fit")


def formula_options(law, formula, variables, params) -> dict:
    """``fit_law``'s ``formula``, ``variables`` and ``params`` from the user's (empty without a formula)."""
    if formula is None:
        if variables or params:
            raise InputError(f"{formula_option('variables')} and {formula_option('params')} belong to formula fits; "
                             f"give the formula with {spelled('formula')}")
        return {}
    if isinstance(law, str) and law.strip().lower() not in ("chinchilla", "formula"):
        raise InputError(f"give {spelled('law', value=law)} or {spelled('formula')}, not both")
    from ..laws.formula_law import parse_named

    return {"formula": formula, "variables": parse_named(variables, "var"), "params": parse_named(params, "param")}


def load_fit(path) -> Result:
    """A fit saved with ``save(path)`` or ``scalinglab fit ... --save path``.

    Examples
    --------
    >>> import scalinglab as sl, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "fit.json")
    >>> _ = sl.fit("chinchilla-runs", drop_highest_loss=5).save(path)
    >>> round(sl.load_fit(path).params["alpha"], 3)
    0.347
    """
    from ..fit import FitResult

    return Result(FitResult.load(path), kind="Fit")


@declared(SUGGEST, positional=("runs", "law"))
def suggest(runs, law, *, candidates, grid, target, target_rows, budget, k, cost, bootstrap, seed, criterion, x,
            objective, n_col, d_col, c_col, loss_col, u_col, flops_per_param_token, formula, variables,
            params) -> Result:
    """Which runs to train next: a ranked batch that most lowers the predicted-loss variance over a target.

    Greedy V-optimal design per unit cost, linearised at the fit of ``runs`` and at ``bootstrap`` refits
    on resampled runs (with fewer runs than parameters: a space-filling start).

    Examples
    --------
    >>> import scalinglab as sl
    >>> result = sl.suggest("chinchilla-runs", grid="N=50M..2B:8,D=1B..50B:8", target="C=1e22..1e24",
    ...                     budget="1e20", k=3, bootstrap=8)
    >>> [pick["rank"] for pick in result.picks]
    [1, 2, 3]
    """
    from ..fit import as_runs
    from ..fit.design import suggest_runs

    columns = {"n_col": n_col, "d_col": d_col, "c_col": c_col, "loss_col": loss_col, "u_col": u_col}
    own = formula_options(law, formula, variables, params)
    options = {"inputs": own["variables"], "response": "any"} if own else None
    table = as_runs(unwrap(runs), columns, flops_per_param_token, options)
    result = suggest_runs(table, unwrap(law), **own, candidates=candidates, grid=grid, target=target,
                          target_rows=target_rows, budget=parse_quantity(budget, what=spelled("budget")), k=k,
                          cost=cost if cost is None or isinstance(cost, str) else parse_value(cost, spelled("cost")),
                          bootstrap=bootstrap, seed=seed,
                          criterion=criterion, x=x, objective=objective)
    return Result(result, kind="Suggestion")


@declared(ISOFLOP)
def isoflop(runs, *, approach, bootstrap, seed, level, min_runs, n_col, d_col, c_col, loss_col, budget_col,
            group_col, flops_per_param_token, where, duplicates, drop_missing, c_note, keep_outside,
            group_by) -> Result:
    """N_opt = G C^a from IsoFLOP runs (Hoffmann et al. 2022, Approaches 1 and 2), with an interval for a.

    Returns
    -------
    Result
        Wrapping an ``IsoFlopResult``: exponent ``a``, constant ``G``, per-budget minima; with
        ``group_by``, an ``IsoFlopGroups`` (``groups``: one comparison row per group; ``results``).

    Examples
    --------
    >>> import numpy as np, pandas as pd, scalinglab as sl
    >>> law = sl.laws.get("hoffmann2022").law
    >>> rows = [(c, n, law.loss(n, c / (6 * n))) for c in (1e18, 1e19, 1e20, 1e21)
    ...         for n in np.geomspace(1e7, 1e10, 9) if c / (6 * n) > n]
    >>> runs = pd.DataFrame(rows, columns=["flops", "params", "loss"])
    >>> a = sl.isoflop(runs, bootstrap=0).a  # the law's own exponent is beta/(alpha+beta) = 0.452
    >>> round(a, 2)
    0.43
    """
    from ..fit import isoflop as _isoflop

    columns = {"n_col": n_col, "d_col": d_col, "c_col": c_col, "loss_col": loss_col, "budget_col": budget_col,
               "group_col": group_col}
    options = {"approach": approach, "bootstrap": bootstrap, "seed": seed, "level": level, "min_runs": min_runs,
               "keep_outside": keep_outside}
    table = _table(where, duplicates, drop_missing, c_note)
    if group_by is not None:
        from ..fit.groups import isoflop_groups

        result = isoflop_groups(unwrap(runs), group_by, lambda part: _isoflop(part, **options), columns=columns,
                                table=table, flops_per_param_token=flops_per_param_token)
        return Result(result, kind="IsoFLOP groups")
    result = _isoflop(unwrap(runs), columns=columns, flops_per_param_token=flops_per_param_token, table=table,
                      **options)
    return Result(result, kind="IsoFLOP")


@declared(CURVES)
def fit_curves(runs, *, curve_col, x_col, loss_col, holdout_col, holdout_value, train_col, train_value, holdout_above,
               where, duplicates) -> Result:
    """Fit each learning curve of a long table: power, saturating and 1-3-break power laws, the family of each
    curve chosen on its training points only, scored on its held-out points.

    Returns
    -------
    Result
        Wrapping a ``CurveFits``: one row per curve with the chosen family, its parameters and held-out error.
    """
    from ..fit.curves import fit_curves as fit_each

    result = fit_each(unwrap(runs), curve_col=curve_col, x_col=x_col, loss_col=loss_col, holdout_col=holdout_col,
                      holdout_value=holdout_value, train_col=train_col, train_value=train_value,
                      holdout_above=None if holdout_above is None else parse_quantity(holdout_above,
                                                                                       what=spelled("holdout_above")),
                      where=where, duplicates=duplicates)
    return Result(result, kind="Curves")


@declared(PREDICT_TASK)
def predict_task(runs, *, at, accuracy_col, loss_col, task_loss_col, floor, ceiling, bootstrap, seed, level, n_col,
                 d_col, c_col, where, duplicates, drop_missing) -> Result:
    """Task accuracy of target models in two steps: loss from (N, D), then accuracy from that loss (the OLMo
    ladder, Bhagia et al. 2024), through the task's own loss when the table has it, else the general loss
    whose chain best predicts the ladder's second-largest models.

    Returns
    -------
    Result
        Wrapping a ``TaskPrediction``: each target's predicted loss and accuracy with intervals, and every chain.
    """
    from ..fit.accuracy import parse_bound
    from ..fit.task import predict_task as predict_each

    result = predict_each(unwrap(runs), parse_pairs(at), accuracy_col=accuracy_col, loss_col=loss_col,
                          task_loss_col=task_loss_col, floor=parse_bound(floor, spelled("floor")),
                          ceiling=parse_bound(ceiling, spelled("ceiling")), bootstrap=bootstrap, seed=seed,
                          level=level, columns={"n_col": n_col, "d_col": d_col, "c_col": c_col},
                          table={"where": where, "duplicates": duplicates, "drop_missing": drop_missing})
    return Result(result, kind="Task prediction")


@declared(BENCH, positional=("task",))
def bench(**values) -> Result:
    """The extrapolation benchmark: each task's laws fitted on its train rows, scored on its test rows.

    ``sl.bench("chinchilla-runs")`` runs one task. R^2 is clipped to [-1, 1]; MAPE in percent; ``to_frame()`` has
    one row per task and law.

    Returns
    -------
    Result
        ``tasks``: each task's split sizes, the source's figure and every law's scores.

    Examples
    --------
    >>> import scalinglab as sl
    >>> task = sl.bench("chinchilla-runs").tasks[0]
    >>> task.n_train, task.n_test, round(task.published.r2_clipped, 3)
    (222, 23, 0.368)
    """
    from ..fit.bench import run_bench

    return Result(run_bench(**values), kind="Bench")

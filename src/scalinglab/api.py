"""The public face: ``import scalinglab as sl``; the CLI, the web app and notebooks call these functions.

Every function takes keyword arguments named like the command-line flags (``compute``, ``params``,
``tokens``, ``unique_tokens``, ``flops_method``, ``config``), accepts numbers, arrays or human quantities
(``"70B"``, ``"1.4T"``, ``"5.76e23"``), and a law as a registry name, a law object, a published-law
entry, a fit result or a saved fit (``fit.json``). Each returns a frozen ``Result``: ``report()``,
``to_dict()`` (plain floats: exactly what the command's ``--json`` prints), ``to_frame()`` where the
result is a table, a short ``repr()`` and HTML for Jupyter.

    >>> import scalinglab as sl
    >>> sl.predict("hoffmann2022", params="70B", tokens="1.4T")
    <Prediction hoffmann2022: loss 1.9366>
"""

from __future__ import annotations

import functools
import importlib

import numpy as np

from ._results import Result
from .errors import InputError, refuse_together
from .laws import DEFAULT_LAW
from .units import format_quantity, parse_pairs, parse_quantity

__all__ = [
    "plan", "predict", "fit", "isoflop", "flops", "cost", "budget", "forecast", "sensitivity", "compare", "trend",
    "laws", "datasets", "sweep", "load_fit", "Result", "memory", "inference", "inference_plan", "suggest", "bench",
]


# ----------------------------------------------------------------------------------------- inputs
def _unwrap(value):
    return value.raw if isinstance(value, Result) else value


def _law(law) -> tuple[str, object]:
    from .laws import resolve_law

    return resolve_law(_unwrap(law))


def _is_many(value) -> bool:
    """True for lists, tuples and arrays with at least one dimension (not for strings)."""
    if value is None or isinstance(value, (str, bytes)):
        return False
    return isinstance(value, (list, tuple)) or np.ndim(value) > 0


def _quantity(value, what: str):
    """``None``, a float, or a float array from numbers, arrays or human quantities (``"70B"``)."""
    if value is None:
        return None
    if _is_many(value):
        return np.array([parse_quantity(v.item() if hasattr(v, "item") else v, what=what) for v in np.ravel(
            np.asarray(value, dtype=object))], dtype=float)
    return parse_quantity(value.item() if hasattr(value, "item") else value, what=what)


def _many(value, what: str) -> list[float]:
    """A list of floats from one value, a list, or comma-separated text (``"1e21,1e23"``)."""
    if value is None:
        return []
    items = value if _is_many(value) else [value]
    out = []
    for item in np.ravel(np.asarray(items, dtype=object)):
        if isinstance(item, str):
            out += [parse_quantity(part, what=what) for part in item.split(",") if part.strip()]
        else:
            out.append(parse_quantity(item.item() if hasattr(item, "item") else item, what=what))
    return out


def _short(value) -> str:
    array = np.atleast_1d(np.asarray(value, dtype=float))
    if array.size == 1:
        return format_quantity(float(array[0]))
    return f"{format_quantity(float(array[0]))}..{format_quantity(float(array[-1]))}"


# ------------------------------------------------------------------------------------------ plans
def _stack(plans: list):
    """One Plan holding arrays from several single-budget plans (same law and method)."""
    from .plan import Plan

    if len(plans) == 1 and np.ndim(plans[0].compute_flops) > 0:
        return plans[0]
    first = plans[0]
    extra = {}
    for key, value in first.extra.items():
        values = [p.extra.get(key) for p in plans]
        if all(isinstance(v, (int, float, np.number, np.ndarray)) and not isinstance(v, bool) for v in values):
            extra[key] = np.array([float(np.asarray(v)) for v in values])
        else:
            extra[key] = value
    loss = None if first.loss is None else np.array([float(np.asarray(p.loss)) for p in plans])
    return Plan(first.law, np.array([float(np.asarray(p.compute_flops)) for p in plans]),
                np.array([float(np.asarray(p.n_params)) for p in plans]),
                np.array([float(np.asarray(p.n_tokens)) for p in plans]), loss, first.flops_per_param_token,
                first.method, extra)


def _squeeze(the_plan):
    """A single-budget plan with floats instead of one-element arrays."""
    from .plan import Plan

    def one(value):
        return float(np.asarray(value).ravel()[0]) if isinstance(value, (np.ndarray, np.number, float)) else value

    return Plan(the_plan.law, one(the_plan.compute_flops), one(the_plan.n_params), one(the_plan.n_tokens),
                None if the_plan.loss is None else one(the_plan.loss), the_plan.flops_per_param_token,
                the_plan.method, {k: one(v) for k, v in the_plan.extra.items()})


def _range_warnings(law, name: str, **values) -> list[str]:
    """Warnings where N, D or C lie more than 100x beyond the range ``law`` was fitted on (when known)."""
    from .laws.ranges import extrapolation_warnings, fitted_range

    return extrapolation_warnings(fitted_range(law), name=name, **values)


def _plan_frame(the_plan):
    import pandas as pd

    data = {k: np.atleast_1d(v) for k, v in the_plan.to_dict().items() if isinstance(v, (int, float, list))
            and k not in ("flops_per_param_token", "warnings")}
    return pd.DataFrame(data)


def _plan_result(the_plan) -> Result:
    loss = "" if the_plan.loss is None else f", loss {_short(the_plan.loss) if np.size(the_plan.loss) > 1 else f'{float(np.asarray(the_plan.loss).ravel()[0]):.4f}'}"
    summary = (f"{the_plan.law}: C = {_short(the_plan.compute_flops)} FLOP -> N = {_short(the_plan.n_params)}, "
               f"D = {_short(the_plan.n_tokens)}{loss}")
    return Result(the_plan, kind="Plan", summary=summary, frame=_plan_frame)


def plan(compute=None, *, law=DEFAULT_LAW, unique_tokens=None, epochs=None, saturation: bool = False,
         target_loss=None, params=None, tokens=None, tokens_per_param: float | None = None, inference_tokens=None,
         flops_per_param_token: float = 6.0, cost: str | None = None, inputs=None) -> Result:
    """Compute-optimal parameters N and tokens D for a compute budget, and its variants.

    Parameters
    ----------
    compute : float, str or sequence, optional
        Training compute C in FLOP (``5.76e23``, ``"1e24"``, a list or ``"1e21,1e23"``).
    law : str, law object, fit result or path, default ``"besiroglu2024"``
        The loss law L(N, D): a published law, a saved fit (``.json``) or an object.
    unique_tokens : float or str, optional
        Unique tokens available (a data-constrained law repeats them for several epochs).
    epochs : float or sequence, optional
        With ``unique_tokens`` and no ``compute``: the budgets that optimally train these epochs.
    saturation : bool, default False
        With ``unique_tokens``: the budget beyond which more compute stops helping.
    target_loss : float or sequence, optional
        The least compute that reaches this loss (with ``inference_tokens``: inference-aware).
    params, tokens : float or str, optional
        Fix N or D for the budget (over- or under-trained models), or with ``tokens_per_param``.
    tokens_per_param : float, optional
        A fixed ratio D/N (e.g. 20) instead of the law's optimum.
    inference_tokens : float or str, optional
        Tokens to be served over the model's life: N and D minimising training plus inference
        compute (Sardana & Frankle 2023).
    flops_per_param_token : float, default 6
        k in C = k N D.
    cost : str, optional
        With ``compute``: a declared training cost, a formula of N and D (e.g. ``"6*N*D + 1e9*D"``),
        instead of k N D; the optimum is found numerically.
    inputs : dict or list of "NAME=VALUE", optional
        A formula law's inputs other than N and D, held fixed (e.g. ``{"E": 8}`` experts).

    Returns
    -------
    Result
        Wrapping a ``Plan``: ``compute_flops``, ``n_params``, ``n_tokens`` (float or arrays, as given),
        ``loss``; ``to_dict()`` keys ``compute``, ``n_opt``, ``d_opt``, ``loss``, ``tokens_per_param``.
        Single values in give floats; a list in (or several epochs) gives lists. The CLI passes
        ``compute`` as a list, so ``plan --json`` always prints lists, however many budgets are asked.

    Examples
    --------
    >>> import scalinglab as sl
    >>> p = sl.plan(compute=5.76e23, law="hoffmann2022")
    >>> round(p.n_params / 1e9, 1), round(p.n_tokens / 1e12, 2)
    (32.2, 2.98)
    >>> [f"{n:.3g}" for n in sl.plan(compute=[1e21, 1e23], law="hoffmann2022").to_dict()["n_opt"]]
    ['1.82e+09', '1.46e+10']
    """
    from .plan import (compute_for_epochs, compute_for_loss, compute_optimal, data_constrained_optimal,
                       fixed_allocation, fixed_ratio, inference_optimal, saturation_compute)

    given = {"--compute": compute not in (None, [], ()), "--target-loss": target_loss not in (None, [], ()),
             "--cost": cost is not None,
             "--params": params is not None, "--tokens": tokens is not None,
             "--tokens-per-param": tokens_per_param is not None, "--inference-tokens": inference_tokens is not None,
             "--unique-tokens": unique_tokens is not None, "--epochs": epochs is not None, "--saturation": saturation}
    refuse_together(given, ("--compute", "--target-loss"), ("--inference-tokens", "--params"),
                    ("--inference-tokens", "--tokens"), ("--inference-tokens", "--tokens-per-param"),
                    ("--inference-tokens", "--unique-tokens"), ("--tokens-per-param", "--target-loss"),
                    ("--tokens-per-param", "--unique-tokens"), ("--target-loss", "--params"),
                    ("--target-loss", "--tokens"), ("--target-loss", "--unique-tokens"),
                    ("--unique-tokens", "--params"), ("--unique-tokens", "--tokens"), ("--compute", "--epochs"),
                    ("--compute", "--saturation"), ("--epochs", "--saturation"), ("--cost", "--target-loss"),
                    ("--cost", "--params"), ("--cost", "--tokens"), ("--cost", "--tokens-per-param"),
                    ("--cost", "--inference-tokens"), ("--cost", "--unique-tokens"))
    if given["--cost"] and not given["--compute"]:
        raise InputError("--cost needs --compute (the budget it spends)")
    if given["--tokens-per-param"] and given["--compute"] and (given["--params"] or given["--tokens"]):
        raise InputError("--tokens-per-param with --compute fixes both N and D; drop "
                         + " and ".join(f for f in ("--params", "--tokens") if given[f]))
    for needs in ("--epochs", "--saturation"):
        if given[needs] and not given["--unique-tokens"]:
            raise InputError(f"{needs} needs --unique-tokens")
    name, the_law = _law(law)
    the_law = _with_inputs(the_law, inputs)
    budgets = _many(compute, "compute")
    losses = [] if target_loss is None else _many(target_loss, "target loss")
    many = any(_is_many(v) or (isinstance(v, str) and "," in v) for v in (compute, target_loss, epochs))
    n_fixed, d_fixed = _quantity(params, "params"), _quantity(tokens, "tokens")
    unique = _quantity(unique_tokens, "unique tokens")
    k = flops_per_param_token
    if tokens_per_param is not None:
        if budgets:
            plans = [fixed_ratio(tokens_per_param, compute_flops=c, flops_per_param_token=k, law=the_law, name=name)
                     for c in budgets]
        else:
            plans = [fixed_ratio(tokens_per_param, n_tokens=d_fixed, n_params=n_fixed, flops_per_param_token=k,
                                 law=the_law, name=name)]
    elif inference_tokens is not None:
        t_inf = parse_quantity(inference_tokens, what="inference tokens")
        if budgets:
            plans = [inference_optimal(the_law, t_inf, compute_flops=c, flops_per_param_token=k, name=name)
                     for c in budgets]
        else:
            plans = [inference_optimal(the_law, t_inf, target_loss=t, flops_per_param_token=k, name=name)
                     for t in losses or [None]]
    elif losses:
        plans = [compute_for_loss(the_law, t, flops_per_param_token=k, name=name) for t in losses]
    elif unique is not None and not budgets:
        if saturation:
            plans = [saturation_compute(the_law, unique, flops_per_param_token=k)]
        else:
            plans = [compute_for_epochs(the_law, unique, e, flops_per_param_token=k)
                     for e in _many(epochs if epochs is not None else "1,4,16,60", "epochs")]
    elif not budgets:
        raise InputError("give --compute (or --target-loss, --unique-tokens, --tokens-per-param)")
    elif n_fixed is not None or d_fixed is not None:
        plans = [fixed_allocation(the_law, c, n_params=n_fixed, n_tokens=d_fixed, flops_per_param_token=k,
                                  name=name) for c in budgets]
    elif unique is not None:
        plans = [data_constrained_optimal(the_law, c, unique, flops_per_param_token=k, name=name) for c in budgets]
    elif cost is not None:
        from .plan.declared_cost import optimal_under_cost

        plans = [optimal_under_cost(the_law, np.array(budgets), cost, name=name)]
    else:
        plans = [compute_optimal(the_law, np.array(budgets), flops_per_param_token=k, name=name)]
    stacked = _stack(plans)
    final = stacked if many or np.size(stacked.compute_flops) > 1 else _squeeze(stacked)
    return _plan_result(final.with_warnings(_range_warnings(law, name, n=final.n_params, d=final.n_tokens,
                                                            c=final.compute_flops)))


def _with_inputs(law, inputs):
    """A formula law with its inputs other than N and D held at the given values (``--input E=8``)."""
    if not inputs:
        return law
    from .laws.formula_law import FormulaLaw, parse_named

    if not isinstance(law, FormulaLaw):
        raise InputError(f"--input fixes inputs of a formula law; the {law.family} law has none but N and D")
    values = {}
    for name, value in parse_named(inputs, "input").items():
        values[name] = parse_quantity(value, what=f"--input {name}")
    return law.with_inputs(values)


def predict(law=DEFAULT_LAW, *, params=None, tokens=None, unique_tokens=None, compute=None, x=None,
            inputs=None) -> Result:
    """The loss a law predicts at N parameters trained on D tokens (or at compute C, or at x).

    Parameters
    ----------
    law : str, law object, fit result or path, default ``"besiroglu2024"``
    params, tokens : float, str or array, optional
        N (parameters) and D (training tokens) for laws of N and D; arrays broadcast.
    unique_tokens : float, str or array, optional
        Unique tokens U (data-constrained laws: D/U epochs).
    compute : float, str or array, optional
        Compute C in FLOP (laws of compute only, e.g. ``kaplan2020-compute``).
    x : float or array, optional
        The variable of a one-variable law (power laws, sigmoids).
    inputs : dict or list of "NAME=VALUE", optional
        A formula law's inputs other than N and D, held fixed (e.g. ``{"E": 8}``).

    Returns
    -------
    Result
        Wrapping a ``Prediction``: ``loss`` (a float, or an array for array inputs) and ``inputs``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> round(sl.predict("hoffmann2022", params="70B", tokens="1.4T").loss, 4)
    1.9366
    >>> sl.predict("hoffmann2022", params=[1e9, 7e10], tokens="1.4T").loss.round(3).tolist()
    [2.207, 1.937]
    """
    from .plan import predict as _predict

    name, the_law = _law(law)
    the_law = _with_inputs(the_law, inputs)
    n, d, c = _quantity(params, "params"), _quantity(tokens, "tokens"), _quantity(compute, "compute")
    result = _predict(the_law, n_params=n, n_tokens=d, unique_tokens=_quantity(unique_tokens, "unique tokens"),
                      compute_flops=c, x=_quantity(x, "x"), name=name)
    if n is not None and d is not None and c is None:
        c = 6.0 * np.asarray(n, dtype=float) * np.asarray(d, dtype=float)
    warnings = _range_warnings(law, name, n=n, d=d, c=c)
    if warnings:
        from dataclasses import replace

        result = replace(result, warnings=tuple(warnings))
    loss = result.loss
    shown = f"{loss:.4f}" if np.ndim(loss) == 0 else f"{np.size(loss)} values"
    return Result(result, kind="Prediction", summary=f"{name}: loss {shown}")


# -------------------------------------------------------------------------------------------- fit
def _fit_frame(result):
    import pandas as pd

    rows = []
    for name, value in result.params.items():
        interval = (result.intervals or {}).get(name)
        rows.append({"parameter": name, "value": value, "stderr": (result.stderr or {}).get(name),
                     "low": None if interval is None else interval[0],
                     "high": None if interval is None else interval[1]})
    return pd.DataFrame(rows)


def _fit_result(result) -> Result:
    params = ", ".join(f"{k} = {v:.4g}" for k, v in list(result.params.items())[:5])
    return Result(result, kind="Fit", summary=f"{result.law.family}: {params}", frame=_fit_frame)


def _table(where, duplicates, drop_missing, c_note) -> dict:
    return {"where": where, "duplicates": duplicates, "drop_missing": drop_missing, "c_note": c_note}


def fit(runs, law="chinchilla", *, estimator: str = "fast", objective: str | None = None, delta: float = 1e-3,
        weight: float = 4.0, drop_highest_loss: int = 0, bootstrap: int = 0, seed: int = 0, level: float = 0.95,
        holdout_above=None, leave_one_budget_out: bool = False, compute=None, at=None, target_loss=None,
        x: str = "c", base=None, n_col=None, d_col=None, c_col=None, loss_col=None, u_col=None,
        budget_col=None, group_col=None, flops_per_param_token: float | None = None, where: str | None = None,
        duplicates: str = "keep", drop_missing: bool = False, c_note: str | None = None,
        progress: bool = False, floor=None, ceiling=None, accuracy_col=None, profile: str | None = None,
        formula: str | None = None, variables=None, params=None) -> Result:
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

    Parameters
    ----------
    runs : str, path, DataFrame
        A runs table (.csv, .parquet, .jsonl), a bundled dataset name (``"chinchilla-runs"``) or a DataFrame.
    law : str or law object, default ``"chinchilla"``
        The family to fit: chinchilla, kaplan, data-constrained, power, saturating-power,
        broken-power or sigmoid (a published law's name or object means its family; a formula
        law's object, or a fit of one, means its formula with its inputs).
    estimator : {"fast", "hoffmann"}
        ``hoffmann`` is the published 4,500-start L-BFGS procedure.
    objective : {"huber", "squares", "asymmetric"}, optional
        Default: huber (log-Huber) for loss laws; the accuracy law takes only squares.
    drop_highest_loss : int
        Drop the K runs with the highest loss first (Hoffmann et al. drop 5 outliers).
    bootstrap : int
        Bootstrap refits over runs for standard errors and ``level`` intervals (0: none).
    holdout_above : float or str, optional
        Backtest: fit runs with C at most this FLOP, predict the rest.
    compute : float, str or sequence, optional
        Budgets in FLOP for N_opt, D_opt (default 5.76e23).
    at : sequence of (N, D) or "N:D" text, optional
        Predict the loss at these points.
    target_loss : float or sequence, optional
        Compute needed to reach these losses.
    n_col, d_col, c_col, loss_col, u_col, budget_col, group_col : str, optional
        Column names when the table's own are not recognised.
    flops_per_param_token : float, optional
        k in C = k N D (default 6).
    where : str, optional
        Keep the rows matching a filter (the README's filter language), e.g. ``"dataset == 'c4'"``.
    duplicates : {"keep", "mean", "min", "error"}
        Runs repeating an (N, D) setting.
    drop_missing : bool
        Drop rows with a missing value in a column used (noted on the result).
    c_note : str, optional
        Explain a compute column that is not k N D (a note instead of an error).
    formula : str, optional
        A law of one's own (grammar: ``scalinglab.laws.formula``); ``objective`` may then be
        ``target-huber`` (residuals in the target's units) or ``log-huber``.
    variables : dict or list of "NAME=COLUMN", optional
        The formula's inputs; ``"N"`` alone means the runs' N (likewise D, C, U).
    params : dict or list of "NAME=START:LOWER:UPPER", optional
        Starts and bounds of the formula's parameters (lower = upper fixes one).

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
    from .fit import fit_law
    from .fit.models import FAMILIES_FITTABLE

    if formula is None:  # a formula law given as the law (a published name, an object, a fit of one) fits its formula
        given = getattr(_unwrap(law), "law", _unwrap(law))
        if isinstance(given, str) and given.strip().lower() not in (*FAMILIES_FITTABLE, "accuracy", "formula"):
            from .laws import get_law, list_laws

            given = get_law(given).law if given.strip().lower() in {e.name for e in list_laws()} else given
        if getattr(given, "family", None) == "formula" and hasattr(given, "text"):
            law, formula, variables = "formula", given.text, variables or dict(given.variables)
    own = formula_options(law, formula, variables, params)
    if own:
        law = "formula"
    family = law
    law = _unwrap(law)
    if not isinstance(law, str):
        family = getattr(getattr(law, "law", law), "family", None)
        if family is None:
            raise InputError(f"law must be a family name or a law object, got {type(law).__name__}")
    columns = {"n_col": n_col, "d_col": d_col, "c_col": c_col, "loss_col": loss_col, "u_col": u_col,
               "budget_col": budget_col, "group_col": group_col}
    budgets = _many(compute, "compute") or None
    targets = [] if target_loss is None else [float(t) for t in np.atleast_1d(target_loss)]
    from .fit.options import check_family_options

    check_family_options(family, leave_one_budget_out=leave_one_budget_out, drop_highest_loss=drop_highest_loss > 0,
                         target_loss=bool(targets), compute=budgets is not None, at=bool(at),
                         objective=objective not in (None, "squares"), delta=delta != 1e-3, weight=weight != 4.0,
                         estimator=str(estimator).strip().lower() != "fast", base=base is not None,
                         u_col=u_col is not None, floor=floor is not None, ceiling=ceiling is not None,
                         accuracy_col=accuracy_col is not None, x=str(x).strip().lower() != "c")
    holdout = None if holdout_above is None else parse_quantity(holdout_above, what="--holdout-above")
    if isinstance(family, str) and family.strip().lower() in ("accuracy", "sigmoid"):
        from .fit.accuracy import fit_accuracy, parse_bound

        columns["accuracy_col"] = accuracy_col
        return _fit_result(fit_accuracy(
            _unwrap(runs), x=x, floor=parse_bound(floor, "--floor"), ceiling=parse_bound(ceiling, "--ceiling"),
            bootstrap=bootstrap, seed=seed, level=level, at=_many(at, "--at") if at else (), columns=columns,
            table=_table(where, duplicates, drop_missing, c_note), holdout_above=holdout, profile=profile))
    result = fit_law(
        _unwrap(runs), family, estimator=estimator, objective=objective or "huber", delta=delta, weight=weight,
        drop_highest_loss=drop_highest_loss, bootstrap=bootstrap, seed=seed, level=level,
        holdout_above=holdout, leave_one_budget_out=leave_one_budget_out, budgets=budgets, points=parse_pairs(at),
        targets=targets, x=x,
        base=None if base is None else _unwrap(base), columns=columns,
        flops_per_param_token=flops_per_param_token, table=_table(where, duplicates, drop_missing, c_note),
        progress=progress, profile=profile, **own)
    return _fit_result(result)


def formula_options(law, formula, variables, params) -> dict:
    """``fit_law``'s ``formula``, ``variables`` and ``params`` from the user's (empty without a formula)."""
    if formula is None:
        if variables or params:
            raise InputError("--var and --param belong to --formula fits; give the formula with --formula")
        return {}
    if isinstance(law, str) and law.strip().lower() not in ("chinchilla", "formula"):
        raise InputError(f"give --law {law} or --formula, not both")
    from .laws.formula_law import parse_named

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
    from .fit import FitResult

    return _fit_result(FitResult.load(path))


def _suggest_frame(result):
    import pandas as pd

    return pd.DataFrame([{"rank": p["rank"], **p["inputs"], "cost": p["cost"],
                          "variance_reduction": p["variance_reduction"], "cumulative_cost": p["cumulative_cost"],
                          "reason": p["reason"]} for p in result.picks])


def suggest(runs, law="chinchilla", *, candidates=None, grid: str | None = None, target: str | None = None,
            target_rows=None, budget, k: int = 5, cost=None, bootstrap: int = 32, seed: int = 0,
            criterion: str = "v", x: str = "c", objective: str = "huber", n_col=None, d_col=None, c_col=None,
            loss_col=None, u_col=None, flops_per_param_token: float | None = None, formula: str | None = None,
            variables=None, params=None) -> Result:
    """Which runs to train next: a ranked batch that most lowers the predicted-loss variance over a target.

    Greedy V-optimal design per unit cost, linearised at the fit of ``runs`` and at ``bootstrap`` refits
    on resampled runs (with fewer runs than parameters: a space-filling start).

    Parameters
    ----------
    runs : str, path or DataFrame
        The runs done (a table with N, D or C, and loss; or a bundled dataset name).
    law : str, law object or path
        A family (chinchilla, kaplan, power, ...), a published law's name or a saved fit: its family is fitted.
    candidates : str, path or DataFrame, optional
        Runs that could be trained next (columns N, D or C; an optional ``cost`` column).
    grid : str, optional
        Candidates as ranges, e.g. ``"N=10M..1B:12,D=1B..100B:12"`` (log-spaced, every combination).
    target : str, optional
        Where the law must be right, e.g. ``"C=1e22..1e24"`` (compute-optimal runs of the current fit).
    target_rows : str, path or DataFrame, optional
        Target points as a table.
    budget : float or str
        The most the batch may cost (same unit as the costs; by default FLOP, C = k N D).
    k : int
        The most runs to suggest.
    formula, variables, params : optional
        A law of one's own, as for ``fit``: candidates, grid and target then name its inputs.
    cost : str, float or array, optional
        Each candidate's cost: a formula of N, D, C and U such as ``"6*N*D"`` (parsed by our own grammar,
        never evaluated as Python), or numbers; by default the candidates' cost column, else their compute.

    Examples
    --------
    >>> import scalinglab as sl
    >>> result = sl.suggest("chinchilla-runs", grid="N=50M..2B:8,D=1B..50B:8", target="C=1e22..1e24",
    ...                     budget="1e20", k=3, bootstrap=8)
    >>> [pick["rank"] for pick in result.picks]
    [1, 2, 3]
    """
    from .fit import as_runs
    from .fit.design import suggest_runs

    columns = {"n_col": n_col, "d_col": d_col, "c_col": c_col, "loss_col": loss_col, "u_col": u_col}
    own = formula_options(law, formula, variables, params)
    options = {"inputs": own["variables"], "response": "any"} if own else None
    table = as_runs(_unwrap(runs), columns, flops_per_param_token, options)
    result = suggest_runs(table, _unwrap(law), **own, candidates=candidates, grid=grid, target=target,
                          target_rows=target_rows, budget=parse_quantity(budget, what="--budget"), k=k,
                          cost=cost if cost is None or isinstance(cost, str) else _quantity(cost, "--cost"),
                          bootstrap=bootstrap, seed=seed,
                          criterion=criterion, x=x, objective=objective)
    return Result(result, kind="Suggestion", summary=result.summary, frame=_suggest_frame)


def _isoflop_frame(result):
    import pandas as pd

    return pd.DataFrame(result.to_dict().get("budgets", []))


def isoflop(runs, *, approach: int = 2, bootstrap: int = 500, seed: int = 0, level: float = 0.95,
            min_runs: int = 5, n_col=None, d_col=None, c_col=None, loss_col=None, budget_col=None,
            group_col=None, flops_per_param_token: float | None = None, where: str | None = None,
            duplicates: str = "keep", drop_missing: bool = False, c_note: str | None = None,
            keep_outside: bool = False, group_by=None) -> Result:
    """N_opt = G C^a from IsoFLOP runs (Hoffmann et al. 2022, Approaches 1 and 2), with an interval for a.

    Parameters
    ----------
    runs : str, path or DataFrame
        Runs with parameters, tokens or compute, and loss (Approach 2: several runs per budget;
        Approach 1: checkpoints of each run, ``group_col``).
    approach : {2, 1}
        2: a parabola in log N per IsoFLOP budget; 1: the lower envelope of loss against compute.
    bootstrap : int
        Bootstrap replicates for the interval of the exponent a.
    flops_per_param_token, where, duplicates, drop_missing, c_note :
        Table options, as for ``fit``.
    keep_outside : bool
        Approach 2: keep budgets whose parabola's minimum lies beyond the sampled sizes (flagged).
    group_by : str or list of str, optional
        One analysis per group of rows sharing these columns' values (e.g. ``"dataset"``), compared.

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
    from .fit import isoflop as _isoflop

    columns = {"n_col": n_col, "d_col": d_col, "c_col": c_col, "loss_col": loss_col, "budget_col": budget_col,
               "group_col": group_col}
    options = {"approach": approach, "bootstrap": bootstrap, "seed": seed, "level": level, "min_runs": min_runs,
               "keep_outside": keep_outside}
    if group_by is not None:
        import pandas as pd

        from .fit.groups import isoflop_groups

        result = isoflop_groups(_unwrap(runs), group_by, lambda part: _isoflop(part, **options), columns=columns,
                                table=_table(where, duplicates, drop_missing, c_note),
                                flops_per_param_token=flops_per_param_token)
        shown = ", ".join(f"{'/'.join(r['group'].values())}: a = {r['a']:.3f}" for r in result.rows())
        return Result(result, kind="IsoFLOP groups", summary=shown,
                      frame=lambda value: pd.json_normalize(value.rows()))
    result = _isoflop(_unwrap(runs), columns=columns, flops_per_param_token=flops_per_param_token,
                      table=_table(where, duplicates, drop_missing, c_note), **options)
    return Result(result, kind="IsoFLOP", summary=f"approach {approach}: N_opt = {result.G:.4g} C^{result.a:.4f}",
                  frame=_isoflop_frame)


# ---------------------------------------------------------------------------------------- compute
class _SixND:
    """C = k N D: training FLOP from parameters and tokens."""

    __slots__ = ("params", "tokens", "flops", "flops_per_param_token")

    def __init__(self, params, tokens, flops, k):
        self.params, self.tokens, self.flops, self.flops_per_param_token = params, tokens, flops, k

    def to_dict(self) -> dict:
        return {"flops": self.flops, "params": self.params, "tokens": self.tokens, "method": "6nd"}

    def report(self) -> str:
        if np.ndim(self.flops) == 0:
            return (f"C = 6 N D = 6 x {format_quantity(float(self.params))} x {format_quantity(float(self.tokens))}"
                    f" = {float(self.flops):.4g} FLOP")
        return "C = 6 N D: " + ", ".join(f"{v:.4g}" for v in np.ravel(self.flops)) + " FLOP"


def flops(params=None, tokens=None, *, config=None, layers: int | None = None, d_model: int | None = None,
          heads: int | None = None, vocab: int = 50257, context: int = 2048, ffn_ratio: float = 4.0,
          flops_method: str = "chinchilla", embeddings: bool | None = None, lm_head: bool = True) -> Result:
    """Training FLOP: C = 6ND from parameters and tokens, or a detailed count from a model shape.

    Parameters
    ----------
    params : float, str or array, optional
        N; with ``tokens`` and no shape, C = 6 N D.
    tokens : float or str
        Training tokens D.
    config : str, path or TransformerConfig, optional
        A known shape (``"gpt3-175b"``, ``"llama3-70b"``), a Hugging Face ``config.json`` or a ``TransformerConfig``.
    layers, d_model, heads, vocab, context, ffn_ratio : optional
        A shape given by its numbers.
    flops_method : {"chinchilla", "kaplan", "6nd"}
        The detailed counting method (Hoffmann et al. 2022 Appendix F, or Kaplan et al. 2020 Table 1).

    Returns
    -------
    Result
        ``flops`` in FLOP; with a shape, the breakdown by part and its ``shares``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> f"{sl.flops(params='175B', tokens='300B').flops:.3g}"
    '3.15e+23'
    """
    from .compute import TransformerConfig, flops_breakdown, training_flops

    refuse_together({"--params": params is not None, "--config": config is not None,
                     "--layers/--d-model/--heads": any(v is not None for v in (layers, d_model, heads))},
                    ("--config", "--params"), ("--layers/--d-model/--heads", "--params"),
                    ("--config", "--layers/--d-model/--heads"))
    if tokens is None or (isinstance(tokens, str) and not tokens):
        raise InputError("give --tokens (training tokens D, e.g. 300B)")
    n_tokens = _quantity(tokens, "tokens")
    if params is not None and config is None and layers is None:
        n_params = _quantity(params, "params")
        total = training_flops(n_params, n_tokens)
        total = float(total) if np.ndim(total) == 0 else np.asarray(total)
        return Result(_SixND(n_params, n_tokens, total, 6.0), kind="Flops", summary=f"6ND = {_short(total)} FLOP")
    if config is not None:
        from .compute.shapes import resolve_config

        shape = resolve_config(config)
    elif None in (layers, d_model, heads):
        raise InputError("give --params, or --config NAME, or --layers, --d-model and --heads")
    else:
        shape = TransformerConfig(n_layers=layers, d_model=d_model, n_heads=heads, vocab_size=vocab, n_ctx=context,
                                  ffn_ratio=ffn_ratio)
    breakdown = flops_breakdown(shape, n_tokens, method=flops_method, include_embeddings=embeddings,
                                include_lm_head=lm_head)
    return Result(breakdown, kind="Flops", summary=f"{flops_method}: {breakdown.total:.4g} FLOP")


def _estimate_frame(estimate):
    import pandas as pd

    rows = []
    for key, value in estimate.values.items():
        row = {"quantity": key, "value": value}
        row.update(estimate.percentiles.get(key, {}))
        rows.append(row)
    return pd.DataFrame(rows)


def cost(compute=None, *, params=None, tokens=None, config=None, flops_method: str = "6nd", gpu_hours=None,
         gpu=None, gpus=None, precision: str | None = None, peak_flops=None, mfu=None,
         tokens_per_second_per_gpu=None, flops_per_second_per_gpu=None, cluster_model: bool = False,
         cluster_b=None, goodput=None, gpu_price=None, overhead=None, depreciation=None, electricity=None, pue=None,
         watts=None, carbon=None, price_per_gpu_hour=None, hfu=None, recompute: str | None = None,
         cluster_family: str | None = None, samples: int = 10_000, seed: int = 0) -> Result:
    """Days, GPU-hours, cloud and owned cost, energy and CO2 of a training run.

    Numeric arguments take numbers, text (``"40%"``, ``"$2M"``, ``"70B"``) or ranges
    (``"0.3 to 0.5"``: a lognormal 90% interval, sampled ``samples`` times with ``seed``).

    Parameters
    ----------
    compute : float or str, optional
        Training compute in FLOP; or give ``params`` and ``tokens`` (C = 6ND), or ``config`` and ``tokens``.
    gpu : str, optional
        An accelerator of the catalogue (``"h100-sxm"``); or give ``peak_flops``.
    gpus : float or str
        Number of accelerators G.
    mfu : float or str, optional
        Model FLOP utilisation; default: the same assumption as ``budget`` (printed with its source).
    hfu, recompute : optional
        Hardware FLOP utilisation instead of ``mfu``, converted with the recomputation it counts
        (``"full"``: x 6/8, ``"selective"`` (needs ``config``), ``"none"``).
    goodput : float or str, optional
        Share of wall-clock time on useful steps, in (0, 1]; default 0.79 with its sourced range 0.65-0.97.
    cluster_family : str, optional
        With ``cluster_model``: the calibration run whose curve is used (default: the one on ``gpu``).
    price_per_gpu_hour, gpu_price, depreciation, electricity, pue, carbon : optional
        Cost assumptions; defaults (with sources) are listed in ``to_dict()["assumptions"]``.

    Returns
    -------
    Result
        Wrapping a ``CostEstimate``: ``values`` (days, gpu_hours, cloud_cost_usd, ...), ``percentiles``
        for ranges, ``assumptions`` with sources; ``to_frame()`` gives one row per quantity.

    Examples
    --------
    >>> import scalinglab as sl
    >>> estimate = sl.cost(compute=3.14e23, gpu="v100", gpus=1024, mfu=0.3, goodput=0.8)
    >>> round(estimate.days, 1)
    118.3
    """
    from .compute.cost import estimate_cost

    result = estimate_cost(
        accelerator=gpu, gpus=gpus, flops=compute, n_params=params, n_tokens=tokens, config=config,
        flops_method=flops_method, gpu_hours=gpu_hours, precision=precision, peak_flops=peak_flops, mfu=mfu,
        tokens_per_second_per_gpu=tokens_per_second_per_gpu, flops_per_second_per_gpu=flops_per_second_per_gpu,
        cluster_model=cluster_model, cluster_b=cluster_b, goodput=goodput, gpu_price=gpu_price, overhead=overhead,
        depreciation=depreciation, electricity=electricity, pue=pue, watts=watts, carbon=carbon,
        price_per_gpu_hour=price_per_gpu_hour, hfu=hfu, recompute=recompute, cluster_family=cluster_family,
        samples=samples, seed=seed)
    days = result.values.get("days")
    shown = "" if days is None else f"{days:.4g} days"
    dollars = result.values.get("cloud_cost_usd")
    if dollars is not None:
        shown += f", cloud ${format_quantity(dollars)}"
    return Result(result, kind="Cost", summary=f"{result.accelerator}: {shown.strip(', ')}", frame=_estimate_frame)


def budget(dollars=None, *, gpus=None, days=None, basis: str = "cloud", gpu=None, law=DEFAULT_LAW,
           precision: str | None = None, peak_flops=None, mfu=None, cluster_model: bool = False, cluster_b=None,
           goodput=None, price_per_gpu_hour=None, gpu_price=None, overhead=None, depreciation=None,
           electricity=None, pue=None, watts=None, flops_per_param_token: float = 6.0, samples: int = 10_000,
           seed: int = 0) -> Result:
    """What a budget buys: GPU-hours and FLOP, then the compute-optimal N, D and loss under a law.

    Parameters
    ----------
    dollars : float or str, optional
        Budget in USD (``"100M"``, ``"$1B"``), spent on cloud rental or owned hardware (``basis``).
    gpus, days : float or str, optional
        A cluster and a duration (with ``dollars``: one of them sizes the other).
    basis : {"cloud", "owned"}
    gpu : str, optional
        An accelerator of the catalogue.
    law : str, law object, fit result or path
        The law that turns FLOP into N, D and loss.
    mfu : float or str, optional
        Model FLOP utilisation; default: the same assumption as ``cost`` (printed with its source).

    Returns
    -------
    Result
        Wrapping a ``BudgetPlan``: ``flops``, ``n_opt``, ``d_opt``, ``loss`` and the assumptions.

    Examples
    --------
    >>> import scalinglab as sl
    >>> plan = sl.budget(gpus=1024, days=30, gpu="h100-sxm", mfu=0.4, goodput=1, law="hoffmann2022")
    >>> f"{plan.flops:.3g}"
    '1.05e+24'
    """
    from .compute.budget import plan_budget

    result = plan_budget(
        accelerator=gpu, dollars=dollars, gpus=gpus, days=days, basis=basis, law=_unwrap(law),
        precision=precision, peak_flops=peak_flops, mfu=mfu, cluster_model=cluster_model, cluster_b=cluster_b,
        goodput=goodput, price_per_gpu_hour=price_per_gpu_hour, gpu_price=gpu_price, overhead=overhead,
        depreciation=depreciation, electricity=electricity, pue=pue, watts=watts,
        flops_per_param_token=flops_per_param_token, samples=samples, seed=seed)
    v = result.values
    summary = (f"{result.accelerator} under {result.law}: {v['flops']:.3g} FLOP -> N = {format_quantity(v['n_opt'])}, "
               f"D = {format_quantity(v['d_opt'])}")
    return Result(result, kind="Budget", summary=summary, frame=_estimate_frame)


# --------------------------------------------------------------------------------------- forecast
def memory(config, *, gpu: str = "h100-sxm", gpus: int | None = None, tp: int | None = None, pp: int | None = None,
           ep: int | None = None, zero: int | None = None, recompute: str | None = None, micro_batch: int | None = None,
           global_batch: int | None = None, seq: int | None = None, sp: bool = True, inference: bool = False,
           weight_bytes: float | None = None, search: bool = False, top: int = 10,
           virtual_stages: int | None = None) -> Result:
    """Memory per GPU by part under TP/PP/SP/EP/DP and ZeRO, fits or not; ``search=True`` ranks the layouts
    that fit on ``gpus`` by estimated step time (options given pin the search).

    Parameters
    ----------
    config : str, path or TransformerConfig
        A known shape (``"llama3-70b"``), a Hugging Face ``config.json`` or a ``TransformerConfig``.
    gpus : int, optional
        Total GPUs (TP x PP x DP); default TP x PP. Needed by ``search``.
    seq : int, optional
        Sequence length; default the model's context. ``global_batch`` (sequences) defaults to about 4M tokens.
    virtual_stages : int, optional
        Model chunks per pipeline stage: above 1, the interleaved schedule (bubble (p - 1) / (m v)).

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.memory("llama3-70b", gpus=1024, tp=8, pp=8, zero=1, recompute="full", seq=8192).fits
    True
    """
    from .compute.memory import Layout, check_counts, memory_per_gpu, parallelism_data, search_layouts
    from .compute.shapes import resolve_config

    check_counts(gpus=gpus, tp=tp, pp=pp, ep=ep, micro_batch=micro_batch, global_batch=global_batch, seq=seq,
                 virtual_stages=virtual_stages)
    if weight_bytes is not None and not inference:
        raise InputError("--weight-bytes sets the serving precision and needs --inference (training keeps "
                         "mixed-precision weights, gradients and Adam state)")
    if inference:
        for flag, value in (("--zero", zero), ("--recompute", recompute), ("--global-batch", global_batch),
                            ("--no-sp", None if sp else True)):
            if value is not None:
                raise InputError(f"{flag} applies to training; serving (--inference) keeps weights and KV cache only")
    shape = resolve_config(_unwrap(config))
    name = config if isinstance(config, str) else "model"
    seq_len = shape.n_ctx if seq is None else int(seq)
    if search:
        if gpus is None:
            raise InputError("--search needs --gpus (the number of GPUs to lay the model out on)")
        if inference:
            raise InputError("--search ranks training layouts; drop --inference")
        fixed = {k: v for k, v in dict(tp=tp, pp=pp, ep=ep, zero=zero, recompute=recompute, micro_batch=micro_batch,
                                       virtual_stages=virtual_stages).items() if v is not None}
        result = search_layouts(shape, gpus=int(gpus), accelerator=gpu, seq=seq_len, global_batch=global_batch,
                                model=name, fixed=fixed, top=top)
        best = result.ranked[0] if result.ranked else None
        summary = (f"{result.fits:,} of {result.candidates:,} layouts fit; fastest {best.layout.label()}" if best
                   else "no layout fits")
        return Result(result, kind="LayoutSearch", summary=summary)
    t, p = (1 if tp is None else tp), (1 if pp is None else pp)
    total = t * p if gpus is None else int(gpus)
    if total % (t * p):
        raise InputError(f"--gpus {total} is not a multiple of --tp {t} x --pp {p}")
    d, mb = total // (t * p), (1 if micro_batch is None else micro_batch)
    if global_batch is None:
        tokens = float(parallelism_data()["step_time"]["default_global_batch_tokens"]["value"])
        global_batch = max(d * mb, round(tokens / seq_len / (d * mb)) * d * mb)
    layout = Layout(tp=t, pp=p, dp=d, ep=1 if ep is None else ep, sp=sp, zero=zero or 0, recompute=recompute or "none",
                    micro_batch=mb, global_batch=int(global_batch), seq=seq_len,
                    virtual_stages=1 if virtual_stages is None else virtual_stages)
    result = memory_per_gpu(shape, layout, accelerator=gpu, gpus=total, inference=inference, model=name,
                            weight_bytes=weight_bytes)
    verdict = "fits" if result.fits else "does not fit"
    return Result(result, kind="Memory", summary=f"{result.total / 1e9:,.1f} GB per GPU, {verdict}")


def inference(config, *, gpu: str = "h100-sxm", gpus: int = 1, batch: int | None = None, input_tokens: int = 512,
              output_tokens: int = 512, weight_bytes: float = 2.0, kv_bytes: float | None = None,
              precision: str | None = None, memory_fraction: float = 0.9,
              price_per_gpu_hour: float | None = None) -> Result:
    """Prefill and decode times from a roofline, output tokens/s and $ per million output tokens.

    Examples
    --------
    >>> import scalinglab as sl
    >>> round(sl.inference("llama3-70b", weight_bytes=1, kv_bytes=1, input_tokens=128, output_tokens=2048).batch)
    45
    """
    from .compute.inference import inference_roofline
    from .compute.shapes import resolve_config

    shape = resolve_config(_unwrap(config))
    result = inference_roofline(shape, accelerator=gpu, gpus=gpus, batch=batch, input_tokens=input_tokens,
                                output_tokens=output_tokens, weight_bytes=weight_bytes, kv_bytes=kv_bytes,
                                precision=precision, memory_fraction=memory_fraction,
                                price_per_gpu_hour=price_per_gpu_hour,
                                model=config if isinstance(config, str) else "model")
    price = result.values["usd_per_million_output_tokens"]
    summary = f"{result.values['output_tokens_per_second']:,.0f} output tokens/s" + (
        "" if price is None else f", ${price:.4g} per million")
    return Result(result, kind="Inference", summary=summary)


def inference_plan(inference_tokens, *, compute=None, target_loss=None, law=DEFAULT_LAW, gpu: str = "h100-sxm",
                   training_mfu=None, inference_mfu=None, price_per_gpu_hour=None) -> Result:
    """N and D reaching a loss at the least training + serving dollars (Sardana & Frankle 2023).

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.inference_plan("2T", compute=7.7355e22, law="hoffmann2022").saving_fraction > 0
    True
    """
    from .compute.inference import inference_aware_cost

    if (compute is None) == (target_loss is None):
        raise InputError("give exactly one of --compute (its compute-optimal loss is the target) or --target-loss")
    _, the_law = _law(law)
    result = inference_aware_cost(the_law, _quantity(inference_tokens, "inference tokens"),
                                  compute_flops=_quantity(compute, "compute"), target_loss=target_loss, accelerator=gpu,
                                  training_mfu=training_mfu, inference_mfu=inference_mfu,
                                  price_per_gpu_hour=price_per_gpu_hour)
    v = result.values
    return Result(result, kind="InferencePlan",
                  summary=f"N = {format_quantity(v['n_params'])}, D = {format_quantity(v['n_tokens'])}, "
                          f"${format_quantity(v['total_usd'])} ({100 * v['saving_fraction']:.1f}% saved)")


def _scenario(scenario):
    from .forecast import resolve_scenario

    scenario = _unwrap(scenario)
    return resolve_scenario(str(scenario)) if isinstance(scenario, (str, type(None))) or hasattr(
        scenario, "__fspath__") else scenario


def _forecast_frame(result):
    import pandas as pd

    frames = []
    for quantity in result.quantities:
        frame = result.percentile_frame(quantity).reset_index()
        frame.insert(0, "quantity", quantity)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def forecast(scenario, *, samples: int = 10_000, seed: int = 0, until: int | None = None, law=None,
             milestones=()) -> Result:
    """Monte Carlo forecast of a scenario: percentiles per year, milestone years, binding constraints.

    Parameters
    ----------
    scenario : str, path or Scenario
        A preset (``"epoch-trends"``; see ``scalinglab scenarios list``) or a scenario YAML file.
    samples : int
        Joint Monte Carlo draws; the same ``seed`` gives the same numbers.
    until : int, optional
        Last year (default: the scenario's).
    law : str, optional
        The law that turns each year's compute and data into a loss.
    milestones : sequence of str
        Extra milestone questions on any series (see ``scalinglab forecast --help``).

    Returns
    -------
    Result
        Wrapping a ``ForecastResult``: ``value(quantity, year, percentile)``, ``milestone_summary()``;
        ``to_frame()`` gives percentiles per quantity and year.

    Examples
    --------
    >>> import scalinglab as sl
    >>> result = sl.forecast("epoch-trends", samples=2000, until=2030)
    >>> result.value("compute", 2030) > result.value("compute", 2026)
    True
    """
    from .forecast import run_forecast

    result = run_forecast(_scenario(scenario), samples=samples, seed=seed, until=until, law=law,
                          milestones=tuple(milestones or ()))
    return Result(result, kind="Forecast",
                  summary=f"{result.scenario.name}: {result.samples:,} samples, {int(result.years[0])}-{result.until}",
                  frame=_forecast_frame)


def sensitivity(scenario, milestone: str, *, samples: int = 10_000, seed: int = 0, until: int | None = None,
                law=None) -> Result:
    """Which inputs drive a milestone's year: first-order Sobol shares (SALib RBD-FAST) and rank correlations.

    Parameters
    ----------
    scenario : str, path or Scenario
        A preset or a scenario YAML file.
    milestone : str
        A question (``"spending >= $100B"``, ``"loss <= 1.8"``) or one of the forecast's milestones
        (``"data stock binds"``).

    Returns
    -------
    Result
        Wrapping a ``SensitivityResult``: ``rows`` (input, distribution, first_order, first_order_ci90,
        rank_correlation), ranked by first-order share.

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.sensitivity("exponential-view", "data stock binds", samples=2000).rows[0]["input"]
    'factors.data_stock.start'
    """
    from .forecast.sensitivity import sensitivity as _sensitivity

    result = _sensitivity(_scenario(scenario), milestone, samples=samples, seed=seed, until=until, law=law)
    return Result(result, kind="Sensitivity", summary=f"{result.milestone} in {result.scenario}: "
                  f"{result.rows[0]['input']} explains {result.rows[0]['first_order']:.0%}")


def compare(*scenarios, samples: int = 10_000, seed: int = 0, until: int | None = None) -> Result:
    """Forecast several scenarios with the same samples and seed, side by side.

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.compare("epoch-trends", "compute-slowdown", samples=1000, until=2030).names
    ['epoch-trends', 'compute-slowdown']
    """
    from .forecast import compare_scenarios

    if len(scenarios) == 1 and _is_many(scenarios[0]):
        scenarios = tuple(scenarios[0])
    result = compare_scenarios([_scenario(s) for s in scenarios], samples=samples, seed=seed, until=until)
    return Result(result, kind="Comparison", summary=", ".join(result.names))


def trend(data, y: str, *, date_column: str | None = None, since=None, until=None, domain: str | None = None,
          domain_column: str | None = None, top_n: int | None = None, rank_by: str | None = None,
          bootstrap: int = 2000, seed: int = 0) -> Result:
    """Exponential trend of a column against the date: growth per year with a bootstrap 90% interval.

    Parameters
    ----------
    data : str, path or DataFrame
        A bundled dataset (``"notable-models"``), a CSV file or a DataFrame.
    y : str
        The column to fit, e.g. ``"Training compute (FLOP)"``.
    since, until : int or str, optional
        Keep rows from ``since`` on and before ``until`` (years or dates).
    top_n : int, optional
        Keep the N largest rows per calendar year (ranked by ``rank_by``).

    Returns
    -------
    Result
        Wrapping a ``Trend``: ``growth_per_year``, ``doubling_months``, ``predict(year)``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> t = sl.trend("notable-models", "Training compute (FLOP)", since=2010, bootstrap=200)
    >>> 2 < t.growth_per_year < 10
    True
    """
    from .forecast import fit_trend

    result = fit_trend(_unwrap(data), y, date_column=date_column, since=since, until=until, domain=domain,
                       domain_column=domain_column, top_n=top_n, rank_by=rank_by, bootstrap=bootstrap, seed=seed)
    return Result(result, kind="Trend",
                  summary=f"{y}: x{result.growth_per_year:.3g} per year (doubling {result.doubling_months:.3g} months)")


# ------------------------------------------------------------------------------------- namespaces
def _bench_frame(result):
    import pandas as pd

    return pd.DataFrame([{"task": task.name, **law.to_dict()} for task in result.tasks for law in task.laws])


def bench(task: str | None = None, *, tables=None, objective: str = "squares", on_task=None) -> Result:
    """The extrapolation benchmark: each task's laws fitted on its train rows, scored on its test rows.

    ``task``: one task (``sl.bench("chinchilla-runs")``), default all; ``tables``: the folder of the
    SLDBench tables (tasks on bundled datasets need none); ``objective``: ``squares`` (default) or
    ``huber``; ``on_task(name, index, count)`` is called before each task. R^2 is clipped to [-1, 1];
    MAPE in percent; ``to_frame()`` has one row per task and law.

    Examples
    --------
    >>> import scalinglab as sl
    >>> task = sl.bench("chinchilla-runs").tasks[0]
    >>> task.n_train, task.n_test, round(task.published.r2_clipped, 3)
    (222, 23, 0.368)
    """
    from .fit.bench import run_bench

    result = run_bench(task, tables=tables, objective=objective, on_task=on_task)
    return Result(result, kind="Bench", summary=f"{len(result.tasks)} tasks, mean R^2 of the published laws "
                  f"{result.mean_r2:.3f}", frame=_bench_frame)


class _Namespace:
    """A few functions, and the names of a subpackage behind them (``sl.laws.ChinchillaLaw``)."""

    _package = ""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module(self._package), name)

    def __repr__(self) -> str:
        public = [n for n in type(self).__dict__ if not n.startswith("_")]
        return f"<{self._package}: {', '.join(public)}>"


def _law_report(entry):
    from .laws.base import Law  # noqa: F401  (the entry's law renders itself)
    from ._table import rich_table
    from rich.console import Group
    from rich.text import Text

    rows = []
    for key, value in entry.law.params().items():
        if isinstance(value, dict):
            rows += [[f"{key}.{k}", f"{v:.6g}", ""] for k, v in value.items()]
        else:
            shown = f"{value:.6g}" if isinstance(value, float) else str(value)
            stderr = entry.stderr.get(key)
            rows.append([key, shown, "" if stderr is None else f"± {format_quantity(stderr)}"])
    lines = [Text(f"{entry.name}  ({entry.family})", style="bold"), Text(entry.law.formula()),
             rich_table(None, ["parameter", "value", "stderr"], rows),
             Text(f"N convention: {entry.n_convention}"), Text(f"Data: {entry.data}"), Text(f"Source: {entry.source}")]
    if entry.notes:
        lines.append(Text(f"Notes: {entry.notes}"))
    return Group(*lines)


def _law_result(entry) -> Result:
    return Result(entry, kind="Law", summary=f"{entry.name} ({entry.family}; {entry.source.citation.split(',')[0]})",
                  report=_law_report)


def _catalogue_report(entry):
    from ._table import rich_table
    from rich.console import Group
    from rich.text import Text

    target = entry.target
    inputs = [[name, spec.unit, spec.meaning] for name, spec in entry.inputs.items()]
    params = [[name, f"{spec.start:g}", f"[{spec.bounds[0]:g}, {spec.bounds[1]:g}]",
               f"{entry.constants[name]:.6g}" if name in entry.constants else ""]
              for name, spec in entry.params.items()]
    lines = [Text(f"{entry.name}  ({entry.group}: {entry.title})", style="bold"),
             Text(f"{target['name']} = {entry.formula}"),
             Text(f"{target['name']}: {target['meaning']} ({target['unit']})"),
             rich_table(None, ["input", "unit", "meaning"], inputs),
             rich_table(None, ["parameter", "start", "bounds", "published"], params),
             Text("Constants: " + (entry.constants_source if entry.constants else
                                   "none checked; fittable only (fit it to your runs with scalinglab fit --formula)")),
             Text(f"Fit: scalinglab fit RUNS --formula '{entry.formula}' "
                  + " ".join(f"--var {name}=COLUMN" for name in entry.inputs)),
             Text(f"Source: {entry.source}"), Text(f"Checked against: {entry.checked}")]
    return Group(*lines)


def _catalogue_result(entry) -> Result:
    return Result(entry, kind="Law", summary=f"{entry.name} (formula, {entry.group}; "
                  f"{entry.source.citation.split(',')[0]})", report=_catalogue_report)


class _Laws(_Namespace):
    """Published laws: ``sl.laws.list()``, ``sl.laws.get(name)``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.laws.get("epoch").name
    'besiroglu2024'
    >>> "besiroglu2024" in [law.name for law in sl.laws.list()]
    True
    >>> sl.laws.get("vocab-tao2024").inputs["H"].unit
    'characters'
    """

    _package = "scalinglab.laws"

    def list(self) -> list[Result]:
        """Every published law with its family, N convention and source, then the formula laws by group."""
        from .laws import list_laws
        from .laws.catalogue import catalogue

        return [_law_result(entry) for entry in list_laws()] + [_catalogue_result(e) for e in catalogue().values()]

    def get(self, name: str) -> Result:
        """One law: a published law (aliases such as ``chinchilla`` and ``epoch`` accepted; ``.law`` is the
        object) or a formula law of the catalogue (``.formula``, ``.inputs``, ``.constants``)."""
        from .errors import UnknownNameError
        from .laws import get_law
        from .laws.catalogue import catalogue

        try:
            return _law_result(get_law(name))
        except UnknownNameError as error:
            entry = catalogue().get(name.strip().lower())
            if entry is None:
                raise UnknownNameError("law", name, [*error.choices, *catalogue()]) from None
            return _catalogue_result(entry)


def _dataset_report(info) -> str:
    return f"{info.name}: {info.description}\nSource: {info.source}\nLicence: {info.licence}   SHA-256: {info.sha256}"


class _Datasets(_Namespace):
    """Bundled public datasets: ``sl.datasets.list()``, ``sl.datasets.get(name)``, ``sl.datasets.read(name)``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> len(sl.datasets.read("chinchilla-runs")) > 200
    True
    """

    _package = "scalinglab.datasets"

    def list(self) -> list[Result]:
        """Every bundled dataset with its source."""
        from .datasets import list_datasets

        return [Result(i, kind="Dataset", summary=f"{i.name} ({i.rows} rows)", report=_dataset_report)
                for i in list_datasets()]

    def get(self, name: str) -> Result:
        """A dataset's provenance: source, licence, checksum."""
        from .datasets import get_dataset

        info = get_dataset(name)
        return Result(info, kind="Dataset", summary=f"{info.name} ({info.rows} rows)", report=_dataset_report)

    def read(self, name: str):
        """The dataset as a pandas DataFrame (checked against its SHA-256)."""
        from .datasets import read_bundled

        return read_bundled(name)


class _Sweep(_Namespace):
    """IsoFLOP sweeps of small GPTs (needs ``pip install 'scalinglab[train]'``).

    ``sl.sweep.plan(preset="tiny")`` plans and times a sweep; ``sl.sweep.run(...)`` trains it into a
    SQLite registry; ``sl.sweep.status(db)`` and ``sl.sweep.export(db, name, out)`` read it back.
    Options are those of ``scalinglab sweep plan`` (``compute``, ``sizes``, ``spread``, ``flops_method``, ...).
    """

    _package = "scalinglab.sweep"

    @staticmethod
    def _given(options: dict) -> dict:
        given = dict(options)
        if "compute" in given:
            given["budgets"] = given.pop("compute")
        if "flops_method" in given:
            given["flops"] = given.pop("flops_method")
        if given.get("seeds") is not None:
            given["seeds"] = tuple(np.atleast_1d(given["seeds"]).tolist())
        return given

    def plan(self, *, preset: str | None = None, cache_dir=None, estimate: bool = True, suggest: bool = False,
             budget=None, db=None, name: str | None = None, target=None, **options) -> Result:
        """Plan a sweep and time a few steps per shape (trains nothing); with ``suggest``, the planned runs
        ``suggest`` would train next within ``budget`` FLOP, given the finished runs of sweep ``name`` in
        ``db`` (or none), for the loss at ``target`` FLOP (default: the largest budget)."""
        from .sweep.api import prepare_plan

        if not suggest:
            if budget is not None or target is not None or db is not None or name is not None:
                raise InputError("--budget, --target, --db and --name go with --suggest")
            planned = prepare_plan(preset=preset, cache_dir=cache_dir, estimate=estimate, **self._given(options))
            return Result(planned, kind="SweepPlan", summary=f"{len(planned.plan.runs)} runs on {planned.plan.device}")
        from .sweep.adaptive import suggest_plan

        flop, target_flop = _flop(budget, "--budget", required=True), _flop(target, "--target")
        planned = prepare_plan(preset=preset, cache_dir=cache_dir, estimate=False, **self._given(options))
        found = suggest_plan(planned.plan, budget=flop, registry=db, name=name, target=target_flop)
        return Result(found, kind="SweepSuggestion", summary=f"{len(found.keys)} runs to train next")

    def run(self, *, preset: str | None = None, cache_dir=None, name: str | None = None, db=None,
            out="out/sweeps", executor: str = "local", ray_address: str | None = None, gpus_per_run: float = -1.0,
            cpus_per_run: float = 1.0, fit: bool = False, save_models: bool = False, peak_flops=None,
            progress: bool = False, retries: int = 2, resources: dict | None = None, slurm: dict | None = None,
            force: bool = False, adaptive: bool = False, budget=None, rounds: int = 3, target=None,
            **options) -> Result:
        """Train every unfinished run of the sweep and record it (the same ``name`` resumes).

        ``adaptive``: train only the runs ``suggest`` chooses, ``rounds`` rounds after a seed round, within
        ``budget`` FLOP, for the loss at ``target`` FLOP (default: the largest budget); every round is
        recorded in the registry (``scalinglab.sweep.adaptive``).

        ``executor``: local, ray or submitit; ``retries``: resubmissions of a run lost with its node or
        job; ``resources``: custom Ray resources per run (``{"accel": 1}``); ``slurm``: submitit options
        (``folder``, ``cluster``, ``partition``, ``array_parallelism``, ``timeout_min``); ``force``: take
        the sweep over from a registered owner that no longer runs it."""
        from pathlib import Path

        from .store import RunsRegistry
        from .sweep.api import prepare_plan
        from .sweep.executors import check_options
        from .sweep.runner import run_sweep

        if not adaptive and (budget is not None or target is not None):
            raise InputError("--budget and --target go with --adaptive")
        if adaptive:
            flop, target_flop = _flop(budget, "--budget", required=True), _flop(target, "--target")
            if fit:
                raise InputError("--fit goes with a full sweep; an adaptive sweep fits after every round")
        check_options(executor, ray_address=ray_address, resources=resources, slurm=slurm, retries=retries,
                      cpus_per_run=cpus_per_run, gpus_per_run=0.0 if gpus_per_run == -1.0 else gpus_per_run)
        RunsRegistry.check_intact(db or Path(out) / "runs.sqlite")  # before the corpus work, writing nothing
        planned = prepare_plan(preset=preset, cache_dir=cache_dir, estimate=False, **self._given(options))
        the_plan = planned.plan
        out = Path(out)
        gpus = gpus_per_run if gpus_per_run >= 0 else (1.0 if the_plan.device.startswith("cuda") else 0.0)
        if adaptive:
            from .sweep.adaptive import run_adaptive

            found = run_adaptive(the_plan, planned.corpus, name=name or f"adaptive-{the_plan.fingerprint()[:8]}",
                                 registry=db or out / "runs.sqlite", budget=flop, rounds=rounds, target=target_flop,
                                 out_dir=out, executor=executor,
                                 device=the_plan.device, ray_address=ray_address, gpus_per_run=gpus,
                                 cpus_per_run=cpus_per_run, max_epochs=float(planned.options["max_epochs"]),
                                 save_models=save_models, peak_flops=peak_flops, progress=progress, retries=retries,
                                 resources=resources, slurm=slurm, force=force)
            return Result(found, kind="AdaptiveSweep", summary=found.name)
        result = run_sweep(the_plan, planned.corpus, name=name or f"sweep-{the_plan.fingerprint()[:8]}",
                           registry=db or out / "runs.sqlite", out_dir=out, executor=executor,
                           device=the_plan.device, ray_address=ray_address, gpus_per_run=gpus,
                           cpus_per_run=cpus_per_run, max_epochs=float(planned.options["max_epochs"]), fit=fit,
                           save_models=save_models, peak_flops=peak_flops, progress=progress, retries=retries,
                           resources=resources, slurm=slurm, force=force)
        if fit:
            from .charts import save_chart
            from .charts.sweep import isoflop_chart

            result.charts.append(str(save_chart(isoflop_chart(result.rows, result.fit), Path(result.out_dir) / "isoflop.png")))
        return Result(result, kind="Sweep", summary=f"{getattr(result, 'name', '')}".strip() or "sweep")

    def status(self, db="out/sweeps/runs.sqlite", name: str | None = None) -> Result:
        """Sweeps in a registry, one sweep's runs, and a consistency check."""
        from .sweep.api import sweep_status

        return Result(sweep_status(db, name), kind="SweepStatus", summary=str(db))

    def export(self, db, name: str, out, *, checkpoints: bool = False) -> Result:
        """Write a sweep's finished runs as CSV with the columns ``fit`` and ``isoflop`` read."""
        from .sweep.api import export_sweep

        return Result(export_sweep(db, name, out, checkpoints=checkpoints), kind="SweepExport", summary=str(out))


laws = _Laws()
datasets = _Datasets()
sweep = _Sweep()


def _flop(value, flag: str, *, required: bool = False) -> float | None:
    """A FLOP count given as a number or text such as ``1e21``; None when not given (an error if ``required``)."""
    if value is None:
        if required:
            raise InputError(f"give {flag} in FLOP, e.g. {flag} 1e11")
        return None
    return parse_quantity(value, what=flag)


# ------------------------------------------------------------------------------- the package face
class _Entry:
    """An API function that also reads through to its science package (``sl.plan.compute_optimal``).

    ``scalinglab.plan``, ``scalinglab.fit`` and ``scalinglab.forecast`` are both functions of this face
    and subpackages; the package attribute is this callable, and the subpackage's names read through it.
    """

    def __init__(self, function, package: str):
        functools.update_wrapper(self, function)
        self._package = package

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module(self._package), name)

    def __repr__(self) -> str:
        return f"<function scalinglab.{self.__name__}>"


_PACKAGES = {"plan": "scalinglab.plan", "fit": "scalinglab.fit", "forecast": "scalinglab.forecast"}
_FACE: dict[str, object] = {}


def face(name: str):
    """What ``scalinglab.<name>`` is: the function (or namespace) of this module."""
    if name not in _FACE:
        value = globals()[name]
        _FACE[name] = _Entry(value, _PACKAGES[name]) if name in _PACKAGES else value
    return _FACE[name]


"""One call per job: ``fit_law`` (estimate, bootstrap, derived quantities, backtest) and ``isoflop``."""

from __future__ import annotations

import contextlib
import functools
import time

import numpy as np

from .._version import __version__
from ..errors import InputError, LawError
from ..laws import ChinchillaLaw, DataConstrainedLaw, NDLaw, get_law, list_laws, resolve_law
from ..laws.formula_law import formula_family, formula_option
from ..laws.ranges import extrapolation_warnings, range_of
from ..options import spelled
from .backtest import (CALIBRATION_BOOTSTRAP, DEFAULT_BACKTEST_BOOTSTRAP, calibration_skipped,
                       extrapolation_calibration, holdout_above as _holdout, leave_one_budget_out as _lobo)
from .bootstrap import MAX_BOOTSTRAP, ProgressBar, check_bootstrap, parameter_draws, run_bootstrap  # noqa: F401 - MAX_BOOTSTRAP re-exported
from .derived import derived_quantities
from .identify import fit_diagnostics
from .estimators import estimate
from .isoflop import IsoFlopResult, approach1, approach2
from .formula_model import SPACES, FormulaModel
from .models import FAMILIES_FITTABLE, FitModel, make_model
from .objectives import make_objective
from .optimize import single_threaded_blas
from .options import FIT, check_family_options
from .result import FitResult
from .runs import Runs, rows_text, load_runs

__all__ = ["fit_law", "isoflop", "as_runs", "DEFAULT_BUDGETS"]

DEFAULT_BUDGETS = (5.76e23,)
"""Chinchilla's and Gopher's training budget (Hoffmann et al. 2022, Table 3), shown unless others are asked."""


def as_runs(runs, columns: dict | None = None, flops_per_param_token: float | None = None,
            table: dict | None = None) -> Runs:
    """``runs`` itself when already loaded, else ``load_runs(runs, **columns, **table)``.

    ``table`` holds the table options of ``load_runs``: ``where``, ``duplicates``, ``drop_missing``,
    ``c_note``, ``response``.
    """
    if isinstance(runs, Runs):
        return runs
    return load_runs(runs, flops_per_param_token=flops_per_param_token, **(columns or {}), **(table or {}))


def _family(law: str) -> str:
    key = str(law).strip().lower()
    if key in FAMILIES_FITTABLE:
        return key
    if key in {entry.name for entry in list_laws()}:
        family = get_law(key).family
        if family in FAMILIES_FITTABLE:
            return family
    from ..errors import UnknownNameError

    raise UnknownNameError("law family to fit", law, FAMILIES_FITTABLE)


def _data_constrained_model(runs: Runs, base, objective, estimator: str) -> FitModel:
    """Fixed base law (name, file or ChinchillaLaw), or the base fitted too, started from a Chinchilla fit."""
    if base is not None and not (isinstance(base, str) and base.strip().lower() == "fit"):
        law = resolve_law(base)[1] if isinstance(base, str) else base
        law = law.base if isinstance(law, DataConstrainedLaw) else law
        if not isinstance(law, ChinchillaLaw):
            raise LawError(f"the base of a data-constrained law must be a Chinchilla-family law, got {law.family!r}")
        return make_model("data-constrained", base=law)
    chin = make_model("chinchilla")
    data, y = chin.data(runs)
    start = estimate(chin, objective, data, y, "fast").theta
    return make_model("data-constrained", base_start=start)


def _check_settings(level: float, bootstrap: int, drop: int) -> None:
    FIT["level"].check(level)
    check_bootstrap(bootstrap)
    FIT["drop_highest_loss"].check(drop)


def objective_space(objective: str) -> tuple[str | None, str]:
    """(``"log"``, ``"target"`` or None when not said, the objective's own name) of ``--objective`` text:
    ``target-huber`` is the Huber loss on residuals in the target's units, ``log-huber`` (= ``huber``) on
    log residuals."""
    key = str(objective).strip().lower()
    for space in SPACES:
        if key.startswith(space + "-"):
            return space, key[len(space) + 1:]
    return None, key


def _formula_model(table: Runs, family, space: str | None) -> tuple[FitModel, str | None]:
    """The formula's model in ``space`` (by default log space when every target is positive), and a note
    when the default chose the target's own units."""
    if space is None:
        positive = bool(np.all(table.loss > 0))
        space = "log" if positive else "target"
        if not positive:
            return FormulaModel(family, space), (
                f"column {table.column('loss')!r} has zero or negative values: residuals are taken in its own units "
                f"(predicted - observed), not in log space ({spelled('objective', value='target-huber')} says so "
                f"explicitly)")
    return FormulaModel(family, space), None


def _one_blas_thread_for_formulas(function):
    """Formula fits hold BLAS to one thread: their many small products and solves run slower threaded,
    most of all on a busy machine (the built-in families keep their own settings)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with single_threaded_blas() if kwargs.get("formula") is not None else contextlib.nullcontext():
            return function(*args, **kwargs)

    return wrapper


@_one_blas_thread_for_formulas
def fit_law(runs, law: str = "chinchilla", *, estimator: str = "fast", objective: str | None = None,
            delta: float = 1e-3, weight: float = 4.0, drop_highest_loss: int = 0, bootstrap: int = 0, seed: int = 0,
            level: float = 0.95, holdout_above: float | None = None, leave_one_budget_out: bool = False,
            budgets=None, points=(), targets=(), x: str = "c", base=None, columns: dict | None = None,
            flops_per_param_token: float | None = None, table: dict | None = None,
            progress=False, profile: str | None = None, formula: str | None = None,
            variables: dict | None = None, params: dict | None = None) -> FitResult:
    """Fit the law family ``law`` to ``runs`` (a file, a bundled dataset name, a DataFrame or ``Runs``).

    ``formula`` fits a law of one's own instead (``laws.formula_law``): ``variables`` maps its input
    names to columns, ``params`` overrides parameter bounds and starts; ``objective`` may then name
    the residuals' space, ``target-huber`` or ``log-huber`` (default: log when every target is positive).

    Returns a ``FitResult``: parameters, objective, diagnostics; with ``bootstrap`` B > 0, standard
    errors and ``level`` percentile intervals of parameters and derived quantities (``budgets``:
    compute budgets; ``points``: (N, D) pairs; ``targets``: losses); with ``holdout_above`` or
    ``leave_one_budget_out``, a backtest. ``table``: options of ``load_runs`` (``where``,
    ``duplicates``, ``drop_missing``, ``c_note``). Every fit says which parameters the runs do not
    identify (``diagnostics.identifiability``); ``profile`` names a parameter whose
    profile-likelihood interval is added (``diagnostics.profile``). ``objective``: huber when None.
    Options the family cannot use are refused (``options.check_family_options``).
    """
    if str(law).strip().lower() in ("accuracy", "sigmoid"):
        from .accuracy import fit_accuracy

        check_family_options("accuracy", leave_one_budget_out=leave_one_budget_out,
                             drop_highest_loss=drop_highest_loss > 0, target_loss=bool(targets),
                             compute=budgets is not None, at=bool(points), objective=objective not in (None, "squares"),
                             estimator=str(estimator).strip().lower() != "fast", base=base is not None)
        return fit_accuracy(runs, x=x, bootstrap=bootstrap, seed=seed, level=level, columns=columns, table=table,
                            holdout_above=holdout_above, profile=profile)
    started = time.perf_counter()
    _check_settings(level, bootstrap, drop_highest_loss)
    space, objective = objective_space(objective or "huber")
    spec = None
    if formula is not None:
        spec = formula_family(formula, variables, params)
        table = {**(table or {}), "inputs": spec.variables, "response": "any"}
    elif space is not None:
        raise InputError(f"{spelled('objective', value=f'{space}-{objective}')}: choosing the residuals' space is for "
                         f"{spelled('formula')} fits; the {law} law is fitted in its own (use "
                         f"{spelled('objective', value=objective)})")
    table = as_runs(runs, columns, flops_per_param_token, table)
    total = len(table)
    table, dropped = table.drop_highest_loss(drop_highest_loss)
    family = "formula" if spec is not None else _family(law)
    obj = make_objective(objective, delta=delta, weight=weight)
    space_note = None
    if spec is not None:
        model, space_note = _formula_model(table, spec, space)
    else:
        model = (_data_constrained_model(table, base, obj, estimator) if family == "data-constrained"
                 else make_model(family, x=x))
    data, y = model.data(table)
    check_bootstrap(bootstrap, runs=len(y), columns=len(data))
    p = len(model.specs)
    if len(table) < p:
        raise InputError(f"{table.source}: {len(table)} runs for the {p} parameters of the {family} law "
                         f"({', '.join(model.names)}); need at least {p} runs")
    exact = str(estimator).strip().lower() == "hoffmann"
    with ProgressBar(progress if exact else False, len(model.grid(data)), "L-BFGS-B starts") as advance:
        point = estimate(model, obj, data, y, estimator, on_done=advance)
    if spec is not None and not np.isfinite(point.objective):
        raise InputError(_non_finite(model, table, data, point.theta))
    params = model.params(point.theta)

    boot, stderr, intervals, boot_info, boot_params = None, None, None, None, None
    if bootstrap > 0:
        boot = run_bootstrap(model, obj, data, y, point.theta, bootstrap, seed=seed, level=level, progress=progress)
        boot_params, intervals = parameter_draws(model, point.theta, boot.thetas, level)
        stderr = dict(zip(intervals, boot_params.std(axis=0, ddof=1).tolist()))
        boot_info = {"size": bootstrap, "seed": seed, "level": level,
                     "converged_fraction": float(np.mean(boot.converged)),
                     "method": "runs resampled with replacement; percentile intervals"}
    diagnostics = fit_diagnostics(model, obj, data, y, point, boot_params, None if boot is None else boot.thetas,
                                  intervals, level, profile)

    derived = {}
    fitted = model.to_law(point.theta)
    if isinstance(fitted, NDLaw) and getattr(fitted, "is_nd", True):
        calibration = None
        if boot is not None and points:
            calibration = extrapolation_calibration(model, obj, table, estimator=estimator, seed=seed, level=level,
                                                    bootstrap=min(bootstrap, CALIBRATION_BOOTSTRAP))
        try:
            derived = derived_quantities(model, point.theta, boot,
                                         budgets=DEFAULT_BUDGETS if budgets is None else budgets, points=points,
                                         targets=targets, flops_per_param_token=table.flops_per_param_token,
                                         level=level, calibration=calibration)
        except LawError as error:
            diagnostics["warnings"].append(f"the fitted law gives no derived quantities: {error}")
        if calibration:
            derived["calibration"] = calibration
            diagnostics["warnings"] += [f"interval calibration: {w}" for w in calibration["warnings"]]
    backtest = None
    backtest_size = bootstrap or DEFAULT_BACKTEST_BOOTSTRAP
    if holdout_above is not None:
        backtest = _holdout(model, obj, table, holdout_above, estimator=estimator, bootstrap=backtest_size,
                            seed=seed, level=level)
    elif leave_one_budget_out:
        backtest = _lobo(model, obj, table, estimator=estimator, bootstrap=backtest_size, seed=seed, level=level)
    if backtest is not None:
        diagnostics["warnings"] += backtest["warnings"]

    data_info = table.describe()
    if space_note:
        data_info["notes"].append(space_note)
    if boot is not None and points and isinstance(fitted, NDLaw) and getattr(fitted, "is_nd", True) \
            and not derived.get("calibration"):
        data_info["notes"] = [*data_info.get("notes", []), calibration_skipped(table)]
    data_info.update({"runs_in_table": total, "dropped_rows": dropped,
                      "fitted_range": range_of(table.n, table.d, table.c)})
    if points:  # a new run asked for far beyond the runs fitted says so, as plan and predict do
        pn, pd_ = np.array([p[0] for p in points]), np.array([p[1] for p in points])
        diagnostics["warnings"] += extrapolation_warnings(data_info["fitted_range"], n=pn, d=pd_,
                                                          c=table.flops_per_param_token * pn * pd_, name="this fit")
    settings = {"law": family, "estimator": point.estimator, "objective": obj.to_dict(), "x": x if family in (
        "power", "saturating-power", "broken-power", "sigmoid") else None, "drop_highest_loss": drop_highest_loss,
        "holdout_above": holdout_above, "leave_one_budget_out": leave_one_budget_out,
        "flops_per_param_token": table.flops_per_param_token, "base_fitted": family == "data-constrained" and getattr(
            model, "base", None) is None}
    if spec is not None:
        settings.update({"formula": spec.text, "variables": dict(spec.variables), "space": model.space,
                         "param_specs": _spec_dicts(spec)})
    return FitResult(
        family=family, law_dict=model.to_law(point.theta).to_dict(), params=params, objective=point.objective,
        objective_spec={**obj.to_dict(), **({"space": model.space} if spec is not None else {}),
                        "description": obj.describe(getattr(model, "space", "log"))}, estimator=point.estimator,
        success=point.success, message=point.message, n_runs=len(table), n_starts=point.n_starts,
        n_refined=point.n_refined, data=data_info, diagnostics=diagnostics, level=level, stderr=stderr,
        intervals=intervals, bootstrap=boot_info, derived=derived, backtest=backtest, settings=settings,
        version=__version__, seconds=time.perf_counter() - started, runs=table,
        replicate_laws=() if boot is None else tuple(model.to_law(t).to_dict() for t in boot.thetas))


def _spec_dicts(spec) -> dict:
    """The parameters' bounds, transforms and starts as fitted (and the fixed ones), for the saved fit."""
    def bound(value: float) -> float | None:  # JSON has no infinity: an open side is null
        return float(value) if np.isfinite(value) else None

    out = {s.name: {"lower": bound(s.lower), "upper": bound(s.upper), "transform": "log" if s.log_scale else "linear",
                    "starts": [float(np.exp(g)) if s.log_scale else float(g) for g in s.grid],
                    "role": s.description} for s in spec.specs}
    out.update({name: {"fixed": value} for name, value in spec.fixed.items()})
    return out


def _non_finite(model: FitModel, table: Runs, data: dict, theta) -> str:
    """The one-line error of a formula that gives NaN or infinity on the data at every start."""
    with np.errstate(all="ignore"):
        values = model.predict(np.asarray(theta)[None, :], data)[0]
    bad = ~np.isfinite(values)
    where = f" (e.g. {rows_text(table.rows[bad])})" if bad.any() else ""
    return (f"{table.source}: the formula {model.formula.text!r} gives NaN or infinity on the data at every start"
            f"{where}; check its inputs there, or give starts and bounds with {formula_option('params')}")


def isoflop(runs, *, approach: int = 2, bootstrap: int = 500, seed: int = 0, level: float = 0.95,
            min_runs: int | None = None, columns: dict | None = None, flops_per_param_token: float | None = None,
            table: dict | None = None, keep_outside: bool = False, approach3: bool = True) -> IsoFlopResult:
    """IsoFLOP Approach 2 (parabola per budget) or 1 (lower envelope of runs with checkpoints).

    Approach 2 keeps budgets whose minimum lies outside the sampled sizes with ``keep_outside``
    (flagged), and fits Approach 3 to the same runs beside it unless ``approach3`` is False.
    """
    _check_settings(level, bootstrap, 0)
    table = as_runs(runs, columns, flops_per_param_token, table)
    if approach == 2:
        return approach2(table, min_runs=min_runs, bootstrap=bootstrap, seed=seed, level=level,
                         keep_outside=keep_outside, approach3=approach3)
    if approach == 1:
        return approach1(table, bootstrap=bootstrap, seed=seed, level=level)
    raise InputError(f"{spelled('approach')} must be 1 or 2, got {approach}")

"""Two-step downstream prediction (the OLMo ladder: Bhagia et al. 2024, arXiv:2412.04403, section 2).

Step 1: a loss law L(N, D) = E + A N^-alpha + B D^-beta fitted to small runs (the task loss, or
any loss that tracks it). Step 2: an accuracy S-curve of that loss, acc = floor + (ceiling - floor)
sigma(slope (midpoint - L)), fitted to the same runs' (loss, accuracy) pairs. A target model (N, D)
gets its loss from step 1 and its accuracy from step 2.

Uncertainty is chained, not added: each of B draws takes one bootstrap replicate of step 1 and
one of its log residuals (the loss a new run would get), then one bootstrap replicate of step 2 at
that loss and one of its residuals (clipped to the replicate's [floor, ceiling]); the percentiles
of the B accuracies give the interval. The two steps are bootstrapped over the same runs, each
with its own seed stream.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._version import __version__
from ..errors import InputError
from ..units import format_quantity
from .accuracy import AccuracyModel, accuracy_draws
from .bootstrap import check_bootstrap, percentile_interval, run_bootstrap
from .estimators import estimate
from .identify import fit_warnings
from .models import make_model
from .objectives import Objective, make_objective
from .runs import load_runs

__all__ = ["TaskPrediction", "predict_task"]


@dataclass(frozen=True)
class TaskPrediction:
    """Accuracy predicted for target models through their predicted loss, with chained intervals."""

    source: str
    n_runs: int
    level: float
    bootstrap: int
    seed: int
    loss_params: dict
    accuracy_params: dict
    fixed: dict
    targets: list[dict]
    notes: list[str] = field(default_factory=list)
    version: str = ""
    seconds: float = 0.0
    calibration: dict | None = None
    warnings: list[str] = field(default_factory=list)
    chains: list[dict] = field(default_factory=list)

    def to_dict(self, *, timings: bool = False) -> dict:
        """JSON-safe; the wall-clock ``seconds`` only with ``timings`` (the same inputs give the same dict)."""
        return {"method": "two-step: loss law in (N, D), then accuracy from loss (Bhagia et al. 2024)",
                "source": self.source, "n_runs": self.n_runs, "level": self.level, "bootstrap": self.bootstrap,
                "seed": self.seed, "loss_law": {"family": "chinchilla", "params": dict(self.loss_params)},
                "accuracy_law": {"family": "sigmoid", "against": "loss", "params": dict(self.accuracy_params),
                                 "fixed": dict(self.fixed)},
                "targets": [dict(t) for t in self.targets], "calibration": self.calibration,
                "chains": [dict(c) for c in self.chains],
                "notes": list(self.notes), "warnings": list(self.warnings), "version": self.version,
                **({"seconds": self.seconds} if timings else {})}

    def headline(self) -> str:
        return f"{len(self.targets)} targets"

    def to_frame(self):
        """One row per target model, nested keys flattened."""
        import pandas as pd

        return pd.json_normalize([dict(t) for t in self.targets])

    def report(self):
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table
        from ..units import format_quantity

        lp, ap = self.loss_params, self.accuracy_params
        parts = [Text(f"two-step prediction from {self.n_runs} runs of {self.source} (Bhagia et al. 2024)", style="bold"),
                 Text(f"step 1, loss: L = {lp['E']:.4g} + {lp['A']:.4g} N^-{lp['alpha']:.4f} + {lp['B']:.4g} "
                      f"D^-{lp['beta']:.4f}"),
                 Text(f"step 2, accuracy: {ap['floor']:.4g} + ({ap['ceiling']:.4g} - {ap['floor']:.4g}) "
                      f"sigma({ap['slope']:.4g} ({-ap['midpoint']:.4g} - L))")]
        rows = [[format_quantity(t["n"]), format_quantity(t["d"]), f"{t['loss']:.4f}",
                 f"{t['loss_interval'][0]:.4f} - {t['loss_interval'][1]:.4f}", f"{t['accuracy']:.4f}",
                 f"{t['accuracy_interval'][0]:.4f} - {t['accuracy_interval'][1]:.4f}"] for t in self.targets]
        parts.append(rich_table("Targets", ["N", "D", "loss", f"{self.level:.0%} interval", "accuracy",
                                            f"{self.level:.0%} interval (both steps)"], rows))
        if len(self.chains) > 1:
            def points(value):
                return "-" if value is None else f"{value:.2f}"

            rows = [[c["intermediate"] + (" (used)" if c["chosen"] else ""), points(c.get("selection_mae_points")),
                     points(c["heldout_mae_points"]), ", ".join(f"{t['accuracy']:.4f}" for t in c["targets"])]
                    for c in self.chains]
            parts.append(rich_table("Intermediate losses compared", ["loss", "second-largest runs: error (points)",
                                                                     "largest runs: error (points)",
                                                                     "accuracy at the targets"], rows))
        parts += [Text(f"note: {n}") for n in self.notes]
        parts += [Text(f"warning: {w}", style="yellow") for w in self.warnings]
        return Group(*parts)


def predict_task(runs, at, *, accuracy_col: str | None = None, loss_col=None,
                 task_loss_col: str | None = None,
                 floor: float | None = None, ceiling: float | None = None, bootstrap: int = 200, seed: int = 0,
                 level: float = 0.95, columns: dict | None = None, table: dict | None = None,
                 calibrate: bool = True) -> TaskPrediction:
    """Predict task accuracy at each target (N, D) of ``at`` from a ladder of small runs (see module doc).

    ``calibrate`` widens the accuracy intervals by the ladder's own forward-chaining check (see
    ``_ladder_calibration``); without it they are the chained bootstrap's. ``task_loss_col``: the
    task's own loss (bits per byte of the correct answer), used as the intermediate when given, as
    the OLMo ladder does. Without it, ``loss_col`` may name several general losses (a list): the
    intermediate is the one whose chain best predicts the ladder's second-largest models from the
    smaller ones (``selection_mae_points``). Every chain is reported (``chains``) with its error on
    the ladder's largest models predicted from the smaller ones (``heldout_mae_points``), runs the
    choice never saw.
    """
    started = time.perf_counter()
    if not at:
        raise InputError("predict-task needs at least one target model, --at N:D such as 7B:140B")
    check_bootstrap(bootstrap, minimum=20)  # fewer give no intervals
    if not 0 < level < 1:
        raise InputError(f"--level must lie strictly between 0 and 1, got {level!r}")
    if not accuracy_col:
        raise InputError("predict-task needs the accuracy column (--accuracy-col)")
    columns = {k: v for k, v in (columns or {}).items() if k in ("n_col", "d_col", "c_col")}
    options = {**(table or {}), "duplicates": (table or {}).get("duplicates", "keep")}
    acc_runs = load_runs(runs, loss_col=accuracy_col, response="accuracy", **columns, **options)
    general = list(dict.fromkeys([loss_col] if loss_col is None or isinstance(loss_col, str) else loss_col))
    if not general:
        general = [None]
    loaded = [load_runs(runs, loss_col=col, **columns, **options)
              for col in general + ([task_loss_col] if task_loss_col else [])]
    if options.get("drop_missing"):  # a row missing a value in any step's column is dropped from every step
        kept = acc_runs.rows
        for chain_runs in loaded:
            kept = np.intersect1d(kept, chain_runs.rows)
        acc_runs = acc_runs.take(np.isin(acc_runs.rows, kept))
        loaded = [chain_runs.take(np.isin(chain_runs.rows, kept)) for chain_runs in loaded]
    chains = []
    for chain_runs in loaded:
        if not np.array_equal(chain_runs.rows, acc_runs.rows):
            raise InputError(f"{chain_runs.source}: the rows kept for the loss and the accuracy columns differ; "
                             f"use --duplicates keep or error")
        chain_runs.require(("n", "d"), "predict-task (step 1, the loss law)")
        if len(chain_runs) < 8:
            raise InputError(f"{chain_runs.source}: {len(chain_runs)} runs; the two steps need at least 8 (5 "
                             f"loss-law parameters, then the accuracy curve)")
        chains.append(chain_runs)
    check_bootstrap(bootstrap, runs=len(chains[-1]), columns=4, minimum=20)  # the loss law's and the curve's
    n_t = np.array([float(n) for n, _ in at])
    d_t = np.array([float(d) for _, d in at])
    bad = [f"{format_quantity(n)}:{format_quantity(d)}" for n, d in zip(n_t, d_t)
           if not (np.isfinite(n) and np.isfinite(d) and n > 0 and d > 0)]
    if bad:
        raise InputError(f"--at needs positive, finite N:D pairs such as 7B:140B, got {', '.join(bad)}")
    rng = np.random.default_rng([seed, 4])
    selection = [_heldout_error(c, acc_runs.loss, 2, floor, ceiling, seed, level) for c in chains]
    if task_loss_col or len(chains) == 1:  # the task's own loss (Bhagia et al. 2024, section 3), else the one loss
        chosen = len(chains) - 1
    else:
        chosen = int(np.argmin([np.inf if e is None else e for e in selection]))
    loss_runs = chains[chosen]
    fitted = _two_step(loss_runs, acc_runs.loss, n_t, d_t, floor, ceiling, bootstrap, seed, level, rng)
    compared = [{**_chain_summary(c, acc_runs.loss, n_t, d_t, floor, ceiling, seed, level,
                                  fitted if i == chosen else None), "selection_mae_points": selection[i]}
                for i, c in enumerate(chains)]
    calibration = (_ladder_calibration(loss_runs, acc_runs.loss, floor, ceiling, bootstrap, seed, level)
                   if calibrate else None)
    factor = 1.0 if calibration is None else calibration["factor"]
    targets = []
    for j in range(len(n_t)):
        acc_iv = percentile_interval(fitted["acc_draws"][:, j], level)
        lo_cap, hi_cap = fitted["acc_range"]
        widened = [max(fitted["accuracy"][j] - factor * (fitted["accuracy"][j] - acc_iv[0]), lo_cap),
                   min(fitted["accuracy"][j] + factor * (acc_iv[1] - fitted["accuracy"][j]), hi_cap)]
        targets.append({"n": float(n_t[j]), "d": float(d_t[j]), "loss": float(fitted["loss"][j]),
                        "loss_interval": [float(v) for v in percentile_interval(fitted["loss_draws"][:, j], level)],
                        "accuracy": float(fitted["accuracy"][j]), "accuracy_interval": [float(v) for v in widened],
                        "accuracy_interval_bootstrap": [float(v) for v in acc_iv]})
    model1, model2 = fitted["models"]
    fit1, fit2 = fitted["fits"]
    notes = list(loss_runs.notes)
    top_n, top_d = float(loss_runs.n.max()), float(loss_runs.d.max())
    for t in targets:
        if t["n"] > 100 * top_n or t["d"] > 100 * top_d:
            notes.append(f"target {t['n']:.3g} x {t['d']:.3g} lies more than 100x beyond the largest runs "
                         f"(N {top_n:.3g}, D {top_d:.3g}); the interval assumes the ladder's trends continue")
    if calibration is not None:
        notes.append(f"accuracy intervals widened x{factor:.2f}: {calibration['method']}")
    compared[chosen]["chosen"] = True
    warnings = _step_warnings(fitted, level)
    if len(compared) > 1 and not task_loss_col:
        notes.append(_choice_note(compared, chosen))
    mine = compared[chosen]["heldout_mae_points"]
    for other in compared[:-1] if task_loss_col else ():
        if other["heldout_mae_points"] is not None and mine is not None and other["heldout_mae_points"] < mine:
            warnings.append(f"through the general loss {other['intermediate']!r} the largest ladder runs were "
                            f"predicted better ({other['heldout_mae_points']:.2f} against {mine:.2f} accuracy "
                            f"points) than through the task loss")
    return TaskPrediction(loss_runs.source, len(loss_runs), level, bootstrap, seed, model1.params(fit1.theta),
                          model2.params(fit2.theta), dict(model2.fixed), targets, notes, __version__,
                          time.perf_counter() - started, calibration, warnings, compared)


def _chain_summary(loss_runs, accuracy, n_t, d_t, floor, ceiling, seed: int, level: float,
                   fitted: dict | None = None) -> dict:
    """One intermediate loss's chain: its error on the ladder's largest models predicted from the smaller
    ones (accuracy points), and its point predictions at the targets (from ``fitted``, the chain's fit on
    all its runs, when the caller has it: the point fits do not depend on the bootstrap)."""
    accuracy = np.asarray(accuracy, dtype=float)
    rng = np.random.default_rng([seed, 8])
    top = loss_runs.n == loss_runs.n.max()
    out = {"intermediate": loss_runs.column("loss"), "chosen": False, "heldout_runs": int(top.sum()),
           "heldout_mae_points": _heldout_error(loss_runs, accuracy, 1, floor, ceiling, seed, level)}
    if fitted is None:
        fitted = _two_step(loss_runs, accuracy, n_t, d_t, floor, ceiling, 20, seed + 29, level, rng)
    out["targets"] = [{"n": float(n), "d": float(d), "loss": float(lo), "accuracy": float(a)}
                      for n, d, lo, a in zip(n_t, d_t, fitted["loss"], fitted["accuracy"])]
    return out


def _heldout_error(loss_runs, accuracy, rank: int, floor, ceiling, seed: int, level: float) -> float | None:
    """Mean absolute error (accuracy points) of the runs at the ``rank``-th largest model size, predicted by
    both steps fitted to the runs of smaller models; None when fewer than 8 runs are smaller."""
    sizes = np.unique(loss_runs.n)
    if len(sizes) < rank + 1:
        return None
    test, train = loss_runs.n == sizes[-rank], loss_runs.n < sizes[-rank]
    if train.sum() < 8:
        return None
    accuracy = np.asarray(accuracy, dtype=float)
    got = _two_step(loss_runs.take(train), accuracy[train], loss_runs.n[test], loss_runs.d[test], floor, ceiling,
                    20, seed + 23, level, np.random.default_rng([seed, 8, rank]))
    return float(100 * np.mean(np.abs(got["accuracy"] - accuracy[test])))


def _choice_note(compared: list[dict], chosen: int) -> str:
    """Which general loss was chosen as the intermediate, and on what."""
    shown = ", ".join(f"{c['intermediate']!r} {c['selection_mae_points']:.2f}" if c["selection_mae_points"] is not None
                      else f"{c['intermediate']!r} -" for c in compared)
    return (f"intermediate loss {compared[chosen]['intermediate']!r} chosen by its error predicting the ladder's "
            f"second-largest models from the smaller ones (accuracy points: {shown}); the largest models, which "
            f"the choice never saw, give each chain's held-out error")


def _step_warnings(fitted: dict, level: float) -> list[str]:
    """The two inner fits' own warnings (convergence, identifiability), each named by its step."""
    out = []
    for step, model, fit, boot, (data, y), objective in zip(("step 1 (loss law)", "step 2 (accuracy from loss)"),
                                                            fitted["models"], fitted["fits"], fitted["boots"],
                                                            fitted["data"], fitted["objectives"]):
        out += [f"{step}: {w}" for w in fit_warnings(model, objective, data, y, fit, boot.thetas, level)]
    return out


def _two_step(loss_runs, accuracy, n_t, d_t, floor, ceiling, bootstrap: int, seed: int, level: float, rng) -> dict:
    """Both steps fitted and bootstrapped (same resamples), and B chained new-run draws at each target."""
    model1 = make_model("chinchilla")
    data1, y1 = model1.data(loss_runs)
    obj1 = make_objective("huber")
    fit1 = estimate(model1, obj1, data1, y1, "fast")
    model2 = AccuracyModel("loss", floor, ceiling)
    data2, y2 = {"t": -loss_runs.loss}, np.asarray(accuracy, dtype=float)
    obj2 = Objective("squares")
    fit2 = estimate(model2, obj2, data2, y2, "fast")
    boot1 = run_bootstrap(model1, obj1, data1, y1, fit1.theta, bootstrap, seed=seed, level=level)
    boot2 = run_bootstrap(model2, obj2, data2, y2, fit2.theta, bootstrap, seed=seed, level=level)  # same resamples
    point = {"lN": np.log(n_t), "lD": np.log(d_t)}
    loss = np.exp(model1.predict(fit1.theta[None, :], point)[0])
    mean = np.exp(model1.predict(boot1.thetas, point))
    n, p = boot1.residuals.shape[1], len(model1.specs)
    eps = boot1.residuals[np.arange(bootstrap)[:, None], rng.integers(0, n, mean.shape)] * np.sqrt(n / (n - p))
    new_loss = mean * np.exp(-eps)
    acc_draws = accuracy_draws(model2, boot2.thetas, boot2.residuals, -new_loss, rng)
    accuracy = model2.predict(fit2.theta[None, :], {"t": -loss})[0]
    full = model2.full(boot2.thetas)
    return {"loss": loss, "loss_draws": new_loss, "accuracy": accuracy, "acc_draws": acc_draws,
            "acc_range": (float(np.clip(full[:, 0].min(), 0, 1)), float(np.clip(full[:, 1].max(), 0, 1))),
            "models": (model1, model2), "fits": (fit1, fit2), "boots": (boot1, boot2),
            "data": ((data1, y1), (data2, y2)), "objectives": (obj1, obj2)}


def _ladder_calibration(loss_runs, accuracy, floor, ceiling, bootstrap: int, seed: int, level: float,
                        min_sizes: int = 3) -> dict | None:
    """How much the accuracy intervals must grow to cover larger models, learnt on the ladder itself.

    For each model size s from the ``min_sizes``-th to the second largest: both steps fitted to the
    runs with N <= s predict the larger runs; a score is |observed - predicted accuracy| over the
    interval's half-width on the side of the error. The split-conformal quantile of the pooled scores
    (at least 1) is the factor (as in ``backtest.extrapolation_calibration``).
    """
    from .backtest import conformal_quantile

    sizes = np.unique(loss_runs.n)
    if len(sizes) <= min_sizes:
        return None
    accuracy = np.asarray(accuracy, dtype=float)
    quantiles, pooled = [], []
    rng = np.random.default_rng([seed, 5])
    for s in sizes[min_sizes - 1:-1]:
        train = loss_runs.n <= s
        if train.sum() < 8:
            continue
        test = np.flatnonzero(~train)
        got = _two_step(loss_runs.take(train), accuracy[train], loss_runs.n[test], loss_runs.d[test], floor, ceiling,
                        min(bootstrap, 100), seed + 17, level, rng)
        iv = percentile_interval(got["acc_draws"], level, axis=0)
        obs, pred = accuracy[test], got["accuracy"]
        half = np.where(obs >= pred, iv[:, 1] - pred, pred - iv[:, 0])
        scores = np.abs(obs - pred) / np.maximum(half, 1e-9)
        quantiles.append(conformal_quantile(scores, level))
        pooled.append(scores)
    if not quantiles:
        return None
    count = sum(len(p) for p in pooled)
    return {"factor": max(1.0, conformal_quantile(np.concatenate(pooled), level)), "fold_quantiles": quantiles,
            "folds": len(quantiles), "predictions": count, "calibration_size": count,
            "method": f"forward chaining over {len(quantiles)} model sizes of the ladder ({count} predictions of "
                      f"larger runs); split-conformal quantile of the pooled scores"}

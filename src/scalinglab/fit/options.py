"""The parameters of ``fit`` and ``isoflop``, each declared once, and which law families each applies to.

An option a family cannot use is refused, never dropped.

Families: the laws of N and D (chinchilla, kaplan, data-constrained), the one-variable laws (power,
saturating-power, broken-power: loss against one of N, D or C) and the accuracy S-curve. A family
not named here (a user formula) is checked only against the options that belong to another
family alone.
"""

from __future__ import annotations

from ..errors import InputError
from ..options import Option, Options, spelled

__all__ = ["check_family_options", "ACCURACY", "ND_FAMILIES", "ONE_VARIABLE", "FIT", "ISOFLOP", "COLUMNS", "TABLE",
           "BOOTSTRAP", "MAX_BOOTSTRAP", "FAMILY_RULES", "CURVES",
           "PREDICT_TASK"]

#: Most bootstrap refits: 100,000 take minutes on the bundled 245 runs (see benchmarks/bench_memory.py).
MAX_BOOTSTRAP = 100_000

RUNS = Option("runs", "Runs table (.csv, .parquet, .jsonl), a bundled dataset name (e.g. chinchilla-runs) or, in "
                      "Python, a DataFrame.", argument=True)

COLUMNS = Options((
    Option("n_col", "Column of parameter counts N."),
    Option("d_col", "Column of training tokens D."),
    Option("c_col", "Column of training compute C (FLOP); D = C/(6N) when no D column."),
    Option("loss_col", "Column of final losses (or the metric to fit)."),
    Option("budget_col", "Column naming each run's IsoFLOP budget."),
    Option("group_col", "Column naming the training run of each checkpoint."),
))

TABLE = Options((
    Option("flops_per_param_token", "k in C = k N D, FLOP per parameter and token (default: the table's, else 6; "
                                    "2 is a forward pass, 6 training; no transformer's lies outside [0.1, 100]).",
           kind="float", low=0.1, high=100),
    Option("where", "Keep the rows that match a filter, e.g. \"dataset == 'c4' and lr <= 0.004\" (comparisons, "
                    "and/or/not, in [...], `odd names` in backticks, numbers such as 7B; see docs/where.md)."),
    Option("duplicates", "Runs repeating an (N, D) setting: keep (default, noted), mean, min (the best run of each, "
                         "as for a hyper-parameter sweep) or error.", default="keep", kind="choice",
           choices=("keep", "mean", "min", "error")),
    Option("drop_missing", "Drop rows with a missing or unreadable value in a column used (noted).", default=False,
           kind="bool"),
    Option("c_note", "Explain a compute column that is not k N D (e.g. 'detailed count with attention'): a note "
                     "instead of an error."),
))

BOOTSTRAP = Options((
    Option("seed", "Seed of the bootstrap's random generator.", default=0, kind="int", low=0, high=2**32 - 1),
    Option("level", "Coverage of the percentile intervals, e.g. 0.95.", default=0.95, kind="float", low=0, high=1,
           low_open=True, high_open=True),
))

FIT = Options((
    RUNS,
    Option("law", "Law family: chinchilla, kaplan, data-constrained, power, saturating-power, broken-power, or "
                  "accuracy (alias sigmoid: an S-curve of accuracy); in Python also a law object or a fit.",
           default="chinchilla"),
    Option("estimator", "fast (default) or hoffmann (the published 4,500-start procedure).", default="fast",
           kind="choice", choices=("fast", "hoffmann")),
    Option("objective", "huber (log-Huber, the default), squares (on log loss) or asymmetric; the accuracy law: "
                        "squares only; with a formula, target-huber (target-squares, ...) takes residuals in the "
                        "target's own units (the default when a target is zero or negative)."),
    Option("delta", "Huber delta on log-loss residuals.", default=1e-3, kind="float", low=0, low_open=True),
    Option("weight", "Asymmetric objective: weight of over-prediction.", default=4.0, kind="float", low=0,
           low_open=True),
    Option("drop_highest_loss", "Drop the K runs with the highest loss first (Hoffmann et al. drop 5).", default=0,
           kind="int", low=0),
    Option("bootstrap", "Bootstrap refits over runs (0: none).", default=0, kind="int", low=0, high=MAX_BOOTSTRAP),
    *BOOTSTRAP.items,
    Option("holdout_above", "Backtest: fit runs with C at most this FLOP, predict the rest.", kind="quantity",
           unit="FLOP", excludes=("leave_one_budget_out",)),
    Option("leave_one_budget_out", "Backtest: predict each IsoFLOP budget from the others.", default=False,
           kind="bool"),
    Option("compute", "Compute budget(s) for N_opt, D_opt (default 5.76e23).", kind="quantity", many=True,
           unit="FLOP"),
    Option("at", "Predict the loss at N:D, e.g. 70B:1.4T (repeatable); accuracy law: at an x value, e.g. 1e24.",
           many=True),
    Option("target_loss", "Compute needed to reach this loss (repeatable).", kind="float", many=True, low=0,
           low_open=True),
    Option("x", "One-variable laws: the variable, n, d or c (accuracy law: also loss).", default="c", kind="choice",
           choices=("c", "n", "d", "loss")),
    Option("base", "Data-constrained: base law (name or fit.json) held fixed; default: fitted too."),
    *COLUMNS.items[:4],
    Option("u_col", "Column of unique tokens U (data-constrained law)."),
    *COLUMNS.items[4:],
    *TABLE.items,
    Option("progress", "Show a progress bar of the bootstrap (True) or call progress(done, total, label).",
           default=False, kind="object"),
    Option("floor", "Accuracy law: the chance level, fixed (e.g. 0.25) or 'fit' (default)."),
    Option("ceiling", "Accuracy law: the best reachable accuracy, fixed (e.g. 1) or 'fit' (default)."),
    Option("accuracy_col", "Accuracy law: the column of accuracies in [0, 1] (with {x} loss, {loss_col} names the "
                           "losses)."),
    Option("profile", "Add the profile-likelihood interval of this parameter (e.g. R_N_star)."),
    Option("formula", "Fit a law of your own, e.g. \"L + B / (N^alpha * E^beta)\": numbers, names, + - * / ^, "
                      "parentheses, log exp sqrt abs min max softplus log1p."),
    Option("variables", "With {formula}: an input NAME=COLUMN (repeatable); N alone takes the runs' N (D, C, U "
                        "alike). Other names are parameters. In Python also a dict.", many=True, flag="--var",
           requires=("formula",)),
    Option("group_by", "One fit per group of rows sharing these columns' values (COL[,COL], or a list in Python), "
                       "compared in one table and chart.",
           excludes=("profile", "holdout_above", "leave_one_budget_out", "compute", "at", "target_loss", "base",
                     "floor", "ceiling", "accuracy_col")),
    Option("params", "With {formula}: a parameter's NAME=START:LOWER:UPPER, e.g. alpha=0.3:0:3 (fields may be "
                     "empty; lower = upper fixes it). In Python also a dict.", many=True, flag="--param",
           requires=("formula",)),
))

CURVES = Options((
    RUNS,
    Option("curve_col", "Column naming the curve (run) of each row.", required=True),
    Option("x_col", "Column of the scale along each curve (tokens, steps, FLOP).", required=True),
    Option("loss_col", "Column of the loss.", default="loss"),
    Option("holdout_col", "Column marking held-out points; with {holdout_value}, the value that means held out (else "
                          "true, 1, yes, test, holdout, val).", excludes=("train_col", "holdout_above")),
    Option("holdout_value", "With {holdout_col}: the value that marks a held-out row, e.g. 1.", requires=("holdout_col",)),
    Option("train_col", "Column marking the training points (the others are held out); with {train_value}, the value "
                        "that means training.", excludes=("holdout_above",)),
    Option("train_value", "With {train_col}: the value that marks a training row, e.g. 1.", requires=("train_col",)),
    Option("holdout_above", "Hold out the points with x above this value.", kind="quantity"),
    TABLE["where"],
    Option("duplicates", "Rows repeating a (curve, x) pair: keep (default, noted), mean, min or error.",
           default="keep", kind="choice", choices=("keep", "mean", "min", "error")),
))

PREDICT_TASK = Options((
    RUNS,
    Option("at", "Target model N:D, e.g. 7B:140B (repeatable); in Python also (N, D) pairs.", many=True,
           required=True),
    Option("accuracy_col", "Column of task accuracies in [0, 1].", required=True),
    Option("loss_col", "Column of a general loss (repeatable: without {task_loss_col}, the one whose chain best "
                       "predicts the ladder's second-largest models is used).", many=True),
    Option("task_loss_col", "Column of the task's own loss (bits per byte of the correct answer): the intermediate "
                            "step when given; the chain through {loss_col} is reported beside it."),
    Option("floor", "Chance accuracy, fixed (e.g. 0.25) or 'fit' (default)."),
    Option("ceiling", "Best reachable accuracy, fixed (e.g. 1) or 'fit' (default)."),
    Option("bootstrap", "Bootstrap replicates of each step.", default=200, kind="int", low=20, high=MAX_BOOTSTRAP),
    *BOOTSTRAP.items,
    *(COLUMNS[key] for key in ("n_col", "d_col", "c_col")),
    TABLE["where"], TABLE["duplicates"], TABLE["drop_missing"],
))

ISOFLOP = Options((
    RUNS,
    Option("approach", "2: parabola per IsoFLOP budget; 1: lower envelope of runs with checkpoints.", default=2,
           kind="int", low=1, high=2),
    Option("bootstrap", "Bootstrap replicates for the interval of a.", default=500, kind="int", low=0,
           high=MAX_BOOTSTRAP),
    *BOOTSTRAP.items,
    Option("min_runs", "Approach 2: fewest runs that make a budget (default 5 when budgets are found by clustering "
                       "compute, 3 when {budget_col} names them).", kind="int", low=3),
    *COLUMNS.items,
    *TABLE.items,
    Option("keep_outside", "Approach 2: keep budgets whose minimum lies outside the sampled sizes (flagged as "
                           "extrapolated).", default=False, kind="bool"),
    Option("group_by", "One analysis per group of rows sharing these columns' values (COL[,COL]), compared in one "
                       "table."),
))

ACCURACY = frozenset({"accuracy", "sigmoid"})
ND_FAMILIES = frozenset({"chinchilla", "kaplan", "data-constrained"})
ONE_VARIABLE = frozenset({"power", "saturating-power", "broken-power"})

#: option -> (the families it applies to, why the others cannot use it).
FAMILY_RULES = {
    "leave_one_budget_out": (lambda f: f not in ACCURACY,
                             "it backtests a loss law by IsoFLOP budget; use --holdout-above"),
    "drop_highest_loss": (lambda f: f not in ACCURACY,
                          "it drops the runs of highest loss, and this law fits accuracies; use --where"),
    "target_loss": (lambda f: f in ND_FAMILIES or f not in ACCURACY | ONE_VARIABLE,
                    "it plans compute from a law of N and D"),
    "compute": (lambda f: f in ND_FAMILIES or f not in ACCURACY | ONE_VARIABLE,
                "the compute-optimal allocation needs a law of N and D"),
    "at": (lambda f: f not in ONE_VARIABLE, "new runs N:D need a law of N and D"),
    "objective": (lambda f: f not in ACCURACY,
                  "the accuracy curve is fitted by least squares on accuracy"),
    "delta": (lambda f: f not in ACCURACY, "the accuracy curve is fitted by least squares on accuracy"),
    "weight": (lambda f: f not in ACCURACY, "the accuracy curve is fitted by least squares on accuracy"),
    "estimator": (lambda f: f not in ACCURACY,
                  "the accuracy curve has its own start grid"),
    "base": (lambda f: f == "data-constrained", "only the data-constrained law has a base law"),
    "u_col": (lambda f: f == "data-constrained", "only the data-constrained law uses unique tokens"),
    "floor": (lambda f: f in ACCURACY, "only the accuracy law has a chance level"),
    "ceiling": (lambda f: f in ACCURACY, "only the accuracy law has a ceiling"),
    "accuracy_col": (lambda f: f in ACCURACY, "only the accuracy law fits accuracies"),
    "x": (lambda f: f not in ND_FAMILIES, "laws of N and D use both N and D"),
}


def _canonical(family: str) -> str:
    """The family of a family name or of a published law's name (the name itself when neither)."""
    from ..errors import ScalingLabError
    from ..laws import get_law

    key = str(family).strip().lower()
    if key in ACCURACY | ND_FAMILIES | ONE_VARIABLE:
        return key
    try:
        return get_law(key).family
    except ScalingLabError:
        return key


def check_family_options(family: str, **given) -> None:
    """Refuse (``InputError``, one line) the first option in ``given`` that ``family`` cannot use.

    ``given`` maps option names of ``fit`` to True when the user set them (a value other than the
    default), e.g. ``check_family_options("accuracy", target_loss=True)``.
    """
    family = _canonical(family)
    for name, used in given.items():
        if not used or name not in FAMILY_RULES:
            continue
        applies, why = FAMILY_RULES[name]
        if not applies(family):
            raise InputError(f"{spelled(name)} does not apply to the {family} law: {why}")

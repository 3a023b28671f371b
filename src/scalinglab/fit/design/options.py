"""The parameters of ``suggest``, each declared once: which runs to train next, and where the law must be right."""

from __future__ import annotations

from ...options import Option, Options
from ..options import COLUMNS, FIT, MAX_BOOTSTRAP

__all__ = ["SUGGEST"]

SUGGEST = Options((
    Option("runs", "The runs done: a table (.csv, .parquet, .jsonl), a bundled dataset name or, in Python, a "
                   "DataFrame.", required=True),
    Option("law", "Law family (chinchilla, kaplan, power, ...), a published law or a saved fit (.json): its family is "
                  "fitted to the runs.", default="chinchilla"),
    Option("candidates", "Runs that could be trained next: a table with N, D or C (and an optional cost column).",
           excludes=("grid",)),
    Option("grid", "Candidates as log-spaced ranges, every combination, e.g. \"N=10M..1B:12,D=1B..100B:12\"."),
    Option("target", "Where the law must be right, e.g. \"C=1e22..1e24\" (compute-optimal runs of the fit) or "
                     "\"N=70B,D=1.4T\".", excludes=("target_rows",)),
    Option("target_rows", "Target points as a table with the law's inputs."),
    Option("budget", "The most the suggested runs may cost together (FLOP by default, e.g. 1e21).", kind="quantity",
           required=True),
    Option("k", "The most runs to suggest.", default=5, kind="int", low=1, high=10_000),
    Option("cost", "Each candidate's cost as a formula of N, D, C, U, e.g. \"6*N*D\" (default: the candidates' cost "
                   "column, else C = k N D); in Python also numbers."),
    Option("bootstrap", "Bootstrap refits the design is averaged over (0: the fit alone).", default=32, kind="int",
           low=0, high=MAX_BOOTSTRAP),
    FIT["seed"],
    Option("criterion", "v (V-optimal: variance at the target, default) or d (D-optimal: all parameters).",
           default="v", kind="choice", choices=("v", "d")),
    Option("x", "One-variable laws: the variable, n, d or c.", default="c", kind="choice", choices=("c", "n", "d")),
    Option("objective", "huber (log-Huber, the default), squares or asymmetric: the fit the design starts from.",
           default="huber", kind="choice", choices=("huber", "squares", "asymmetric")),
    *COLUMNS.without("budget_col", "group_col").items,
    FIT["u_col"],
    FIT["flops_per_param_token"],
    FIT["formula"],
    Option("variables", "With {formula}: an input NAME=COLUMN (repeatable); {grid} and {target} then use these "
                        "names. In Python also a dict.", many=True, flag="--var", requires=("formula",)),
    Option("params", "With {formula}: a parameter's NAME=START:LOWER:UPPER. In Python also a dict.", many=True,
           flag="--param", requires=("formula",)),
))

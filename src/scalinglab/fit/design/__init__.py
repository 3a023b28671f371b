"""Which run next: greedy batch design (V-optimal per unit cost over a target region) for any fittable law.

    >>> from scalinglab.fit import load_runs
    >>> from scalinglab.fit.design import suggest_runs
    >>> runs = load_runs("chinchilla-runs").take(range(0, 245, 7))
    >>> result = suggest_runs(runs, "chinchilla", grid="N=50M..2B:8,D=1B..50B:8", target="C=1e22..1e24",
    ...                       budget=2e20, k=3, bootstrap=8)
    >>> len(result.picks), result.spent <= 2e20
    (3, True)
"""

from ..._lazy import lazy_package

#: Public name -> the module of this package that defines it (imported on first use: a command that only
#: declares its options, or lists the commands, does not load the estimators).
_HOME = {
    **dict.fromkeys(("CRITERIA", "greedy_batch", "linearise"), "criterion"),
    "Suggestion": "result",
    **dict.fromkeys(("resolve_family", "suggest_runs"), "suggest"),
}

__all__ = ["CRITERIA", "Suggestion", "greedy_batch", "linearise", "resolve_family", "suggest_runs"]


lazy_package(__name__, _HOME)

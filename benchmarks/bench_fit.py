"""Fitting speed on the Chinchilla runs (240 lowest-loss of 245; Besiroglu et al. 2024, arXiv:2404.10102)."""

from __future__ import annotations

from run import Benchmark

from scalinglab.fit import estimate, isoflop, load_runs, make_model, make_objective, run_bootstrap

_RUNS, _ = load_runs("chinchilla").drop_highest_loss(5)
_MODEL = make_model("chinchilla")
_DATA, _Y = _MODEL.data(_RUNS)
_OBJECTIVE = make_objective("huber", delta=1e-3)
_FAST = estimate(_MODEL, _OBJECTIVE, _DATA, _Y, "fast")


def _note(fit) -> str:
    p = _MODEL.params(fit.theta)
    return f"obj {fit.objective:.6e}, E {p['E']:.4f}, alpha {p['alpha']:.4f}, beta {p['beta']:.4f}"


def fast():
    return _note(estimate(_MODEL, _OBJECTIVE, _DATA, _Y, "fast"))


def hoffmann():
    return _note(estimate(_MODEL, _OBJECTIVE, _DATA, _Y, "hoffmann"))


def bootstrap_1000():
    boot = run_bootstrap(_MODEL, _OBJECTIVE, _DATA, _Y, _FAST.theta, 1000, seed=0)
    import numpy as np

    se = np.array([list(_MODEL.params(t).values()) for t in boot.thetas]).std(axis=0, ddof=1)
    return f"SE E {se[0]:.3f}, alpha {se[3]:.4f}, beta {se[4]:.4f}; {boot.converged.mean():.1%} converged"


def isoflop_approach2():
    result = isoflop("chinchilla", bootstrap=500, seed=0)
    return f"a = {result.a:.3f} ({result.a_interval[0]:.3f}-{result.a_interval[1]:.3f})"


BENCHMARKS = [
    Benchmark("fit: fast estimator, chinchilla", fast, repeats=5, target="< 1 s", target_seconds=1.0),
    Benchmark("fit: hoffmann (4,500 L-BFGS-B starts)", hoffmann, repeats=1, target="< 20 s", target_seconds=20.0),
    Benchmark("fit: 1,000 bootstrap refits", bootstrap_1000, repeats=1, target="< 60 s", target_seconds=60.0),
    Benchmark("isoflop: Approach 2, 500 bootstrap", isoflop_approach2, repeats=3, target="< 1 s", target_seconds=1.0),
]

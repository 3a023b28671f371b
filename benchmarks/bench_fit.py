"""Fitting speed on the Chinchilla runs (240 lowest-loss of 245; Besiroglu et al. 2024, arXiv:2404.10102)."""

from __future__ import annotations

from run import Benchmark

from scalinglab.fit import estimate, isoflop, load_runs, make_model, make_objective, run_bootstrap

_RUNS, _ = load_runs("chinchilla-runs").drop_highest_loss(5)
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
    result = isoflop("chinchilla-runs", bootstrap=500, seed=0)
    return f"a = {result.a:.3f} ({result.a_interval[0]:.3f}-{result.a_interval[1]:.3f})"


def calibrated_backtest():
    from scalinglab.fit import fit_law

    bt = fit_law(_RUNS, "chinchilla", holdout_above=1e21, bootstrap=200, seed=0).backtest
    return (f"coverage {bt['coverage']:.1%} (bootstrap alone {bt['coverage_bootstrap']:.1%}), "
            f"widened x{bt['calibration']['factor']:.2f}")


def _ladder():
    import numpy as np
    import pandas as pd

    from scalinglab.laws import ChinchillaLaw

    law, rng, rows = ChinchillaLaw(1.8, 480.0, 2100.0, 0.35, 0.37), np.random.default_rng(0), []
    for n in np.logspace(7.5, 9.0, 6):
        for ratio in (5, 10, 20, 40):
            loss = law.loss(n, ratio * n) * np.exp(rng.normal(0, 0.005))
            rows.append({"n": n, "d": ratio * n, "loss": loss,
                         "acc": 0.25 + 0.7 / (1 + np.exp(-6 * (2.9 - loss))) + rng.normal(0, 0.01)})
    return pd.DataFrame(rows)


_LADDER = _ladder()


def two_step():
    from scalinglab.fit.task import predict_task

    t = predict_task(_LADDER, [(7e9, 1.4e11)], accuracy_col="acc", floor=0.25, bootstrap=200).targets[0]
    return f"accuracy {t['accuracy']:.4f} ({t['accuracy_interval'][0]:.4f}-{t['accuracy_interval'][1]:.4f})"


def learning_curves():
    import numpy as np
    import pandas as pd

    from scalinglab.fit.curves import fit_curves
    from scalinglab.laws import BrokenPowerLaw

    x = np.logspace(6, 11, 40)
    frame = pd.DataFrame({"run": "a", "tokens": x, "loss": BrokenPowerLaw(1.5, 10.0, 0.05, (0.3,), (1e8,), (0.3,))(x)})
    curve = fit_curves(frame, curve_col="run", x_col="tokens").curves[0]
    return f"chosen {curve['chosen']}, held-out MAPE {curve['holdout_mape']:.3f}%"


FORMULA = "L + A / N^alpha + B / D^beta + G / (E^gamma * N^delta) + H * exp(-k * E)"
"""Ten parameters over three inputs (N, D and a number of experts E), for the formula benchmarks."""


def _formula_runs(rows: int = 3000, seed: int = 0):
    """``rows`` synthetic runs of ``FORMULA`` with 0.5% log-normal noise (N 1e7-1e10, D/N 3-300, E 1-64)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = 10 ** rng.uniform(7, 10, rows)
    d = n * 10 ** rng.uniform(0.5, 2.5, rows)
    e = rng.choice([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0], rows)
    loss = (1.7 + 400 / n**0.34 + 1800 / d**0.28 + 30 / (e**0.4 * n**0.15) + 0.05 * np.exp(-0.2 * e)) * np.exp(
        rng.normal(0, 0.005, rows))
    return load_runs(pd.DataFrame({"n": n, "d": d, "experts": e, "loss": loss}),
                     inputs={"N": "n", "D": "d", "E": "experts"}, response="any")


_FORMULA_RUNS = _formula_runs()


def _formula_fit(bootstrap: int = 0):
    from scalinglab.fit import fit_law

    return fit_law(_FORMULA_RUNS, formula=FORMULA, variables={"N": "n", "D": "d", "E": "experts"}, bootstrap=bootstrap)


def formula_fit():
    import time

    cpu = time.process_time()
    fit = _formula_fit()
    return (f"{time.process_time() - cpu:.2f} s CPU; alpha {fit.params['alpha']:.4f}, gamma {fit.params['gamma']:.4f}, "
            f"k {fit.params['k']:.4f}")


def formula_bootstrap():
    import time

    cpu = time.process_time()
    fit = _formula_fit(200)
    return (f"{time.process_time() - cpu:.2f} s CPU; SE alpha {fit.stderr['alpha']:.4f}; "
            f"{fit.bootstrap['converged_fraction']:.1%} converged")


BENCHMARKS = [
    Benchmark("fit: fast estimator, chinchilla", fast, repeats=5, target="< 1 s", target_seconds=1.0),
    Benchmark("fit: hoffmann (4,500 L-BFGS-B starts)", hoffmann, repeats=1, target="< 20 s", target_seconds=20.0),
    Benchmark("fit: 1,000 bootstrap refits", bootstrap_1000, repeats=1, target="< 60 s", target_seconds=60.0),
    Benchmark("isoflop: Approach 2, 500 bootstrap, Approach 3 beside", isoflop_approach2, repeats=3, target="< 1 s",
              target_seconds=1.0),
    Benchmark("fit: backtest above 1e21, calibrated (200 bootstrap)", calibrated_backtest, repeats=1, target="< 30 s",
              target_seconds=30.0),
    Benchmark("predict-task: 24-run ladder, 200 bootstrap", two_step, repeats=1, target="< 20 s", target_seconds=20.0),
    Benchmark("fit-curves: one 40-point curve, 5 families", learning_curves, repeats=1, target="< 10 s",
              target_seconds=10.0),
    Benchmark("fit: formula law, 10 parameters, 3,000 runs", formula_fit, repeats=3, target="< 1 s",
              target_seconds=1.0),
    Benchmark("fit: formula law, 10 parameters, 3,000 runs, 200 bootstrap", formula_bootstrap, repeats=1,
              target="< 5 s", target_seconds=5.0),
]

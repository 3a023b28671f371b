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
]

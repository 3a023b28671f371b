"""Calibrated extrapolation intervals, checked by forward chaining on real run tables.

For each table and each forward-chaining group b (IsoFLOP budget, or compute bin when the runs are
not on budgets; ``backtest.forward_groups``) from the fifth to the second largest, ``fit --holdout-above
b`` fits the runs at or below b (its interval calibrated on those runs alone) and predicts every larger
run. Pooled over splits: the coverage of the 95% interval, the median half-width (log space, as a
fraction of the prediction) and the 95th percentile of the absolute errors; their ratio says how much
wider than needed the intervals are. Run: ``python benchmarks/calibration_forward_chaining.py``
(``--only misfitting`` for the tables whose name contains that text; ``--bootstrap B``).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from scalinglab.fit import fit_law, load_runs
from scalinglab.fit.backtest import forward_groups

TABLES = [("chinchilla-runs", {"drop_highest_loss": 5}, {}),
          ("misfitting-lr-sweep", {}, {}),
          ("misfitting-lr-sweep", {}, {"duplicates": "min"}),
          ("marin-isoflop", {}, {})]


def measure(name: str, options: dict, table: dict, bootstrap: int = 100, first: int = 4) -> dict:
    runs = load_runs(name, **table)
    budgets = forward_groups(runs)[1]
    inside, errors, halves, splits = [], [], [], 0
    for b in budgets[first:-1]:
        bt = fit_law(runs, "chinchilla", holdout_above=float(b), bootstrap=bootstrap, seed=0, **options).backtest
        splits += 1
        for row in bt["rows"]:
            lo, hi = row["prediction_interval"]
            inside.append(row["inside"])
            errors.append(abs(row["observed"] - row["predicted"]) / row["observed"])
            halves.append((np.log(hi) - np.log(lo)) / 2)
    errors, halves = np.array(errors), np.array(halves)
    p95 = float(np.percentile(errors, 95))
    return {"table": name + "".join(f" --{k} {v}" for k, v in table.items()), "splits": splits,
            "predictions": len(errors), "coverage": float(np.mean(inside)), "median_half": float(np.median(halves)),
            "p95_error": p95, "ratio": float(np.median(halves) / p95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="only the tables whose name contains this text")
    parser.add_argument("--bootstrap", type=int, default=100, help="bootstrap refits per split")
    args = parser.parse_args()
    print("| table | splits | predictions | coverage | median half-width | p95 abs error | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, options, table in TABLES:
        if args.only not in name:
            continue
        started = time.perf_counter()
        m = measure(name, options, table, bootstrap=args.bootstrap)
        print(f"| {m['table']} | {m['splits']} | {m['predictions']} | {m['coverage']:.1%} | {m['median_half']:.2%} | "
              f"{m['p95_error']:.2%} | {m['ratio']:.2f} | ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())

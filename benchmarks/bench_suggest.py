"""Which run next, measured: R² on held-out large runs after spending 1%, 5% and 10% of the train runs' cost.

Protocol (after Li et al. 2026, "Spend Less, Fit Better", arXiv:2604.22753, section 5 and their
benchmark/runner.py): each task has train runs (the candidates, cost C = 6 N D) and test runs (the
largest). Every method starts from the 3 cheapest train runs and buys runs one round at a time until
10% of the train runs' total cost is spent; the fit at each checkpoint (1%, 5%, 10%) uses the runs
bought within it. Score: R² of the predicted loss on the test runs, clipped to [-1, 1] as Li et al. do
(a checkpoint with too few runs to fit scores -1). Methods: ``suggest`` (V-optimal over the test
inputs, 16 bootstrap refits, 3 runs per round), ``d-opt`` (D-optimal greedy at the fit, 3 per round),
``random``, ``cheapest``, ``cost-random`` (probability proportional to 1/cost), and ``all data``.

Tasks: chinchilla-runs and marin-isoflop split as ``scalinglab bench`` splits them, misfitting-lr-sweep
at the top 10% of C, and with ``--scalebench DIR`` the farseer and data-constrained tasks of Li et
al.'s ScaleBench (``DIR`` holding ``farseer_{train,test}.parquet`` and
``data_constrained_{train,test}.parquet`` from github.com/PlanarG/active-sl, benchmark/dataset,
commit e0a58ff; CC-BY 4.0). ``--split dev`` replaces each task by two development tasks built from its
train runs alone (``development``): the design's settings are chosen there, never on the test runs.

    python benchmarks/bench_suggest.py --seeds 20 [--scalebench DIR] [--split dev] [--methods suggest]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from run import Benchmark

from scalinglab.errors import ScalingLabError
from scalinglab.fit import Runs, estimate, load_runs, make_model, make_objective
from scalinglab.fit.design import suggest_runs

CHECKPOINTS = (0.01, 0.05, 0.10)
START = 3
PER_ROUND = 3
OBJECTIVE = make_objective("huber", delta=1e-3)


def _split(runs: Runs, name: str, test: np.ndarray | None = None, family: str = "chinchilla") -> dict:
    """Train and test runs; without a ``test`` mask, the top 10% of compute is the test split."""
    if test is None:
        test = runs.c >= np.quantile(runs.c, 0.9)
    return {"name": name, "family": family, "train": runs.take(~test), "test": runs.take(test)}


def _bench_test(dataset: str, runs: Runs) -> np.ndarray:
    """The test rows of ``scalinglab bench``'s task on ``dataset`` (its split rule: a column at least a value)."""
    from scalinglab.datasets import read_bundled
    from scalinglab.fit.bench import bench_tasks

    rule = bench_tasks()[dataset]["split"]
    frame = read_bundled(dataset)
    return frame[rule["column"]].to_numpy(dtype=float)[runs.rows - 1] >= float(rule["test_at_least"])


def development(task: dict) -> list[dict]:
    """The task with its test runs left out, twice: the top 10% and the top 25% of the train runs'
    compute stand in for them, so that the design is tuned without ever seeing the test split."""
    train, log_c = task["train"], np.log(task["train"].c)
    return [_split(train, f"{task['name']}/dev{share}", log_c >= np.quantile(log_c, 1 - share / 100), task["family"])
            for share in (10, 25)]


def bundled_tasks() -> list[dict]:
    """chinchilla-runs and marin-isoflop (per dataset) split as ``scalinglab bench`` splits them;
    misfitting-lr-sweep (no bench task) at the top 10% of compute."""
    chinchilla = load_runs("chinchilla-runs")
    tasks = [_split(chinchilla, "chinchilla", _bench_test("chinchilla-runs", chinchilla)),
             _split(load_runs("misfitting-lr-sweep", duplicates="min"), "misfitting")]
    for data in ("comma", "dclm", "nemotron"):
        runs = load_runs("marin-isoflop", where=f"dataset == '{data}'", duplicates="min")
        tasks.append(_split(runs, f"marin-{data}", _bench_test("marin-isoflop", runs)))
    return tasks


def scalebench_tasks(folder: Path) -> list[dict]:
    import pandas as pd

    out = []
    for stem, family, cols in (("farseer", "chinchilla", {"n_col": "N", "d_col": "D"}),
                               ("data_constrained", "data-constrained",
                                {"n_col": "params", "d_col": "tokens", "u_col": "unique_tokens"})):
        parts = {s: load_runs(pd.read_parquet(folder / f"{stem}_{s}.parquet"), name=f"{stem} {s}", **cols,
                              loss_col="loss") for s in ("train", "test")}
        out.append({"name": f"scalebench-{stem}", "family": family, **parts})
    return out


def _model(task: dict, train: Runs):
    if task["family"] != "data-constrained":
        return make_model(task["family"])
    chin = make_model("chinchilla")
    data, y = chin.data(train)
    return make_model("data-constrained", base_start=estimate(chin, OBJECTIVE, data, y).theta)


def r_squared(task: dict, chosen: np.ndarray) -> float:
    """Test R² of the loss predicted by a fit to the chosen train runs, clipped to [-1, 1]."""
    train = task["train"].take(np.sort(chosen))
    try:
        model = _model(task, train)
        if len(train) < len(model.specs):
            return -1.0
        data, y = model.data(train)
        theta = estimate(model, OBJECTIVE, data, y).theta
        tdata, ty = model.data(task["test"])
        pred = np.exp(model.predict(theta[None], tdata)[0])
    except (ScalingLabError, np.linalg.LinAlgError, FloatingPointError):
        return -1.0
    truth = np.exp(ty)
    if not np.all(np.isfinite(pred)):
        return -1.0
    r2 = 1 - np.sum((truth - pred) ** 2) / np.sum((truth - truth.mean()) ** 2)
    return float(np.clip(r2, -1.0, 1.0))


def _frame(runs: Runs, index: np.ndarray):
    import pandas as pd

    cols = {"N": runs.n[index], "D": runs.d[index]}
    if runs.u is not None:
        cols["U"] = runs.u[index]
    return pd.DataFrame(cols)


BOOTSTRAP = 16


def _inputs(runs: Runs) -> np.ndarray:
    return np.column_stack([runs.n, runs.d] + ([runs.u] if runs.u is not None else []))


def _design_round(task, chosen, free, left, criterion, bootstrap, seed):
    """``suggest_runs`` on the free train runs; a free run with the inputs of a chosen one (a repeat
    measurement, which ``suggest`` refuses as a candidate) is left out."""
    train = task["train"]
    done = train.take(np.array(sorted(chosen)))
    inputs = _inputs(train)
    taken = {tuple(row) for row in inputs[sorted(chosen)]}
    free_idx = np.array([i for i in sorted(free) if tuple(inputs[i]) not in taken])
    result = suggest_runs(done, task["family"], candidates=_frame(train, free_idx),
                          target_rows=_frame(task["test"], np.arange(len(task["test"]))), budget=left,
                          k=PER_ROUND, bootstrap=bootstrap, seed=seed, criterion=criterion)
    return [int(free_idx[p["candidate_row"] - 1]) for p in result.picks]


def trajectory(task: dict, method: str, seed: int) -> list[int]:
    """The order in which ``method`` buys train runs within 10% of their total cost (start included)."""
    cost = task["train"].c
    total = float(cost.sum())
    limit = CHECKPOINTS[-1] * total
    order = [int(i) for i in np.argsort(cost, kind="stable")[:START]]
    spent = float(cost[order].sum())
    free = set(range(len(cost))) - set(order)
    rng = np.random.default_rng(seed)
    while True:
        left = limit - spent
        affordable = [i for i in free if cost[i] <= left]
        if not affordable:
            return order
        if method == "random":
            picks = [int(rng.choice(affordable))]
        elif method == "cheapest":
            picks = [min(affordable, key=lambda i: cost[i])]
        elif method == "cost-random":
            weights = 1.0 / cost[affordable]
            picks = [int(rng.choice(affordable, p=weights / weights.sum()))]
        else:
            criterion, bootstrap = ("v", BOOTSTRAP) if method == "suggest" else ("d", 0)
            try:
                picks = _design_round(task, order, free, left, criterion, bootstrap, seed)
            except ScalingLabError:
                picks = []
            if not picks:
                return order
        for i in picks:
            order.append(i)
            free.discard(i)
            spent += float(cost[i])


def score(task: dict, order: list[int]) -> list[float]:
    cost = task["train"].c
    spent = np.cumsum(cost[order])
    total = float(cost.sum())
    return [r_squared(task, np.array(order)[spent <= f * total * (1 + 1e-12)]) for f in CHECKPOINTS]


METHODS = ("random", "cheapest", "cost-random", "d-opt", "suggest")
CLOSE = 0.05
"""The issue's "within 0.05 of the all-data fit" margin (R²)."""
SEEDED = {"random", "cost-random", "suggest"}


def run(tasks: list[dict], seeds: int, methods=METHODS) -> dict:
    results = {}
    for task in tasks:
        started = time.perf_counter()
        row = {}
        for method in methods:
            scores = [score(task, trajectory(task, method, seed)) for seed in range(seeds if method in SEEDED else 1)]
            row[method] = np.array(scores)
        row["all data"] = np.array([[r_squared(task, np.arange(len(task["train"])))] * 3])
        results[task["name"]] = row
        print(f"{task['name']}: {time.perf_counter() - started:.0f} s", flush=True)
    return results


def table(results: dict) -> str:
    names = list(results)
    methods = [m for m in (*METHODS, "all data") if m in results[names[0]]]
    lines = []
    for j, f in enumerate(CHECKPOINTS):
        lines.append(f"\n{f:.0%} budget: mean R² ± sd over seeds\n")
        lines.append("| method | " + " | ".join(names) + " | mean | within 0.05 of all data |")
        lines.append("|---" * (len(names) + 3) + "|")
        for method in methods:
            cells = [results[n][method][:, j] for n in names]
            close = sum(c.mean() >= results[n]["all data"][:, j].mean() - CLOSE for c, n in zip(cells, names))
            lines.append(f"| {method} | " + " | ".join(f"{c.mean():.2f} ± {c.std():.2f}" for c in cells)
                         + f" | {np.mean([c.mean() for c in cells]):.2f} | {close} |")
    return "\n".join(lines)


def suggest_1000_candidates() -> str:
    """``suggest`` after the Chinchilla runs over a grid of 1,000 candidates (the issue's <= 5 s target)."""
    import scalinglab as sl

    result = sl.suggest("chinchilla-runs", grid="N=10M..10B:40,D=1B..1T:25", target="C=1e22..1e24",
                        budget=1e22, k=10)
    return f"{len(result.to_frame())} runs picked from 1,000 candidates"


BENCHMARKS = [Benchmark("suggest: 1,000 candidates after chinchilla-runs, 10 picks", suggest_1000_candidates,
                        target="<= 5 s", target_seconds=5.0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--scalebench", type=Path, default=None)
    parser.add_argument("--only", default=None, help="comma-separated task names")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods to run")
    parser.add_argument("--split", choices=("test", "dev"), default="test",
                        help="dev: score on the top 10%% and 25%% of each task's train runs, never touching its test runs")
    args = parser.parse_args()
    tasks = bundled_tasks() + (scalebench_tasks(args.scalebench) if args.scalebench else [])
    if args.only:
        tasks = [t for t in tasks if t["name"] in args.only.split(",")]
    if args.split == "dev":
        tasks = [dev for t in tasks for dev in development(t)]
    text = table(run(tasks, args.seeds, args.methods.split(",")))
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()

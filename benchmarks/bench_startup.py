"""Start-up and in-process speed: the six figures of the "one face" issue, each against its target.

Whole processes (``python -m scalinglab ...``, as a user runs them): ``--help``, ``plan --json`` and a
plain fit of the Chinchilla runs, and, without targets, ``cost --json`` and ``hardware list --json``.
In process (after the imports): the same fit, 1,000 bootstrap refits, and a 100,000-sample forecast
against hand-written numpy doing the same arithmetic. Start-up figures depend on how busy the machine
is: the note gives the bare interpreter's start-up measured alongside. The processes run with bytecode
caches, as an installed copy does: each command runs once untimed first, and ``PYTHONDONTWRITEBYTECODE``
is removed from their environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
from run import Benchmark

import scalinglab as sl


#: The environment of a user's installed copy: Python writes and reuses bytecode caches (``__pycache__``).
#: Without this, a ``PYTHONDONTWRITEBYTECODE=1`` environment recompiles every scalinglab module on every run.
_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
_PLAN = ("plan", "--compute", "1e24", "--json")
_FIT = ("fit", "chinchilla-runs", "--drop-highest-loss", "5", "--json")
_COST = ("cost", "--compute", "3.8e25", "--gpu", "h100", "--gpus", "16384", "--json")
_HARDWARE = ("hardware", "list", "--json")


def _process(*args: str) -> str:
    subprocess.run([sys.executable, "-m", "scalinglab", *args], check=True, capture_output=True, env=_ENV)
    return ""


for _args in (("--help",), _PLAN, _FIT, _COST, _HARDWARE):  # warm: bytecode caches exist before anything is timed
    _process(*_args)


def _bare_python() -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        best = min(best, time.perf_counter() - start)
    return best


#: Measured once, untimed: the interpreter's own start-up on this machine, for the note.
_BARE = _bare_python()


def help_process() -> str:
    _process("--help")
    return f"bare python -c pass: {_BARE:.3f} s; all five with bytecode caches (warmed once)"


def plan_process() -> str:
    _process(*_PLAN)
    return ""


def fit_process() -> str:
    _process(*_FIT)
    return "no pandas, scipy.optimize, scipy.stats or scipy.special: csv module, SciPy's compiled L-BFGS-B alone"


def cost_process() -> str:
    _process(*_COST)
    return ("no pandas, PyYAML, scipy or statistics: the ml-hardware table with the csv module, the compute YAML "
            "files kept as JSON; imports numpy, Typer and scalinglab.compute")


def hardware_process() -> str:
    _process(*_HARDWARE)
    return "no numpy, pandas or PyYAML: Typer and the catalogue module alone (the csv module, JSON)"


sl.fit("chinchilla-runs", drop_highest_loss=5)  # warm: imports and the bundled table's checksum


def fit_in_process() -> str:
    result = sl.fit("chinchilla-runs", drop_highest_loss=5)
    return f"alpha {result.params['alpha']:.4f}, beta {result.params['beta']:.4f}"


def _bootstrap_setup():
    from scalinglab.fit import estimate, load_runs, make_model, make_objective

    runs, _ = load_runs("chinchilla-runs").drop_highest_loss(5)
    model = make_model("chinchilla")
    data, y = model.data(runs)
    objective = make_objective("huber", delta=1e-3)
    return model, objective, data, y, estimate(model, objective, data, y, "fast").theta


_BOOT = _bootstrap_setup()


def bootstrap_1000() -> str:
    from scalinglab.fit import run_bootstrap

    model, objective, data, y, theta = _BOOT
    boot = run_bootstrap(model, objective, data, y, theta, 1000, seed=0)
    return f"{boot.converged.mean():.1%} converged"


#: One factor, two uncertain inputs: compute from 1e25-1e26 FLOP in 2025 growing 3-5x a year to 2040.
_SCENARIO = {"name": "bench", "start_year": 2025, "until": 2040, "factors": {"compute": {
    "start": {"value": "1e25 to 1e26", "year": 2025, "source": "benchmark"},
    "growth": [{"rate": "3x/yr to 5x/yr", "source": "benchmark"}]}}}
_SAMPLES = 100_000


def _numpy_draws(seed: int = 0) -> np.ndarray:
    """Lognormal start and rate (90% intervals), and their log10 paths over 16 years, by hand."""
    rng = np.random.default_rng(seed)
    z = 1.6448536269514722

    def lognormal(lo, hi):
        return rng.lognormal(np.log(np.sqrt(lo * hi)), np.log(hi / lo) / (2 * z), _SAMPLES)

    start, rate = lognormal(1e25, 1e26), lognormal(3.0, 5.0)
    years = np.arange(16)[:, None]
    return np.log10(start)[None, :] + years * np.log10(rate)[None, :]


def _numpy_reference(seed: int = 0) -> np.ndarray:
    """The same arithmetic by hand: draws, log10 paths, ``np.percentile`` over the samples (log10 percentiles)."""
    return np.percentile(_numpy_draws(seed), [5, 25, 50, 75, 95], axis=1)


def _numpy_same_sort(seed: int = 0, *, range_check: bool = True) -> np.ndarray:
    """Exactly scalinglab's arithmetic by hand: the paths (checked to stay within a float's range, as scalinglab
    checks every path), a single-precision sort of log10, linear between order statistics."""
    log_path = _numpy_draws(seed)
    if range_check and not (log_path.max() < _LOG10_MAX and log_path.min() > -_LOG10_MAX):
        raise ValueError("a path passes 1e308")
    ordered = log_path.astype(np.float32)
    ordered.sort(axis=1)
    position = np.array([5, 25, 50, 75, 95]) / 100 * (_SAMPLES - 1)
    lo = np.floor(position).astype(int)
    hi = np.minimum(lo + 1, _SAMPLES - 1)
    return 10.0 ** (ordered[:, lo] + (position - lo) * (ordered[:, hi].astype(float) - ordered[:, lo]))


_LOG10_MAX = float(np.log10(np.finfo(float).max))


def forecast_vs_numpy() -> str:
    """Min of 15 interleaved runs (rotated order) of scalinglab and three hand-written references, answers checked.

    The references: ``np.percentile`` (what one would write first: a float64 partition); scalinglab's own
    arithmetic (a float32 sort, the same answer to the bit, and the range check of every path that makes a
    path past 1e308 an error); and that without the range check.
    """
    from scalinglab.forecast import parse_scenario, run_forecast

    scenario = parse_scenario(dict(_SCENARIO))
    ours = run_forecast(scenario, samples=_SAMPLES, seed=0).percentiles("compute")
    assert np.array_equal(ours, _numpy_same_sort()), "scalinglab and the same-arithmetic reference differ"
    assert np.allclose(ours, 10.0 ** _numpy_reference().T, rtol=1e-5), "scalinglab and np.percentile differ"
    runs = {"ours": lambda: run_forecast(scenario, samples=_SAMPLES, seed=0).percentiles("compute"),
            "percentile": _numpy_reference, "same": _numpy_same_sort,
            "unchecked": lambda: _numpy_same_sort(range_check=False)}
    times: dict[str, list[float]] = {name: [] for name in runs}
    order = list(runs)
    for round_ in range(15):  # each round in a rotated order, so none always runs first
        for name in order[round_ % 4:] + order[:round_ % 4]:
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    best = {name: min(values) for name, values in times.items()}
    return (f"min of 15: scalinglab {best['ours']:.4f} s; numpy doing the same arithmetic {best['same']:.4f} s: "
            f"x{best['ours'] / best['same']:.2f} (without the range check {best['unchecked']:.4f} s); "
            f"numpy with np.percentile {best['percentile']:.4f} s: x{best['ours'] / best['percentile']:.2f}")


BENCHMARKS = [
    Benchmark("start-up: scalinglab --help (whole process)", help_process, repeats=5, target="<= 0.15 s",
              target_seconds=0.15),
    Benchmark("start-up: plan --compute 1e24 --json (whole process)", plan_process, repeats=5, target="<= 0.15 s",
              target_seconds=0.15),
    Benchmark("start-up: fit chinchilla-runs --drop-highest-loss 5 --json (whole process)", fit_process, repeats=3,
              target="<= 0.35 s", target_seconds=0.35),
    Benchmark("start-up: cost --compute 3.8e25 --gpu h100 --gpus 16384 --json (whole process)", cost_process,
              repeats=5),
    Benchmark("start-up: hardware list --json (whole process)", hardware_process, repeats=5),
    Benchmark("in process: the same fit (sl.fit)", fit_in_process, repeats=5, target="<= 20 ms", target_seconds=0.02),
    Benchmark("in process: 1,000 bootstrap refits of the Chinchilla fit", bootstrap_1000, repeats=3,
              target="<= 0.3 s", target_seconds=0.3),
    Benchmark("in process: forecast, 100,000 samples x 16 years, vs hand-written numpy", forecast_vs_numpy, repeats=1,
              target="no slower than numpy (see note)"),
]

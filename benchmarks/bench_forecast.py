"""Forecast benchmarks: the full Monte Carlo model (every factor) at 100,000 samples x 30 years, the sensitivity of
a milestone year, and a trend fit."""

import time

from run import Benchmark

from scalinglab.forecast import fit_trend, load_scenario_file, run_forecast
from scalinglab.forecast.scenarios import example_path

FULL = load_scenario_file(example_path())  # every factor, ceilings, saturation, GPU supply, data; 2025-2054


def full_model() -> str:
    cpu = time.process_time()
    result = run_forecast(FULL, samples=100_000, seed=0)
    return f"{len(result.milestones)} milestones; CPU {time.process_time() - cpu:.2f} s"


def full_model_with_tables() -> str:
    cpu = time.process_time()
    data = run_forecast(FULL, samples=100_000, seed=0).to_dict()
    return f"{len(data['quantities'])} quantities x 30 years; CPU {time.process_time() - cpu:.2f} s (2 threads)"


def sensitivity_of_a_milestone() -> str:
    from scalinglab.forecast.sensitivity import sensitivity

    cpu = time.process_time()
    result = sensitivity(FULL, "data stock binds", samples=10_000, seed=0)
    top = result.rows[0]
    return (f"{len(result.rows)} inputs; top {top['input']} {top['first_order']:.0%}; "
            f"CPU {time.process_time() - cpu:.2f} s")


def notable_models_trend() -> str:
    trend = fit_trend("notable-models", "Training compute (FLOP)", since="2010", bootstrap=2000)
    return f"{trend.growth_per_year:.2f}x/yr, n = {trend.n}"


BENCHMARKS = [
    Benchmark("forecast: full model, 100,000 samples x 30 years (paths, milestones)", full_model, repeats=5,
              target="< 1 s on 2 cores", target_seconds=1.0),
    Benchmark("forecast: full model + percentile tables (to_dict)", full_model_with_tables, repeats=5,
              target="< 1 s on 2 cores", target_seconds=1.0),
    Benchmark("forecast: sensitivity of 'data stock binds', full model, 10,000 samples (RBD-FAST, 200 bootstrap)",
              sensitivity_of_a_milestone, repeats=3, target="< 2 s", target_seconds=2.0),
    Benchmark("trend: notable models since 2010, 2,000 bootstrap resamples", notable_models_trend, repeats=3,
              target="< 1 s", target_seconds=1.0),
]

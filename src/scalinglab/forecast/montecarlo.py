"""Monte Carlo over a scenario: draw every input once per sample, evaluate all years at once.

Each sample is one joint world: its spending growth, FLOP/$ growth, data stock, ... are drawn once
(from one seeded ``numpy.random.Generator``, in schema order) and held through all years, so the
spread of a path is the spread of what the scenario is unsure about. The same seed gives the same
output. Everything is vectorised over (years, samples).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .._memory import check_memory
from ..errors import InputError
from ..options import spelled
from ..units import format_money
from .growth import Draws, Grid
from .constraints import binding_margins, binds_table, caller_law
from .inputs import uncertain_inputs
from .milestones import Milestones, binding_first, crossing_years
from .model import epoch_multiplier, evaluate
from .options import FORECAST
from .result import CompareResult, ForecastResult
from .schema import FACTOR_KINDS, Scenario

__all__ = ["run_forecast", "compare_scenarios"]

#: Memory of the interpreter and libraries, added to a forecast's own estimate.
BASE_BYTES = 200e6
#: Forecasts smaller than this many sample-years are not estimated (they need under ~0.5 GB).
_CHECKED_FROM = 2_000_000


def estimate_bytes(scenario: Scenario, samples: int, *, law: str | None = None) -> float:
    """Peak memory of ``run_forecast(scenario, samples=samples)`` and its report (milestone years are worked
    out when first read): the slope of the peak traced allocations between two small runs (1,000 and 3,000
    samples), times ``samples``, plus the interpreter. Memory grows linearly with samples (every path is
    years x samples)."""
    import tracemalloc

    if tracemalloc.is_tracing():  # somebody else measures: do not disturb them
        return BASE_BYTES
    run_forecast(scenario, samples=10, seed=0, law=law).to_dict()  # first-run imports and caches are not per sample
    peaks = []
    for probe in (1_000, 3_000):
        tracemalloc.start()
        try:
            run_forecast(scenario, samples=probe, seed=0, law=law).to_dict()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    per_sample = max(peaks[1] - peaks[0], 0) / 2_000
    return BASE_BYTES + per_sample * samples


def _grid(scenario: Scenario) -> Grid:
    starts = [scenario.start_year]
    for name in FACTOR_KINDS:
        series = scenario.factor(name)
        if series is not None and series.start is not None and series.start.year is not None:
            starts.append(series.start.year)
    return Grid(min(starts), scenario.until, scenario.start_year)


def _check_settings(scenario: Scenario, samples, until) -> tuple[Scenario, int]:
    """The scenario up to ``until`` and the number of samples, each checked against its declaration; the last
    year also against the scenario (after its start year, at most 300 years on)."""
    samples, until = FORECAST["samples"].check(samples), FORECAST["until"].check(until)
    if until is None:
        return scenario, samples
    if not scenario.start_year < until <= scenario.start_year + 300:
        raise InputError(f"{spelled('until')} must be after the scenario's start year {scenario.start_year} "
                         f"and at most {scenario.start_year + 300}, got {until}")
    return scenario.model_copy(update={"until": until}), samples


def run_forecast(scenario: Scenario, *, samples: int = 10_000, seed: int = 0, until: int | None = None,
                 law: str | None = None, milestones: tuple | list = (), keep_inputs: bool = False) -> ForecastResult:
    """Percentile paths and milestone years of ``scenario`` from ``samples`` joint draws.

    ``law`` is the law of the run's N, D and loss (default: the scenario's dataset rule law, else
    hoffmann2022); ``milestones`` adds questions such as ``"spending >= $10B"`` (see ``questions``);
    ``keep_inputs`` keeps each uncertain input's draws on the result (``result.inputs``, for sensitivity).
    """
    from .questions import parse_milestone

    scenario, samples = _check_settings(scenario, samples, until)
    if law is not None:
        caller_law(law)
    asked = [parse_milestone(text) for text in ([milestones] if isinstance(milestones, str) else milestones or ())]
    grid = _grid(scenario)
    if samples * len(grid.years) > _CHECKED_FROM:
        check_memory(estimate_bytes(scenario, samples, law=law),
                     what=f"a forecast of {samples:,} samples over {len(grid.years)} years",
                     advice=f"lower {spelled('samples')} or {spelled('until')}")
    rng = np.random.default_rng(seed)
    draws = Draws(scenario, rng, samples)
    _correlate(scenario, draws, rng)
    paths = evaluate(scenario, grid, draws, law)
    i0 = grid.index(grid.report_from)
    years = grid.years[i0:]
    levels = {name: _from(level, i0) for name, level in paths.levels.items()}
    _check_finite(levels, years, scenario.name)

    # milestone years are worked out when first read (a percentile table alone needs none of them); the
    # constraints' are needed now, for which binds first
    milestones: dict = {}
    ms = scenario.milestones
    if "spending" in levels:
        from ..units import parse_money

        for threshold in ms.spending:
            value = parse_money(threshold)
            milestones[f"spending >= {format_money(value)}"] = partial(crossing_years, levels["spending"], np.log10(value), years)
    if "compute" in levels:
        for threshold in ms.compute:
            value = float(threshold)
            milestones[f"compute >= {value:.0e} FLOP".replace("e+", "e")] = partial(crossing_years, levels["compute"], np.log10(value), years)
    if paths.stock_margin is not None:
        margin = _from(paths.stock_margin, i0)
        for epochs in ms.epochs:
            need = float(np.log10(epoch_multiplier(epochs, paths.r_d_star)))
            label = f"data stock exhausted at {epochs} epoch{'s' if epochs != 1 else ''}"
            milestones[label] = partial(crossing_years, margin, need, years)
    first_binding = {}
    margins = binding_margins(paths.constraints, paths.stages)
    for name, margin in margins.items():
        when = crossing_years(_from(margin, i0), 0.0, years)
        first_binding[name] = when
        milestones[f"{name} binds"] = when
    for question in asked:
        question.check(levels, scenario.name)
        milestones[question.label] = partial(question.years, levels, years, scenario.name)
    binding = binding_first(first_binding, samples)
    return ForecastResult(
        scenario=scenario, samples=samples, seed=seed, years=years, levels=levels, milestones=Milestones(milestones),
        binding_first=binding, route=paths.route, derived=dict(paths.derived), growth_check=paths.growth_check,
        level_check=paths.level_check, uncapped=_uncapped(paths, i0), binding_epochs=paths.binding_epochs,
        law=paths.law_name, dataset_from=paths.dataset_from, binds=binds_table(scenario, paths, margins, i0, first_binding),
        inputs=uncertain_inputs(scenario, draws) if keep_inputs else {},
    )


#: log10 of the largest double (1.8e308): a level past it cannot be written down, let alone reported
_LOG10_MAX = float(np.log10(np.finfo(float).max))


def _check_finite(levels: dict[str, np.ndarray], years: np.ndarray, name: str) -> None:
    """One error, naming the quantity and the year, when a path leaves the range of floating-point numbers."""
    for quantity, level in levels.items():
        if _within_range(level):
            continue
        over = np.abs(level) >= _LOG10_MAX
        if over.any():
            row = int(np.argmax(over.any(axis=1)))
            year = int(years[min(row, len(years) - 1)]) if level.shape[0] > 1 else int(years[0])
            raise InputError(f"{name}: {quantity} passes 1e308, the largest number a float can hold, in {year}; "
                             f"end the forecast earlier (until {year - 1} at the latest)")


def _within_range(level: np.ndarray) -> bool:
    """Every value of a (rows, samples) path lies strictly inside +-_LOG10_MAX.

    Read in blocks of rows of about 1 MB, so the minimum reads from cache what the maximum just read.
    """
    step = max(1, (1 << 17) // max(level.shape[1], 1))
    for row in range(0, level.shape[0], step):
        block = level[row:row + step]
        if not (block.max() < _LOG10_MAX and block.min() > -_LOG10_MAX):
            return False
    return True


def _correlate(scenario: Scenario, draws: Draws, rng: np.random.Generator) -> None:
    """Pair the inputs' draws so they have the scenario's rank correlations (Gaussian copula; see ``copula``)."""
    if not scenario.correlations or draws.n < 2:
        return
    from .copula import gaussian_copula_matrix, rank_correlate
    from .schema import input_fields

    fields = input_fields(scenario)
    names = list(dict.fromkeys(p for c in scenario.correlations for p in c.between))
    matrix = gaussian_copula_matrix(names, [(c.between[0], c.between[1], c.rank) for c in scenario.correlations])
    columns = [np.broadcast_to(draws(*fields[name]), (1, draws.n)).ravel() for name in names]
    for name, values in zip(names, rank_correlate(columns, matrix, rng)):
        draws.replace(*fields[name], values)


def _uncapped(paths, i0: int) -> dict[str, np.ndarray]:
    """Spending, compute and effective compute before ceilings (for growth tables such as essay 004's)."""
    shrink = _from(paths.shrink, i0)
    if shrink.size == 1 and not shrink.any() and not np.signbit(shrink).any():  # x - (+0.0) is x: no copies
        return {name: _from(paths.levels[name], i0) for name in ("spending", "compute", "effective_compute")
                if name in paths.levels}
    return {name: _from(paths.levels[name], i0) - shrink for name in ("spending", "compute", "effective_compute")
            if name in paths.levels}


def _from(level, i0: int) -> np.ndarray:
    """The reported years of a path; a one-row path (the same every year) stays one row."""
    level = np.atleast_2d(np.asarray(level, dtype=float))
    return level if level.shape[0] == 1 else level[i0:]


def compare_scenarios(scenarios: list[Scenario], *, samples: int = 10_000, seed: int = 0,
                      until: int | None = None) -> CompareResult:
    """Forecast several scenarios with the same samples, seed and horizon."""
    if len(scenarios) < 2:
        raise InputError(f"compare needs at least two scenarios, got {len(scenarios)}")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError(f"compare got the same scenario twice: {', '.join(names)}")
    return CompareResult([run_forecast(s, samples=samples, seed=seed, until=until) for s in scenarios])

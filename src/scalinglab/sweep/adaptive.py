"""Adaptive sweeps: a seed design, then fit, suggest, train, round after round, within a FLOP budget.

The candidates are the runs the planner would make. Round 0 spreads ``law parameters + 1`` runs over
them (the space-filling start of :func:`scalinglab.fit.design.suggest_runs`). Round r of K fits the law
family to the finished runs and asks ``suggest_runs`` for the V-optimal batch per unit cost at the
target among the runs not chosen yet, within 1 / (K + 1 - r) of the budget left (round 0 takes
1 / (K + 1) of the whole). After each round the law is fitted again with a bootstrap and the predicted
loss at the target's compute-optimal point, with its 95% percentile interval, is stored with the round
(registry table ``rounds``). A round's picks are recorded before they train, so a killed sweep
resumes that round: its finished runs are skipped, and no recorded round is chosen again.

The law designed and fitted for is ``law`` (a fittable family, a published law or a saved fit, as
``suggest`` takes them), else the law the plan centres its sizes on (``sweep --law``), else Chinchilla.
A law of C alone (power, saturating-power, broken-power) is fitted to every run at its compute, and its
loss at the target is the law's value at the target compute. Laws that need inputs a sweep does not
record (data-constrained: unique tokens) or that describe accuracy (sigmoid) are refused before any
run trains. The rounds run on any executor ``run_sweep`` takes (local, ray, submitit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError, ScalingLabError
from ..options import spelled
from ..store import RunsRegistry
from .planner import SweepPlan
from .reading import reading

__all__ = ["AdaptiveResult", "PlanSuggestion", "design_law", "suggest_next", "suggest_plan", "target_interval",
           "run_adaptive", "rounds_table", "seed_runs", "FIT_BOOTSTRAP"]

FIT_BOOTSTRAP = 200
"""Bootstrap refits behind each round's interval at the target."""
_LEVEL = 0.95


_NOT_FOR_SWEEPS = {"data-constrained": "needs each run's unique tokens, which a sweep does not record",
                   "sigmoid": "describes accuracy, and a sweep records losses"}


def design_law(plan: SweepPlan, law=None) -> tuple[str, str]:
    """(the law as ``suggest`` takes it, its family): ``law``, else the plan's centring law, else chinchilla."""
    from ..fit.design import resolve_family

    chosen = law if law is not None else plan.law if plan.law is not None else "chinchilla"
    family, _ = resolve_family(chosen)
    if family in _NOT_FOR_SWEEPS:
        raise InputError(f"{spelled('law', value=chosen)}: the {family} family {_NOT_FOR_SWEEPS[family]}; an adaptive sweep "
                         f"designs for chinchilla, kaplan, power, saturating-power or broken-power")
    return str(chosen), family


def seed_runs(law: str) -> int:
    """Runs of the space-filling start: one more than the law's family has parameters."""
    from ..fit.design import resolve_family
    from ..fit.models import make_model

    return len(make_model(resolve_family(law)[0]).specs) + 1


def _runs(specs, losses=None):
    """Planned runs (``RunSpec``) as ``Runs``: N, D and C = FLOPs per token x D; rows number them from 1."""
    from ..fit.runs import Runs

    n = np.array([s.n_params for s in specs], dtype=float)
    d = np.array([s.n_tokens for s in specs], dtype=float)
    loss = np.full(len(specs), np.nan) if losses is None else np.asarray(losses, dtype=float)
    return Runs(source="the planned sweep", loss=loss, rows=np.arange(1, len(specs) + 1), n=n, d=d,
                c=np.array([s.flops for s in specs], dtype=float), flops_per_param_token=6.0)


def _finished(plan: SweepPlan, rows: list[dict]):
    """(finished specs, their held-out losses) in plan order."""
    loss = {r["key"]: r["loss"] for r in rows}
    specs = [s for s in plan.runs if s.key in loss]
    return specs, [loss[s.key] for s in specs]


def _free(plan: SweepPlan, finished, exclude) -> list:
    """The planned runs that may still be chosen: not named in ``exclude``, not the N and D of a finished run."""
    done = {(s.n_params, s.n_tokens) for s in finished}
    return [s for s in plan.runs if (s.n_params, s.n_tokens) not in done and s.key not in set(exclude)]


def suggest_next(plan: SweepPlan, rows: list[dict], *, budget: float, target: float, law=None,
                 exclude=(), k: int | None = None, bootstrap: int = 32, seed: int = 0):
    """(``Suggestion``, the chosen runs' keys): the planned runs that most narrow the prediction at
    compute ``target`` within ``budget``, given the finished ``rows`` (``export_rows``); runs with the
    N and D of a finished run or named in ``exclude`` are not candidates. ``law``: see ``design_law``."""
    from ..fit.design import suggest_runs

    law, _ = design_law(plan, law)
    specs, losses = _finished(plan, rows)
    free = _free(plan, specs, exclude)
    if not free:
        raise InputError(f"every planned run is already trained or chosen; plan more runs ({spelled('sizes')}, "
                         f"{spelled('compute')})")
    import pandas as pd

    candidates = pd.DataFrame({"params": [s.n_params for s in free], "tokens": [s.n_tokens for s in free]})
    suggestion = suggest_runs(_runs(specs, losses), law, candidates=candidates, target=f"C={target:g}",
                              budget=budget, k=k or len(free), cost=[s.flops for s in free], bootstrap=bootstrap,
                              seed=seed)
    return suggestion, [free[p["candidate_row"] - 1].key for p in suggestion.picks]


def target_interval(plan: SweepPlan, rows: list[dict], target: float, *, law=None,
                    bootstrap: int = FIT_BOOTSTRAP, seed: int = 0) -> dict:
    """The fitted law's loss at the compute-optimal point of ``target`` FLOP with its 95% bootstrap
    interval (``fit_law(..., budgets=[target])``; a law of C alone: its value at ``target`` and the
    refits' percentiles there); ``note`` says why not when the runs cannot be fitted."""
    from ..fit import fit_law, make_model, percentile_interval
    from ..laws import law_from_dict

    law, family = design_law(plan, law)
    specs, losses = _finished(plan, rows)
    by_compute = make_model(family).inputs == ("c",)
    try:
        fitted = fit_law(_runs(specs, losses), family, bootstrap=bootstrap, seed=seed, level=_LEVEL,
                         budgets=None if by_compute else [target])
        if by_compute:
            refits = np.array([float(law_from_dict(rep)(target)) for rep in fitted.replicate_laws])
            interval = percentile_interval(refits[np.isfinite(refits)], _LEVEL).tolist() if len(refits) else None
            return {"loss": float(fitted.law(target)), "interval": interval, "note": None}
        at = fitted.derived["budgets"][0]
    except ScalingLabError as error:
        return {"loss": None, "interval": None, "note": str(error)}
    return {"loss": at["loss"], "interval": at["loss_interval"], "note": None}


@dataclass
class AdaptiveResult:
    """An adaptive sweep: its rounds (as recorded) and the last round's ``SweepResult``."""

    name: str
    registry: str
    budget: float
    target: float
    rounds: list[dict]
    sweep: object = field(repr=False)
    stopped: str | None = None  # why the rounds ended early

    @property
    def spent(self) -> float:
        return float(sum(r["cost"] for r in self.rounds))

    def to_dict(self) -> dict:
        return {"name": self.name, "registry": self.registry, "budget": self.budget, "spent": self.spent,
                "target_flops": self.target, "rounds": self.rounds, "stopped": self.stopped,
                "sweep": self.sweep.to_dict()}

    def headline(self) -> str:
        return self.name

    def report(self):
        from rich.console import Group

        return Group(self.sweep.report(), rounds_table(self.name, self.rounds),
                     f"{len(self.rounds)} rounds, {self.spent:.3g} of {self.budget:.3g} FLOP spent"
                     + (f"; stopped at {self.stopped}" if self.stopped else ""))


def _check_settings(name: str, recorded: list[dict], budget: float, rounds: int, target: float) -> None:
    """A resumed adaptive sweep must keep the budget, rounds and target its recorded rounds were chosen for."""
    if not recorded:
        return
    first = recorded[0]
    if (first["budget"], first["rounds"], first["target_flops"]) != (float(budget), int(rounds), float(target)):
        started = ", ".join(spelled(key, value=f"{first[column]:.6g}") for key, column in
                            (("budget", "budget"), ("rounds", "rounds"), ("target", "target_flops")))
        raise InputError(f"adaptive sweep {name!r} was started with {started}; run it again with those, or give "
                         f"another {spelled('name')}")


def run_adaptive(plan: SweepPlan, corpus, *, name: str, registry: str | Path, budget: float, rounds: int,
                 target: float | None = None, law=None, bootstrap: int = 32, seed: int = 0,
                 force: bool = False, **run_options) -> AdaptiveResult:
    """Train ``rounds`` + 1 rounds of ``plan``'s runs chosen by ``suggest_next`` (see the module docstring);
    ``run_options`` go to :func:`~scalinglab.sweep.runner.run_sweep` (executor, out_dir, device, ...)."""
    from .runner import run_sweep

    law, _ = design_law(plan, law)

    if not (np.isfinite(budget) and budget > 0):
        raise InputError(f"{spelled('budget')} must be a positive FLOP count, got {budget!r}")
    if not (isinstance(rounds, (int, np.integer)) and rounds >= 1):
        raise InputError(f"{spelled('rounds')} must be a whole number of at least 1, got {rounds!r}")
    target = float(max(plan.budgets) if target is None else target)
    if not (np.isfinite(target) and target > 0):
        raise InputError(f"{spelled('target')} must be a positive FLOP count, got {target!r}")
    cheapest = min(s.flops for s in plan.runs)
    if budget < cheapest:
        raise InputError(f"{spelled('budget', value=f'{budget:.3g}')} is below the cheapest planned run's "
                         f"{cheapest:.3g} FLOP")
    with RunsRegistry(registry) as db:
        db.open_sweep(name, plan.to_dict(), corpus.to_dict(), force=force)
        db.release(name)
        _check_settings(name, db.rounds(name), budget, rounds, target)
    result, stopped = None, None
    for number in range(rounds + 1):
        with RunsRegistry(registry) as db:
            rows = db.export_rows(name)
            recorded = {r["round"]: r for r in db.rounds(name)}
        if recorded.get(number, {}).get("finished_at"):
            continue
        if number not in recorded:
            chosen = [p["key"] for r in recorded.values() for p in r["picks"]]
            left = budget - sum(r["cost"] for r in recorded.values())
            share = left / (rounds + 1 - number)
            free = _free(plan, _finished(plan, rows)[0], chosen)
            if not free or share < min(r.flops for r in free):
                stopped = (f"round {number}: " + ("every planned run is trained or chosen" if not free else
                           f"its share of the budget left, {share:.3g} FLOP, buys no planned run not yet chosen"))
                break
            suggestion, keys = suggest_next(plan, rows, budget=share, target=target, law=law, exclude=chosen,
                                            k=seed_runs(law) if number == 0 else None, bootstrap=bootstrap, seed=seed + number)
            picks = [{"key": key, "cost": p["cost"], "variance_reduction": p["variance_reduction"],
                      "reason": p["reason"]} for key, p in zip(keys, suggestion.picks)]
            with RunsRegistry(registry) as db:
                db.record_round(name, number, method=suggestion.method, picks=picks, budget=budget, rounds=rounds,
                                target_flops=target)
                recorded = {r["round"]: r for r in db.rounds(name)}
        keys = frozenset(p["key"] for r in recorded.values() for p in r["picks"])
        result = run_sweep(plan, corpus, name=name, registry=registry, only=keys, force=force, **run_options)
        found = target_interval(plan, result.rows, target, law=law, seed=seed)
        with RunsRegistry(registry) as db:
            db.finish_round(name, number, loss=found["loss"], interval=found["interval"], note=found["note"])
    with RunsRegistry(registry) as db:
        done = db.rounds(name)
        if result is None:
            keys = frozenset(p["key"] for r in done for p in r["picks"])
            result = run_sweep(plan, corpus, name=name, registry=registry, only=keys, force=force, **run_options)
    return AdaptiveResult(name=name, registry=str(registry), budget=float(budget), target=target, rounds=done,
                          sweep=result, stopped=stopped)


@dataclass(frozen=True)
class PlanSuggestion:
    """What ``sweep plan --suggest`` shows: the runs ``suggest`` would train next, by their plan keys."""

    suggestion: object
    keys: tuple[str, ...]
    finished: int

    def to_dict(self) -> dict:
        return {"keys": list(self.keys), "finished_runs": self.finished, **self.suggestion.to_dict()}

    def headline(self) -> str:
        return f"{len(self.keys)} runs to train next"

    def report(self):
        from rich.console import Group

        lines = [f"{pick['rank']}. {key}" for key, pick in zip(self.keys, self.suggestion.picks)]
        return Group(self.suggestion.report(), f"planned runs to train next ({self.finished} finished in the registry):",
                     *lines)


def suggest_plan(plan: SweepPlan, *, budget: float, registry=None, name: str | None = None,
                 target: float | None = None, law=None, bootstrap: int = 32,
                 seed: int = 0) -> PlanSuggestion:
    """The runs of ``plan`` that ``suggest_next`` picks within ``budget``, given the finished runs of
    sweep ``name`` in ``registry`` (none when no registry is given); trains nothing."""
    rows = []
    if registry is not None:
        if name is None:
            raise InputError(f"{spelled('db')} needs {spelled('name')}: the sweep whose finished runs the suggestion "
                             f"builds on")
        with reading(registry) as db:
            db.require_sweep(name)
            rows = db.export_rows(name)
    planned = {s.key for s in plan.runs}
    rows = [r for r in rows if r["key"] in planned]
    law, _ = design_law(plan, law)
    k = None if rows else seed_runs(law)
    suggestion, keys = suggest_next(plan, rows, budget=budget, target=float(max(plan.budgets) if target is None
                                                                           else target),
                                    law=law, k=k, bootstrap=bootstrap, seed=seed)
    return PlanSuggestion(suggestion, tuple(keys), len(rows))


def rounds_table(name: str, rounds: list[dict]):
    """An adaptive sweep's recorded rounds: the runs each chose, their FLOP, the loss at the target after it."""
    from .._table import rich_table

    rows = [[str(r["round"]), r["method"], ", ".join(p["key"] for p in r["picks"]) or "-", f"{r['cost']:.3g}",
             "-" if r["loss"] is None else f"{r['loss']:.4f}",
             "-" if r["loss_low"] is None else f"{r['loss_low']:.4f} .. {r['loss_high']:.4f}",
             r["note"] or ("" if r["finished_at"] else "training")] for r in rounds]
    target = rounds[0]["target_flops"] if rounds else float("nan")
    return rich_table(f"Rounds of {name}: the loss at the compute-optimal point of {target:.3g} FLOP after each",
                      ["round", "method", "runs", "FLOP", "loss", "95% interval", "note"], rows)

"""The sweep as the command line and the demo use it: options in, plan / run / status / export out."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .._io import atomic_write_csv
from ..errors import InputError
from ..options import spelled
from ..units import parse_quantity
from .config import HyperparameterRule, TrainSettings
from .corpus import TokenizedCorpus, check_corpus, prepare_corpus
from .options import GIVEN, PLANNING, PRESETS, RUN, SLURM
from .planner import SweepPlan, plan_sweep
from .reading import reading

__all__ = ["PRESETS", "parse_budgets", "parse_flop", "PlannedSweep", "prepare_plan", "run_planned", "SweepStatus",
           "sweep_status", "ExportResult", "export_sweep", "require_torch", "reading"]


def require_torch():
    try:
        import torch
    except ImportError:
        raise InputError("training needs PyTorch: pip install 'scalinglab[train]'") from None
    return torch


_RANGE = re.compile(r"^\s*(.+?)\s*\.\.\s*([^:]+?)\s*(?::\s*(\d+))?\s*$")


def parse_budgets(text) -> list[float]:
    """``"1e15,3e15,1e16"``, or ``"1e15..1e17"`` (two per decade, log-spaced) or ``"1e15..1e17:5"``."""
    if text is None:
        raise InputError(f"give {spelled('compute')} (e.g. 1e15,3e15,1e16 or 1e15..1e17:5) or "
                         f"{spelled('preset', value='tiny')}")
    if isinstance(text, (list, tuple)):
        values = [float(v) for v in text]
    else:
        match = _RANGE.match(str(text))
        if match:
            lo, hi = parse_quantity(match.group(1)), parse_quantity(match.group(2))
            if not 0 < lo < hi:
                raise InputError(f"budget range {text!r} must go from a smaller to a larger positive value")
            count = int(match.group(3)) if match.group(3) else int(round(2 * math.log10(hi / lo))) + 1
            if count < 2:
                raise InputError(f"budget range {text!r} needs at least 2 points")
            values = list(np.logspace(math.log10(lo), math.log10(hi), count))
        else:
            values = [parse_quantity(part) for part in str(text).split(",") if part.strip()]
    if not values or any(not (math.isfinite(v) and v > 0) for v in values):
        raise InputError(f"{spelled('compute')} must be positive FLOP counts, got {text!r}")
    return [float(v) for v in values]


def parse_flop(value, flag: str, *, required: bool = False) -> float | None:
    """A FLOP count given as a number or text such as ``1e21``; None when not given (an error if ``required``)."""
    if value is None:
        if required:
            raise InputError(f"give {flag} in FLOP, e.g. {flag} 1e11")
        return None
    return parse_quantity(value, what=flag)


@dataclass(frozen=True)
class PlannedSweep:
    """A plan with the corpus it will train on (and how many epochs its largest run takes)."""

    plan: SweepPlan
    corpus: TokenizedCorpus
    options: dict

    @property
    def epochs(self) -> float:
        return self.corpus.epochs(max(r.n_tokens for r in self.plan.runs))

    def to_dict(self) -> dict:
        return {"plan": self.plan.to_dict(), "corpus": self.corpus.to_dict(), "max_epochs_used": self.epochs}

    def headline(self) -> str:
        return f"{len(self.plan.runs)} runs on {self.plan.device}"

    def report(self):
        from rich.console import Group

        c = self.corpus
        lines = [f"corpus {c.source}: {c.n_train_tokens:,} training / {c.n_val_tokens:,} held-out tokens "
                 f"({c.tokenizer}, vocabulary {c.vocab_size}, {c.n_train_documents + c.n_val_documents} documents, "
                 f"hash {c.corpus_hash[:12]}); the largest run reads {self.epochs:.2f} epochs"]
        lines += list(self.plan.notes)
        return Group(self.plan.report(), *lines)


def prepare_plan(*, estimate: bool = True, **given) -> PlannedSweep:
    """Prepare the corpus and plan the sweep (``given``: the options of :data:`~scalinglab.sweep.options.GIVEN`):
    the declared defaults, then the preset's values, then those given."""
    given = GIVEN.check(given)
    preset, cache_dir = given.pop("preset"), given.pop("cache_dir")
    o = {**PLANNING.defaults(), **PRESETS.get(preset, {}), **{k: v for k, v in given.items() if v is not None}}
    check_corpus(o["corpus"])  # a device or a pipe is refused before torch is imported
    require_torch()
    from .train import estimate_seconds, resolve_device

    device = resolve_device(o["device"])
    budgets = parse_budgets(o["compute"])
    corpus = prepare_corpus(o["corpus"], tokenizer=o["tokenizer"], cache_dir=cache_dir, val_fraction=o["val_fraction"],
                            text_field=o["text_field"])
    rule = HyperparameterRule(batch_tokens=o["batch_tokens"], lr=o["lr"])
    settings = TrainSettings(threads=o["threads"], eval_tokens=o["eval_tokens"], compile=o["compile"])
    seeds = tuple(o["seeds"]) if isinstance(o["seeds"], (list, tuple)) else (o["seeds"],)
    plan = plan_sweep(budgets, sizes=o["sizes"], spread=float(o["spread"]), law=o["law"],
                      tokens_per_param=float(o["tokens_per_param"]), flops_method=o["flops_method"],
                      vocab_size=corpus.vocab_size, n_ctx=o["n_ctx"], aspect_ratio=float(o["aspect_ratio"]),
                      positions=o["positions"], seeds=seeds, rule=rule, settings=settings, steps=o["steps"])
    plan = replace(plan, device=device)
    biggest = max(plan.runs, key=lambda r: r.n_tokens)
    corpus.check_tokens(biggest.n_tokens, max_epochs=float(o["max_epochs"]), what=f"run {biggest.key}")
    if estimate:
        plan = replace(plan, seconds=tuple(estimate_seconds(plan.runs, device)))
    return PlannedSweep(plan, corpus, o)


def suggest_planned(**values):
    """The planned runs ``suggest`` would train next within ``budget`` FLOP, given the finished runs of sweep
    ``name`` in ``db`` (or none), for the loss at ``target`` FLOP (default: the largest budget); the options
    are those of :data:`~scalinglab.sweep.options.PLAN`."""
    from .adaptive import suggest_plan

    flop = parse_flop(values["budget"], spelled("budget"), required=True)
    target = parse_flop(values["target"], spelled("target"))
    planned = prepare_plan(estimate=False, **{name: values[name] for name in GIVEN})
    return suggest_plan(planned.plan, budget=flop, registry=values["db"], name=values["name"], target=target)


def run_planned(**values):
    """Train every unfinished run of the sweep the options of :data:`~scalinglab.sweep.options.RUN` describe and
    record it; with ``adaptive``, only the runs ``suggest`` chooses, round by round within ``budget`` FLOP.

    Returns a :class:`~scalinglab.sweep.runner.SweepResult` (an
    :class:`~scalinglab.sweep.adaptive.AdaptiveResult` with ``adaptive``)."""
    from ..store import RunsRegistry
    from .executors import check_options, parse_resources

    v = RUN.check(values)
    if v["executor"] == "local":
        for name in ("gpus_per_run", "cpus_per_run", "retries"):
            if RUN[name].given(v[name]):
                raise InputError(f"{spelled(name)} needs {spelled('executor', value='ray')} or submitit (the "
                                 f"local executor runs one run at a time here)")
    if v["adaptive"]:
        flop = parse_flop(v["budget"], spelled("budget"), required=True)
        target_flop = parse_flop(v["target"], spelled("target"))
    resources = v["resources"] if v["resources"] is not None else parse_resources(v["resource"])
    slurm = v["slurm"] if v["slurm"] is not None else {
        key: str(v[name]) if key == "folder" else v[name] for key, name in SLURM.items() if v[name] is not None}
    gpus_per_run = v["gpus_per_run"]
    check_options(v["executor"], ray_address=v["ray_address"], resources=resources, slurm=slurm or None,
                  retries=v["retries"], cpus_per_run=v["cpus_per_run"], gpus_per_run=gpus_per_run or 0.0)
    out = Path(v["out"])
    registry = v["db"] or out / "runs.sqlite"
    RunsRegistry.check_intact(registry)  # before the corpus work, writing nothing
    planned = prepare_plan(estimate=False, **{name: v[name] for name in GIVEN})
    plan = planned.plan
    if gpus_per_run is None:
        gpus_per_run = 1.0 if plan.device.startswith("cuda") else 0.0
    common = dict(registry=registry, out_dir=out, executor=v["executor"], device=plan.device,
                  ray_address=v["ray_address"], gpus_per_run=gpus_per_run, cpus_per_run=v["cpus_per_run"],
                  max_epochs=float(planned.options["max_epochs"]), save_models=v["save_models"],
                  peak_flops=v["peak_flops"], progress=v["progress"], retries=v["retries"],
                  resources=resources, slurm=slurm or None, force=v["force"])
    if v["adaptive"]:
        from .adaptive import run_adaptive

        return run_adaptive(plan, planned.corpus, name=v["name"] or f"adaptive-{plan.fingerprint()[:8]}",
                            budget=flop, rounds=v["rounds"], target=target_flop, **common)
    from .runner import run_sweep

    return run_sweep(plan, planned.corpus, name=v["name"] or f"sweep-{plan.fingerprint()[:8]}", fit=v["fit"],
                     **common)


@dataclass(frozen=True)
class SweepStatus:
    registry: str
    sweeps: list[dict]
    detail: dict | None
    problems: list[str]

    def to_dict(self) -> dict:
        return {"registry": self.registry, "sweeps": self.sweeps, "detail": self.detail, "problems": self.problems}

    def headline(self) -> str:
        return self.registry

    def report(self):
        from rich.console import Group

        from .._table import rich_table
        from ..units import format_quantity

        parts = [rich_table(f"Sweeps in {self.registry}", ["sweep", "runs", "finished", "running", "pending", "failed",
                                                           "FLOP done", "updated"],
                            [[s["sweep"], s["runs"], s["finished"], s["running"], s["pending"], s["failed"],
                              f"{s['flops_done']:.3g}", s["updated_at"]] for s in self.sweeps])]
        if self.detail:
            table = self.detail["table"]
            columns = ["run", "status", "budget", "N", "D (tokens)", "held-out loss", "attempts", "retries", "node",
                       "seconds", "error"]
            rows = [[r["key"], r["status"], f"{r['budget']:.3g}", format_quantity(r["params"]),
                     format_quantity(r["planned_tokens"]), "-" if r["final_loss"] is None else f"{r['final_loss']:.4f}",
                     r["attempts"], r["retries"], r["node"] or "-",
                     "-" if r["wall_seconds"] is None else f"{r['wall_seconds']:.1f}", r["error"] or ""]
                    for r in table]
            keep = [i for i, c in enumerate(columns)  # no empty retries or error column in a narrow terminal
                    if not (c == "retries" and not any(r["retries"] for r in table))
                    and not (c == "error" and not any(r["error"] for r in table))]
            parts.append(rich_table(f"Runs of {self.detail['sweep']}", [columns[i] for i in keep],
                                    [[row[i] for i in keep] for row in rows]))
            if self.detail.get("rounds"):
                from .adaptive import rounds_table

                parts.append(rounds_table(self.detail["sweep"], self.detail["rounds"]))
            nodes = self.detail["nodes"]
            if nodes:
                parts.append(rich_table(f"Finished runs per node ({self.detail['retries']} attempts lost and retried)",
                                        ["node", "finished", "run seconds", "FLOP"],
                                        [[n["node"], n["finished"], f"{n['wall_seconds']:.1f}", f"{n['flops']:.3g}"]
                                         for n in nodes]))
        parts.append("registry consistent" if not self.problems else "problems: " + "; ".join(self.problems))
        return Group(*parts)


def sweep_status(registry: str | Path, name: str | None = None) -> SweepStatus:
    with reading(registry) as db:
        summaries = [{k: v for k, v in db.status(s).items() if k not in ("table", "rounds")} for s in db.sweep_names()]
        detail = db.status(name) if name else None
        problems = db.check(name)
    return SweepStatus(str(registry), summaries, detail, problems)


@dataclass(frozen=True)
class ExportResult:
    path: str
    rows: int
    columns: list[str]

    def to_dict(self) -> dict:
        return {"path": self.path, "rows": self.rows, "columns": self.columns}

    def headline(self) -> str:
        return self.path

    def report(self) -> str:
        return f"wrote {self.rows} rows to {self.path} (columns: {', '.join(self.columns)})"


def export_sweep(registry: str | Path, name: str, path: str | Path, *, checkpoints: bool = False) -> ExportResult:
    """Finished runs of ``name`` as CSV (what ``scalinglab fit`` and ``scalinglab isoflop`` read)."""
    from .runner import sweep_frame

    with reading(registry) as db:
        rows = db.export_rows(name, checkpoints=checkpoints)
    if not rows:
        raise InputError(f"sweep {name!r} has no finished runs to export")
    frame = sweep_frame(rows)
    atomic_write_csv(path, frame)
    return ExportResult(str(path), len(frame), [str(c) for c in frame.columns])

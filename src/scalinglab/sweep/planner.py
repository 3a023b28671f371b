"""IsoFLOP sweep planning: for each compute budget, model shapes spread in log N around the optimum.

For a budget C the centre N* comes from a law (``compute_optimal``; a published law or a saved fit) or
from a fixed tokens-per-parameter ratio r (C = 6 N D with D = r N gives N* = sqrt(C / (6 r)); r = 20
after Hoffmann et al. 2022). Sizes lie on one log grid shared by every budget, N*_1 x spread^k (N*_1 the
smallest budget's centre, neighbours a factor ``spread`` apart); each budget takes the m grid points
nearest its own N* (ties to the smaller sizes), so a size recurs across budgets and its loss can be followed as compute grows.
Each size becomes a shape by a depth/width rule, and each run
gets D = C / (FLOPs per token) tokens, FLOPs per token counted by the named method of
:func:`scalinglab.compute.flops_per_token` (``6nd``: 6 N with N the total parameters, Hoffmann's
convention; ``chinchilla``: the detailed count of Hoffmann et al. 2022, Appendix F; ``kaplan``:
Kaplan et al. 2020, Table 1, N non-embedding).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from .._table import rich_table
from ..compute import METHODS, TransformerConfig, flops_per_token, param_counts
from ..errors import InputError
from ..options import spelled
from ..units import format_duration, format_quantity
from .config import DEFAULT_RULE, HyperparameterRule, RunSpec, TrainSettings

__all__ = ["SweepPlan", "plan_sweep", "shape_for_params", "count_params", "smallest_shape", "MIN_D_MODEL"]

MIN_D_MODEL = 8


def _width_step(d_model: int) -> int:
    """Widths are multiples of 8 below 128, of 16 below 256 and of 64 from there."""
    return 8 if d_model < 128 else 16 if d_model < 256 else 64


def _n_heads(d_model: int) -> int:
    """The head count whose head size is closest to 16 (d_model < 64), 32 (< 256) or 64 (GPT-2/3's size),
    among even head sizes; fewer heads on ties (on CPU each head adds overhead)."""
    target = 16 if d_model < 64 else 32 if d_model < 256 else 64
    options = [h for h in range(1, d_model + 1) if d_model % h == 0 and (d_model // h) % 2 == 0]
    return min(options, key=lambda h: (abs(math.log(d_model / h / target)), h))


def _config(n_layers: int, d_model: int, vocab_size: int, n_ctx: int, positions: str) -> TransformerConfig:
    return TransformerConfig(n_layers=n_layers, d_model=d_model, n_heads=_n_heads(d_model),
                             vocab_size=vocab_size, n_ctx=n_ctx, positions=positions)


def count_params(config: TransformerConfig, flops_method: str) -> int:
    """N by the FLOP method's convention: non-embedding for ``kaplan``, total otherwise."""
    counts = param_counts(config)
    return int(counts["non_embedding"] if flops_method == "kaplan" else counts["total"])


def _flops_per_token(config: TransformerConfig, flops_method: str) -> float:
    if flops_method == "6nd":
        return 6.0 * param_counts(config)["total"]
    return float(flops_per_token(config, method=flops_method))


def _widths(limit: int):
    d = MIN_D_MODEL
    while d <= limit:
        yield d
        d += _width_step(d)


def shape_for_params(n_params: float, *, vocab_size: int, n_ctx: int, aspect_ratio: float = 32.0,
                     positions: str = "learned", flops_method: str = "6nd") -> TransformerConfig:
    """A shape with about ``n_params`` parameters (by ``flops_method``'s convention).

    Depth from the aspect ratio a = d_model / n_layers: with about 12 L d^2 parameters in the blocks,
    L = round((N / (12 a^2))^(1/3)), at least 1 (Kaplan et al. 2020, Figure 5: loss changes little
    for a between about 20 and 200). Width: the d_model (a multiple of the head size: 8, 16 or 64)
    whose count is closest to N in log.
    """
    if not (math.isfinite(n_params) and n_params > 0):
        raise InputError(f"n_params must be positive, got {n_params!r}")
    if not aspect_ratio > 0:
        raise InputError(f"aspect_ratio must be positive, got {aspect_ratio!r}")
    n_layers = max(1, int(round((n_params / (12.0 * aspect_ratio**2)) ** (1.0 / 3.0))))
    limit = int(max(MIN_D_MODEL, math.sqrt(n_params / (12.0 * n_layers)) * 2 + 64))
    best = min(_widths(limit), key=lambda d: abs(math.log(count_params(
        _config(n_layers, d, vocab_size, n_ctx, positions), flops_method) / n_params)))
    return _config(n_layers, best, vocab_size, n_ctx, positions)


def smallest_shape(*, vocab_size: int, n_ctx: int, positions: str = "learned") -> TransformerConfig:
    return _config(1, MIN_D_MODEL, vocab_size, n_ctx, positions)


@dataclass(frozen=True)
class SweepPlan:
    """The runs of an IsoFLOP sweep, in budget order (small first), and how they were chosen."""

    runs: tuple[RunSpec, ...]
    budgets: tuple[float, ...]
    seeds: tuple[int, ...]
    centre: str
    centre_params: tuple[float, ...]
    flops_method: str
    spread: float
    sizes: int
    aspect_ratio: float
    n_ctx: int
    vocab_size: int
    positions: str
    rule: HyperparameterRule
    settings: TrainSettings
    notes: tuple[str, ...] = ()
    seconds: tuple[float, ...] | None = None  # estimated wall time per run on ``device``
    device: str = ""
    law: str | None = None  # the law (name or saved fit) the sizes are centred on, when one was given

    @property
    def total_flops(self) -> float:
        return float(sum(r.flops for r in self.runs))

    def fingerprint(self) -> str:
        """A hash of everything that decides the runs' results: the runs and the device (not time estimates)."""
        data = {"runs": [r.to_dict() for r in self.runs], "device": self.device}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        return {
            "budgets": list(self.budgets), "seeds": list(self.seeds), "centre": self.centre,
            "centre_params": list(self.centre_params), "flops_method": self.flops_method, "spread": self.spread,
            "sizes": self.sizes, "aspect_ratio": self.aspect_ratio, "n_ctx": self.n_ctx, "vocab_size": self.vocab_size,
            "positions": self.positions, "rule": self.rule.to_dict(), "settings": self.settings.to_dict(),
            "notes": list(self.notes), "device": self.device, "law": self.law, "fingerprint": self.fingerprint(),
            "total_flops": self.total_flops,
            "estimated_seconds": None if self.seconds is None else float(sum(self.seconds)),
            "runs": [dict(r.to_dict(), estimated_seconds=None if self.seconds is None else self.seconds[i])
                     for i, r in enumerate(self.runs)],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "SweepPlan":
        return cls(
            runs=tuple(RunSpec.from_dict(r) for r in data["runs"]), budgets=tuple(data["budgets"]),
            seeds=tuple(data["seeds"]), centre=data["centre"], centre_params=tuple(data["centre_params"]),
            flops_method=data["flops_method"], spread=data["spread"], sizes=data["sizes"],
            aspect_ratio=data["aspect_ratio"], n_ctx=data["n_ctx"], vocab_size=data["vocab_size"],
            positions=data["positions"], rule=HyperparameterRule(**data["rule"]),
            settings=TrainSettings(**data["settings"]), notes=tuple(data.get("notes", ())),
            seconds=None if data.get("estimated_seconds") is None else tuple(r["estimated_seconds"] for r in data["runs"]),
            device=data.get("device", ""), law=data.get("law"))

    def report(self):
        rows = []
        for i, r in enumerate(self.runs):
            m = r.model
            rows.append([r.key, f"{r.budget:.3g}", f"{m.n_layers}x{m.d_model} ({m.n_heads}h)", format_quantity(r.n_params),
                         format_quantity(r.n_tokens), f"{r.tokens_per_param:.1f}", str(r.batch_size), str(r.steps),
                         f"{r.lr:.2e}", "-" if self.seconds is None else format_duration(self.seconds[i])])
        total = "" if self.seconds is None else f", about {format_duration(sum(self.seconds))} on {self.device}"
        title = (f"IsoFLOP sweep: {len(self.runs)} runs, {format_quantity(self.total_flops)}FLOP in all{total}; "
                 f"centre {self.centre}, FLOPs by {self.flops_method}")
        return rich_table(title, ["run", "budget", "layers x width", "N", "D (tokens)", "D/N", "batch", "steps",
                                  "peak lr", "time"], rows)


def _centres(budgets: np.ndarray, law, tokens_per_param: float) -> tuple[np.ndarray, str]:
    if law is None:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            centres = np.sqrt(budgets / (6.0 * tokens_per_param))
        if not (math.isfinite(tokens_per_param) and tokens_per_param > 0 and np.isfinite(centres).all()):
            raise InputError(f"{spelled('tokens_per_param')} must be a positive number that gives a finite model size, "
                             f"got {tokens_per_param:g}")
        return centres, f"{tokens_per_param:g} tokens/param"
    from ..laws import resolve_law
    from ..plan import compute_optimal

    name, resolved = (law if isinstance(law, tuple) else resolve_law(law))
    return np.atleast_1d(compute_optimal(resolved, budgets).n_params).astype(float), f"law {name}"


def _law_name(law) -> str | None:
    """The law as a name or file that ``resolve_law`` reads again (a law object has none)."""
    if isinstance(law, tuple):
        return str(law[0])
    return str(law) if isinstance(law, (str, PurePath)) else None


def plan_sweep(budgets, *, sizes: int = 3, spread: float = 3.0, law=None, tokens_per_param: float = 20.0,
               flops_method: str = "6nd", vocab_size: int = 257, n_ctx: int = 64, aspect_ratio: float = 32.0,
               positions: str = "learned", seeds=(0,), rule: HyperparameterRule = DEFAULT_RULE,
               settings: TrainSettings | None = None, steps: int | None = None, min_steps: int = 10) -> SweepPlan:
    """Plan ``sizes`` models per budget around the optimum; every run must get ``min_steps`` steps."""
    settings = settings or TrainSettings()
    c = np.sort(np.unique(np.atleast_1d(np.asarray(budgets, dtype=float))))
    if c.size == 0 or np.any(~np.isfinite(c)) or np.any(c <= 0):
        raise InputError(f"budgets must be positive FLOP counts, got {list(np.atleast_1d(budgets))}")
    if flops_method not in METHODS:
        raise InputError(f"unknown FLOP method {flops_method!r}; choose from {', '.join(METHODS)}")
    if sizes < 1:
        raise InputError(f"sizes per budget must be at least 1, got {sizes}")
    if steps is not None and not (isinstance(steps, (int, np.integer)) and steps >= 1):
        raise InputError(f"{spelled('steps')} must be a whole number of at least 1, got {steps!r}")
    if not spread > 1.0:
        raise InputError(f"spread (ratio of neighbouring sizes) must be above 1, got {spread!r}")
    seeds = tuple(int(s) for s in seeds) or (0,)
    centres, centre_name = _centres(c, law, tokens_per_param)
    smallest = smallest_shape(vocab_size=vocab_size, n_ctx=n_ctx, positions=positions)
    runs, notes = [], []
    for budget, centre in zip(c, centres):
        shapes = []
        k_centre = math.log(centre / centres[0]) / math.log(spread)
        start = math.ceil(k_centre - (sizes - 1) / 2.0 - 0.5 - 1e-9)  # nearest grid points, ties to smaller N
        for k in range(start, start + sizes):
            shape = shape_for_params(centres[0] * spread**k, vocab_size=vocab_size, n_ctx=n_ctx,
                                     aspect_ratio=aspect_ratio, positions=positions, flops_method=flops_method)
            if shape not in shapes:
                shapes.append(shape)
        if len(shapes) < sizes:
            notes.append(f"budget {budget:.3g}: {sizes - len(shapes)} size(s) rounded onto the same shape")
        for shape in shapes:
            n = count_params(shape, flops_method)
            fpt = _flops_per_token(shape, flops_method)
            tokens = budget / fpt
            # fixed steps: batch D / (steps x n_ctx), at least one sequence (compared as Python numbers: a
            # 400-digit --steps overflowed a float)
            batch = (rule.batch_size(n, n_ctx) if steps is None
                     else 1 if int(steps) * n_ctx > float(tokens) else int(tokens // (steps * n_ctx)))
            run_steps = int(tokens // (batch * n_ctx))
            if run_steps < min_steps:
                need = fpt * batch * n_ctx * min_steps
                small = shape == smallest
                what = "the smallest model" if small else f"model {shape.n_layers}x{shape.d_model}"
                raise InputError(
                    f"budget {budget:.3g} FLOP is too small for {what} ({format_quantity(n)} params, "
                    f"{batch} x {n_ctx} tokens per step): {run_steps} steps, at least {min_steps} needed, "
                    f"i.e. a budget of {need:.3g} FLOP or more")
            for seed in seeds:
                key = f"c{budget:.2e}-L{shape.n_layers}-d{shape.d_model}-s{seed}".replace("+", "")
                runs.append(RunSpec(
                    key=key, budget=float(budget), seed=seed, model=shape, flops_method=flops_method,
                    flops_per_token=fpt, n_params=n, params_total=param_counts(shape)["total"],
                    params_non_embedding=param_counts(shape)["non_embedding"], batch_size=batch, steps=run_steps,
                    lr=rule.learning_rate(n), warmup_steps=int(round(settings.warmup_fraction * run_steps)),
                    settings=settings))
    return SweepPlan(runs=tuple(runs), budgets=tuple(float(x) for x in c), seeds=seeds, centre=centre_name,
                     centre_params=tuple(float(x) for x in centres), flops_method=flops_method, spread=float(spread),
                     sizes=sizes, aspect_ratio=float(aspect_ratio), n_ctx=n_ctx, vocab_size=vocab_size,
                     positions=positions, rule=rule, settings=settings, notes=tuple(notes),
                     law=_law_name(law))

"""Cluster model: how much of the peak a cluster of G accelerators turns into training FLOP/s.

Training FLOP C = wall-clock time x G x peak x U x goodput (essay 002_ba6056911d3186cf.txt: "Training
time x #cores x peak FLOP/s x utilization rate"). U, the model FLOP utilisation (MFU) while the job
runs, comes from one of:

* a given MFU;
* a measured throughput T tokens/s per GPU: U = T x (FLOP per token) / peak;
* a measured achieved FLOP/s per GPU;
* the cluster-size model of the same essay, U(G) = U1 G^(-b), so that effective compute grows as
  G^(1-b) P U1 ("loss = (G^(1-b) P U)^(-a)").

The goodput factor (0, 1] is the share of wall-clock time spent on useful steps, after restarts,
failures and checkpoint reloads (Llama 3, section 3.3.4: "higher than 90% effective training time").

b is calibrated on published pairs of cluster sizes (``cluster_scaling_points`` in
``accelerators.yaml``): within a run, b = -ln(U2/U1) / ln(G2/G1); pooled over runs, the
least-squares slope of ln U on ln G with one intercept per run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._table import rich_table
from ..errors import InputError
from ..provenance import Source
from .hardware import catalogue_data, get_accelerator, resolve_source

__all__ = ["ScalingPoint", "Calibration", "ClusterSizeModel", "scaling_points", "calibrate_b",
           "default_cluster_model", "achieved_flops_per_gpu"]


@dataclass(frozen=True)
class ScalingPoint:
    """Published utilisation of one run at one cluster size (MFU = achieved / dense BF16 peak)."""

    run: str
    accelerator: str
    gpus: int
    mfu: float
    reported: str
    source: Source

    def to_dict(self) -> dict:
        return {"run": self.run, "accelerator": self.accelerator, "gpus": self.gpus, "mfu": self.mfu,
                "reported": self.reported, "source": self.source.to_dict()}


def scaling_points() -> list[ScalingPoint]:
    """The published points of ``accelerators.yaml``; TFLOP/s per GPU are divided by the BF16 peak."""
    data = catalogue_data()
    out = []
    for item in data["cluster_scaling_points"]:
        base = resolve_source(item["source"], data["sources"], f"cluster point {item['run']}")
        source = Source(base.citation, item.get("locator", ""), base.identifier, base.notes)
        acc = get_accelerator(item["accelerator"])
        if "mfu" in item:
            mfu, reported = float(item["mfu"]), f"{100 * item['mfu']:g}% MFU"
        else:
            mfu = float(item["tflops_per_gpu"]) * 1e12 / acc.peak("bf16")
            reported = f"{item['tflops_per_gpu']:g} TFLOP/s per GPU"
        out.append(ScalingPoint(item["run"], acc.name, int(item["gpus"]), mfu, reported, source))
    return out


@dataclass(frozen=True)
class Calibration:
    """b per run and pooled, from the published points."""

    b: float
    b_by_run: dict[str, float]
    points: tuple[ScalingPoint, ...]

    def to_dict(self) -> dict:
        return {"b": self.b, "b_by_run": dict(self.b_by_run), "points": [p.to_dict() for p in self.points]}

    def report(self):
        rows = [[p.run, p.accelerator, f"{p.gpus:,}", p.reported, f"{100 * p.mfu:.1f}%",
                 f"{self.b_by_run[p.run]:.4f}", f"{p.source.citation.split(',')[0]}, {p.source.locator}"]
                for p in self.points]
        rows.append(["pooled (one intercept per run)", "", "", "", "", f"{self.b:.4f}", "least squares on ln U, ln G"])
        return rich_table("Cluster-size exponent b in U(G) = U1 G^(-b)",
                          ["run", "accelerator", "GPUs", "reported", "MFU", "b", "source"], rows)


def calibrate_b(points: list[ScalingPoint] | None = None) -> Calibration:
    """b from runs measured at two or more cluster sizes (see the module docstring)."""
    points = list(scaling_points() if points is None else points)
    runs: dict[str, list[ScalingPoint]] = {}
    for point in points:
        runs.setdefault(point.run, []).append(point)
    num = den = 0.0
    by_run = {}
    for run, group in runs.items():
        x = np.log([p.gpus for p in group])
        y = np.log([p.mfu for p in group])
        if len(group) < 2 or np.ptp(x) == 0:
            raise InputError(f"run {run!r} needs utilisation at two or more cluster sizes to calibrate b")
        dx, dy = x - x.mean(), y - y.mean()
        by_run[run] = float(-(dx @ dy) / (dx @ dx))
        num += float(dx @ dy)
        den += float(dx @ dx)
    return Calibration(-num / den, by_run, tuple(points))


@dataclass(frozen=True)
class ClusterSizeModel:
    """U(G) = U1 G^(-b), anchored so that U(g_ref) = u_ref; capped at 1."""

    b: float
    u_ref: float
    g_ref: float
    anchor: str = ""
    calibration: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if not (0 <= self.b < 1):
            raise InputError(f"cluster exponent b must be in [0, 1), got {self.b!r}")
        if not (0 < self.u_ref <= 1) or self.g_ref < 1:
            raise InputError(f"cluster anchor needs 0 < U <= 1 and G >= 1, got U={self.u_ref!r}, G={self.g_ref!r}")

    @property
    def u1(self) -> float:
        """U1 = U(g_ref) g_ref^b: the power law's value at G = 1 (a fit constant, may exceed 1)."""
        return self.u_ref * self.g_ref ** self.b

    def utilisation(self, gpus, b=None):
        """U(G), capped at 1; ``b`` overrides the model's exponent (numbers or arrays)."""
        b = self.b if b is None else np.asarray(b, dtype=float)
        return np.minimum(self.u_ref * (np.asarray(gpus, dtype=float) / self.g_ref) ** (-b), 1.0)

    def effective_gpus(self, gpus):
        """G^(1-b) U1: the essay's effective compute per unit of peak, in GPU-equivalents at 100%."""
        return self.u1 * np.asarray(gpus, dtype=float) ** (1.0 - self.b)

    def calibrated_range(self) -> tuple[int, int]:
        gpus = [p["gpus"] for p in self.calibration.get("points", [])] or [int(self.g_ref)]
        return min(gpus), max(gpus)

    def to_dict(self) -> dict:
        return {"b": self.b, "u1": self.u1, "u_ref": self.u_ref, "g_ref": self.g_ref, "anchor": self.anchor,
                "calibration": self.calibration}


def default_cluster_model(b: float | None = None) -> ClusterSizeModel:
    """Pooled b from the published points, anchored at Llama 3.1 405B on 8,192 H100s (43% MFU)."""
    calibration = calibrate_b()
    anchor = next(p for p in calibration.points if p.run.startswith("Llama") and p.gpus == 8192)
    return ClusterSizeModel(calibration.b if b is None else float(b), anchor.mfu, anchor.gpus,
                            f"{anchor.run}, {anchor.gpus:,} GPUs at {100 * anchor.mfu:g}% MFU ({anchor.source})",
                            calibration.to_dict())


def achieved_flops_per_gpu(peak, gpus, *, mfu=None, flops_per_second_per_gpu=None, tokens_per_second_per_gpu=None,
                           flops_per_token=None, cluster_model: ClusterSizeModel | None = None, cluster_b=None):
    """FLOP/s each accelerator delivers while the job runs, from exactly one utilisation input."""
    given = [name for name, value in (("mfu", mfu), ("flops_per_second_per_gpu", flops_per_second_per_gpu),
                                      ("tokens_per_second_per_gpu", tokens_per_second_per_gpu),
                                      ("cluster_model", cluster_model)) if value is not None]
    if len(given) != 1:
        raise InputError("give exactly one utilisation: mfu, tokens_per_second_per_gpu, flops_per_second_per_gpu "
                         f"or cluster_model (got {', '.join(given) or 'none'})")
    if mfu is not None:
        return peak * mfu
    if flops_per_second_per_gpu is not None:
        return flops_per_second_per_gpu
    if tokens_per_second_per_gpu is not None:
        if flops_per_token is None:
            raise InputError("tokens per second per GPU needs the FLOP per token: give the parameter count "
                             "(6N per token) or a model configuration")
        return tokens_per_second_per_gpu * flops_per_token
    return peak * cluster_model.utilisation(gpus, cluster_b)


def implied_b(u1: float, g1: float, u2: float, g2: float) -> float:
    """b = -ln(u2/u1) / ln(g2/g1) for one pair of cluster sizes."""
    if g1 == g2:
        raise InputError("two different cluster sizes are needed")
    return -math.log(u2 / u1) / math.log(g2 / g1)

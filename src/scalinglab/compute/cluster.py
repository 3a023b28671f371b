"""Cluster model: how much of the peak a cluster of G accelerators turns into training FLOP/s.

Training FLOP C = wall-clock time x G x peak x U x goodput (essay "Scaling Laws for AI And Some
Implications": "Training time x #cores x peak FLOP/s x utilization rate"). U, the model FLOP
utilisation (MFU) while the job runs, comes from one of:

* a given MFU;
* a measured throughput T tokens/s per GPU: U = T x (FLOP per token) / peak;
* a measured achieved FLOP/s per GPU;
* the cluster-size model of the same essay, U(G) = U1 G^(-b), so that effective compute grows as
  G^(1-b) P U1 ("loss = (G^(1-b) P U)^(-a)").

MFU and HFU are kept apart. MFU counts the model's FLOP (6 N D); hardware FLOP utilisation (HFU)
also counts the forward pass repeated by full activation recomputation, 2 N D more: 8 N D. A paper
that reports HFU with full recomputation is converted with MFU = HFU x 6/8 (PaLM, appendix B, defines
both; its Table 3 gives MT-NLG 30.2% MFU where MT-NLG reports 126 TFLOP/s, 40.4% of the A100 peak, as
hardware FLOP).

The goodput factor (0, 1] is the share of wall-clock time spent on useful steps, after restarts,
failures and checkpoint reloads (Llama 3, section 3.3.4: "higher than 90% effective training time").

b is calibrated on MFU only, on published runs measured at two or more cluster sizes
(``cluster_scaling_points`` in ``accelerators.yaml``). Each run family (one model on one machine) gets
its own line, ln U = ln U1 - b ln G by least squares, because the runs disagree (MT-NLG on A100s
loses utilisation four times faster than Llama 3.1 on H100s); a pooled slope with one intercept per run
is shown for comparison only. The 95% prediction interval of a family's line is
ln U +- t s sqrt(1 + 1/n + (ln G - mean)^2 / Sxx), with s^2 the families' residual variance pooled over
their degrees of freedom (n - 2 each). The default curve is the family on the same accelerator, else the
one whose accelerator's peak is nearest; a named run can be chosen instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._table import rich_table
from ..errors import InputError, UnknownNameError
from ..provenance import Source
from .hardware import catalogue_data, get_accelerator, resolve_source

__all__ = ["ScalingPoint", "Calibration", "ClusterSizeModel", "scaling_points", "check_points", "calibrate_b",
           "default_cluster_model", "achieved_flops_per_gpu", "HFU_TO_MFU_FULL_RECOMPUTE"]

HFU_TO_MFU_FULL_RECOMPUTE = 6.0 / 8.0
"""Full recomputation runs the forward pass twice: 8 N D hardware FLOP for 6 N D model FLOP per token."""

def hfu_to_mfu(recompute: str, config=None) -> tuple[float, str]:
    """MFU / HFU for a run's activation recomputation, and how it was found.

    full: 6/8 (the forward pass runs twice; PaLM, appendix B); none: 1; selective (Korthikanti et al. 2022,
    section 5: only the attention core, Q K^T, softmax and the weighted sum of V, is recomputed): training
    FLOP per token F (Chinchilla count) over F + that core's forward FLOP, L (2 s d_qk + 3 a s + 2 s d_v);
    it needs the model's shape.
    """
    if recompute == "full":
        return HFU_TO_MFU_FULL_RECOMPUTE, "full recomputation: 6ND model FLOP of 8ND hardware FLOP"
    if recompute == "none":
        return 1.0, "no recomputation: hardware FLOP are model FLOP"
    if recompute != "selective":
        raise InputError(f"--recompute must be one of full, selective, none, got {recompute!r}")
    if config is None:
        raise InputError("--recompute selective converts HFU to MFU by the model's shape: give --config")
    from .flops import flops_per_token

    model = flops_per_token(config, method="chinchilla")
    s, layers = config.n_ctx, config.n_layers
    a = config.n_heads
    core = layers * (2 * s * a * config.qk_dim + 3 * a * s + 2 * s * a * config.v_dim)
    return model / (model + core), (f"selective recomputation of the attention core: {model:.4g} model FLOP per "
                                    f"token of {model + core:.4g} hardware FLOP")


@dataclass(frozen=True)
class ScalingPoint:
    """Published utilisation of one run at one cluster size; ``mfu`` is model FLOP / dense BF16 peak,
    ``kind`` what the paper reported (``mfu`` or ``hfu``) and ``hfu`` the hardware-FLOP share where known."""

    run: str
    accelerator: str
    gpus: int
    mfu: float
    reported: str
    source: Source
    kind: str = "mfu"
    hfu: float | None = None

    def to_dict(self) -> dict:
        return {"run": self.run, "accelerator": self.accelerator, "gpus": self.gpus, "mfu": self.mfu,
                "hfu": self.hfu, "kind": self.kind, "reported": self.reported, "source": self.source.to_dict()}


def _points(key: str) -> list[ScalingPoint]:
    data = catalogue_data()
    out = []
    for item in data.get(key, ()):
        base = resolve_source(item["source"], data["sources"], f"cluster point {item['run']}")
        source = Source(base.citation, item.get("locator", ""), base.identifier, base.notes)
        acc = get_accelerator(item["accelerator"])
        kind = item.get("kind")
        if kind not in ("mfu", "hfu"):
            raise InputError(f"accelerators.yaml: {key} {item['run']} needs kind: mfu or hfu, got {kind!r}")
        if "mfu" in item:
            share, reported = float(item["mfu"]), f"{100 * item['mfu']:g}% {kind.upper()}"
        else:
            share = float(item["tflops_per_gpu"]) * 1e12 / acc.peak("bf16")
            reported = f"{item['tflops_per_gpu']:g} TFLOP/s per GPU ({kind.upper()}, {100 * share:.1f}% of peak)"
        if kind == "hfu":
            if item.get("recompute") != "full":
                raise InputError(f"accelerators.yaml: {item['run']}: HFU converts to MFU only with recompute: full")
            mfu, hfu = share * HFU_TO_MFU_FULL_RECOMPUTE, share
        else:
            mfu, hfu = share, None
        out.append(ScalingPoint(item["run"], acc.name, int(item["gpus"]), mfu, reported, source, kind, hfu))
    return out


def scaling_points() -> list[ScalingPoint]:
    """The calibration points of ``accelerators.yaml``, as MFU on the dense BF16 peak."""
    return _points("cluster_scaling_points")


def check_points() -> list[ScalingPoint]:
    """Published single-size MFU shown beside the calibration (not fitted)."""
    return _points("cluster_check_points")


@dataclass(frozen=True)
class Family:
    """One run family's own line ln U = ln U1 - b ln G and what its prediction interval needs."""

    run: str
    accelerator: str
    b: float
    ln_u1: float
    gpus: tuple[int, ...]
    x_mean: float
    sxx: float

    def to_dict(self) -> dict:
        return {"run": self.run, "accelerator": self.accelerator, "b": self.b, "u1": math.exp(self.ln_u1),
                "gpus": list(self.gpus)}


@dataclass(frozen=True)
class Calibration:
    """b per run family (its own line) and pooled with its 95% interval; ``intercepts`` are ln U1 per run at
    the pooled b; ``residual_sd`` and ``residual_dof`` are the families' scatter about their own lines."""

    b: float
    b_by_run: dict[str, float]
    points: tuple[ScalingPoint, ...]
    b_stderr: float = float("nan")
    b_interval: tuple[float, float] = (float("nan"), float("nan"))
    dof: int = 0
    intercepts: dict[str, float] = field(default_factory=dict)
    families: dict[str, Family] = field(default_factory=dict)
    residual_sd: float = float("nan")
    residual_dof: int = 0

    def to_dict(self) -> dict:
        return {"b": self.b, "b_stderr": self.b_stderr, "b_interval_95": list(self.b_interval), "dof": self.dof,
                "b_by_run": dict(self.b_by_run), "u1_by_run": {k: math.exp(v) for k, v in self.intercepts.items()},
                "families": {k: f.to_dict() for k, f in self.families.items()},
                "residual_sd": self.residual_sd, "residual_dof": self.residual_dof,
                "points": [p.to_dict() for p in self.points]}

    def report(self):
        rows = [[p.run, p.accelerator, f"{p.gpus:,}", p.reported, f"{100 * p.mfu:.1f}%",
                 f"{self.b_by_run[p.run]:.4f}", _short(p.source)] for p in self.points]
        lo, hi = self.b_interval
        rows.append(["pooled, for comparison (not used)", "", "", "", "", f"{self.b:.4f}",
                     f"one slope, one intercept per run; 95% interval {lo:.3f} to {hi:.3f} (t, {self.dof} dof)"])
        for p in check_points():
            rows.append([f"{p.run} (check, not fitted)", p.accelerator, f"{p.gpus:,}", p.reported, f"{100 * p.mfu:.1f}%",
                         "", _short(p.source)])
        return rich_table("Cluster-size exponent b in U(G) = U1 G^(-b), on model-FLOP utilisation (MFU), "
                          "one line per run family",
                          ["run", "accelerator", "GPUs", "reported", "MFU", "b", "source"], rows)


def _short(source: Source) -> str:
    """'Smith et al. 2022, Table 1' from a source (the full locator is in to_dict())."""
    return f"{source.short.split(' 20')[0]} {source.identifier}, {source.locator.split(' (')[0].split(',')[0]}"


#: ``scipy.stats.t.ppf(0.975, dof)`` for 1 to 30 degrees of freedom, bit for bit (a test checks): importing
#: ``scipy.stats`` takes about 0.5 s, most of ``hardware cluster`` and ``cost --cluster-model``.
_T975 = (12.706204736174694, 4.302652729749462, 3.1824463052837078, 2.7764451051977934, 2.5705818356363146,
         2.4469118511449786, 2.364624251592784, 2.306004135204166, 2.262157162798205, 2.228138851986274,
         2.200985160091639, 2.1788128296672284, 2.1603686564627913, 2.144786687917804, 2.131449545559776,
         2.1199052992212546, 2.1098155778333156, 2.1009220402410382, 2.0930240544083087, 2.085963447265864,
         2.0796138447276795, 2.0738730679040254, 2.0686576104190486, 2.0638985616280245, 2.0595385527532972,
         2.0555294386428735, 2.0518305164802846, 2.0484071417952454, 2.045229642132703, 2.0422724563012378)


def _t975(dof: int) -> float:
    """Student's t quantile at 0.975 with ``dof`` degrees of freedom (tabled up to 30, else SciPy's)."""
    if 1 <= dof <= len(_T975):
        return _T975[dof - 1]
    from scipy import stats

    return float(stats.t.ppf(0.975, dof))


def calibrate_b(points: list[ScalingPoint] | None = None) -> Calibration:
    """b from runs measured at two or more cluster sizes (see the module docstring)."""
    points = list(scaling_points() if points is None else points)
    runs: dict[str, list[ScalingPoint]] = {}
    for point in points:
        runs.setdefault(point.run, []).append(point)
    num = den = 0.0
    by_run, data = {}, {}
    for run, group in runs.items():
        x = np.log([p.gpus for p in group])
        y = np.log([p.mfu for p in group])
        if len(group) < 2 or np.ptp(x) == 0:
            raise InputError(f"run {run!r} needs utilisation at two or more cluster sizes to calibrate b")
        dx, dy = x - x.mean(), y - y.mean()
        by_run[run] = float(-(dx @ dy) / (dx @ dx))
        num += float(dx @ dy)
        den += float(dx @ dx)
        data[run] = (x, y)
    b = -num / den
    intercepts = {run: float(np.mean(y + b * x)) for run, (x, y) in data.items()}
    residuals = np.concatenate([y - (intercepts[run] - b * x) for run, (x, y) in data.items()])
    dof = len(points) - len(runs) - 1
    if dof > 0:
        stderr = float(math.sqrt(residuals @ residuals / dof / den))
        t = _t975(dof)
        interval = (b - t * stderr, b + t * stderr)
    else:
        stderr, interval = float("nan"), (float("nan"), float("nan"))
    families, rss, family_dof = {}, 0.0, 0
    for run, (x, y) in data.items():
        ln_u1 = float(np.mean(y + by_run[run] * x))
        rss += float(np.sum((y - (ln_u1 - by_run[run] * x)) ** 2))
        family_dof += len(x) - 2
        families[run] = Family(run, runs[run][0].accelerator, by_run[run], ln_u1, tuple(p.gpus for p in runs[run]),
                               float(x.mean()), float(np.sum((x - x.mean()) ** 2)))
    residual_sd = math.sqrt(rss / family_dof) if family_dof > 0 else float("nan")
    return Calibration(b, by_run, tuple(points), stderr, interval, dof, intercepts, families, residual_sd, family_dof)


@dataclass(frozen=True)
class ClusterSizeModel:
    """U(G) = U1 G^(-b), anchored so that U(g_ref) = u_ref; capped at 1."""

    b: float
    u_ref: float
    g_ref: float
    anchor: str = ""
    calibration: dict = field(default_factory=dict, compare=False)
    spread: tuple[float, int, float, float] | None = None
    """(t s, n, mean ln G, Sxx) of the family's 95% prediction interval, if it has one."""

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

    def interval(self, gpus):
        """95% prediction interval of U(G) (capped at 1), or None without a residual scale."""
        if self.spread is None:
            return None
        ts, n, x_mean, sxx = self.spread
        x = np.log(np.asarray(gpus, dtype=float))
        half = ts * np.sqrt(1.0 + 1.0 / n + (x - x_mean) ** 2 / sxx)
        u = self.utilisation(gpus)
        return np.minimum(u * np.exp(-half), 1.0), np.minimum(u * np.exp(half), 1.0)

    def calibrated_range(self) -> tuple[int, int]:
        gpus = [p["gpus"] for p in self.calibration.get("points", [])] or [int(self.g_ref)]
        return min(gpus), max(gpus)

    def to_dict(self) -> dict:
        return {"b": self.b, "u1": self.u1, "u_ref": self.u_ref, "g_ref": self.g_ref, "anchor": self.anchor,
                "calibration": self.calibration}


def default_cluster_model(b: float | None = None, anchor: str | None = None,
                          accelerator: str | None = None) -> ClusterSizeModel:
    """The cluster-size curve of one run family (see the module docstring): the run named ``anchor``
    (e.g. ``"Llama 3.1 405B"``), else the family on ``accelerator``, else the one whose accelerator's
    dense BF16 peak is nearest, else Llama 3.1 405B. ``b`` overrides the slope, keeping U at the family's
    geometric-mean cluster size."""
    calibration = calibrate_b()
    family, why = _choose_family(calibration, anchor, accelerator)
    g_ref = float(math.exp(family.x_mean))
    u_ref = math.exp(family.ln_u1 - family.b * family.x_mean)
    spread = None
    if calibration.residual_dof > 0:
        spread = (_t975(calibration.residual_dof) * calibration.residual_sd, len(family.gpus), family.x_mean,
                  family.sxx)
    text = (f"{family.run} ({why}): its own line, b = {family.b:.4f}, U({g_ref:,.0f}) = {100 * u_ref:.1f}% MFU"
            + ("; b given" if b is not None else ""))
    return ClusterSizeModel(family.b if b is None else float(b), u_ref, g_ref, text,
                            calibration.to_dict() | {"points": [p.to_dict() for p in calibration.points
                                                                if p.run == family.run], "family": family.run},
                            spread)


def _choose_family(calibration: Calibration, anchor: str | None, accelerator: str | None) -> tuple[Family, str]:
    families = calibration.families
    if anchor is not None:
        for run, family in families.items():
            if run.lower() == str(anchor).lower():
                return family, "named"
        raise UnknownNameError("calibration run", str(anchor), list(families))
    if accelerator is not None:
        try:
            acc = get_accelerator(accelerator)
        except UnknownNameError:
            acc = None
        if acc is not None:
            same = [f for f in families.values() if f.accelerator == acc.name]
            if same:
                return same[0], f"calibrated on {acc.name}"
            if "bf16" in acc.peak_flops:
                nearest = min(families.values(), key=lambda f: abs(math.log(get_accelerator(f.accelerator).peak("bf16")
                                                                              / acc.peak("bf16"))))
                return nearest, f"no run on {acc.name}; nearest BF16 peak, {nearest.accelerator}"
    return families["Llama 3.1 405B"], "the default family"


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

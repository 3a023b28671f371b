"""Training cost: FLOPs -> wall-clock days, GPU-hours, cloud and owned dollars, energy and CO2.

For C training FLOP on G accelerators that each deliver F FLOP/s while running (see ``cluster``),
with goodput g (share of wall-clock time doing useful steps):

    wall-clock seconds t = C / (G F g)                GPU-hours H = G t / 3600
    cloud cost          = H x price per GPU-hour
    capital cost        = G x hardware price x (1 + overhead)
    depreciation        = capital x rate per year x t / (365.25 days)
    energy (kWh)        = H x watts x PUE / 1000      electricity = energy x $/kWh
    owned cost          = depreciation + electricity  CO2 (t) = energy x kg/kWh / 1000

(owned cost after the essay on compute, algorithms and spending slowing down; energy and CO2 after Touvron et al. 2023, section
6.4 and Table 15.) With measured GPU-hours instead, t = H / G and the whole-run average utilisation
C / (H x 3600 x peak) follows; dividing it by the goodput gives the MFU while running.

Any numeric input may be a range (``"0.3 to 0.5"``, see ``scalinglab.distributions``): the estimate is
then a seeded Monte Carlo and every output gets a percentile table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._table import header, rich_table
from ..distributions import Distribution, parse_value
from ..errors import InputError
from ..options import spelled
from ..provenance import Source
from ..units import SECONDS_PER, format_money, format_quantity
from .cost_options import BUDGET, COST, MAX_SAMPLES
from .cluster import ClusterSizeModel, achieved_flops_per_gpu, default_cluster_model, hfu_to_mfu
from .hardware import Accelerator, catalogue_data, custom_accelerator, get_accelerator, normalise_precision, \
    resolve_source

__all__ = ["CostEstimate", "EstimateResult", "estimate_cost", "cost_defaults", "PERCENTILES", "report_rows"]

PERCENTILES = (5, 50, 95)

#: Science name -> the declared parameter's name (``compute``, ``params``, ``tokens`` on every face).
FACE_NAMES = {"flops": "compute", "n_params": "params", "n_tokens": "tokens"}
DECLARED = {**BUDGET, **COST}


def declared(name: str):
    """The declaration of the input ``name`` (a science name such as ``n_params`` or a face name)."""
    return DECLARED[FACE_NAMES.get(name, name)]


def _check(name: str, value) -> None:
    option = declared(name)
    for v in value.bounds if isinstance(value, Distribution) else (value,):
        option.check_bounds(v)


#: Inputs whose kind is not a plain count: (kind, unit a duration converts to). A value written in
#: another kind's units ("--dollars '21 days'") is an error; "--days '3 weeks'" reads as 21.
_KINDS = {"dollars": ("money", None), "gpu_price": ("money", None), "price_per_gpu_hour": ("money", None),
          "electricity": ("rate", None), "days": ("duration", "day"), "gpu_hours": ("duration", "h"),
          "mfu": ("fraction", None), "hfu": ("fraction", None), "goodput": ("fraction", None),
          "depreciation": ("fraction", None), "overhead": ("fraction", None), "cluster_b": ("fraction", None),
          "cloud_discount": ("fraction", None)}


def flag(name: str) -> str:
    """The input ``name`` as the caller spells it (``--params``, ``params=``, ``params``)."""
    return spelled(declared(name).name)


def parse_inputs(raw: dict) -> dict:
    """Parse and range-check every given numeric input (numbers, text or a ``Distribution``).

    Each is read with its kind (money, duration, count, ...): a value in another kind's units is an
    error naming the flag. Points become floats; ranges stay distributions of the ``number`` kind
    until :func:`draw`.
    """
    from ..units import check_kind

    out = {}
    for name, value in raw.items():
        if value is None:
            continue
        kind, unit = _KINDS.get(name, ("count", None))
        value = check_kind(value, kind, what=flag(name), unit=unit)
        parsed = parse_value(value, "number", what=flag(name))
        parsed = parsed.value if parsed.is_point else parsed
        _check(name, parsed)
        out[name] = parsed
    return out


def draw(inputs: dict, samples: int, seed: int) -> tuple[dict, bool, list[str]]:
    """Replace ranges by ``samples`` seeded draws (in sorted-name order); cap MFU and goodput at 1."""
    ranged = sorted(k for k, v in inputs.items() if isinstance(v, Distribution))
    if not ranged:
        return dict(inputs), False, []
    if not 100 <= samples <= MAX_SAMPLES:
        raise InputError(f"{spelled('samples')} must be from 100 (for a percentile table) to {MAX_SAMPLES:,}, "
                         f"got {samples:,}")
    rng = np.random.default_rng(seed)
    out, notes = dict(inputs), []
    for name in ranged:
        values = inputs[name].sample(rng, samples)
        lo, hi = declared(name).low, declared(name).high
        if hi is not None and np.any(values > hi):
            notes.append(f"{int(np.sum(values > hi))} of {samples} draws of {name} above {hi:g} were capped at {hi:g}")
            values = np.minimum(values, hi)
        if lo is not None and np.any(values < lo):
            notes.append(f"{int(np.sum(values < lo))} of {samples} draws of {name} below {lo:g} were raised to {lo:g}")
            values = np.maximum(values, lo if lo > 0 else np.nextafter(0, 1))
        out[name] = values
    return out, True, notes


def summarise(outputs: dict) -> tuple[dict, dict]:
    """Medians as the headline values, and p5/p50/p95/mean for every sampled output."""
    values, table = {}, {}
    for key, value in outputs.items():
        array = np.asarray(value, dtype=float) if value is not None else None
        if array is None or array.ndim == 0:
            values[key] = None if array is None else float(array)
            continue
        pct = np.percentile(array, PERCENTILES)
        values[key] = float(pct[1])
        table[key] = {f"p{p}": float(v) for p, v in zip(PERCENTILES, pct)} | {"mean": float(array.mean())}
    return values, table


@dataclass(frozen=True)
class Default:
    value: float
    source: Source
    note: str = ""
    range: tuple[float, float] | None = None


def cost_defaults() -> dict[str, Default]:
    """The cost model's defaults (overhead, depreciation, electricity, PUE, carbon, goodput) with sources."""
    data = catalogue_data()
    return {name: Default(float(spec["value"]), resolve_source(spec["source"], data["sources"], f"default {name}"),
                          spec.get("note", ""), tuple(map(float, spec["range"])) if "range" in spec else None)
            for name, spec in data["cost_defaults"].items()}


#: Input name -> the ``cost_defaults`` entry (value, source, note) used when the input is not given.
DEFAULT_KEYS = {"overhead": "overhead", "depreciation": "depreciation_per_year",
                "electricity": "electricity_usd_per_kwh", "pue": "pue", "carbon": "carbon_kg_per_kwh",
                "goodput": "goodput"}

_FORMATS = {
    "flops": lambda v: f"{v:.3g}", "n_params": format_quantity, "n_tokens": format_quantity,
    "flops_per_token": lambda v: f"{v:.3g}",
    "peak_flops_per_gpu": lambda v: f"{v / 1e12:,.1f} TFLOP/s", "achieved_flops_per_gpu": lambda v: f"{v / 1e12:,.1f} TFLOP/s",
    "mfu": lambda v: f"{100 * v:.1f}%", "goodput": lambda v: f"{100 * v:.1f}%",
    "average_utilisation": lambda v: f"{100 * v:.1f}%", "gpus": lambda v: f"{v:,.0f}",
    "days": lambda v: f"{v:,.1f}", "years": lambda v: f"{v:,.2f}", "gpu_hours": format_quantity,
    "energy_mwh": lambda v: f"{v:,.1f} MWh", "co2_t": lambda v: f"{v:,.1f} t",
    "n_opt": format_quantity, "d_opt": format_quantity, "tokens_per_param": lambda v: f"{v:,.1f}",
    "loss": lambda v: f"{v:.4f}",
}


def _format(key: str, value) -> str:
    if value is None:
        return "-"
    if key in _FORMATS:
        return _FORMATS[key](value)
    if key.endswith("_usd") or key == "price_per_gpu_hour" or key == "gpu_price":
        return format_money(value, 4)
    return f"{value:.4g}"


def report_rows(values: dict, percentiles: dict) -> list[list[str]]:
    """One row per known output: its value, or its p5/p50/p95 where it was sampled."""
    rows = []
    for key, value in values.items():
        if value is None or key == "seconds":
            continue
        pct = percentiles.get(key)
        if percentiles:
            rows.append([header(key)] + ([_format(key, pct[f"p{p}"]) for p in PERCENTILES] if pct else
                                         ["", _format(key, value), ""]))
        else:
            rows.append([header(key), _format(key, value)])
    return rows


@dataclass(frozen=True)
class EstimateResult:
    """Shared shape of cost and budget results: headline values (medians when sampled) and percentiles."""

    accelerator: str
    precision: str
    values: dict[str, float | None]
    percentiles: dict[str, dict[str, float]] = field(default_factory=dict)
    assumptions: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    samples: int = 0
    seed: int = 0

    def __getattr__(self, name: str):
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        raise AttributeError(name)

    def _dict(self, **head) -> dict:
        return {"accelerator": self.accelerator, "precision": self.precision, **head, **self.values,
                "assumptions": dict(self.assumptions), "percentiles": dict(self.percentiles),
                "samples": self.samples if self.percentiles else 0, "seed": self.seed, "notes": list(self.notes)}

    def to_frame(self):
        """One row per quantity: its value and, for ranges, its percentiles."""
        import pandas as pd

        return pd.DataFrame([{"quantity": key, "value": value, **self.percentiles.get(key, {})}
                             for key, value in self.values.items()])

    def _table(self, title: str):
        columns = ["quantity"] + ([f"p{p}" for p in PERCENTILES] if self.percentiles else ["value"])
        if self.percentiles:
            title += f"; Monte Carlo, {self.samples:,} draws, seed {self.seed}"
        from rich.console import Group
        from rich.text import Text

        table = rich_table(title, columns, report_rows(self.values, self.percentiles))
        return Group(table, *[Text(line) for line in [*self.notes, *assumption_lines(self.assumptions)]])


@dataclass(frozen=True)
class CostEstimate(EstimateResult):
    """Time, money, energy and CO2 of one training run; medians and percentiles when inputs are ranges."""

    inputs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return self._dict() | {"inputs": dict(self.inputs)}

    def headline(self) -> str:
        """``accelerator: days, cloud $``."""
        days, dollars = self.values.get("days"), self.values.get("cloud_cost_usd")
        shown = "" if days is None else f"{days:.4g} days"
        if dollars is not None:
            shown += f", cloud ${format_quantity(dollars)}"
        return f"{self.accelerator}: {shown.strip(', ')}"

    def report(self):
        return self._table(f"Training cost on {self.accelerator} ({self.precision})")


def _workload(p: dict, config, flops_method: str) -> dict:
    """FLOP, parameters, tokens and FLOP per token from whichever of them were given."""
    from .flops import flops_per_token, param_counts
    from .shapes import resolve_config

    flops, n, d = p.get("flops"), p.get("n_params"), p.get("n_tokens")
    if config is not None and (n is not None or flops is not None):
        raise InputError(f"--config fixes the parameters and the FLOP per token; drop "
                         f"{' and '.join(f for f, v in (('--params', n), ('--compute', flops)) if v is not None)}")
    if flops is not None and n is not None and d is not None:
        raise InputError("--compute conflicts with --params and --tokens (they fix C = 6ND); give --compute, or "
                         "--params and --tokens, or --compute with one of them")
    if config is not None:
        config = resolve_config(config)
        if d is None:
            raise InputError("a model configuration needs the number of training tokens")
        fpt = flops_per_token(config, method=flops_method)
        return {"flops": fpt * d, "n_params": float(param_counts(config)["total"]), "n_tokens": d, "flops_per_token": fpt}
    if flops is not None:
        fpt = 6.0 * n if n is not None else (flops / d if d is not None else None)
        if n is not None and d is None:
            d = flops / (6.0 * n)
        return {"flops": flops, "n_params": n, "n_tokens": d, "flops_per_token": fpt}
    if n is not None and d is not None:
        return {"flops": 6.0 * n * d, "n_params": n, "n_tokens": d, "flops_per_token": 6.0 * n}
    if p.get("gpu_hours") is not None:
        return {"flops": None, "n_params": n, "n_tokens": d, "flops_per_token": None}
    raise InputError("give the training FLOP, or the parameters and tokens (C = 6ND), or a model configuration "
                     "and tokens, or measured GPU-hours")


def estimate_cost(*, accelerator: str | Accelerator | None = None, gpus=None, flops=None, n_params=None,
                  n_tokens=None, config=None, flops_method: str = "6nd", gpu_hours=None, precision: str | None = None,
                  peak_flops=None, mfu=None, tokens_per_second_per_gpu=None, flops_per_second_per_gpu=None,
                  cluster_model: bool | ClusterSizeModel = False, cluster_b=None, goodput=None, gpu_price=None,
                  overhead=None, depreciation=None, electricity=None, pue=None, watts=None, carbon=None,
                  price_per_gpu_hour=None, cloud_discount=None, hfu=None, recompute: str | None = None,
                  cluster_family: str | None = None, samples: int = 10_000, seed: int = 0) -> CostEstimate:
    """Estimate one training run. Numeric arguments take numbers, text (``"40%"``, ``"$2M"``) or ranges.

    ``hfu`` is a hardware-FLOP utilisation, converted to MFU for ``recompute`` ("full" by default: x 6/8);
    ``goodput`` defaults to the sourced value of ``cost_defaults()`` and its range is reported.
    """
    if gpus is None and gpu_hours is None:
        raise InputError("give the number of GPUs (or measured GPU-hours: energy, CO2 and dollars need no GPU count)")
    raw = dict(gpus=gpus, flops=flops, n_params=n_params, n_tokens=n_tokens, gpu_hours=gpu_hours,
               peak_flops=peak_flops, mfu=mfu, hfu=hfu, tokens_per_second_per_gpu=tokens_per_second_per_gpu,
               flops_per_second_per_gpu=flops_per_second_per_gpu, cluster_b=cluster_b, goodput=goodput,
               gpu_price=gpu_price, overhead=overhead, depreciation=depreciation, electricity=electricity, pue=pue,
               watts=watts, carbon=carbon, price_per_gpu_hour=price_per_gpu_hour, cloud_discount=cloud_discount)
    given = parse_inputs(raw)
    acc = resolve_accelerator(accelerator, given.get("peak_flops"), precision)
    precision = normalise_precision(precision) if precision else acc.default_precision
    defaults = cost_defaults()
    assumptions = default_assumptions(given, acc, defaults)
    p, sampled, notes = draw(given, samples, seed)
    for key, default in DEFAULT_KEYS.items():
        p.setdefault(key, defaults[default].value)

    model = None
    if cluster_model is not False and cluster_model is not None:
        model = cluster_model if isinstance(cluster_model, ClusterSizeModel) else \
            default_cluster_model(anchor=cluster_family, accelerator=acc.name)
        assumptions["cluster_model"] = model.to_dict() | ({"b": str(given["cluster_b"]), "b_source": "given"}
                                                          if "cluster_b" in given else {})
    if "hfu" in given:
        from .shapes import resolve_config

        assumptions["mfu"], note = mfu_from_hfu(p, given, recompute, None if config is None else resolve_config(config))
        notes.append(note)
    utilisation = ("mfu", "hfu", "tokens_per_second_per_gpu", "flops_per_second_per_gpu", "gpu_hours")
    if model is None and not any(key in given for key in utilisation):
        assumed = defaults["budget_mfu"]  # the same MFU ``budget`` assumes, so the two commands agree
        p["mfu"] = assumed.value
        assumptions["mfu"] = {"value": assumed.value, "source": str(assumed.source), "note": assumed.note}
    elif "mfu" in given:
        assumptions["mfu"] = {"value": str(given["mfu"]), "source": "given"}

    work = _workload(p, config, flops_method)
    peak = p["peak_flops"] if "peak_flops" in p else acc.peak(precision)
    g = p.get("gpus")
    if g is None:
        notes.append("no GPU count: wall-clock days and the capital outlay need --gpus; GPU-hours fix the rest")
    timing = _timing(p, work, peak, g, model, given, notes)
    if model is not None and g is not None and model.spread is not None and "cluster_b" not in given:
        lo, hi = model.interval(float(np.median(g)))
        assumptions["cluster_model"]["mfu_interval_95"] = [float(lo), float(hi)]
        notes.append(f"cluster-size model ({model.calibration.get('family') or model.anchor.split(' (')[0]}): MFU {100 * float(np.median(timing['mfu'])):.1f}%, "
                     f"95% prediction interval {100 * float(lo):.1f}-{100 * float(hi):.1f}%")
    if "goodput" not in given:
        _goodput_span(timing, "gpu_hours" in given, defaults["goodput"], assumptions["goodput"], notes)
    if "flops_per_second_per_gpu" in given:
        notes.append("--flops-per-second-per-gpu is read as model FLOP; a figure that counts recomputation is "
                     "hardware FLOP (MT-NLG's 126 TFLOP/s, Megatron-LM's and BLOOM's counters), and the MFU shown "
                     "is then an HFU-based figure: pass it as --hfu (F / peak) with --recompute to convert it")
    out = {"gpus": g, "flops": work["flops"], "n_params": work["n_params"], "n_tokens": work["n_tokens"],
           "flops_per_token": work["flops_per_token"], "peak_flops_per_gpu": peak, **timing}
    out.update(_money(p, acc, g, timing["seconds"], timing["gpu_hours"], notes))
    values, table = summarise(out)
    return CostEstimate(acc.name, precision, values, table if sampled else {}, assumptions,
                        tuple(dict.fromkeys(notes)), samples, seed, inputs={k: str(v) for k, v in given.items()})


def _goodput_span(timing: dict, measured: bool, default: Default, assumed: dict, notes: list) -> None:
    """Time scales as 1 / goodput: what the default goodput's sourced range does to GPU-hours and days
    (or, with measured GPU-hours, to the MFU while running)."""
    if default.range is None:
        return
    g, (lo, hi) = default.value, default.range
    spans = {}
    if not measured:
        spans = {key: [float(np.median(timing[key])) * g / hi, float(np.median(timing[key])) * g / lo]
                 for key in ("gpu_hours", "days") if timing.get(key) is not None}
    elif timing.get("mfu") is not None:
        spans = {"mfu": [float(np.median(timing["mfu"])) * g / hi, float(np.median(timing["mfu"])) * g / lo]}
    if not spans:
        return
    assumed.update({f"{key}_range": span for key, span in spans.items()})
    shown = "; ".join(f"{header(key)} {_format(key, a)} to {_format(key, b)}" for key, (a, b) in spans.items())
    notes.append(f"goodput not given: {100 * g:.0f}% assumed; its sourced range {100 * lo:.0f}-{100 * hi:.0f}% "
                 f"gives {shown} (--goodput sets it)")


def resolve_accelerator(accelerator, peak, precision) -> Accelerator:
    """The catalogue's accelerator, or a custom one from its peak FLOP/s (the median of a range)."""
    if accelerator is None:
        if peak is None:
            raise InputError("give an accelerator from the catalogue, or its peak FLOP/s")
        median = peak.median if isinstance(peak, Distribution) else peak
        return custom_accelerator(median, precision=precision or "bf16")
    return get_accelerator(accelerator)


def assumption_lines(assumptions: dict) -> list[str]:
    """One line per assumed value (not given by the user) with its source, for the printed table."""
    lines = []
    for name, item in assumptions.items():
        if isinstance(item, dict) and "value" in item and item.get("source") not in (None, "given"):
            value = item["value"]
            shown = "-" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value))
            if item.get("range"):
                shown += f" (sourced range {item['range'][0]:g} to {item['range'][1]:g})"
            lines.append(f"assumed {header(name)} = {shown} ({item['source']})")
    return lines


def default_assumptions(given: dict, acc: Accelerator, defaults: dict[str, Default]) -> dict:
    """Every default the cost model uses, as {name: {value, source, note}} (``given`` values say so)."""
    out = {}
    for key, default in DEFAULT_KEYS.items():
        if key in given:
            out[default] = {"value": str(given[key]), "source": "given"}
        else:
            d = defaults[default]
            out[default] = {"value": d.value, "source": str(d.source), "note": d.note} | \
                ({"range": list(d.range)} if d.range else {})
    out["cloud_discount"] = {"value": str(given["cloud_discount"]), "source": "given"} if "cloud_discount" in given \
        else {"value": 0.0, "source": "none assumed: the list price"}
    for key, field_name in (("gpu_price", "release_price_usd"), ("watts", "tdp_watts"),
                            ("price_per_gpu_hour", "cloud_usd_per_hour")):
        if key in given:
            out[key] = {"value": str(given[key]), "source": "given"}
        else:
            source = acc.sources.get(field_name)
            out[key] = {"value": getattr(acc, field_name), "source": str(source) if source else "not in the catalogue"}
    return out


def _timing(p: dict, work: dict, peak, g, model, given: dict, notes: list) -> dict:
    flops, goodput = work["flops"], p["goodput"]
    utilisation_keys = [k for k in ("mfu", "hfu", "tokens_per_second_per_gpu", "flops_per_second_per_gpu") if k in given]
    if "gpu_hours" in p:
        if utilisation_keys or model is not None:
            raise InputError("measured GPU-hours already fix the time; drop the utilisation "
                             f"({', '.join(utilisation_keys) or 'cluster model'})")
        gpu_hours = p["gpu_hours"]
        seconds = None if g is None else gpu_hours * 3600.0 / g
        achieved = None if flops is None else flops / (gpu_hours * 3600.0 * goodput)
    else:
        achieved = achieved_flops_per_gpu(
            peak, g, mfu=p.get("mfu"), flops_per_second_per_gpu=p.get("flops_per_second_per_gpu"),
            tokens_per_second_per_gpu=p.get("tokens_per_second_per_gpu"), flops_per_token=work["flops_per_token"],
            cluster_model=model, cluster_b=p.get("cluster_b"))
        if flops is None:
            raise InputError("the training FLOP are unknown: give the FLOP, or parameters and tokens")
        seconds = flops / (g * achieved * goodput)
        gpu_hours = g * seconds / 3600.0
        if model is not None:
            lo, hi = model.calibrated_range()
            if np.any(np.asarray(g) < lo / 4) or np.any(np.asarray(g) > hi * 4):
                notes.append(f"the cluster-size model is calibrated on {lo:,}-{hi:,} GPUs; "
                             f"{np.min(g):,.0f}-{np.max(g):,.0f} GPUs is an extrapolation")
    mfu = None if achieved is None else achieved / peak
    if mfu is not None and np.any(np.asarray(mfu) > 1):
        source = ", ".join(flag(k) for k in utilisation_keys) or ("--gpu-hours" if "gpu_hours" in p else "the inputs")
        raise InputError(f"the implied MFU is {float(np.max(mfu)):.3g}, above 1 (the dense peak of "
                         f"{float(np.max(peak)):.3g} FLOP/s per accelerator), which no run reaches: "
                         f"check {source}, --precision or --peak-flops")
    return {"achieved_flops_per_gpu": achieved, "mfu": mfu, "goodput": goodput,
            "average_utilisation": None if mfu is None else mfu * goodput, "seconds": seconds,
            "days": None if seconds is None else seconds / SECONDS_PER["day"],
            "years": None if seconds is None else seconds / SECONDS_PER["year"], "gpu_hours": gpu_hours}


def mfu_from_hfu(p: dict, given: dict, recompute: str | None, config=None) -> tuple[dict, str]:
    """Set ``p["mfu"]`` = HFU x the factor of ``recompute`` ("full" by default: :func:`~.cluster.hfu_to_mfu`);
    returns the MFU's assumption and a note saying how it was converted."""
    factor, how = hfu_to_mfu(recompute or "full", config)
    p["mfu"] = p["hfu"] * factor
    note = (f"{spelled('hfu')} {given['hfu']} is hardware FLOP with {recompute or 'full'} recomputation: "
            f"MFU = HFU x {factor:.4g} ({how})")
    return {"value": f"{given['hfu']} HFU x {factor:.4g}", "source": "given as hfu", "note": how}, note


def cloud_price(p: dict, acc: Accelerator):
    """Dollars per accelerator-hour in the cloud: the given or catalogue list price x (1 - cloud discount)."""
    price = p.get("price_per_gpu_hour", acc.cloud_usd_per_hour)
    return None if price is None else price * (1.0 - p.get("cloud_discount", 0.0))


def _money(p: dict, acc: Accelerator, g, seconds, gpu_hours, notes: list) -> dict:
    price_hour = cloud_price(p, acc)
    gpu_price = p.get("gpu_price", acc.release_price_usd)
    watts = p.get("watts", acc.tdp_watts)
    if price_hour is None:
        notes.append(f"no cloud price for {acc.name} in the catalogue: pass price_per_gpu_hour for the cloud cost")
    if gpu_price is None:
        notes.append(f"no release price for {acc.name} in the catalogue: pass gpu_price for the owned cost")
    if watts is None:
        notes.append(f"no TDP for {acc.name} in the catalogue: pass watts for energy and CO2")
    # depreciation = G x price x (1 + overhead) x rate x t / year = price x (1 + overhead) x rate x GPU-hours / year:
    # it needs the GPU-hours, not the GPU count (the capital outlay does)
    per_gpu = None if gpu_price is None else gpu_price * (1.0 + p["overhead"])
    capital = None if per_gpu is None or g is None else g * per_gpu
    depreciation = None if per_gpu is None else per_gpu * p["depreciation"] * gpu_hours * 3600.0 / SECONDS_PER["year"]
    energy_kwh = None if watts is None else gpu_hours * watts * p["pue"] / 1000.0
    electricity = None if energy_kwh is None else energy_kwh * p["electricity"]
    owned = None if depreciation is None or electricity is None else depreciation + electricity
    return {
        "price_per_gpu_hour": price_hour,
        "cloud_cost_usd": None if price_hour is None else gpu_hours * price_hour,
        "capital_cost_usd": capital,
        "depreciation_usd": depreciation,
        "energy_mwh": None if energy_kwh is None else energy_kwh / 1000.0,
        "electricity_cost_usd": electricity,
        "owned_cost_usd": owned,
        "co2_t": None if energy_kwh is None else energy_kwh * p["carbon"] / 1000.0,
    }


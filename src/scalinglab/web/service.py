"""The one place where the web app reaches into the library: request -> library call -> result.

Every function takes validated request values and returns a result object (with ``to_dict()``) or the
same plain data the CLI's ``--json`` prints for that command. No file-system path from a request ever
reaches the library: laws, datasets, scenarios and accelerators are looked up by name, and uploaded
tables are written by the server into its own temporary folder.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "clean", "data_version", "law_of", "NamedLaw", "plan", "plan_curves", "predict", "cost", "budget",
    "model_config", "hardware_list", "hardware_show", "cluster", "cluster_curve", "cluster_chart", "laws_list", "law_show",
    "datasets_list", "dataset_show", "sources", "scenarios_list", "scenario_show", "scenario_yaml",
    "scenario_from_text", "scenario_describe", "forecast", "forecast_spec", "registry_sweeps", "registry_sweep",
    "run_job",
]


def clean(value: Any) -> Any:
    """JSON-safe copy, as the CLI prints it: numpy scalars and arrays to Python, NaN and inf to null."""
    from .._results import plain

    return plain(value)


_DATA_FILES = (
    ("scalinglab.laws", "published.yaml"),
    ("scalinglab.compute", "accelerators.yaml"),
    ("scalinglab.datasets", "registry.yaml"),
)


@cache
def data_version() -> str:
    """First 12 hex digits of a SHA-256 over the bundled data: laws, hardware, datasets and presets."""
    digest = hashlib.sha256()
    for package, name in _DATA_FILES:
        digest.update(resources.files(package).joinpath(name).read_bytes())
    for folder, sub in (("scalinglab.datasets", "data"), ("scalinglab.forecast", "presets")):
        for item in sorted(resources.files(folder).joinpath(sub).iterdir(), key=lambda p: p.name):
            if item.is_file():
                digest.update(item.name.encode() + item.read_bytes())
    return digest.hexdigest()[:12]


# -- laws -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NamedLaw:
    """A law given by value with the name it is shown under (what ``resolve_law`` reads from a fit)."""

    name: str
    law: Any
    fitted_range: dict | None = None


def law_of(spec):
    """A published law's entry, or a ``NamedLaw`` from a ``{"family", "params"[, "name"]}`` object.

    A saved fit's ``law`` object is the second form, so a fit made on the Fit page is a law everywhere;
    with its ``fitted_range`` a plan far beyond the fitted runs is warned about, as on the CLI.
    Names are looked up in the registry only: a name is never read as a file.
    """
    from ..errors import InputError
    from ..laws import DEFAULT_LAW, get_law, law_from_dict

    if spec is None:
        return get_law(DEFAULT_LAW)
    if isinstance(spec, dict):
        try:
            law = law_from_dict({"family": spec.get("family"), "params": spec.get("params") or {}})
        except (KeyError, TypeError, ValueError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else error
            raise InputError(f"law object: bad 'params' for family {spec.get('family')!r} ({message})") from None
        return NamedLaw(str(spec.get("name") or f"fit ({law.family})"), law, spec.get("fitted_range"))
    return get_law(str(spec))


def _quantity(value, what: str) -> float | None:
    from ..units import parse_quantity

    if value is None:
        return None
    return float(value) if isinstance(value, (int, float)) else parse_quantity(str(value), what=what)


def plan(*, compute=None, law=None, **options):
    """``scalinglab plan``: ``compute`` is one budget (scalars in the JSON, as ``sl.plan(5.76e23)``) or a
    list of them (lists in the JSON, as the CLI's ``--compute``)."""
    from .. import api

    return api.plan(compute if isinstance(compute, (int, float, str)) else list(compute or []), law=law_of(law),
                    **options)


_BAND_COLUMNS = ("n_opt", "d_opt", "tokens_per_param", "loss")


def plan_curves(*, laws: list, compute, variant: str = "optimal", unique_tokens=None, inference_tokens=None,
                bands: dict | None = None, points: int = 41) -> dict:
    """Plans of each law over 1e18-1e28 FLOP plus the chosen budget, and the chart of them.

    ``variant`` is ``optimal``, ``data-constrained`` (needs ``unique_tokens`` and a data-constrained
    law) or ``inference`` (needs ``inference_tokens``); a law that cannot plan the variant is left out
    and named in ``skipped``. ``bands`` maps a law's name to interval rows (from a bootstrapped fit)
    drawn as bands. Returns ``{"budget": [plan at the budget per law, with its warnings], "skipped": [...], "curves":
    [rows], "spec": Vega-Lite}``.
    """
    import numpy as np
    import pandas as pd

    from ..charts.plan import plan_curves_chart
    from ..charts.save import interactive_spec

    chosen = _quantity(compute, "compute")
    grid = sorted(set(np.logspace(18, 28, points).tolist()) | {chosen})
    options = {}
    if variant == "data-constrained":
        options["unique_tokens"] = unique_tokens
    elif variant == "inference":
        options["inference_tokens"] = inference_tokens
    from ..errors import InputError, ScalingLabError

    at_budget, rows, skipped = [], [], []
    keys = ("compute", "n_opt", "d_opt", "tokens_per_param", "loss")
    for law in laws:
        try:
            data = plan(compute=grid, law=law, **options).to_dict()
        except ScalingLabError as error:  # e.g. a law without repeated data in the data-constrained variant
            if len(laws) == 1:
                raise
            skipped.append({"law": law.get("name") if isinstance(law, dict) else str(law), "error": str(error)})
            continue
        count = len(data["compute"])
        columns = {k: data[k] if isinstance(data[k], list) else [data[k]] * count for k in keys}
        for i in range(count):
            row = {"law": data["law"], **{k: columns[k][i] for k in keys}}
            rows.append(row)
            if i == grid.index(chosen):
                at_budget.append({**row, "method": data.get("method", ""),
                                  "warnings": plan(compute=chosen, law=law, **options).to_dict().get("warnings", [])})
    if not rows:
        raise InputError(skipped[0]["error"])
    frame = pd.DataFrame(rows)
    for name, band in (bands or {}).items():
        band_frame = pd.DataFrame(band, columns=["compute"] + [f"{c}_{e}" for c in _BAND_COLUMNS for e in ("lo", "hi")])
        band_frame["law"] = name
        frame = pd.concat([frame, band_frame], ignore_index=True)
    spec = interactive_spec(plan_curves_chart(frame, budget=chosen))
    return {"compute": chosen, "variant": variant, "budget": at_budget, "skipped": skipped, "curves": clean(rows),
            "spec": spec}


def predict(*, law=None, **options):
    from .. import api

    return api.predict(law_of(law), **options)


# -- cost -------------------------------------------------------------------------------------------
def model_config(model):
    """A known shape by name (``gpt3-175b``), or a ``config.json``'s contents given as an object; never a
    file: the CLI's ``--config path/config.json`` is the way to read one from disk."""
    from ..compute.flops import KNOWN_CONFIGS
    from ..compute.shapes import config_from_hf
    from ..errors import InputError, UnknownNameError

    if model is None:
        return None
    if isinstance(model, dict):
        try:
            return config_from_hf(model, "model (a config.json's contents)")
        except (TypeError, ValueError) as error:
            raise InputError(f"model (a config.json's contents): {error}") from None
    if str(model).lower() not in KNOWN_CONFIGS:
        raise UnknownNameError("model config", str(model), list(KNOWN_CONFIGS))
    return KNOWN_CONFIGS[str(model).lower()]


def cost(*, config=None, **options):
    """``scalinglab cost``: options are its declared parameters (``gpu``, ``gpus``, ``compute``, ``mfu``, ...);
    ``config`` is a known shape's name or a ``config.json``'s contents (see ``model_config``)."""
    from .. import api

    return api.cost(config=model_config(config), **options)


def budget(*, law=None, **options):
    """``scalinglab budget``: the law is looked up in the registry before the library sees it."""
    from .. import api

    return api.budget(law=law_of(law), **options)


def hardware_list() -> list[dict]:
    from ..compute.hardware import list_accelerators

    return [acc.to_dict() for acc in list_accelerators()]


def hardware_show(name: str) -> dict:
    from ..compute.hardware import get_accelerator

    return get_accelerator(name).to_dict()


def cluster() -> dict:
    """What ``scalinglab hardware cluster --json`` prints: the calibration of b and the default model."""
    from ..compute.cluster import calibrate_b, default_cluster_model

    return {"calibration": calibrate_b().to_dict(), "model": default_cluster_model().to_dict()}


def cluster_curve(gpus: list[float]) -> list[dict]:
    """U(G) of the default cluster-size model at each cluster size."""
    from ..compute.cluster import default_cluster_model

    model = default_cluster_model()
    return [{"gpus": float(g), "utilisation": float(model.utilisation(g))} for g in gpus]


def cluster_chart(gpus: list[float]) -> dict:
    """The Cost page's cluster curve: U(G) at ``gpus``, the calibration points, and the chart."""
    import pandas as pd

    from ..charts.runs import cluster_chart as chart
    from ..charts.save import interactive_spec

    from ..compute.cluster import default_cluster_model

    curve = cluster_curve(gpus)
    calibration = cluster()
    points = pd.DataFrame([{"gpus": p["gpus"], "utilisation": p["mfu"], "label": f"{p['run']} ({p['reported']})"}
                           for p in calibration["calibration"]["points"]])
    models = {run: default_cluster_model(anchor=run) for run in calibration["calibration"]["families"]}
    families = pd.DataFrame([{"gpus": float(g), "utilisation": float(model.utilisation(g)), "family": run}
                             for run, model in models.items() for g in gpus])
    return {"curve": curve, **calibration, "spec": interactive_spec(chart(families, points))}


# -- laws, datasets, sources ------------------------------------------------------------------------
def laws_list() -> list[dict]:
    """The published laws, then the formula laws of the catalogue (``scalinglab laws list --json``)."""
    from .. import api

    return [result.to_dict() for result in api.laws.list()]


def law_show(name: str) -> dict:
    from .. import api

    return api.laws.get(name).to_dict()


def datasets_list() -> list[dict]:
    from ..datasets import list_datasets

    return [info.to_dict() for info in list_datasets()]


def dataset_show(name: str) -> dict:
    from ..datasets import get_dataset, read_bundled

    info = get_dataset(name)
    return {**info.to_dict(), "column_names": list(read_bundled(info.name).columns)}


@cache
def sources() -> list[dict]:
    """Every law, dataset, accelerator figure and cost default with its source and a BibTeX entry."""
    from ..compute.cost import cost_defaults
    from ..compute.hardware import list_accelerators
    from ..datasets import list_datasets
    from ..laws import list_laws

    out = []

    def add(kind: str, name: str, what: str, source) -> None:
        out.append({"kind": kind, "name": name, "what": what, "source": source.to_dict(),
                    "bibtex": source.bibtex()})

    for entry in list_laws():
        add("law", entry.name, entry.law.formula(), entry.source)
    for info in list_datasets():
        add("dataset", info.name, info.description, info.source)
    for name, default in cost_defaults().items():
        add("constant", name, f"{default.value:g}" + (f" ({default.note})" if default.note else ""), default.source)
    for acc in list_accelerators():
        for field_name, source in acc.sources.items():
            add("hardware", f"{acc.name}.{field_name}", acc.display_name, source)
    return out


# -- forecast ---------------------------------------------------------------------------------------
def scenarios_list() -> list[dict]:
    """What ``scalinglab scenarios list --json`` prints."""
    from ..forecast import list_scenarios

    return [{"name": s.name, "title": s.title, "essay": s.essay, "start_year": s.start_year, "until": s.until,
             "factors": s.given()} for s in list_scenarios()]


def scenario_show(name: str) -> dict:
    from ..forecast.scenarios import describe_scenario, get_scenario

    return describe_scenario(get_scenario(name))


def scenario_yaml(name: str) -> str:
    """The preset's YAML file as written (what ``scalinglab forecast --scenario FILE`` reads)."""
    from ..forecast.scenarios import get_scenario, preset_path

    get_scenario(name)  # a clean error for an unknown name
    return preset_path(name).read_text()


def scenario_from_text(text: str, origin: str = "scenario.yaml"):
    from ..forecast.validate import parse_scenario_text

    return parse_scenario_text(text, origin, default_name="scenario")


def scenario_describe(text: str) -> dict:
    from ..forecast.scenarios import describe_scenario

    return describe_scenario(scenario_from_text(text))


def forecast(*, scenario: str | None = None, yaml_text: str | None = None, **options):
    """``scalinglab forecast`` of a preset (by name only) or of a scenario's YAML text; ``options`` are its
    declared parameters (``samples``, ``seed``, ``until``, ``law``, ``milestones``)."""
    from .. import api
    from ..errors import InputError
    from ..forecast.scenarios import get_scenario

    if (scenario is None) == (yaml_text is None):
        raise InputError("give either scenario (a preset name) or yaml (a scenario file's text)")
    chosen = get_scenario(scenario) if scenario is not None else scenario_from_text(yaml_text)
    return api.forecast(chosen, **options)


def forecast_spec(result) -> dict:
    from ..charts.forecast import forecast_chart
    from ..charts.save import interactive_spec

    return interactive_spec(forecast_chart(getattr(result, "raw", result)))


# -- runs registry (read-only) ----------------------------------------------------------------------
def registry_sweeps(path) -> dict:
    from ..store import RunsRegistry

    with RunsRegistry(path, read_only=True) as registry:
        return {"registry": registry.path.name,
                "sweeps": [registry.status(name) | {"table": None} for name in registry.sweep_names()]}


def registry_sweep(path, name: str) -> dict:
    """A sweep's status, its validation-loss curves, its recorded fits, and the loss-curve chart."""
    import pandas as pd

    from ..charts.runs import loss_curves_chart
    from ..charts.save import interactive_spec
    from ..store import RunsRegistry

    with RunsRegistry(path, read_only=True) as registry:
        status = registry.status(name)
        budgets = {r["key"]: r["budget"] for r in registry.runs(name)}
        curves = [{"key": p["key"], "budget": f"{budgets.get(p['key'], 0):.3g}", "step": p["step"],
                   "tokens": p["tokens"], "loss": p["val_loss"]}
                  for p in registry.losses(name) if p["val_loss"] is not None]
        fits = registry.fits(name)
    frame = pd.DataFrame(curves, columns=["key", "budget", "step", "tokens", "loss"])
    spec = interactive_spec(loss_curves_chart(frame))
    return {"status": status, "curves": curves,
            "fits": [{"kind": f["kind"], "created_at": f["created_at"], "result": f["result"]} for f in fits],
            "spec": spec}


# -- fit and suggest (run inside a worker process by ``jobs``) ---------------------------------------
def run_job(kind: str, runs, options: dict, progress=None):
    """``sl.fit``, ``sl.isoflop`` or ``sl.suggest`` on ``runs`` (a loaded ``Runs``); ``progress(done, total,
    label)`` for a fit. The suggest options name candidates by a grid's text only, never a file."""
    from .. import api

    if kind == "isoflop":
        return api.isoflop(runs, **options)
    if kind == "suggest":
        return api.suggest(runs, **options)
    return api.fit(runs, progress=progress or False, **options)

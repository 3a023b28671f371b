"""The parameters of ``cost`` and ``budget``, each declared once: meaning, unit, domain, default and source.

Numeric inputs are ``uncertain``: a number, human text (``"40%"``, ``"$2M"``, ``"3 weeks"``) or a range
(``"0.3 to 0.5"``) that :func:`scalinglab.compute.cost.parse_inputs` reads in its kind of unit and checks
against the domain declared here. Defaults left ``None`` are the catalogue's sourced values
(``accelerators.yaml``), printed with the result.
"""

from __future__ import annotations

from .._defaults import DEFAULT_LAW
from ..options import Option, Options

__all__ = ["COST", "BUDGET", "HARDWARE", "MONEY", "SAMPLING", "MAX_SAMPLES"]

#: Most Monte Carlo draws of a cost or budget estimate: a few dozen arrays of this length stay well under 1 GB.
MAX_SAMPLES = 1_000_000


def _uncertain(name: str, help: str, **domain) -> Option:
    return Option(name, help, kind="uncertain", **domain)


#: Hardware FLOP utilisation (cost and budget): converted to MFU for the recomputation it counts.
HFU = _uncertain("hfu", "Hardware FLOP utilisation (counting recomputation), converted to MFU with {recompute}.",
                 low=0, low_open=True, high=1, excludes=("mfu", "cluster_model"))

HARDWARE = Options((
    Option("gpu", "Accelerator of the catalogue (see `scalinglab hardware list`), e.g. h100-sxm."),
    _uncertain("gpus", "Number of accelerators G.", low=1),
    Option("precision", "fp32, tf32, bf16, fp16, fp8 or fp4 (default: bf16 where the chip has it)."),
    _uncertain("peak_flops", "Peak FLOP/s per accelerator, overriding the catalogue (or instead of the GPU).",
               unit="FLOP/s", low=0, low_open=True),
    _uncertain("mfu", "Model FLOP utilisation while running, in (0, 1], e.g. 0.4 or 40% (default 0.40, "
                      "Llama 3.1's 38-43%).", low=0, low_open=True, high=1, excludes=("cluster_model",)),
    Option("cluster_model", "Utilisation from U(G) = U1 G^(-b), fitted per run family: Llama 3.1 on H100s, "
                            "MT-NLG on A100s (see `scalinglab hardware cluster`).", default=False, kind="bool"),
    _uncertain("cluster_b", "Override the calibrated exponent b of the cluster-size model.", low=0, high=0.999999,
               requires=("cluster_model",)),
    _uncertain("goodput", "Share of wall-clock time doing useful steps, in (0, 1] (default 0.79: sourced range "
                          "0.65-0.97, printed with the result).", low=0, low_open=True, high=1),
))

MONEY = Options((
    _uncertain("price_per_gpu_hour", "Cloud price per accelerator-hour (default: catalogue).", unit="USD", low=0),
    _uncertain("cloud_discount", "Fraction taken off the cloud price per accelerator-hour (a committed-use or "
                                 "negotiated rate), e.g. 0.3 or 30% (default 0: list price).", low=0, high=1,
               high_open=True),
    _uncertain("gpu_price", "Hardware price per accelerator (default: catalogue release price).", unit="USD", low=0),
    _uncertain("overhead", "Server, network and facility cost as a fraction of the GPU price (default 1.0).", low=0),
    _uncertain("depreciation", "Depreciation per year, e.g. 0.25 or 25% (default 25%).", low=0),
    _uncertain("electricity", "Electricity price in $/kWh (default 0.168).", low=0),
    _uncertain("pue", "Power usage effectiveness (default 1.1).", low=1),
    _uncertain("watts", "Power per accelerator in W (default: TDP).", low=0, low_open=True),
))

SAMPLING = Options((
    Option("samples", "Monte Carlo draws when an input is a range (at least 100 then).", default=10_000, kind="int",
           low=1, high=MAX_SAMPLES),
    Option("seed", "Seed of the Monte Carlo draws.", default=0, kind="int", low=0, high=2**32 - 1),
))

COST = Options((
    _uncertain("compute", "Training compute, e.g. 3.14e23; or give {params} and {tokens} (C = 6ND), or "
                          "{config} and {tokens}.", unit="FLOP", low=0, low_open=True, excludes=("config",)),
    _uncertain("params", "Parameters N, e.g. 65.2B (C = 6ND).", low=0, low_open=True, excludes=("config",)),
    _uncertain("tokens", "Training tokens D, e.g. 1.4T.", low=0, low_open=True),
    Option("config", "A model shape (e.g. gpt3-175b, llama3-70b, or a config.json) instead of {params}; "
                     "needs {tokens}."),
    Option("flops_method", "FLOP count for {config}: 6nd, kaplan or chinchilla.", default="6nd", kind="choice",
           choices=("6nd", "kaplan", "chinchilla"), requires=("config",)),
    _uncertain("gpu_hours", "Measured GPU-hours instead of a utilisation.", low=0, low_open=True),
    *HARDWARE.items,
    HFU,
    Option("recompute", "Recomputation the {hfu} figure counts: full (MFU = HFU x 6/8, default), selective (needs "
                        "{config}) or none.", kind="choice", choices=("full", "selective", "none"), requires=("hfu",)),
    Option("cluster_family", "With {cluster_model}: the calibration run whose curve to use, e.g. "
                             "'MT-NLG 530B' (default: the run on the GPU).", requires=("cluster_model",)),
    _uncertain("tokens_per_second_per_gpu", "Measured throughput per accelerator.", low=0, low_open=True),
    _uncertain("flops_per_second_per_gpu", "Measured achieved FLOP/s per accelerator.", low=0, low_open=True),
    *MONEY.items,
    _uncertain("carbon", "Grid intensity in kg CO2e per kWh (default 0.385).", low=0),
    *SAMPLING.items,
))

BUDGET = Options((
    _uncertain("dollars", "Budget, e.g. 100M or $1B.", unit="USD", low=0, low_open=True),
    _uncertain("gpus", "Number of accelerators G.", low=1),
    _uncertain("days", "Wall-clock days (with {gpus}, or with {dollars} to size the cluster).", low=0, low_open=True),
    Option("basis", "Spend dollars on cloud rental (cloud) or on owned hardware (owned: depreciation + "
                    "electricity).", default="cloud", kind="choice", choices=("cloud", "owned")),
    Option("law", "The law that turns FLOP into N, D and loss: a published law's name, a fit.json or a law "
                  "object.", default=DEFAULT_LAW),
    *HARDWARE.without("gpus").items,
    HFU,
    Option("recompute", "Recomputation the {hfu} figure counts: full (MFU = HFU x 6/8, default) or none.",
           kind="choice", choices=("full", "none"), requires=("hfu",)),
    *MONEY.items,
    Option("flops_per_param_token", "k in C = k N D, FLOP per parameter and token (2 is a forward pass, 6 "
                                    "training; no transformer's lies outside [0.1, 100]).", default=6.0, kind="float",
           low=0.1, high=100),
    *SAMPLING.items,
))

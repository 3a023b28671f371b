"""``scalinglab cost`` and ``scalinglab budget``: training time, dollars, energy and CO2; budgets -> plans."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .._defaults import DEFAULT_LAW
from ._common import JsonOption, api, emit, law_option_help, old_option, renamed

_RANGE = ' Accepts a range, e.g. "0.3 to 0.5" (lognormal 90% interval) or "uniform 0.3 to 0.5".'


def _opt(flag: str, text: str):
    return typer.Option(flag, help=text + _RANGE)


Compute = Annotated[Optional[str], _opt("--compute", "Training compute in FLOP, e.g. 3.14e23.")]
OldFlops = Annotated[Optional[str], old_option("--flops", "--compute")]
Params = Annotated[Optional[str], _opt("--params", "Parameters N, e.g. 65.2B (C = 6ND).")]
Tokens = Annotated[Optional[str], _opt("--tokens", "Training tokens D, e.g. 1.4T.")]
Gpu = Annotated[Optional[str], typer.Option("--gpu", help="Accelerator (see `scalinglab hardware list`), e.g. h100-sxm.")]
Gpus = Annotated[Optional[str], _opt("--gpus", "Number of accelerators G.")]
Precision = Annotated[Optional[str], typer.Option("--precision", help="fp32, tf32, bf16, fp16, fp8 or fp4 (default: bf16 where the chip has it).")]
PeakFlops = Annotated[Optional[str], _opt("--peak-flops", "Peak FLOP/s per accelerator, overriding the catalogue (or instead of --gpu).")]
Mfu = Annotated[Optional[str], _opt("--mfu", "Model FLOP utilisation in (0, 1], e.g. 0.4 or 40%.")]
ClusterModel = Annotated[bool, typer.Option("--cluster-model", help="Utilisation from U(G) = U1 G^(-b), fitted per run family: Llama 3.1 on H100s, MT-NLG on A100s (see `scalinglab hardware cluster`).")]
ClusterB = Annotated[Optional[str], _opt("--cluster-b", "Override the calibrated exponent b of the cluster-size model.")]
Goodput = Annotated[Optional[str], _opt("--goodput", "Share of wall-clock time doing useful steps, in (0, 1] (default 0.79: sourced range 0.65-0.97, printed with the result).")]
GpuPrice = Annotated[Optional[str], _opt("--gpu-price", "Hardware price per accelerator in USD (default: catalogue release price).")]
Overhead = Annotated[Optional[str], _opt("--overhead", "Server, network and facility cost as a fraction of the GPU price (default 1.0).")]
Depreciation = Annotated[Optional[str], _opt("--depreciation", "Depreciation per year, e.g. 0.25 or 25% (default 25%).")]
Electricity = Annotated[Optional[str], _opt("--electricity", "Electricity price in $/kWh (default 0.168).")]
Pue = Annotated[Optional[str], _opt("--pue", "Power usage effectiveness (default 1.1).")]
Watts = Annotated[Optional[str], _opt("--watts", "Power per accelerator in W (default: TDP).")]
Carbon = Annotated[Optional[str], _opt("--carbon", "Grid intensity in kg CO2e per kWh (default 0.385).")]
PricePerHour = Annotated[Optional[str], _opt("--price-per-gpu-hour", "Cloud price per accelerator-hour in USD (default: catalogue).")]
Samples = Annotated[int, typer.Option("--samples", help="Monte Carlo draws when an input is a range.")]
Seed = Annotated[int, typer.Option("--seed", min=0, help="Seed of the Monte Carlo draws.")]


def register(app: typer.Typer) -> None:
    @app.command("cost")
    def cost_command(
        compute: Compute = None, params: Params = None, tokens: Tokens = None,
        config: Annotated[Optional[str], typer.Option("--config", help="A model shape (e.g. gpt3-175b, llama3-70b, or a config.json) instead of --params; needs --tokens.")] = None,
        flops_method: Annotated[str, typer.Option("--flops-method", help="FLOP count for --config: 6nd, kaplan or chinchilla.")] = "6nd",
        flops: OldFlops = None,
        model: Annotated[Optional[str], old_option("--model", "--config")] = None,
        gpu_hours: Annotated[Optional[str], _opt("--gpu-hours", "Measured GPU-hours instead of a utilisation.")] = None,
        gpu: Gpu = None, gpus: Gpus = None, precision: Precision = None, peak_flops: PeakFlops = None,
        mfu: Mfu = None,
        hfu: Annotated[Optional[str], _opt("--hfu", "Hardware FLOP utilisation (counting recomputation), converted to MFU with --recompute.")] = None,
        recompute: Annotated[Optional[str], typer.Option("--recompute", help="Recomputation the --hfu figure counts: full (MFU = HFU x 6/8, default), selective (needs --config) or none.")] = None,
        cluster_family: Annotated[Optional[str], typer.Option("--cluster-family", help="With --cluster-model: the calibration run whose curve to use, e.g. 'MT-NLG 530B' (default: the run on --gpu).")] = None,
        tokens_per_second_per_gpu: Annotated[Optional[str], _opt("--tokens-per-second-per-gpu", "Measured throughput per accelerator.")] = None,
        flops_per_second_per_gpu: Annotated[Optional[str], _opt("--flops-per-second-per-gpu", "Measured achieved FLOP/s per accelerator.")] = None,
        cluster_model: ClusterModel = False, cluster_b: ClusterB = None, goodput: Goodput = None,
        gpu_price: GpuPrice = None, overhead: Overhead = None, depreciation: Depreciation = None,
        electricity: Electricity = None, pue: Pue = None, watts: Watts = None, carbon: Carbon = None,
        price_per_gpu_hour: PricePerHour = None, samples: Samples = 10_000, seed: Seed = 0,
        as_json: JsonOption = False,
    ) -> None:
        """Days, GPU-hours, cloud and owned cost, energy and CO2 of a training run."""
        emit(api.cost(
            renamed(compute, flops, "--flops", "--compute"), gpu=gpu, gpus=gpus, params=params, tokens=tokens,
            config=renamed(config, model, "--model", "--config"),
            flops_method=flops_method, gpu_hours=gpu_hours, precision=precision, peak_flops=peak_flops, mfu=mfu,
            tokens_per_second_per_gpu=tokens_per_second_per_gpu, flops_per_second_per_gpu=flops_per_second_per_gpu,
            cluster_model=cluster_model, cluster_b=cluster_b, goodput=goodput, gpu_price=gpu_price, overhead=overhead,
            depreciation=depreciation, electricity=electricity, pue=pue, watts=watts, carbon=carbon,
            price_per_gpu_hour=price_per_gpu_hour, hfu=hfu, recompute=recompute, cluster_family=cluster_family,
            samples=samples, seed=seed), as_json)

    @app.command("budget")
    def budget_command(
        dollars: Annotated[Optional[str], _opt("--dollars", "Budget in USD, e.g. 100M or $1B.")] = None,
        gpus: Gpus = None,
        days: Annotated[Optional[str], _opt("--days", "Wall-clock days (with --gpus, or with --dollars to size the cluster).")] = None,
        basis: Annotated[str, typer.Option("--basis", help="Spend dollars on cloud rental (cloud) or on owned hardware (owned: depreciation + electricity).")] = "cloud",
        gpu: Gpu = None,
        law: Annotated[str, typer.Option("--law", help=law_option_help)] = DEFAULT_LAW,
        precision: Precision = None, peak_flops: PeakFlops = None,
        mfu: Annotated[Optional[str], _opt("--mfu", "Model FLOP utilisation in (0, 1] (default 0.40, Llama 3.1's 38-43%).")] = None,
        cluster_model: ClusterModel = False, cluster_b: ClusterB = None, goodput: Goodput = None,
        price_per_gpu_hour: PricePerHour = None, gpu_price: GpuPrice = None, overhead: Overhead = None,
        depreciation: Depreciation = None, electricity: Electricity = None, pue: Pue = None, watts: Watts = None,
        samples: Samples = 10_000, seed: Seed = 0, as_json: JsonOption = False,
    ) -> None:
        """What a budget buys: FLOP, then the compute-optimal N, D and loss under a law."""
        emit(api.budget(
            gpu=gpu, dollars=dollars, gpus=gpus, days=days, basis=basis, law=law, precision=precision,
            peak_flops=peak_flops, mfu=mfu, cluster_model=cluster_model, cluster_b=cluster_b, goodput=goodput,
            price_per_gpu_hour=price_per_gpu_hour, gpu_price=gpu_price, overhead=overhead, depreciation=depreciation,
            electricity=electricity, pue=pue, watts=watts, samples=samples, seed=seed), as_json)

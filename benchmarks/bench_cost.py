"""Cost model speed: point estimates, Monte Carlo over ranges, budgets joined to plans, memory layouts,
the inference roofline."""

from __future__ import annotations

from run import Benchmark

from scalinglab.compute import KNOWN_CONFIGS, estimate_cost, plan_budget
from scalinglab.compute.inference import inference_roofline
from scalinglab.compute.memory import search_layouts


def point_estimate():
    est = estimate_cost(accelerator="a100-80gb", gpus=2048, n_params=65.2e9, n_tokens=1.4e12,
                        tokens_per_second_per_gpu=380, watts=400, pue=1.1, carbon=0.385)
    return f"LLaMA-65B {est.days:.1f} days"


def monte_carlo_100k():
    est = estimate_cost(accelerator="h100", gpus="8192 to 16384", flops=3.8e25, mfu="0.35 to 0.45",
                        goodput="uniform 0.85 to 0.95", electricity="0.05 to 0.2", samples=100_000, seed=0)
    return f"p95 days {est.percentiles['days']['p95']:.1f}"


def budget_with_ranges_numeric_law():
    plan = plan_budget(accelerator="h100", dollars="50M to 200M", mfu="0.3 to 0.45", law="kaplan2020",
                       samples=100_000, seed=0)
    return f"p50 N {plan.percentiles['n_opt']['p50']:.3g}"


def layout_search_405b():
    search = search_layouts(KNOWN_CONFIGS["llama3.1-405b"], gpus=16384, accelerator="h100-sxm", seq=8192,
                            global_batch=2048)
    return f"{search.fits} of {search.candidates} fit; best {search.ranked[0].layout.label()}"


def layout_search_moe():
    search = search_layouts(KNOWN_CONFIGS["deepseek-v3"], gpus=2048, accelerator="h800", seq=4096, global_batch=15360)
    return f"{search.fits} of {search.candidates} fit"


def roofline_70b():
    est = inference_roofline(KNOWN_CONFIGS["llama3-70b"], accelerator="h100-sxm", input_tokens=128, output_tokens=2048,
                             weight_bytes=1, kv_bytes=1)
    return f"{est.output_tokens_per_second:,.0f} tokens/s"


BENCHMARKS = [
    Benchmark("cost: point estimate (LLaMA-65B)", point_estimate, repeats=20, target="< 10 ms", target_seconds=0.01),
    Benchmark("cost: Monte Carlo, 100k draws, 4 ranges", monte_carlo_100k, repeats=5, target="< 0.5 s",
              target_seconds=0.5),
    Benchmark("budget: 100k draws, Kaplan law (numeric plan)", budget_with_ranges_numeric_law, repeats=5,
              target="< 0.5 s", target_seconds=0.5),
    Benchmark("memory: --search Llama 3.1 405B on 16,384 H100s", layout_search_405b, repeats=3, target="< 2 s",
              target_seconds=2.0),
    Benchmark("memory: --search DeepSeek-V3 on 2,048 H800s (with EP)", layout_search_moe, repeats=3, target="< 5 s",
              target_seconds=5.0),
    Benchmark("inference: roofline, Llama 3 70B on one H100", roofline_70b, repeats=20, target="< 10 ms",
              target_seconds=0.01),
]

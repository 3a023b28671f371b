"""Sweep speed on CPU: the tiny preset end to end, training throughput of tiny GPTs, the corpus cache,
and registry writes."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from run import Benchmark

from scalinglab.sweep.api import prepare_plan
from scalinglab.sweep.corpus import prepare_corpus

_TMP = Path(tempfile.mkdtemp(prefix="scalinglab-bench-sweep-"))


def tiny_sweep():
    from scalinglab.sweep.runner import run_sweep

    out = Path(tempfile.mkdtemp(dir=_TMP))
    planned = prepare_plan(preset="tiny", cache_dir=_TMP / "cache", estimate=False)
    result = run_sweep(planned.plan, planned.corpus, name="tiny", registry=out / "runs.sqlite", out_dir=out,
                       fit=True, progress=False)
    used = [p for p in result.fit["points"] if p["used"]]
    ratios = ", ".join(f"{p['d_opt'] / p['n_opt']:.0f}" for p in used)
    return f"{len(result.rows)} runs, {len(used)} IsoFLOP optima, D/N at optimum {ratios}"


def cold_corpus():
    cache = Path(tempfile.mkdtemp(dir=_TMP))
    corpus = prepare_corpus("demo", cache_dir=cache)
    return f"{corpus.n_train_tokens / 1e6:.1f}M tokens"


def warm_corpus():
    corpus = prepare_corpus("demo", cache_dir=_TMP / "warm")
    return "cache hit" if corpus.from_cache else "built"


def _throughput(n_layers, d_model, batch):
    import torch

    from scalinglab.sweep.planner import _config
    from scalinglab.sweep.model import GPT

    torch.set_num_threads(1)
    config = _config(n_layers, d_model, 257, 64, "rotary")
    model = GPT(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randint(0, 257, (batch, 64))
    steps = 20
    for i in range(steps + 2):
        if i == 2:
            start = time.perf_counter()
        _, loss = model(x, x)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    seconds = time.perf_counter() - start
    counts = model.num_params()
    tps = steps * batch * 64 / seconds
    return f"{counts['total'] / 1e3:.1f}k params: {tps:,.0f} tokens/s, {6 * counts['total'] * tps / 1e9:.1f} GFLOP/s (6N)"


def registry_writes():
    from scalinglab.store import RunsRegistry
    from scalinglab.sweep.planner import plan_sweep

    plan = plan_sweep([1e10, 2e10, 4e10, 8e10], sizes=5, steps=100, vocab_size=257, n_ctx=64).to_dict()
    path = Path(tempfile.mkdtemp(dir=_TMP)) / "runs.sqlite"
    with RunsRegistry(path) as db:
        db.open_sweep("bench", plan, {"corpus_hash": "x" * 64})
        for run in plan["runs"]:
            history = [{"step": s, "tokens": s, "flops": float(s), "lr": 1e-3, "train_loss": 2.0, "val_loss": 2.0,
                        "elapsed_s": 0.1} for s in range(1, run["steps"] + 1)]
            db.start_run("bench", run["key"], executor="local")
            db.finish_run("bench", run["key"], {
                "tokens": run["n_tokens"], "flops": run["flops"], "final_loss": 2.0, "final_train_loss": 2.0,
                "wall_seconds": 1.0, "train_seconds": 1.0, "tokens_per_second": 1.0, "flops_per_second": 1.0,
                "mfu": None, "device": "cpu", "device_name": "bench", "torch_version": "-", "history": history})
        problems = db.check("bench")
    return f"{len(plan['runs'])} runs x ~100 points, {len(problems)} problems, {os.path.getsize(path) // 1024} KiB"


BENCHMARKS = [
    Benchmark("sweep: tiny preset end to end (9 runs, 1 thread, --fit)", tiny_sweep, repeats=1, target="< 300 s",
              target_seconds=300.0),
    Benchmark("sweep: demo corpus, cold cache (read, split, tokenize, pack)", cold_corpus, repeats=2, target="< 5 s",
              target_seconds=5.0),
    Benchmark("sweep: demo corpus, warm cache (read, hash, open)", warm_corpus, repeats=3, target="< 2 s",
              target_seconds=2.0),
    Benchmark("sweep: train 20 steps, 1x16 GPT, 32x64 tokens", lambda: _throughput(1, 16, 32), repeats=3),
    Benchmark("sweep: train 20 steps, 2x64 GPT, 32x64 tokens", lambda: _throughput(2, 64, 32), repeats=3),
    Benchmark("registry: every run of a 4-budget plan recorded with loss curves + check", registry_writes, repeats=3, target="< 2 s",
              target_seconds=2.0),
]

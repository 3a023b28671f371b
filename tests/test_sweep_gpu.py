"""GPU paths: bf16 autocast and torch.compile, MFU, fractional GPUs under Ray, the throughput benchmark.
Skipped without a CUDA device."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

ROOT = Path(__file__).resolve().parents[1]


def test_cuda_run_uses_bf16_and_compile_and_reports_mfu(tmp_path):
    from scalinglab.sweep.corpus import prepare_corpus
    from scalinglab.sweep.planner import plan_sweep
    from scalinglab.sweep.train import train_run

    corpus = prepare_corpus("demo", cache_dir=tmp_path)
    spec = plan_sweep([1e13], sizes=1, steps=60, vocab_size=corpus.vocab_size, n_ctx=128).runs[0]
    result = train_run(spec, corpus, device="cuda", peak_flops=989e12)
    assert math.isfinite(result.final_loss) and result.final_loss < math.log(257)
    assert result.device.startswith("cuda") and 0 < result.mfu < 1


def test_fractional_gpus_share_one_device_under_ray(cli, tmp_path):
    pytest.importorskip("ray")
    result = cli("sweep", "run", "--budgets", "1e12,2e12", "--sizes", "2", "--steps", "40", "--device", "cuda",
                 "--executor", "ray", "--gpus-per-run", "0.5", "--out", str(tmp_path), "--cache-dir",
                 str(tmp_path / "cache"), "--json")
    assert result.code == 0, result.stderr
    assert all(r["device"].startswith("cuda") for r in result.json()["runs"])


def test_gpu_throughput_benchmark_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_throughput.py"), "--steps", "5",
                           "--warmup", "3", "--batch", "4", "--json"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert '"tokens_per_second"' in proc.stdout

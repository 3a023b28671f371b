"""Train one GPT for its planned token budget and score it on held-out text.

Read top to bottom like nanoGPT's ``train.py``: seed, build the model from the run's shape, AdamW with
warmup and cosine decay to the run's last step, random windows from the memory-mapped training
tokens, held-out loss on fixed validation windows at a few evenly spaced points (the last at the
end). On CPU the run is deterministic for a given seed and thread count (fp32, deterministic
algorithms, fixed threads); on CUDA it uses bf16 autocast and ``torch.compile`` and reports MFU,
model FLOPs per second over the accelerator's dense BF16 peak (Chowdhery et al. 2022, PaLM,
Appendix B), with FLOPs per token from the same function the planner used.
"""

from __future__ import annotations

import io
import math
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .._io import atomic_write_bytes, atomic_write_text
from ..errors import InputError
from ..options import spelled
from .config import RunSpec
from .corpus import TokenizedCorpus
from .model import GPT

__all__ = ["TrainResult", "train_run", "lr_at", "resolve_device", "peak_flops_for", "eval_steps", "run_job",
           "estimate_seconds"]


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> ``cuda`` when torch sees a CUDA device, else ``cpu``; ``cuda`` without one is an error."""
    device = str(device).strip().lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(f"{spelled('device', value=device)}: no CUDA device is available to torch "
                             f"{torch.__version__} on this machine; use {spelled('device', value='cpu')}")
        return device
    if device != "cpu":
        raise InputError(f"{spelled('device')} must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
    return device


def peak_flops_for(device: str) -> float | None:
    """Dense BF16 peak of the CUDA device from the accelerator catalogue, None when unknown or on CPU."""
    if not device.startswith("cuda"):
        return None
    from ..compute.hardware import get_accelerator

    name = torch.cuda.get_device_name(torch.device(device)).lower()
    for marker, slug in (("h200", "h200"), ("h100 pcie", "h100-pcie"), ("h100", "h100"), ("a100", "a100")):
        if marker in name:
            try:
                return get_accelerator(slug).peak("bf16")
            except Exception:  # catalogue without that entry: MFU is left out
                return None
    return None


def lr_at(step: int, *, peak: float, steps: int, warmup: int, min_ratio: float) -> float:
    """Learning rate of step ``step`` (0-based): linear warmup to ``peak`` over ``warmup`` steps, then
    cosine decay to ``min_ratio * peak`` at the last step ``steps - 1``."""
    if warmup > 0 and step < warmup:
        return peak * (step + 1) / warmup
    span = max(1, steps - 1 - warmup)
    progress = min(1.0, max(0.0, (step - warmup) / span))
    return peak * (min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress)))


def eval_steps(steps: int, points: int) -> list[int]:
    """Steps (1-based counts of completed steps) after which the held-out loss is measured."""
    return sorted({max(1, int(round(steps * k / points))) for k in range(1, points + 1)})


@dataclass
class TrainResult:
    """What one run measured. ``history`` rows: step, tokens, flops, lr, train_loss, val_loss, elapsed_s."""

    key: str
    final_loss: float
    final_train_loss: float
    steps: int
    tokens: int
    flops: float
    params_total: int
    params_non_embedding: int
    wall_seconds: float
    train_seconds: float
    tokens_per_second: float
    flops_per_second: float
    mfu: float | None
    device: str
    device_name: str
    torch_version: str
    history: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _batch(tokens: np.ndarray, offsets: np.ndarray, n_ctx: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    window = torch.from_numpy(np.asarray(tokens[offsets[:, None] + np.arange(n_ctx + 1)], dtype=np.int64))
    window = window.to(device, non_blocking=True)
    return window[:, :-1], window[:, 1:]  # inputs and next-token targets, each (B, T)


@torch.no_grad()
def _evaluate(model, val: np.ndarray, n_ctx: int, eval_tokens: int, batch_size: int, device: str, autocast) -> float:
    """Mean next-token cross-entropy (nats) over fixed, non-overlapping windows at the start of ``val``."""
    windows = min(max(1, eval_tokens // n_ctx), (len(val) - 1) // n_ctx)
    offsets = np.arange(windows) * n_ctx
    model.eval()
    total = 0.0
    for start in range(0, windows, batch_size):
        chunk = offsets[start:start + batch_size]
        x, y = _batch(val, chunk, n_ctx, device)
        with autocast():
            _, loss = model(x, y)
        total += float(loss) * len(chunk)
    model.train()
    return total / windows


def _autocast_for(device: str, dtype: str):
    use_bf16 = dtype == "bf16" or (dtype == "auto" and device.startswith("cuda"))
    if not use_bf16:
        import contextlib

        return contextlib.nullcontext
    kind = "cuda" if device.startswith("cuda") else "cpu"
    return lambda: torch.autocast(device_type=kind, dtype=torch.bfloat16)


def train_run(spec: RunSpec, corpus: TokenizedCorpus, *, device: str = "cpu", log_path: str | Path | None = None,
              save_path: str | Path | None = None, peak_flops: float | None = None, on_step=None) -> TrainResult:
    """Train ``spec`` on ``corpus`` and return its held-out loss curve, timings and throughput.

    ``on_step(step, steps)`` is called after every step (for progress bars).
    """
    device = resolve_device(device)
    s = spec.settings
    T, B = spec.model.n_ctx, spec.batch_size
    train_tokens, val_tokens = corpus.train(), corpus.val()
    if len(train_tokens) < T + 2:
        raise InputError(f"corpus {corpus.source!r}: training split has {len(train_tokens)} tokens, fewer than one "
                         f"context of {T + 1}")
    if len(val_tokens) < T + 1:
        raise InputError(f"corpus {corpus.source!r}: validation split has {len(val_tokens)} tokens, fewer than one "
                         f"context of {T + 1}; use a larger corpus or --val-fraction")
    if spec.model.vocab_size != corpus.vocab_size:
        raise InputError(f"run {spec.key}: vocabulary {spec.model.vocab_size} differs from corpus tokenizer's "
                         f"{corpus.vocab_size}")
    log_lines: list[str] = []

    def log(line: str, flush: bool = False) -> None:
        log_lines.append(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}")
        if log_path is not None and flush:
            atomic_write_text(log_path, "\n".join(log_lines) + "\n")

    on_cpu = device == "cpu"
    previous = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())
    if on_cpu:
        torch.set_num_threads(s.threads)
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    try:
        torch.manual_seed(spec.seed)
        rng = np.random.default_rng([spec.seed, 1])  # data order: a stream of its own, same for every size
        model = GPT(spec.model).to(device)
        counts = model.num_params()
        optimizer = torch.optim.AdamW(model.optimizer_groups(s.weight_decay), lr=spec.lr, betas=(s.beta1, s.beta2),
                                      **({"fused": True} if not on_cpu else {}))
        step_model = torch.compile(model) if (s.compile and not on_cpu) else model
        autocast = _autocast_for(device, s.dtype)
        evals = set(eval_steps(spec.steps, s.eval_points))
        log(f"run {spec.key}: {spec.model.n_layers} layers x {spec.model.d_model}, {counts['total']:,} parameters "
            f"({counts['non_embedding']:,} non-embedding), {spec.steps} steps of {B} x {T} tokens, peak lr {spec.lr:.3g}, "
            f"seed {spec.seed}, device {device}, torch {torch.__version__}", flush=True)
        history, pending, pending_n = [], torch.zeros((), device=device), 0
        last_train = float("nan")
        start = time.perf_counter()
        # throughput is timed after the first steps (compilation, allocator warm-up), evaluations excluded
        eval_seconds, warm_step, warm_mark = 0.0, min(10, spec.steps // 10), None
        for step in range(spec.steps):
            lr = lr_at(step, peak=spec.lr, steps=spec.steps, warmup=spec.warmup_steps, min_ratio=s.min_lr_ratio)
            for group in optimizer.param_groups:
                group["lr"] = lr
            x, y = _batch(train_tokens, rng.integers(0, len(train_tokens) - T - 1, size=B), T, device)
            with autocast():
                _, loss = step_model(x, y)
            loss.backward()
            if s.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), s.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            pending += loss.detach()
            pending_n += 1
            done = step + 1
            if done == warm_step:
                if not on_cpu:
                    torch.cuda.synchronize()
                warm_mark = (time.perf_counter(), eval_seconds)
            if done % s.log_every == 0 or done in evals:
                last_train = float(pending) / pending_n
                pending, pending_n = torch.zeros((), device=device), 0
                if not math.isfinite(last_train):
                    raise InputError(f"run {spec.key}: training loss became {last_train} at step {done}; "
                                     f"lower the learning rate (--lr)")
                row = {"step": done, "tokens": done * B * T, "flops": done * B * T * spec.flops_per_token, "lr": lr,
                       "train_loss": last_train, "val_loss": None, "elapsed_s": time.perf_counter() - start}
                if done in evals:
                    t0 = time.perf_counter()
                    row["val_loss"] = _evaluate(model, val_tokens, T, s.eval_tokens, max(B, 8), device, autocast)
                    eval_seconds += time.perf_counter() - t0
                    log(f"step {done}/{spec.steps} lr {lr:.3g} train {last_train:.4f} val {row['val_loss']:.4f}",
                        flush=True)
                history.append(row)
            if on_step is not None:
                on_step(done, spec.steps)
        if not on_cpu:
            torch.cuda.synchronize()
        wall = time.perf_counter() - start
        train_seconds = wall - eval_seconds
        if warm_mark is not None and spec.steps - warm_step >= 5:
            measured_tokens = (spec.steps - warm_step) * B * T
            measured_seconds = max(1e-9, (start + wall - warm_mark[0]) - (eval_seconds - warm_mark[1]))
        else:
            measured_tokens, measured_seconds = spec.steps * B * T, max(train_seconds, 1e-9)
        tps = measured_tokens / measured_seconds
        flops_per_second = tps * spec.flops_per_token
        peak = peak_flops if peak_flops is not None else peak_flops_for(device)
        mfu = flops_per_second / peak if peak else None
        if save_path is not None:
            buffer = io.BytesIO()
            torch.save({"model": model.state_dict(), "spec": spec.to_dict()}, buffer)
            atomic_write_bytes(save_path, buffer.getvalue())
        final = history[-1]["val_loss"]
        log(f"done: val loss {final:.4f}, {tps:,.0f} tokens/s"
            + (f", MFU {100 * mfu:.1f}%" if mfu is not None else "") + f", {wall:.1f} s", flush=True)
        return TrainResult(
            key=spec.key, final_loss=final, final_train_loss=last_train, steps=spec.steps, tokens=spec.n_tokens,
            flops=spec.flops, params_total=counts["total"], params_non_embedding=counts["non_embedding"],
            wall_seconds=wall, train_seconds=train_seconds, tokens_per_second=tps, flops_per_second=flops_per_second,
            mfu=mfu, device=device,
            device_name=torch.cuda.get_device_name(torch.device(device)) if not on_cpu else (platform.processor() or platform.machine()),
            torch_version=torch.__version__, history=history)
    finally:
        if on_cpu:
            torch.set_num_threads(previous[0])
            torch.use_deterministic_algorithms(previous[1])


def run_job(spec_dict: dict, corpus_dict: dict, device: str, log_path: str | None, save_path: str | None,
            peak_flops: float | None) -> dict:
    """Plain-data entry point (what a Ray task runs): dicts in, the result's dict out."""
    result = train_run(RunSpec.from_dict(spec_dict), TokenizedCorpus.from_dict(corpus_dict), device=device,
                       log_path=log_path, save_path=save_path, peak_flops=peak_flops)
    return result.to_dict()


def estimate_seconds(specs, device: str, *, steps: int = 2) -> list[float]:
    """Wall time of each run on ``device``, from timing ``steps`` training steps of each distinct shape
    and batch on random tokens (after one untimed step), plus its held-out evaluations."""
    device = resolve_device(device)
    per_step: dict = {}
    previous = torch.get_num_threads()
    try:
        for spec in specs:
            key = (spec.model, spec.batch_size, spec.settings.threads)
            if key in per_step:
                continue
            if device == "cpu":
                torch.set_num_threads(spec.settings.threads)
            torch.manual_seed(0)
            model = GPT(spec.model).to(device)
            optimizer = torch.optim.AdamW(model.parameters(), lr=spec.lr)
            autocast = _autocast_for(device, spec.settings.dtype)
            x = torch.randint(0, spec.model.vocab_size, (spec.batch_size, spec.model.n_ctx), device=device)
            times = []
            for i in range(steps + 1):
                t0 = time.perf_counter()
                with autocast():
                    _, loss = model(x, x)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                if device != "cpu":
                    torch.cuda.synchronize()
                if i:
                    times.append(time.perf_counter() - t0)
            per_step[key] = min(times)
    finally:
        torch.set_num_threads(previous)
    out = []
    for spec in specs:
        step = per_step[(spec.model, spec.batch_size, spec.settings.threads)]
        eval_steps_equiv = spec.settings.eval_points * spec.settings.eval_tokens / spec.tokens_per_step / 3.0
        out.append(step * (spec.steps + eval_steps_equiv))
    return out

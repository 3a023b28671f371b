"""Training throughput and MFU of GPT-2-shaped models in bf16 with torch.compile.

    python benchmarks/gpu_throughput.py [--model gpt2-124m] [--batch 16] [--steps 50] [--warmup 15]
                                        [--peak 989e12] [--json]

The model is the sweep's own GPT (scalinglab.sweep.model) in one of GPT-2's four shapes (Radford et al.
2019, Table 2: 12/24/36/48 layers, d_model 768/1024/1280/1600, head size 64, vocabulary 50257, context
1024, learned positions, tied embeddings: 124M, 355M, 774M and 1,558M parameters as counted here),
trained with fused AdamW under bf16 autocast after torch.compile, on random tokens (throughput does not
depend on the text). MFU is model FLOPs per second over the
accelerator's dense BF16 peak (989 TFLOP/s for an H100 SXM, NVIDIA datasheet), with model FLOPs per
token counted two ways:

* PaLM (Chowdhery et al. 2022, Appendix B), as nanoGPT's ``estimate_mfu`` does: 6 N + 12 L H Q T with
  N the parameters without the position table; the figure to compare with nanoGPT-style code
  (about 0.51M tokens/s and 44% MFU on one H100 in this project's reference measurement);
* the sweep's own count (6 x all parameters), which the trainer reports as its MFU.

Without a CUDA device the script says so and exits with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


#: GPT-2's four shapes (Radford et al. 2019, Table 2), head size 64 as in the released models.
GPT2_SHAPES = {"gpt2-124m": (12, 768), "gpt2-355m": (24, 1024), "gpt2-774m": (36, 1280), "gpt2-1558m": (48, 1600)}


def gpt2_config(name: str):
    """The TransformerConfig of one of GPT-2's shapes (vocabulary 50257, context 1024)."""
    from scalinglab.compute import TransformerConfig

    n_layers, d_model = GPT2_SHAPES[name]
    return TransformerConfig(n_layers=n_layers, d_model=d_model, n_heads=d_model // 64, vocab_size=50257,
                             n_ctx=1024)


def palm_flops_per_token(config) -> float:
    """6 N + 12 L H Q T (PaLM, Appendix B), N without the position table (nanoGPT's convention)."""
    from scalinglab.compute import param_counts

    counts = param_counts(config)
    n = counts["total"] - counts["positions"]
    return 6.0 * n + 12.0 * config.n_layers * config.n_heads * config.d_head * config.n_ctx


def measure(batch: int = 16, steps: int = 50, warmup: int = 15, peak: float = 989e12, compile: bool = True,
            model_name: str = "gpt2-124m") -> dict:
    import torch

    from scalinglab.compute import param_counts
    from scalinglab.sweep.model import GPT

    if not torch.cuda.is_available():
        raise SystemExit("error: no CUDA device: the GPU throughput benchmark needs one")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    config = gpt2_config(model_name)
    torch.manual_seed(0)
    model = GPT(config).cuda()
    optimizer = torch.optim.AdamW(model.optimizer_groups(0.1), lr=6e-4, betas=(0.9, 0.95), fused=True)
    step_model = torch.compile(model) if compile else model
    x = torch.randint(0, config.vocab_size, (batch, config.n_ctx), device="cuda")
    y = torch.randint(0, config.vocab_size, (batch, config.n_ctx), device="cuda")
    compile_start = time.perf_counter()
    for i in range(warmup + steps):
        if i == warmup:
            torch.cuda.synchronize()
            warm_seconds = time.perf_counter() - compile_start
            start = time.perf_counter()
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
            _, loss = step_model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    tokens_per_second = steps * batch * config.n_ctx / seconds
    palm = palm_flops_per_token(config)
    six_n = 6.0 * param_counts(config)["total"]
    return {
        "model": model_name, "n_layers": config.n_layers, "d_model": config.d_model,
        "device": torch.cuda.get_device_name(), "torch": torch.__version__, "compile": compile, "batch": batch,
        "n_ctx": config.n_ctx, "params": param_counts(config)["total"], "steps": steps,
        "warmup_seconds": warm_seconds, "ms_per_step": 1000 * seconds / steps, "tokens_per_second": tokens_per_second,
        "peak_flops": peak, "mfu_palm": tokens_per_second * palm / peak, "mfu_6n": tokens_per_second * six_n / peak,
        "flops_per_token_palm": palm, "flops_per_token_6n": six_n, "final_loss": float(loss.detach()),
        "max_memory_gib": torch.cuda.max_memory_allocated() / 2**30,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(GPT2_SHAPES, key=lambda m: GPT2_SHAPES[m]), default="gpt2-124m",
                        help="GPT-2 shape (Radford et al. 2019, Table 2)")
    parser.add_argument("--batch", type=int, default=16, help="sequences of 1024 tokens per step")
    parser.add_argument("--steps", type=int, default=50, help="timed steps")
    parser.add_argument("--warmup", type=int, default=15, help="untimed steps first (compilation happens here)")
    parser.add_argument("--peak", type=float, default=989e12, help="dense BF16 peak FLOP/s (H100 SXM: 989e12)")
    parser.add_argument("--no-compile", action="store_true", help="eager mode")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    try:
        result = measure(args.batch, args.steps, args.warmup, args.peak, compile=not args.no_compile,
                         model_name=args.model)
    except SystemExit as stop:
        sys.stderr.write(f"{stop}\n")
        raise SystemExit(2) from None
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['device']} (torch {result['torch']}, compile={result['compile']}): {result['model']} "
          f"({result['params'] / 1e6:,.0f}M parameters), batch "
          f"{result['batch']} x {result['n_ctx']}: {result['tokens_per_second']:,.0f} tokens/s, "
          f"{result['ms_per_step']:.1f} ms/step, MFU {100 * result['mfu_palm']:.1f}% (PaLM count) / "
          f"{100 * result['mfu_6n']:.1f}% (6N) of {result['peak_flops'] / 1e12:.0f} TFLOP/s, "
          f"peak memory {result['max_memory_gib']:.1f} GiB")


if __name__ == "__main__":
    main()

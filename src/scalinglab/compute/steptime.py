"""Seconds per training step of a parallel layout, and the constants it shares with ``memory``.

For G = TP x PP x DP GPUs, m micro-batches per data-parallel rank and v model chunks per pipeline stage:

* compute = model FLOP (Chinchilla count, x 4/3 with full recomputation) / (G x peak x matmul efficiency);
* pipeline bubble = compute x (p - 1) / (m v): 1F1B when v = 1, the interleaved schedule otherwise
  (Narayanan et al. 2021, sections 2.2.1 and 2.2.2), which also sends v times as many activations;
* tensor parallelism: 4 ring all-reduces of s b h per layer and micro-batch (6 with full recomputation),
  on the critical path (Narayanan et al. 2021, section 3.2); expert parallelism: dispatch and combine
  all-to-all; pipeline: one activation send each way per micro-batch and chunk, divided by TP (the
  scatter/gather optimisation, section 4.1);
* data parallelism: one ring all-reduce of the bf16 gradients (x 1.5 for ZeRO-3), overlapped with the
  backward pass of the last micro-batch, as bucketed all-reduce does (Li et al. 2020, "PyTorch
  Distributed", section 3.2.3): only what outlasts (2/3) compute / m is exposed.

The matmul efficiency and the share of tensor/expert communication hidden are assumptions of this model,
in ``parallelism.yaml`` with their sources.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache
from pathlib import Path

from .._io import read_bundled_yaml
from ..provenance import Source
from .flops import TransformerConfig, flops_per_token, param_counts
from .hardware import Accelerator

__all__ = ["parallelism_data", "interconnect", "param_split", "estimate_step_time"]


@cache
def parallelism_data() -> dict:
    """The parsed ``parallelism.yaml``: bytes per parameter, interconnects, step-time assumptions."""
    return read_bundled_yaml(Path(__file__).with_name("parallelism.yaml"))


def _source(spec) -> Source:
    sources = parallelism_data()["sources"]
    return Source.from_dict(sources[spec]) if isinstance(spec, str) else Source.from_dict(spec)


def interconnect(acc: Accelerator) -> tuple[dict, list[str]]:
    """Node size and per-GPU bandwidths of an accelerator's system (the H100's when not catalogued)."""
    table = parallelism_data()["interconnect"]
    if acc.name in table:
        return table[acc.name], []
    return table["h100-sxm"], [f"no interconnect figures for {acc.name}: the H100 SXM's DGX figures are used"]


def param_split(config: TransformerConfig) -> tuple[float, float, float]:
    """(non-expert parameters per layer on average, routed-expert parameters per layer, embedding-side
    parameters of the heaviest end stage)."""
    counts = param_counts(config)
    expert = (config.n_experts * (3 if config.gated_ffn else 2) * config.d_model * config.expert_dim
              * config.n_moe_layers)
    body = counts["non_embedding"] - expert
    ends = counts["embedding"] + counts["positions"] + counts["lm_head"]
    return body / config.n_layers, expert / config.n_layers, ends


def estimate_step_time(config: TransformerConfig, layout, acc: Accelerator) -> tuple[dict, dict]:
    """Seconds per step of ``layout`` (a ``memory.Layout``) by part, and the assumptions used (module docstring)."""
    assume = parallelism_data()["step_time"]
    eff = float(assume["matmul_efficiency"]["value"])
    hidden = float(assume["overlap"]["value"])
    net, notes = interconnect(acc)
    t, p, d, e, v = layout.tp, layout.pp, layout.dp, layout.ep, layout.virtual_stages
    m = max(layout.micro_batches, 1)
    tokens = layout.global_batch * layout.seq
    shape = config if config.n_ctx == layout.seq else replace(config, n_ctx=layout.seq)
    model_flop = flops_per_token(shape, method="chinchilla") * tokens
    recompute = {"none": 1.0, "selective": 1.0, "full": 4.0 / 3.0}[layout.recompute]
    peak = acc.peak()
    compute = model_flop * recompute / (layout.gpus * peak * eff)
    bubble = compute * (p - 1) / (m * v)
    node = int(net["node_size"])
    intra, inter = float(net["intra_node"]), float(net["inter_node"])
    layers = math.ceil(config.n_layers / p)
    act = 2.0 * layout.micro_batch * layout.seq * config.d_model  # one activation tensor, bytes
    tp_bw = intra if t <= node else inter
    n_tp = 4 + (2 if layout.recompute == "full" else 0)  # all-reduces per layer: 2 forward, 2 backward
    tp_comm = 0.0 if t == 1 else layers * m * n_tp * 2 * (t - 1) / t * act / tp_bw
    pp_comm = 0.0 if p == 1 else 2 * m * v * act / t / (inter if t * p > node else intra)
    body, expert, ends = param_split(config)
    grads = 2.0 * (layers * (body + expert / e) + ends / (1 if p == 1 else 2)) / t
    dp_bw = intra if t * p * d <= node else inter
    dp_comm = 0.0 if d == 1 else (1.5 if layout.zero == 3 else 1.0) * 2 * (d - 1) / d * grads / dp_bw
    dp_exposed = max(0.0, dp_comm - 2.0 / 3.0 * compute / m)
    ep_comm = 0.0
    if e > 1:
        moe_layers = math.ceil(config.n_moe_layers / p)
        ep_bw = intra if e * t <= node else inter
        ep_comm = moe_layers * m * 4 * config.top_k * act / t * (e - 1) / e / ep_bw
    total = compute + bubble + pp_comm + dp_exposed + (1 - hidden) * (tp_comm + ep_comm)
    step = {"seconds": total, "compute": compute, "bubble": bubble, "tp_comm": tp_comm, "pp_comm": pp_comm,
            "dp_comm": dp_comm, "dp_exposed": dp_exposed, "ep_comm": ep_comm, "model_flop": model_flop,
            "mfu": model_flop / (layout.gpus * peak * total)}
    assumptions = {
        "matmul_efficiency": eff, "overlap": hidden,
        "matmul_efficiency_source": str(_source(assume["matmul_efficiency"]["source"])),
        "interconnect": {"node_size": node, "intra_node_bytes_per_s": intra, "inter_node_bytes_per_s": inter,
                         "source": str(_source(net["source"]))},
        "compute": "chinchilla FLOP per token x tokens per step (x 4/3 with full recomputation) / (GPUs x peak x efficiency)",
        "bubble": "(PP - 1) / (micro-batches x virtual stages) x compute (1F1B or interleaved, Narayanan et al. 2021)",
        "tp": "4 all-reduces of s x b x h per layer and micro-batch (6 with full recomputation), ring 2(t-1)/t, NVLink "
              "within a node; the share 'overlap' of it (and of EP) is hidden",
        "dp": "one ring all-reduce of the bf16 gradients (1.5x with ZeRO-3), network between nodes, overlapped with "
              "the last micro-batch's backward pass (2/3 compute / m); dp_exposed is what is left",
        "pp": "one activation send forward and one backward per micro-batch and virtual stage, divided by TP",
        "ep": "dispatch and combine all-to-all, forward and backward, top-k copies per token",
        "notes": notes,
    }
    return step, assumptions

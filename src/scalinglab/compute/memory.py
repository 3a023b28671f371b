"""Memory per GPU under tensor, pipeline, sequence, expert and data parallelism, and a step-time model.

Training memory on the most loaded GPU (the first pipeline stage), by part:

* weights, gradients and optimizer state: 2 + 2 + 12 bytes per parameter in mixed-precision Adam
  (Rajbhandari et al. 2020, "ZeRO", section 3.1). Tensor parallelism (TP) splits every matrix, pipeline
  parallelism (PP) gives each stage ceil(L / PP) layers (and the embedding or the output head), expert
  parallelism (EP) spreads the routed experts. ZeRO stage 1 shards the optimizer state over the
  data-parallel (DP) ranks, stage 2 also the gradients, stage 3 also the weights; expert parameters are
  sharded over the expert-data-parallel ranks, DP / EP.
* activations per layer and micro-batch after Korthikanti et al. 2022 (Table 2): with dropout and
  without flash attention a GPT layer stores s b h (34 + 5 a s / h) bytes; sequence parallelism (SP)
  divides all of it by t, TP alone only the 24 s b h of the matrix outputs and the 5 a s^2 b of the
  attention core; selective recomputation drops the attention core; full recomputation keeps only each
  layer's input, 2 s b h. The same accounting is applied to GQA, SwiGLU and mixture-of-experts layers
  (see ``activation_bytes_per_token``). With a 1F1B schedule the first stage holds PP micro-batches in
  flight, i.e. L layers' worth (Korthikanti et al. 2022, section 4.2.3).
* inference (``inference=True``): weights and the KV cache of ``batch`` sequences of ``seq`` tokens.

Nothing here models the CUDA context, communication buffers or fragmentation: a layout that fits within
a few GB of the capacity may not fit in practice.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field

from .._table import rich_table
from ..errors import InputError
from ..options import spelled
from .flops import TransformerConfig, param_counts
from .hardware import Accelerator, get_accelerator
from .options import MEMORY, RECOMPUTE, check_each
from .steptime import estimate_step_time, interconnect, param_split, parallelism_data

__all__ = ["Layout", "MemoryEstimate", "LayoutSearch", "memory_per_gpu", "search_layouts", "estimate_memory",
           "memory_layout", "default_global_batch", "activation_bytes_per_token", "RECOMPUTE", "parallelism_data"]

GB = 1e9


@dataclass(frozen=True)
class Layout:
    """How a training step is spread: TP x PP x DP GPUs (EP inside DP), ZeRO stage, recomputation,
    micro-batch and global batch in sequences, sequence length, and model chunks per pipeline stage
    (``virtual_stages`` > 1: the interleaved schedule of Narayanan et al. 2021)."""

    tp: int = 1
    pp: int = 1
    dp: int = 1
    ep: int = 1
    sp: bool = True
    zero: int = 0
    recompute: str = "none"
    micro_batch: int = 1
    global_batch: int = 1
    seq: int = 2048
    virtual_stages: int = 1

    @property
    def gpus(self) -> int:
        return self.tp * self.pp * self.dp

    @property
    def micro_batches(self) -> int:
        """Micro-batches per step on each data-parallel rank."""
        return self.global_batch // (self.dp * self.micro_batch)

    def label(self) -> str:
        return (f"TP{self.tp} PP{self.pp}" + (f"x{self.virtual_stages}" if self.virtual_stages > 1 else "")
                + f" DP{self.dp}" + (f" EP{self.ep}" if self.ep > 1 else "")
                + f" ZeRO-{self.zero} {self.recompute} mb{self.micro_batch}")

    def to_dict(self) -> dict:
        return asdict(self) | {"gpus": self.gpus, "micro_batches": self.micro_batches}


#: The fields of a :class:`Layout` declared as options of ``memory`` (``dp`` is GPUs / (TP x PP)).
_DECLARED_FIELDS = ("tp", "pp", "ep", "zero", "recompute", "micro_batch", "global_batch", "seq", "virtual_stages")


def _named(name: str, value) -> str:
    """An option and its value as the caller wrote them: ``--tp 3``, ``tp= 3``, ``tp 3``."""
    return f"{spelled(name)} {value}"


def check_layout(config: TransformerConfig, layout: Layout, gpus: int | None = None, inference: bool = False) -> None:
    """Every way a layout can be impossible, as one InputError naming the option: a field outside its declared
    domain (``MEMORY``), or a layout this model cannot take."""
    check_each(MEMORY, gpus=layout.gpus, **{name: getattr(layout, name) for name in _DECLARED_FIELDS})
    check_fit(config, layout, gpus, inference)


def check_fit(config: TransformerConfig, layout: Layout, gpus: int | None = None, inference: bool = False) -> None:
    """The ways a layout of valid sizes can be impossible for this model."""
    tp, pp = _named("tp", layout.tp), _named("pp", layout.pp)
    if gpus is not None and layout.tp * layout.pp * layout.dp != gpus:
        raise InputError(f"{_named('gpus', gpus)} is not {tp} x {pp} x a whole data-parallel size "
                         f"(tp x pp = {layout.tp * layout.pp})")
    if config.n_heads % layout.tp:
        raise InputError(f"{tp} does not divide the model's {config.n_heads} attention heads")
    if config.kv_heads % layout.tp and layout.tp % config.kv_heads:
        raise InputError(f"{tp} and the model's {config.kv_heads} key/value heads do not divide each other")
    if layout.pp > config.n_layers:
        raise InputError(f"{pp} is larger than the model's {config.n_layers} layers")
    if layout.virtual_stages > 1 and layout.pp * layout.virtual_stages > config.n_layers:
        raise InputError(f"{_named('virtual_stages', layout.virtual_stages)} x {pp} is more model chunks than the "
                         f"model's {config.n_layers} layers")
    if layout.ep > 1:
        ep = _named("ep", layout.ep)
        if not config.is_moe:
            raise InputError(f"{ep} needs a mixture-of-experts model; this one is dense")
        if config.n_experts % layout.ep:
            raise InputError(f"{ep} does not divide the model's {config.n_experts} experts")
        if layout.dp % layout.ep:
            raise InputError(f"{ep} does not divide the data-parallel size {layout.dp}")
    if not inference and layout.global_batch % (layout.dp * layout.micro_batch):
        raise InputError(f"{_named('global_batch', layout.global_batch)} is not a multiple of data-parallel size "
                         f"{layout.dp} x {_named('micro_batch', layout.micro_batch)}")


def activation_bytes_per_token(config: TransformerConfig, *, tp: int = 1, sp: bool = True, recompute: str = "none",
                               flash_attention: bool = True, dropout: bool = False, seq: int | None = None,
                               bytes_per_value: float = 2.0) -> float:
    """Bytes one layer keeps per token for the backward pass (averaged over dense and MoE layers).

    Korthikanti et al. 2022, section 4.1, for a GPT layer (h = d_model, a heads, s tokens, 2-byte values):
    attention 11 s b h + 5 a s^2 b (QKV input 2, Q and K 4, V 2, projection input 2, dropout mask 1; softmax
    2 a s^2 b, its dropout mask a s^2 b and output 2 a s^2 b), MLP 19 s b h (input 2, GeLU input 8, output 8,
    mask 1), two LayerNorm inputs 4 s b h: s b h (34 + 5 a s / h). Here the widths are the model's own: K and V
    with its key/value heads; a gated FFN keeps both 2f-wide products and the f-wide input to the last matrix;
    an MoE layer keeps that for each of its top-k and shared experts. Flash attention keeps no s^2 terms,
    only a softmax statistic (4 bytes) per head and token.
    """
    s = config.n_ctx if seq is None else seq
    h, f, a = config.d_model, config.ffn_dim, config.n_heads
    b = bytes_per_value
    if recompute == "full":
        return b * h / (tp if sp else 1)  # the layer's input only
    q, k = a * config.qk_dim, config.kv_heads * config.qk_dim
    v, o = config.kv_heads * config.v_dim, a * config.v_dim
    mask = 1.0 if dropout else 0.0  # one byte per element
    # replicated across TP ranks unless SP: the two norm inputs, the inputs of QKV and of the first FFN matrix,
    # and the dropout masks after attention and after the FFN
    replicated = 2 * b * h + 2 * b * h + 2 * mask * h
    attention = b * (q + k) + b * v + b * o  # Q and K for the logits, V, input of the output projection
    if not flash_attention and recompute != "selective":
        # softmax output; with dropout also its mask and the dropped-out copy (5 a s for 2-byte values)
        attention += a * s * ((b + mask + b) if dropout else b)
    elif flash_attention:
        attention += 4.0 * a  # log-sum-exp per head and token, fp32
    width = (3 if config.gated_ffn else 2) * b * f  # gated: gate and up outputs, activation output
    if config.is_moe:
        experts = (config.top_k + config.n_shared_experts) * (3 if config.gated_ffn else 2) * b * config.expert_dim
        n_moe = config.n_moe_layers
        mlp = ((config.n_layers - n_moe) * width + n_moe * experts) / config.n_layers
    else:
        mlp = width
    split = attention + mlp
    return replicated / (tp if sp else 1) + split / tp


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes per GPU by part for one layout, whether it fits, and the step-time estimate."""

    model: str
    accelerator: str
    layout: Layout
    parts: dict[str, float]
    capacity: float
    inference: bool
    step: dict[str, float] = field(default_factory=dict)
    assumptions: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return float(sum(self.parts.values()))

    @property
    def fits(self) -> bool:
        return self.total <= self.capacity

    def to_dict(self) -> dict:
        return {"model": self.model, "accelerator": self.accelerator, "layout": self.layout.to_dict(),
                "inference": self.inference, "bytes": dict(self.parts), "total_bytes": self.total,
                "capacity_bytes": self.capacity, "fits": self.fits, "step_time": dict(self.step),
                "assumptions": dict(self.assumptions), "notes": list(self.notes)}

    def headline(self) -> str:
        return f"{self.total / GB:,.1f} GB per GPU, {'fits' if self.fits else 'does not fit'}"

    def report(self):
        rows = [[k, f"{v / GB:,.2f}", f"{100 * v / self.capacity:.1f}%"] for k, v in self.parts.items()]
        rows.append(["total", f"{self.total / GB:,.2f}", f"{100 * self.total / self.capacity:.1f}%"])
        verdict = "fits" if self.fits else "does NOT fit"
        title = (f"Memory per GPU, {self.model} on {self.accelerator} ({self.capacity / GB:,.0f} GB): "
                 f"{self.layout.label()}, seq {self.layout.seq:,}" + (" (inference)" if self.inference else "")
                 + f" -> {verdict}")
        table = rich_table(title, ["part", "GB", "of capacity"], rows)
        lines = list(self.notes)
        if self.step:
            lines.insert(0, f"estimated step {self.step['seconds']:.2f} s, MFU {100 * self.step['mfu']:.1f}% "
                            "(compute + pipeline bubble + TP/PP/DP/EP communication; assumptions in --json)")
        table.caption = "\n".join(lines) or None
        table.caption_justify = "left"
        return table


def _bytes_defaults() -> dict[str, float]:
    return {k: float(v["value"]) for k, v in parallelism_data()["bytes_per_param"].items()}


def memory_per_gpu(config: TransformerConfig, layout: Layout, *, accelerator: str | Accelerator = "h100-sxm",
                   gpus: int | None = None, inference: bool = False, model: str = "model",
                   flash_attention: bool = True, dropout: bool = False, kv_bytes: float = 2.0,
                   weight_bytes: float | None = None, step_time: bool = True) -> MemoryEstimate:
    """Bytes per GPU by part for ``config`` under ``layout`` (see the module docstring)."""
    check_layout(config, layout, gpus, inference)
    check_each(MEMORY, weight_bytes=weight_bytes, kv_bytes=kv_bytes)
    acc = get_accelerator(accelerator)
    if acc.memory_bytes is None:
        raise InputError(f"accelerator {acc.name!r} has no memory size in the catalogue")
    per_param = _bytes_defaults()
    if weight_bytes is not None:
        per_param["weights"] = float(weight_bytes)
    t, p, d, e = layout.tp, layout.pp, layout.dp, layout.ep
    layers = math.ceil(config.n_layers / p)
    body, expert, ends = param_split(config)
    counts = param_counts(config)
    first = counts["embedding"] + counts["positions"]
    last = counts["lm_head"] if not config.tied_embeddings else counts["embedding"]
    end_share = ends if p == 1 else max(first, last)  # the embedding on the first stage, the head on the last
    dense_params = (layers * body + end_share) / t
    expert_params = layers * expert / (t * e)
    edp = max(d // e, 1)
    parts: dict[str, float] = {}
    weights = per_param["weights"] * (dense_params + expert_params)
    if inference:
        parts["weights"] = weights
        kv_heads_split = t if config.kv_lora_rank is None else 1
        kv = config.kv_cache_bytes_per_token(kv_bytes) / config.n_layers * layers / min(kv_heads_split, config.kv_heads)
        parts["kv_cache"] = kv * layout.micro_batch * layout.seq
        parts["activations"] = 2.0 * layout.micro_batch * layout.seq * max(config.d_model, config.ffn_dim) / t
        return MemoryEstimate(model, acc.name, layout, parts, float(acc.memory_bytes), True)
    z = layout.zero
    parts["weights"] = per_param["weights"] * (dense_params / (d if z >= 3 else 1) + expert_params / (edp if z >= 3 else 1))
    parts["gradients"] = per_param["gradients"] * (dense_params / (d if z >= 2 else 1)
                                                   + expert_params / (edp if z >= 2 else 1))
    parts["optimizer"] = per_param["optimizer"] * (dense_params / (d if z >= 1 else 1)
                                                   + expert_params / (edp if z >= 1 else 1))
    per_token = activation_bytes_per_token(config, tp=t, sp=layout.sp, recompute=layout.recompute,
                                           flash_attention=flash_attention, dropout=dropout, seq=layout.seq)
    in_flight = min(p, max(layout.micro_batches, 1))
    if layout.virtual_stages > 1:  # interleaved: (1 + (p - 1) / (p v)) times more (Korthikanti et al. 2022, 4.2.3)
        in_flight *= 1 + (p - 1) / (p * layout.virtual_stages)
    tokens = layout.micro_batch * layout.seq
    parts["activations"] = per_token * tokens * layers * in_flight
    if p == 1:  # the same GPU also holds the logits for the loss (fp32)
        parts["logits"] = 4.0 * tokens * config.vocab_size / t
    notes = []
    if config.n_layers % p:
        notes.append(f"{config.n_layers} layers over {p} stages: the largest stage has {layers}")
    estimate = MemoryEstimate(model, acc.name, layout, parts, float(acc.memory_bytes), False, notes=tuple(notes))
    if step_time:
        step, assumptions = estimate_step_time(config, layout, acc)
        estimate = MemoryEstimate(model, acc.name, layout, parts, float(acc.memory_bytes), False, step, assumptions,
                                  tuple(notes))
    return estimate


@dataclass(frozen=True)
class LayoutSearch:
    """Layouts that fit, ranked by estimated step time."""

    model: str
    accelerator: str
    gpus: int
    candidates: int
    fits: int
    ranked: tuple[MemoryEstimate, ...]
    assumptions: dict

    def to_dict(self) -> dict:
        return {"model": self.model, "accelerator": self.accelerator, "gpus": self.gpus,
                "layouts_considered": self.candidates, "layouts_that_fit": self.fits,
                "ranked": [{"layout": r.layout.to_dict(), "total_bytes": r.total, "step_seconds": r.step["seconds"],
                            "mfu": r.step["mfu"], "bytes": dict(r.parts), "step_time": dict(r.step)}
                           for r in self.ranked],
                "assumptions": dict(self.assumptions)}

    def headline(self) -> str:
        if not self.ranked:
            return "no layout fits"
        return f"{self.fits:,} of {self.candidates:,} layouts fit; fastest {self.ranked[0].layout.label()}"

    def report(self):
        rows = [[str(i + 1), r.layout.label(), f"{r.total / GB:,.1f}", f"{r.step['seconds']:.2f}",
                 f"{100 * r.step['mfu']:.1f}%", f"{r.step['bubble']:.2f}",
                 f"{r.step['tp_comm'] + r.step['pp_comm'] + r.step['dp_comm'] + r.step['ep_comm']:.2f}"]
                for i, r in enumerate(self.ranked)]
        title = (f"{self.fits:,} of {self.candidates:,} layouts of {self.model} fit on {self.gpus:,} "
                 f"{self.accelerator}; fastest first (estimated)")
        table = rich_table(title, ["rank", "layout", "GB/GPU", "step s", "MFU", "bubble s", "comm s"], rows)
        a = self.assumptions
        table.caption = (f"Assumptions: matmuls at {100 * a['matmul_efficiency']:.0f}% of peak; the gradient "
                         f"all-reduce overlaps the last backward pass; NVLink {a['interconnect']['intra_node_bytes_per_s'] / 1e9:,.0f} GB/s within "
                         f"{a['interconnect']['node_size']} GPUs, network {a['interconnect']['inter_node_bytes_per_s'] / 1e9:,.0f}"
                         f" GB/s per GPU between nodes; bubble (PP-1)/(m v); ZeRO-3 moves 1.5x the gradient volume.")
        table.caption_justify = "left"
        return table


def _powers_of_two(limit: int) -> list[int]:
    return [2 ** i for i in range(int(math.log2(limit)) + 1)] if limit >= 1 else [1]


def search_layouts(config: TransformerConfig, *, gpus: int, accelerator: str | Accelerator = "h100-sxm",
                   seq: int | None = None, global_batch: int | None = None, model: str = "model",
                   fixed: dict | None = None, top: int | None = None) -> LayoutSearch:
    """Every TP x PP x DP (x EP) layout, ZeRO stage, recomputation and micro-batch that fits, fastest first.
    ``fixed`` pins any of tp, pp, ep, zero, recompute, micro_batch, virtual_stages (searched: 1, 2, 4)."""
    fixed = dict(fixed or {})
    check_each(MEMORY, gpus=gpus, seq=seq, global_batch=global_batch, top=top, **fixed)
    acc = get_accelerator(accelerator)
    seq = config.n_ctx if seq is None else seq
    if global_batch is None:
        global_batch = default_global_batch(seq)
    node = int(interconnect(acc)[0]["node_size"])
    tps = [fixed["tp"]] if "tp" in fixed else [t for t in _powers_of_two(min(gpus, 4 * node))
                                               if config.n_heads % t == 0 and (config.kv_heads % t == 0 or t % config.kv_heads == 0)]
    pps = [fixed["pp"]] if "pp" in fixed else sorted({p for p in range(1, config.n_layers + 1)
                                                      if gpus % p == 0 and (p & (p - 1) == 0 or config.n_layers % p == 0)})
    eps = [fixed["ep"]] if "ep" in fixed else (_powers_of_two(config.n_experts) if config.is_moe else [1])
    zeros = [fixed["zero"]] if "zero" in fixed else [0, 1, 2, 3]
    recomputes = [fixed["recompute"]] if "recompute" in fixed else list(RECOMPUTE)
    mbs = [fixed["micro_batch"]] if "micro_batch" in fixed else [1, 2, 4, 8]
    vs = [fixed["virtual_stages"]] if "virtual_stages" in fixed else [1, 2, 4]
    fits, candidates = [], 0
    for t, p, e, z, r, mb, v in itertools.product(tps, pps, eps, zeros, recomputes, mbs, vs):
        if gpus % (t * p) or (v > 1 and p == 1):
            continue
        d = gpus // (t * p)
        layout = Layout(tp=t, pp=p, dp=d, ep=e, zero=z, recompute=r, micro_batch=mb, global_batch=global_batch, seq=seq,
                        virtual_stages=v)
        try:  # the sizes are valid by construction, the pinned ones checked above
            check_fit(config, layout, gpus)
        except InputError:
            continue
        candidates += 1
        estimate = memory_per_gpu(config, layout, accelerator=acc, model=model, step_time=False)
        if estimate.fits:
            fits.append(estimate)
    if candidates == 0:
        raise InputError(f"no layout of {gpus} GPUs is possible for this model with the options given")
    timed = []
    for estimate in fits:
        step, assumptions = estimate_step_time(config, estimate.layout, acc)
        timed.append(MemoryEstimate(model, acc.name, estimate.layout, estimate.parts, estimate.capacity, False, step,
                                    assumptions, estimate.notes))
    timed.sort(key=lambda x: (x.step["seconds"], x.total))
    _, assumptions = estimate_step_time(config, Layout(seq=seq, global_batch=global_batch), acc)
    return LayoutSearch(model, acc.name, gpus, candidates, len(timed), tuple(timed if top is None else timed[:top]),
                        assumptions)


def default_global_batch(seq: int, multiple: int = 1) -> int:
    """Sequences per step for about the default tokens per step (``parallelism.yaml``: 4M), rounded to a
    multiple of ``multiple`` (data-parallel size x micro-batch) and at least one of it."""
    tokens = float(parallelism_data()["step_time"]["default_global_batch_tokens"]["value"])
    return max(multiple, round(tokens / seq / multiple) * multiple)


def memory_layout(config: TransformerConfig, *, gpus: int | None = None, tp: int | None = None,
                  pp: int | None = None, ep: int | None = None, zero: int | None = None, recompute: str | None = None,
                  micro_batch: int | None = None, global_batch: int | None = None, seq: int | None = None,
                  sp: bool = True, virtual_stages: int | None = None) -> Layout:
    """The layout the options describe, each one not given at its default: TP = PP = EP = 1, GPUs = TP x PP,
    no ZeRO, no recomputation, micro-batch 1, one model chunk per stage, the model's context, and
    :func:`default_global_batch` sequences per step."""
    t, p = (1 if tp is None else tp), (1 if pp is None else pp)
    total = t * p if gpus is None else gpus
    if total % (t * p):
        raise InputError(f"{_named('gpus', total)} is not a multiple of {_named('tp', t)} x {_named('pp', p)}")
    dp, mb = total // (t * p), (1 if micro_batch is None else micro_batch)
    seq = config.n_ctx if seq is None else seq
    if global_batch is None:
        global_batch = default_global_batch(seq, dp * mb)
    return Layout(tp=t, pp=p, dp=dp, ep=1 if ep is None else ep, sp=sp, zero=zero or 0, recompute=recompute or "none",
                  micro_batch=mb, global_batch=global_batch, seq=seq,
                  virtual_stages=1 if virtual_stages is None else virtual_stages)


def estimate_memory(config: TransformerConfig, *, accelerator: str | Accelerator = "h100-sxm", model: str = "model",
                    gpus: int | None = None, inference: bool = False, weight_bytes: float | None = None,
                    kv_bytes: float | None = None, search: bool = False, top: int = 10,
                    **layout) -> MemoryEstimate | LayoutSearch:
    """``memory``'s answer: bytes per GPU under the layout the options describe (:func:`memory_layout`), or with
    ``search`` the layouts on ``gpus`` that fit, fastest first, pinned by the options given."""
    if search:
        fixed = {k: v for k, v in layout.items() if v is not None and k not in ("global_batch", "seq", "sp")}
        return search_layouts(config, gpus=gpus, accelerator=accelerator, seq=layout.get("seq"),
                              global_batch=layout.get("global_batch"), model=model, fixed=fixed, top=top)
    plan = memory_layout(config, gpus=gpus, **layout)
    return memory_per_gpu(config, plan, accelerator=accelerator, gpus=plan.gpus, inference=inference, model=model,
                          weight_bytes=weight_bytes, kv_bytes=2.0 if kv_bytes is None else kv_bytes)

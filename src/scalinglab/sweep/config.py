"""What one training run needs, as plain frozen records (no torch): settings, hyperparameter rules, specs.

Batch size and peak learning rate follow power laws in the parameter count N (Porian et al. 2024,
"Resolving Discrepancies in Compute-Optimal Scaling of Language Models", arXiv:2406.19146, fit the
optimal batch size and learning rate as power laws in N; the exponents here, 2/3 and -1/3, are
rounded):

    batch_tokens(N) = B_0 (N / N_0)^(2/3),    lr(N) = lr_0 (N / N_0)^(-1/3)

anchored at GPT-3 Small (Brown et al. 2020, arXiv:2005.14165, Table 2.1: N_0 = 125M parameters,
B_0 = 0.5M tokens, lr_0 = 6.0e-4). Either can be replaced by a fixed value.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

from ..compute import TransformerConfig
from ..errors import InputError
from ..options import spelled

__all__ = ["HyperparameterRule", "TrainSettings", "RunSpec", "DEFAULT_RULE"]


@dataclass(frozen=True)
class HyperparameterRule:
    """Batch (tokens) and peak learning rate as power laws in N; a fixed value overrides its rule."""

    n_anchor: float = 125e6  # GPT-3 Small, Brown et al. 2020, Table 2.1
    batch_tokens_anchor: float = 0.5e6  # ibid.
    lr_anchor: float = 6.0e-4  # ibid.
    batch_exponent: float = 2.0 / 3.0  # Porian et al. 2024 (rounded)
    lr_exponent: float = -1.0 / 3.0  # Porian et al. 2024 (rounded)
    batch_tokens: float | None = None  # fixed batch in tokens, replacing the rule
    lr: float | None = None  # fixed peak learning rate, replacing the rule

    def __post_init__(self):
        for name in ("n_anchor", "batch_tokens_anchor", "lr_anchor"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) > 0):
                raise InputError(f"hyperparameter rule {name} must be positive, got {getattr(self, name)!r}")
        for name in ("batch_tokens", "lr"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise InputError(f"{spelled(name)} must be positive, got {value!r}")

    def batch_size(self, n_params: float, n_ctx: int) -> int:
        """Sequences per step: round(batch_tokens(N) / n_ctx), at least 1."""
        tokens = self.batch_tokens if self.batch_tokens is not None else (
            self.batch_tokens_anchor * (n_params / self.n_anchor) ** self.batch_exponent)
        return max(1, int(round(tokens / n_ctx)))

    def learning_rate(self, n_params: float) -> float:
        if self.lr is not None:
            return float(self.lr)
        return float(self.lr_anchor * (n_params / self.n_anchor) ** self.lr_exponent)

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_RULE = HyperparameterRule()


@dataclass(frozen=True)
class TrainSettings:
    """Optimiser and evaluation settings shared by every run of a sweep.

    AdamW with beta1 0.9, weight decay 0.1 and gradient clipping at 1.0 (GPT-3, Brown et al. 2020,
    Appendix B); beta2 0.99 rather than GPT-3's 0.95 because Porian et al. 2024 find beta2 matters at
    the small batches tiny models use. Linear warmup over ``warmup_fraction`` of the steps, then cosine
    decay to ``min_lr_ratio`` of the peak exactly at the run's last step (Hoffmann et al. 2022, section
    3.1 and Figure A1: the cosine cycle should match the run's token count, decaying 10x).
    """

    beta1: float = 0.9
    beta2: float = 0.99
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    warmup_fraction: float = 0.05
    min_lr_ratio: float = 0.1
    eval_tokens: int = 65_536  # held-out tokens scored at each evaluation
    eval_points: int = 4  # evaluations per run, evenly spaced, the last at the end
    log_every: int = 10  # steps between training-loss records
    threads: int = 1  # torch intra-op threads on CPU (fixed so CPU runs reproduce bit for bit)
    compile: bool = True  # torch.compile on CUDA (never on CPU)
    dtype: str = "auto"  # "auto" = bf16 autocast on CUDA, fp32 on CPU; or "fp32" / "bf16"

    def __post_init__(self):
        checks = {
            "beta1": 0 <= self.beta1 < 1, "beta2": 0 <= self.beta2 < 1, "weight_decay": self.weight_decay >= 0,
            "grad_clip": self.grad_clip >= 0, "warmup_fraction": 0 <= self.warmup_fraction < 1,
            "min_lr_ratio": 0 <= self.min_lr_ratio <= 1, "eval_tokens": self.eval_tokens > 0,
            "eval_points": self.eval_points >= 1, "log_every": self.log_every >= 1, "threads": self.threads >= 1,
            "dtype": self.dtype in ("auto", "fp32", "bf16"),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise InputError("bad training settings: " + ", ".join(f"{n}={getattr(self, n)!r}" for n in bad))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RunSpec:
    """One planned run: a model shape, its token budget, hyperparameters and seed."""

    key: str
    budget: float  # the IsoFLOP budget this run belongs to (FLOP)
    seed: int
    model: TransformerConfig
    flops_method: str  # how FLOPs per token were counted (scalinglab.compute.flops_per_token)
    flops_per_token: float
    n_params: int  # N as the FLOP method counts it (total for 6nd/chinchilla, non-embedding for kaplan)
    params_total: int
    params_non_embedding: int
    batch_size: int  # sequences per step
    steps: int
    lr: float
    warmup_steps: int
    settings: TrainSettings = field(default_factory=TrainSettings)

    @property
    def n_ctx(self) -> int:
        return self.model.n_ctx

    @property
    def tokens_per_step(self) -> int:
        return self.batch_size * self.model.n_ctx

    @property
    def n_tokens(self) -> int:
        return self.steps * self.tokens_per_step

    @property
    def flops(self) -> float:
        return self.flops_per_token * self.n_tokens

    @property
    def tokens_per_param(self) -> float:
        return self.n_tokens / self.n_params

    def with_settings(self, **changes) -> "RunSpec":
        return replace(self, settings=replace(self.settings, **changes))

    def to_dict(self) -> dict:
        out = asdict(self)
        out["model"] = self.model.to_dict()
        out["settings"] = self.settings.to_dict()
        out.update(n_tokens=self.n_tokens, flops=self.flops, tokens_per_param=self.tokens_per_param)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "RunSpec":
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["model"] = TransformerConfig(**data["model"])
        fields["settings"] = TrainSettings(**data.get("settings", {}))
        return cls(**fields)

"""Result objects of the planners: small frozen records with ``report()`` and ``to_dict()``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._table import rich_table
from ..units import format_quantity, format_span

__all__ = ["Plan"]


def _scalar(value):
    array = np.asarray(value)
    return array.item() if array.ndim == 0 else array.tolist()


@dataclass(frozen=True)
class Plan:
    """A training allocation: N parameters on D tokens for C FLOP, and the loss a law predicts.

    ``loss`` is None for allocation rules, which give N and D without a loss law. ``extra`` holds
    planner-specific numbers (epochs, unique tokens, penalty against the optimum, ...).
    """

    law: str
    compute_flops: float
    n_params: float
    n_tokens: float
    loss: float | None
    flops_per_param_token: float = 6.0
    method: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def tokens_per_param(self):
        return np.asarray(self.n_tokens) / np.asarray(self.n_params)

    def to_dict(self) -> dict:
        out = {
            "law": self.law,
            "compute": _scalar(self.compute_flops),
            "n_opt": _scalar(self.n_params),
            "d_opt": _scalar(self.n_tokens),
            "loss": None if self.loss is None else _scalar(self.loss),
            "tokens_per_param": _scalar(self.tokens_per_param),
            "flops_per_param_token": self.flops_per_param_token,
            "method": self.method,
        }
        out.update({k: _scalar(v) if isinstance(v, (float, np.ndarray, np.generic)) else v for k, v in self.extra.items()})
        return out

    @property
    def warnings(self) -> list[str]:
        return list(self.extra.get("warnings", []))

    def headline(self) -> str:
        """``law: C = ... FLOP -> N = ..., D = ..., loss ...``; first..last where there are several budgets."""
        loss = ""
        if self.loss is not None:
            loss = ", loss " + (format_span(self.loss) if np.size(self.loss) > 1
                                else f"{float(np.asarray(self.loss).ravel()[0]):.4f}")
        return (f"{self.law}: C = {format_span(self.compute_flops)} FLOP -> N = {format_span(self.n_params)}, "
                f"D = {format_span(self.n_tokens)}{loss}")

    def to_frame(self):
        """One row per budget: the numbers of ``to_dict()``."""
        import pandas as pd

        return pd.DataFrame({k: np.atleast_1d(v) for k, v in self.to_dict().items()
                             if isinstance(v, (int, float, list)) and k not in ("flops_per_param_token", "warnings")})

    def with_warnings(self, warnings: list[str]) -> "Plan":
        """This plan with ``warnings`` (e.g. extrapolation beyond the law's fitted range) added to its output."""
        from dataclasses import replace

        return replace(self, extra={**self.extra, "warnings": self.warnings + list(warnings)}) if warnings else self

    def rows(self) -> list[list[str]]:
        """One table row per budget: compute, N, D, D/N, loss and the extra numbers."""
        data = {k: np.atleast_1d(v) for k, v in self.to_dict().items()
                if isinstance(v, (int, float, list)) and k != "warnings"}
        count = len(data["compute"])
        rows = []
        for i in range(count):
            row = [f"{data['compute'][i]:.3g}", format_quantity(data["n_opt"][i]), format_quantity(data["d_opt"][i]),
                   f"{data['tokens_per_param'][i]:.1f}", "-" if self.loss is None else f"{np.atleast_1d(self.loss)[i]:.4f}"]
            row += [_format_extra(np.atleast_1d(self.extra[k])[i], k) for k in self.extra_columns()]
            rows.append(row)
        return rows

    def columns(self) -> list[str]:
        return ["compute (FLOP)", "N", "D (tokens)", "D/N", "loss"] + [LABELS.get(k, k) for k in self.extra_columns()]

    def extra_columns(self) -> list[str]:
        return [k for k, v in self.extra.items() if isinstance(v, (int, float, np.ndarray, np.generic))]

    def report(self):
        """The plan as a table; a planner's extra numbers in a second table, one row each."""
        from rich.console import Group
        from rich.text import Text

        budget = f"C = {self.extra['cost']}" if self.extra.get("cost") else f"C = {self.flops_per_param_token:g} N D"
        title = f"Plan under {self.law}: {self.method}, {budget}"
        columns, rows = self.columns(), self.rows()
        tables = [rich_table(title, columns[:5], [row[:5] for row in rows])]
        if len(columns) > 5:  # the planner's extra numbers: one row each, one column per budget
            tables.append(rich_table(None, ["at compute (FLOP)"] + [row[0] for row in rows],
                                     [[label] + [row[5 + j] for row in rows] for j, label in enumerate(columns[5:])]))
        return Group(*tables, *[Text(f"warning: {w}") for w in self.warnings])


#: Table headers of the planners' extra numbers (JSON keeps the keys).
LABELS = {
    "unique_tokens": "unique D", "epochs": "epochs", "effective_params": "effective N",
    "effective_tokens": "effective D", "asymptotic_loss": "loss floor", "fraction_of_gain": "gain realised",
    "inference_tokens": "inference tokens", "training_flops": "training FLOP", "inference_flops": "inference FLOP",
    "total_flops": "total FLOP", "chinchilla_n": "N (same loss)", "chinchilla_d": "D (same loss)",
    "chinchilla_total_flops": "total FLOP (same loss)", "saving_fraction": "FLOP saved",
    "n_compute_optimal": "optimal N", "d_compute_optimal": "optimal D", "loss_compute_optimal": "optimal loss",
    "loss_penalty": "loss penalty", "compute_overhead": "extra compute",
}
#: Extra numbers that are fractions, shown as percentages.
PERCENT = {"fraction_of_gain", "saving_fraction", "compute_overhead"}


def _format_extra(value, key: str = "") -> str:
    value = float(value)
    if key in PERCENT:
        return f"{100 * value:.1f}%"
    return format_quantity(value) if abs(value) >= 1e4 else f"{value:.4g}"

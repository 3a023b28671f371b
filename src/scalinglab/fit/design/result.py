"""``Suggestion``: the runs to train next, ranked, with their cost, expected gain and cumulative spend."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

__all__ = ["Suggestion"]

_INPUT_LABELS = {"n": "N", "d": "D", "c": "C (FLOP)", "u": "U"}


@dataclass(frozen=True)
class Suggestion:
    """Ranked runs (``picks``: dicts with rank, inputs, cost, expected reduction, cumulative cost, reason)."""

    family: str
    method: str
    picks: tuple[dict, ...]
    budget: float
    spent: float
    n_runs: int
    n_candidates: int
    target: dict
    variance_before: float | None
    variance_after: float | None
    identifiability: dict
    settings: dict
    notes: tuple[str, ...] = ()
    version: str = ""
    seconds: float = field(default=0.0, compare=False)

    def to_dict(self) -> dict:
        """JSON-safe: the picks, the target variance before and after, identifiability, settings, notes and
        warnings (the parameters the runs done cannot identify)."""
        return {"family": self.family, "method": self.method, "picks": copy.deepcopy(list(self.picks)),
                "budget": self.budget, "spent": self.spent, "n_runs": self.n_runs,
                "n_candidates": self.n_candidates, "target": copy.deepcopy(self.target),
                "variance_before": self.variance_before, "variance_after": self.variance_after,
                "identifiability": copy.deepcopy(self.identifiability), "settings": copy.deepcopy(self.settings),
                "notes": list(self.notes), "warnings": self.warnings, "version": self.version}

    @property
    def warnings(self) -> list[str]:
        """One line per parameter the runs done cannot identify, naming the candidates that move it most."""
        lines = []
        for name, info in self.identifiability.items():
            if not info["identified"]:
                moved = ", ".join(f"#{r}" for r in info["moved_by_picks"]) or "none of the picks"
                lines.append(f"{name} is not identified by the runs done; the candidates that move it most per unit "
                             f"cost: {info['best_candidates_text']} (in this batch: {moved})")
        return lines

    def headline(self) -> str:
        shown = f"{len(self.picks)} runs for {self.spent:.3g} of {self.budget:.3g}"
        if self.variance_before and self.variance_after is not None:
            shown += f"; target sd {self.variance_before ** 0.5:.3g} -> {self.variance_after ** 0.5:.3g} (log loss)"
        return f"{self.family}: {shown}"

    def to_frame(self):
        """One row per pick: rank, its inputs, cost, variance reduction, cumulative cost and reason."""
        import pandas as pd

        return pd.DataFrame([{"rank": p["rank"], **p["inputs"], "cost": p["cost"],
                              "variance_reduction": p["variance_reduction"], "cumulative_cost": p["cumulative_cost"],
                              "reason": p["reason"]} for p in self.picks])

    def report(self):
        """A heading, the ranked runs, the parameters the runs done cannot identify, and notes."""
        from rich.console import Group
        from rich.text import Text

        from ..._table import rich_table
        from ...units import format_quantity

        parts = [Text(f"Which runs next ({self.method}) for the {self.family} law: {self.n_runs} runs done, "
                      f"{self.n_candidates} candidates, budget {self.budget:.3g}", style="bold"),
                 Text(f"target: {self.target['text']} ({self.target['points']} point{'' if self.target['points'] == 1 else 's'})")]
        inputs = list(self.picks[0]["inputs"]) if self.picks else []
        rows = []
        for pick in self.picks:
            gain = pick.get("variance_reduction")
            rows.append([str(pick["rank"])] + [format_quantity(pick["inputs"][key]) if key != "c" else
                                               f"{pick['inputs'][key]:.3g}" for key in inputs]
                        + [f"{pick['cost']:.3g}", "-" if gain is None else f"{gain:.3g}",
                           f"{pick['cumulative_cost']:.3g}", pick["reason"]])
        columns = ["rank"] + [_INPUT_LABELS.get(key, key) for key in inputs] + ["cost", "expected variance reduction",
                                                                         "cumulative cost", "why"]
        parts.append(rich_table("Runs to train next", columns, rows))
        if self.variance_before is not None and self.variance_after is not None:
            parts.append(Text(f"integrated variance of the predicted log loss over the target: "
                              f"{self.variance_before:.3g} now, {self.variance_after:.3g} expected after these runs "
                              f"(sd {self.variance_before ** 0.5:.3g} -> {self.variance_after ** 0.5:.3g})"))
        for line in self.warnings:
            parts.append(Text(line, style="yellow"))
        for note in self.notes:
            parts.append(Text(f"note: {note}"))
        return Group(*parts)

"""Constraints that bind: the largest run's N, D and loss under a law, and where a ceiling changes that path.

The run of each year has compute C (after the money, compute and GPU ceilings) and wants a dataset
D_w (the scenario's rule: tokens per parameter, or a law's compute-optimal D). With a stock of U
unique tokens that may be repeated E times (``data_stock.binding_epochs``), the run trains on

    D = min(D_w, E U)      and      N = C / (6 D),

so the dataset path never exceeds the stock times the allowed epochs; compute beyond that goes into
parameters. Its loss follows the data-constrained law (Muennighoff et al. 2023, arXiv:2305.16264,
eq. 5-7): repeated tokens count as D' = U + U R_D* (1 - exp(-(D/U - 1) / R_D*)) and parameters beyond
the compute-optimal size for U tokens as N' = U_N + U_N R_N* (1 - exp(-(N/U_N - 1) / R_N*)), so the
predicted loss L(N', D') flattens once the stock is exhausted. The law's base is the chosen
Chinchilla-form law; R_D* and R_N* are Muennighoff et al.'s (the ``muennighoff2023`` law). The
*useful compute* 6 N' D' is what a run on fresh data and non-excess parameters would spend for the same
inputs: it equals C while the run repeats no data and is no larger than the law's compute-optimal size for
its data (a 20-tokens-per-parameter run under a law that prefers more tokens per parameter is already
over-sized), and it stops growing once the stock binds.

A constraint *binds* in a year only where it changes that path: its wanted level exceeds its ceiling
and no other ceiling on the same stage (compute, GPUs, spending or dataset) is tighter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..options import spelled

__all__ = ["DEFAULT_LAW", "RunLaw", "run_law", "caller_law", "run_path", "binding_margins", "STAGES"]

#: The law a run's loss is predicted with when neither the caller nor the scenario's dataset rule names one.
DEFAULT_LAW = "hoffmann2022"

#: constraint -> stage of the path it cuts (ceilings on one stage compete; the tightest binds)
STAGES = {"spending cap": "compute", "compute cap": "compute", "GPU supply": "compute", "gpus cap": "gpus",
          "dataset cap": "dataset", "data stock": "dataset"}

_LOG10_6 = float(np.log10(6.0))


@dataclass(frozen=True)
class RunLaw:
    """A Chinchilla-form law with Muennighoff et al.'s repetition constants: the run's loss and allocation."""

    name: str
    law: object  # DataConstrainedLaw

    def optimal_log_tokens(self, log_compute: np.ndarray) -> np.ndarray:
        """log10 compute-optimal D (fresh data) for log10 C (Hoffmann et al. 2022, eq. 4)."""
        base = self.law.base
        return base.optimal_d_exponent * (log_compute - _LOG10_6) - np.log10(base.allocation_constant)


def run_law(name: str | None, *, label: str = "law") -> RunLaw:
    """The named law, made data-constrained with Muennighoff et al. 2023's R_D* and R_N* if it is not already
    (``label``: what messages call it)."""
    from ..laws import ChinchillaLaw, DataConstrainedLaw, get_law

    name = name or DEFAULT_LAW
    law = get_law(name).law
    if isinstance(law, ChinchillaLaw):
        repetition = get_law("muennighoff2023").law
        law = DataConstrainedLaw(base=law, R_D_star=repetition.R_D_star, R_N_star=repetition.R_N_star)
    elif not isinstance(law, DataConstrainedLaw):
        raise InputError(f"{label} {name!r} ({law.family}) has no loss in N and D of the Chinchilla form; "
                         "choose one such as hoffmann2022, besiroglu2024 or muennighoff2023")
    return RunLaw(name, law)


def caller_law(name: str) -> RunLaw:
    """:func:`run_law` of the law the caller chose, checked before any work (a scenario without a dataset
    uses no law), with one-line errors naming the parameter as the caller spells it (``--law``, ``law=``)."""
    from ..errors import UnknownNameError

    try:
        return run_law(name, label=spelled("law"))
    except UnknownNameError as error:
        raise InputError(f"{spelled('law')}: {error}") from None


def _discounted(log_x: np.ndarray, log_unique: np.ndarray, r_star: float) -> np.ndarray:
    """log10 of U (1 + R* (1 - exp(-(X/U - 1) / R*))) where X > U, else log10 X (Muennighoff et al. eq. 5-6).

    Evaluated only where X exceeds U (often a minority of the (years, samples) cells), in one scratch array.
    """
    out = np.array(log_x, dtype=float, copy=True)
    log_unique = np.broadcast_to(log_unique, out.shape)
    over = out > log_unique
    if over.all():  # every cell repeats: the whole array is the scratch, nothing gathered
        unique, x = log_unique, out
    elif over.any():
        unique, x = log_unique[over], out[over]
    else:
        return out
    x -= unique
    np.power(10.0, x, out=x)  # X / U
    np.subtract(1.0, x, out=x)
    x /= r_star
    np.expm1(x, out=x)
    x *= r_star
    np.subtract(1.0, x, out=x)
    np.log10(x, out=x)
    x += unique
    if x is not out:
        out[over] = x
    return out


def run_path(law: RunLaw, log_compute: np.ndarray, log_dataset: np.ndarray,
             log_stock: np.ndarray | None) -> dict[str, np.ndarray]:
    """log10 N, loss and useful compute of runs with compute C on D tokens (D/U epochs of a U-token stock).

    Effective data D' and parameters N' as ``DataConstrainedLaw.effective`` (Muennighoff et al. 2023, eq. 5-6),
    in log10 and only where the run repeats data or exceeds U_N (the compute-optimal size for its unique data).
    """
    log_compute, log_d = np.broadcast_arrays(np.asarray(log_compute, float), np.asarray(log_dataset, float))
    log_n = log_compute - _LOG10_6
    log_n -= log_d
    dc, base = law.law, law.law.base
    if log_stock is None:
        log_n_eff, log_d_eff = log_n, log_d
    else:
        log_u = np.minimum(np.broadcast_to(np.asarray(log_stock, float), log_d.shape), log_d)
        log_d_eff = _discounted(log_d, log_u, dc.R_D_star)
        # U_N = G (G U)^(beta/alpha) (DataConstrainedLaw.optimal_params_for_tokens)
        log_g = np.log10(base.allocation_constant)
        log_u_n = log_u + log_g
        log_u_n *= base.beta / base.alpha
        log_u_n += log_g
        log_n_eff = _discounted(log_n, log_u_n, dc.R_N_star)
    # E + A N'^-alpha + B D'^-beta, each term in its own scratch array (in-place steps, the same roundings)
    ln10 = np.log(10.0)
    loss = log_n_eff * (-base.alpha * ln10)
    np.exp(loss, out=loss)
    loss *= base.A
    loss += base.E
    data_term = log_d_eff * (-base.beta * ln10)
    np.exp(data_term, out=data_term)
    data_term *= base.B
    loss += data_term
    np.log10(loss, out=loss)
    useful = log_n_eff + _LOG10_6
    useful += log_d_eff
    return {"n_params": log_n, "loss": loss, "useful_compute": useful}


def binding_margins(constraints: dict, stages: dict[str, str]) -> dict[str, np.ndarray]:
    """log10 margin per constraint that is >= 0 exactly where it changes the path.

    Its own excess (wanted - ceiling) where it is the tightest ceiling of its stage, else the (negative)
    amount by which another ceiling of the stage is tighter; interpolating where it crosses zero dates the year
    it starts to bind.
    """
    excess = {name: np.asarray(wanted, float) - np.asarray(ceiling, float) for name, (wanted, ceiling) in constraints.items()}
    out = {}
    for name, own in excess.items():
        stage = stages.get(name, STAGES.get(name, name))
        rivals = [excess[other] for other in excess if other != name and stages.get(other, STAGES.get(other, other)) == stage]
        margin = own
        for rival in rivals:
            margin = np.minimum(margin, own - rival)
        out[name] = margin
    return out


def _ceiling_text(scenario, paths, name: str) -> str:
    f = scenario.factors
    if name in ("spending cap", "compute cap", "gpus cap", "dataset cap"):
        return getattr(f, name.split()[0]).cap.describe()
    if name == "GPU supply":
        return f"{f.gpu_production.max_share.describe()} of a year's GPU shipments"
    if name == "data stock":
        epochs = f.data_stock.binding_epochs
        text = epochs.describe() if epochs is not None else f"{paths.binding_epochs:g} (default)"
        return f"stock x {text} epochs"
    return ""


def binds_table(scenario, paths, margins: dict[str, np.ndarray], i0: int, first_years: dict[str, np.ndarray]) -> dict:
    """Per constraint: its ceiling, the share of samples whose path it changes, when, and by how much at the end.

    ``cut_at_end`` is the median factor by which the binding ceiling holds the level below what the run
    wanted in the last year, over the samples in which it binds then. Ceilings a scenario states as
    ``none`` are listed with their source.
    """
    from .milestones import year_percentiles

    out: dict[str, dict] = {}
    for name, margin in margins.items():
        wanted, ceiling = paths.constraints[name]
        last_margin = np.ravel(np.atleast_2d(margin)[-1])
        excess = np.ravel(np.atleast_2d(np.asarray(wanted, float) - np.asarray(ceiling, float))[-1])
        excess = np.broadcast_to(excess, last_margin.shape)
        binding_now = last_margin >= 0
        years = np.asarray(first_years[name], dtype=float)
        out[name] = {
            "stage": paths.stages.get(name, STAGES.get(name, name)),
            "ceiling": _ceiling_text(scenario, paths, name),
            "binds_share": float(np.isfinite(years).mean()),
            "first_year": year_percentiles(years),
            "binds_at_end_share": float(binding_now.mean()),
            "cut_at_end": float(np.median(10.0 ** excess[binding_now])) if binding_now.any() else None,
        }
    for factor in ("spending", "compute", "gpus", "dataset"):
        series = getattr(scenario.factors, factor)
        if series is not None and series.cap is not None and series.cap.none:
            out[f"{factor} cap"] = {"stage": STAGES.get(f"{factor} cap", factor), "ceiling": "none",
                                    "source": str(series.cap.source), "binds_share": 0.0}
    return out

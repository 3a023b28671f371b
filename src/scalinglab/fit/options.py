"""Which ``fit`` options apply to which law family: an option a family cannot use is refused, never dropped.

Families: the laws of N and D (chinchilla, kaplan, data-constrained), the one-variable laws (power,
saturating-power, broken-power: loss against one of N, D or C) and the accuracy S-curve. A family
not named here (a user formula) is checked only against the options that belong to another
family alone.
"""

from __future__ import annotations

from ..errors import InputError

__all__ = ["check_family_options", "ACCURACY", "ND_FAMILIES", "ONE_VARIABLE", "OPTION_FLAGS"]

ACCURACY = frozenset({"accuracy", "sigmoid"})
ND_FAMILIES = frozenset({"chinchilla", "kaplan", "data-constrained"})
ONE_VARIABLE = frozenset({"power", "saturating-power", "broken-power"})

#: option -> (its command-line flag, the families it applies to, why the others cannot use it).
_RULES = {
    "leave_one_budget_out": ("--leave-one-budget-out", lambda f: f not in ACCURACY,
                             "it backtests a loss law by IsoFLOP budget; use --holdout-above"),
    "drop_highest_loss": ("--drop-highest-loss", lambda f: f not in ACCURACY,
                          "it drops the runs of highest loss, and this law fits accuracies; use --where"),
    "target_loss": ("--target-loss", lambda f: f in ND_FAMILIES or f not in ACCURACY | ONE_VARIABLE,
                    "it plans compute from a law of N and D"),
    "compute": ("--compute", lambda f: f in ND_FAMILIES or f not in ACCURACY | ONE_VARIABLE,
                "the compute-optimal allocation needs a law of N and D"),
    "at": ("--at", lambda f: f not in ONE_VARIABLE, "new runs N:D need a law of N and D"),
    "objective": ("--objective", lambda f: f not in ACCURACY,
                  "the accuracy curve is fitted by least squares on accuracy"),
    "delta": ("--delta", lambda f: f not in ACCURACY, "the accuracy curve is fitted by least squares on accuracy"),
    "weight": ("--weight", lambda f: f not in ACCURACY, "the accuracy curve is fitted by least squares on accuracy"),
    "estimator": ("--estimator", lambda f: f not in ACCURACY,
                  "the accuracy curve has its own start grid"),
    "base": ("--base", lambda f: f == "data-constrained", "only the data-constrained law has a base law"),
    "u_col": ("--u-col", lambda f: f == "data-constrained", "only the data-constrained law uses unique tokens"),
    "floor": ("--floor", lambda f: f in ACCURACY, "only the accuracy law has a chance level"),
    "ceiling": ("--ceiling", lambda f: f in ACCURACY, "only the accuracy law has a ceiling"),
    "accuracy_col": ("--accuracy-col", lambda f: f in ACCURACY, "only the accuracy law fits accuracies"),
    "x": ("--x", lambda f: f not in ND_FAMILIES, "laws of N and D use both N and D"),
}
OPTION_FLAGS = {name: rule[0] for name, rule in _RULES.items()}


def _canonical(family: str) -> str:
    """The family of a family name or of a published law's name (the name itself when neither)."""
    from ..errors import ScalingLabError
    from ..laws import get_law

    key = str(family).strip().lower()
    if key in ACCURACY | ND_FAMILIES | ONE_VARIABLE:
        return key
    try:
        return get_law(key).family
    except ScalingLabError:
        return key


def check_family_options(family: str, **given) -> None:
    """Refuse (``InputError``, one line) the first option in ``given`` that ``family`` cannot use.

    ``given`` maps option names of ``fit`` to True when the user set them (a value other than the
    default), e.g. ``check_family_options("accuracy", target_loss=True)``.
    """
    family = _canonical(family)
    for name, used in given.items():
        if not used or name not in _RULES:
            continue
        flag, applies, why = _RULES[name]
        if not applies(family):
            raise InputError(f"{flag} does not apply to the {family} law: {why}")

"""``sl.plan`` and ``sl.predict``: compute-optimal allocations and a law's loss at given N, D or C."""

from __future__ import annotations

from .._results import Result
from ..errors import InputError
from ..fit.predict_options import PREDICT
from ..options import spelled
from ..plan.options import PLAN
from ..units import parse_quantity
from .declared import declared
from .inputs import is_many, parse_value, parse_values, resolve, unwrap


@declared(PLAN, positional=("compute",))
def plan(**values) -> Result:
    """Compute-optimal parameters N and tokens D for a compute budget, and its variants.

    Returns
    -------
    Result
        Wrapping a ``Plan``: ``compute_flops``, ``n_params``, ``n_tokens`` (float or arrays, as given),
        ``loss``; ``to_dict()`` keys ``compute``, ``n_opt``, ``d_opt``, ``loss``, ``tokens_per_param``.
        Single values in give floats; a list in (or several epochs) gives lists. The CLI passes
        ``compute`` as a list, so ``plan --json`` always prints lists, however many budgets are asked.

    Examples
    --------
    >>> import scalinglab as sl
    >>> p = sl.plan(compute=5.76e23, law="hoffmann2022")
    >>> round(p.n_params / 1e9, 1), round(p.n_tokens / 1e12, 2)
    (32.2, 2.98)
    >>> [f"{n:.3g}" for n in sl.plan(compute=[1e21, 1e23], law="hoffmann2022").to_dict()["n_opt"]]
    ['1.82e+09', '1.46e+10']
    """
    from ..laws.ranges import fitted_range
    from ..plan.dispatch import plan_for

    law, inputs = values.pop("law"), values.pop("inputs")
    many = any(is_many(v) or (isinstance(v, str) and "," in v) for v in (values["compute"], values["target_loss"],
                                                                          values["epochs"]))
    name, the_law = resolve(law)
    return Result(plan_for(_with_inputs(the_law, inputs), name=name, many=many, fitted_range=fitted_range(law),
                           **{key: _read(PLAN[key], value) for key, value in values.items()}), kind="Plan")


def _read(option, value):
    """A declared number read from a number or text (``"70B"``, ``"1e21,1e23"``): a list where it repeats;
    each in the option's domain."""
    if value is None or option.kind not in ("quantity", "float"):
        return value
    numbers = parse_values(value, option.spelled)
    for number in numbers:
        option.check_bounds(number)
    return numbers if option.many else parse_value(value, option.spelled)


def _with_inputs(law, inputs):
    """A formula law with its inputs other than N and D held at the given values (``--input E=8``)."""
    if not inputs:
        return law
    from ..laws.formula_law import FormulaLaw, parse_named

    if not isinstance(law, FormulaLaw):
        raise InputError(f"{spelled('inputs')} fixes inputs of a formula law; the {law.family} law has none but N and D")
    values = {}
    for name, value in parse_named(inputs, "input").items():
        values[name] = parse_quantity(value, what=f"{spelled('inputs')} {name}")
    return law.with_inputs(values)


@declared(PREDICT, positional=("law",))
def predict(**values) -> Result:
    """The loss a law predicts at N parameters trained on D tokens (or at compute C, or at x), or for every
    run of a table (``runs``: intervals, residuals, R^2 and MAPE).

    Returns
    -------
    Result
        Wrapping a ``Prediction``: ``loss`` (a float, or an array for array inputs) and ``inputs``; with
        ``runs``, wrapping the per-run predictions (``to_dict()`` keys ``summary``, ``rows``; ``save(path)``
        writes them as .csv or .json).

    Examples
    --------
    >>> import scalinglab as sl
    >>> round(sl.predict("hoffmann2022", params="70B", tokens="1.4T").loss, 4)
    1.9366
    >>> sl.predict("hoffmann2022", params=[1e9, 7e10], tokens="1.4T").loss.round(3).tolist()
    [2.207, 1.937]
    """
    if values["runs"] is not None:
        return _predict_runs(values)
    from ..laws.ranges import fitted_range
    from ..plan import predict as _predict

    name, the_law = resolve(values["law"])
    result = _predict(_with_inputs(the_law, values["inputs"]), n_params=parse_value(values["params"], "params"),
                      n_tokens=parse_value(values["tokens"], "tokens"),
                      unique_tokens=parse_value(values["unique_tokens"], "unique tokens"),
                      compute_flops=parse_value(values["compute"], "compute"), x=parse_value(values["x"], "x"),
                      name=name, fitted_range=fitted_range(values["law"]))
    return Result(result, kind="Prediction")


def _predict_runs(values: dict) -> Result:
    """Every run of the table ``values["runs"]`` predicted by the law, with intervals and scores."""
    from ..filters import as_filter
    from ..fit.predictions import predict_runs
    from ..laws.formula_law import parse_named

    where = as_filter(values["where"])
    result = predict_runs(unwrap(values["law"]), values["runs"], level=values["level"],
                          columns={key: values[key] for key in ("n_col", "d_col", "c_col", "loss_col", "u_col")},
                          table={"where": where, "duplicates": values["duplicates"],
                                 "drop_missing": values["drop_missing"]},
                          variables=parse_named(values["variables"], "var"))
    return Result(result, kind="Predictions")

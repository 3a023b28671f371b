"""A fit job's own process: load the runs, fit, and send progress, the result and its charts back.

Running fits in a child process keeps a long bootstrap from holding the server's interpreter (other
requests stay fast), and lets a cancel or the time limit stop it at once.
"""

from __future__ import annotations

import time

__all__ = ["main"]

_COLUMNS = ("n_col", "d_col", "c_col", "loss_col", "u_col", "budget_col", "group_col")


def _charts(kind: str, result) -> dict:
    from ..charts.fit import fit_chart, isoflop_chart, nopt_chart
    from ..charts.save import interactive_spec

    raw = getattr(result, "raw", result)

    if kind == "isoflop":
        return {"isoflop": interactive_spec(isoflop_chart(raw)), "n_opt": interactive_spec(nopt_chart(raw))}
    return {"fit": interactive_spec(fit_chart(raw))}


def main(kind: str, source: str, name: str | None, options: dict, max_rows: int, queue) -> None:
    """Run one job and put ``("progress", done, total, label)`` messages, then one final message on
    ``queue``: ``("result", to_dict, charts)``, ``("error", one_line)`` or ``("crash", text)``."""
    from ..errors import ScalingLabError
    from .service import clean, run_fit

    last = [0.0]

    def progress(done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] > 0.1:
            last[0] = now
            queue.put(("progress", done, total, label))

    try:
        from ..errors import InputError
        from ..fit import load_runs

        options = dict(options)
        columns = {key: options.pop(key) for key in _COLUMNS if key in options}
        k = options.get("flops_per_param_token")
        own = {}
        if options.get("formula") is not None:  # a formula's inputs are read from their own columns
            from ..api import formula_options

            variables = formula_options(options.get("law"), options["formula"], options.get("variables"), None)
            own = {"inputs": variables["variables"], "response": "any"}
        runs = load_runs(source, flops_per_param_token=k, name=name,
                         **{c: v for c, v in columns.items() if v is not None}, **own)
        if len(runs) > max_rows:
            raise InputError(f"{runs.source}: {len(runs):,} runs; the explorer fits at most {max_rows:,} "
                             f"(use the command line for more)")
        queue.put(("progress", 0, max(1, options.get("bootstrap") or 0), "fitting"))
        result = run_fit(kind, runs, options, progress)
        queue.put(("result", clean(result.to_dict()), _charts(kind, result)))
    except ScalingLabError as error:
        queue.put(("error", str(error)))
    except Exception as error:  # a bug, not a user error: the server answers 500 with this text
        queue.put(("crash", f"{type(error).__name__}: {error}"))

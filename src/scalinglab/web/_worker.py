"""A fit (or suggest) job's own process: load the runs, fit, and send progress, the result and its charts back.

Running fits in a child process keeps a long bootstrap from holding the server's interpreter (other
requests stay fast), and lets a cancel or the time limit stop it at once. The process caps its own
address space (``RLIMIT_AS``), so that a table that decodes to gigabytes (a compressed Parquet "bomb")
ends in a one-line error instead of taking the machine's memory, and works in an empty folder of its own,
so that no relative name can reach the server's files.
"""

from __future__ import annotations

import os
import time

__all__ = ["main"]

#: Read by OpenBLAS, OpenMP and MKL when numpy first loads. Each BLAS thread reserves its own buffers
#: (tens of MB of address space), and a fit's matrices are small: one thread is as fast and keeps the
#: address-space cap meaningful. Likewise pyarrow's default pool (mimalloc) reserves 1 GiB of address
#: space at its first allocation (the charts' data frames); ``ARROW_DEFAULT_MEMORY_POOL=system`` does not.
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_M_ARENA_MAX = -8  #: glibc's mallopt parameter number (malloc.h)


def _charts(kind: str, result) -> dict:
    if kind == "suggest":  # a ranked table, no chart
        return {}
    import altair as alt

    from ..charts.fit import fit_chart, isoflop_chart, nopt_chart
    from ..charts.save import interactive_spec

    alt.data_transformers.disable_max_rows()  # an upload has at most Limits.upload_rows runs

    raw = getattr(result, "raw", result)
    if hasattr(raw, "by"):  # one analysis per group: a fit's groups get one chart, IsoFLOP's a table only
        from ..charts.fit import groups_chart

        return {"fit": interactive_spec(groups_chart(raw))} if kind == "fit" else {}
    if kind == "isoflop":
        return {"isoflop": interactive_spec(isoflop_chart(raw)), "n_opt": interactive_spec(nopt_chart(raw))}
    return {"fit": interactive_spec(fit_chart(raw))}


def cap_memory(megabytes: int | None) -> None:
    """Limit this process's address space to ``megabytes`` (Linux ``RLIMIT_AS``; a no-op elsewhere)."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    if megabytes:
        limit = megabytes * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:  # glibc: one malloc arena, not one 64 MB reservation per thread
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, 1)
    except (OSError, AttributeError):
        pass


def main(kind: str, source: str, name: str | None, options: dict, max_rows: int, queue,
         memory_mb: int | None = None, folder: str | None = None) -> None:
    """Run one job in ``folder`` (its private working folder) and put ``("progress", done, total, label)`` messages, then one final message on
    ``queue``: ``("result", to_dict, charts)``, ``("error", one_line)`` or ``("crash", text)``."""
    from ..errors import ScalingLabError
    from .service import clean, run_job

    if folder is not None:
        os.chdir(folder)
    os.environ.update(dict.fromkeys(_THREAD_VARIABLES, "1"))  # before numpy and pyarrow load
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
    cap_memory(memory_mb)

    last = [0.0]

    def progress(done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] > 0.1:
            last[0] = now
            queue.put(("progress", done, total, label))

    from ..options import speaking

    try:
        with speaking("web"):  # messages name the request's fields, not the command line's flags
            from ..errors import InputError
            from ..fit import load_runs
            from ..fit.options import COLUMNS, TABLE

            options = dict(options)
            columns = {key: options.pop(key) for key in (*COLUMNS, "u_col") if key in options}
            table = {key: options.pop(key) for key in TABLE if key != "flops_per_param_token"
                     and options.get(key) is not None}
            k = options.get("flops_per_param_token")
            own = {}
            if options.get("formula") is not None:  # a formula's inputs are read from their own columns
                from ..api import formula_options

                variables = formula_options(options.get("law"), options["formula"], options.get("variables"), None)
                own = {"inputs": variables["variables"], "response": "any"}
            runs = load_runs(source, flops_per_param_token=k, name=name,
                             **{c: v for c, v in columns.items() if v is not None}, **table, **own)
            if len(runs) > max_rows:
                raise InputError(f"{runs.source}: {len(runs):,} runs; the explorer fits at most {max_rows:,} "
                                 f"(use the command line for more)")
            queue.put(("progress", 0, max(1, options.get("bootstrap") or 0), "fitting"))
            if options.get("group_by") is not None:  # each group is split from the table itself, then loaded
                runs, options = source, {**options, **columns, **table}
            result = run_job(kind, runs, options, progress)
            queue.put(("result", clean(result.to_dict()), _charts(kind, result)))
    except ScalingLabError as error:
        queue.put(("error", str(error)))
    except MemoryError:
        queue.put(("error", f"{name or source}: the fit needs more than the explorer's {memory_mb:,} MB of memory; "
                            f"use fewer runs or bootstrap refits, or the command line"))
    except Exception as error:  # a bug, not a user error: the server answers 500 with this text
        queue.put(("crash", f"{type(error).__name__}: {error}"))

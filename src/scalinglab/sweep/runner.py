"""Run a planned sweep into the registry: skip finished runs, execute the rest, optionally fit.

The registry is written only here, by the process that drives the sweep: a run is marked
``running`` before it starts and recorded whole (results, loss curve and the node it ran on, one
transaction) when its result comes back, against its configuration hash; an attempt lost with its
node is counted and submitted again. A sweep killed at any point resumes where it stopped when run
again with the same name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Interrupted, ScalingLabError
from ..store import RunsRegistry
from .corpus import TokenizedCorpus
from .executors import Job, check_options, make_executor
from .planner import SweepPlan

__all__ = ["SweepResult", "run_sweep", "sweep_frame", "fit_sweep"]


@dataclass
class SweepResult:
    """What a ``sweep run`` did and found: counts, the finished runs' table, the fit (if asked)."""

    name: str
    registry: str
    out_dir: str
    executor: str
    device: str
    skipped: int
    ran: int
    failed: list[dict]
    seconds: float
    rows: list[dict]
    retries: int = 0
    fit: dict | None = None
    fit_error: str | None = None
    charts: list[str] = field(default_factory=list)
    fit_result: object = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {"name": self.name, "registry": self.registry, "out_dir": self.out_dir, "executor": self.executor,
                "device": self.device, "skipped": self.skipped, "ran": self.ran, "failed": self.failed,
                "seconds": self.seconds, "retries": self.retries, "runs": self.rows, "fit": self.fit,
                "fit_error": self.fit_error,
                "charts": self.charts}

    def headline(self) -> str:
        return self.name.strip() or "sweep"

    def report(self):
        from rich.console import Group

        from .._table import rich_table
        from ..units import format_quantity

        rows = [[r["key"], f"{r['budget']:.3g}", format_quantity(r["params"]), format_quantity(r["tokens"]),
                 f"{r['loss']:.4f}", f"{r['wall_seconds']:.1f}", f"{r['tokens_per_second']:,.0f}",
                 "-" if r["mfu"] is None else f"{100 * r['mfu']:.1f}%"] for r in self.rows]
        title = (f"Sweep {self.name}: {len(self.rows)} finished ({self.ran} run now, {self.skipped} already done, "
                 f"{len(self.failed)} failed) in {self.seconds:.1f} s on {self.device} ({self.executor}); registry {self.registry}")
        nodes = sorted({r["node"] for r in self.rows if r.get("node")})
        if len(nodes) > 1 or self.retries:
            title += f"; nodes {', '.join(nodes)}; {self.retries} lost attempts retried"
        parts = [rich_table(title, ["run", "budget", "N", "D (tokens)", "held-out loss", "seconds", "tokens/s", "MFU"],
                            rows)]
        parts += [f"failed {f['key']}: {f['error']}" for f in self.failed]
        if self.fit_result is not None:
            parts.append(self.fit_result.report())
            ratios = [p["d_opt"] / p["n_opt"] for p in self.fit["points"] if p.get("used")]
            if ratios:
                parts.append("tokens per parameter at the fitted optima: " + ", ".join(f"{x:.1f}" for x in ratios))
        if self.fit_error:
            parts.append(f"IsoFLOP fit: {self.fit_error}")
        parts += [f"chart: {c}" for c in self.charts]
        return Group(*parts)


def _progress(enabled: bool):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), disable=not enabled, transient=False)


def run_sweep(plan: SweepPlan, corpus: TokenizedCorpus, *, name: str, registry: str | Path, out_dir: str | Path,
              executor: str = "local", device: str = "cpu", ray_address: str | None = None, gpus_per_run: float = 0.0,
              cpus_per_run: float = 1.0, max_epochs: float = 1.0, fit: bool = False, save_models: bool = False,
              peak_flops: float | None = None, progress: bool = True, retries: int = 2, resources: dict | None = None,
              slurm: dict | None = None, force: bool = False, only: frozenset[str] | None = None) -> SweepResult:
    """Execute every unfinished run of ``plan`` on ``corpus`` and record it in ``registry`` under ``name``
    (``only``: just the runs with these keys; the others stay pending).

    ``retries``: how often a run lost with its node or job is submitted again (ray, submitit);
    ``resources``: custom Ray resources per run; ``slurm``: the submitit executor's options
    (:class:`~scalinglab.sweep.submitit_executor.SubmititExecutor`)."""
    started = time.perf_counter()
    check_options(executor, ray_address=ray_address, resources=resources, slurm=slurm, retries=retries,
                  cpus_per_run=cpus_per_run, gpus_per_run=gpus_per_run)
    biggest = max(plan.runs, key=lambda r: r.n_tokens)
    corpus.check_tokens(biggest.n_tokens, max_epochs=max_epochs, what=f"run {biggest.key}")
    out = Path(out_dir) / name
    with RunsRegistry(registry) as db:
        db.open_sweep(name, plan.to_dict(), corpus.to_dict(), force=force)
        stored = {r["key"]: r for r in db.runs(name)}
        finished_before = {k for k, r in stored.items() if r["status"] == "finished"}
        chosen = [r for r in plan.runs if only is None or r.key in only]
        todo = [r for r in chosen if r.key not in finished_before]
        corpus_dict = corpus.to_dict()
        jobs = [Job(key=r.key, spec=r.to_dict(), corpus=corpus_dict, device=device,
                    log_path=str(out / "logs" / f"{r.key}.log"),
                    save_path=str(out / "models" / f"{r.key}.pt") if save_models else None, peak_flops=peak_flops,
                    config=stored[r.key]["config_hash"])
                for r in todo]
        failed: list[dict] = []
        retried = [0]
        if executor == "submitit":
            slurm = {"folder": str(out / "submitit"), **(slurm or {})}
        runner = make_executor(executor, ray_address=ray_address, gpus_per_run=gpus_per_run, cpus_per_run=cpus_per_run,
                               retries=retries, resources=resources, slurm=slurm) if jobs else None
        steps_of = {r.key: r.steps for r in plan.runs}
        try:
            with _progress(progress) as bar:
                overall = bar.add_task(f"sweep {name}", total=len(chosen),
                                       completed=sum(r.key in finished_before for r in chosen))
                current = bar.add_task("run", total=1, visible=False)

                def on_start(job: Job) -> None:
                    db.start_run(name, job.key, executor=executor, log_path=job.log_path)
                    if executor == "local":
                        bar.update(current, description=f"  {job.key}", total=steps_of[job.key], completed=0,
                                   visible=True)

                def on_step(key: str, step: int, steps: int) -> None:
                    bar.update(current, completed=step)

                def on_done(job: Job, result: dict, node: str) -> None:
                    if db.finish_run(name, job.key, result, config=job.config, node=node):
                        bar.advance(overall)

                def on_retry(job: Job, error: str) -> None:
                    db.retry_run(name, job.key, error)
                    retried[0] += 1

                def on_error(job: Job, error: str) -> None:
                    db.fail_run(name, job.key, error)
                    failed.append({"key": job.key, "error": error})
                    bar.advance(overall)

                if runner is not None:
                    runner.run(jobs, on_start=on_start, on_done=on_done, on_error=on_error, on_step=on_step,
                               on_retry=on_retry)
                bar.update(current, visible=False)
        except Interrupted as stop:
            stop.detail = _kept(db.runs(name))
            raise
        finally:
            if runner is not None:
                runner.close()
            db.release(name)
        rows = db.export_rows(name)
        result = SweepResult(name=name, registry=str(registry), out_dir=str(out), executor=executor, device=device,
                             skipped=len(chosen) - len(todo), ran=len(jobs) - len(failed), failed=failed,
                             seconds=time.perf_counter() - started, rows=rows, retries=retried[0])
        if fit and not failed:
            try:
                fitted = fit_sweep(rows)
                result.fit_result, result.fit = fitted, fitted.to_dict()
                db.record_fit(name, "isoflop-approach2", result.fit)
            except ScalingLabError as error:
                result.fit_error = str(error)
    if failed:
        first = failed[0]
        raise InputError(f"{len(failed)} of {len(chosen)} runs failed (first {first['key']}: {first['error']}); "
                         f"logs in {out / 'logs'}; run the same command again to retry them")
    return result


def _kept(runs: list[dict]) -> str:
    """What an interrupted sweep leaves: its finished runs, and the running ones going back to pending."""
    finished = sum(r["status"] == "finished" for r in runs)
    running = sum(r["status"] == "running" for r in runs)
    text = f"{finished} finished run{'s' if finished != 1 else ''} kept"
    if running:
        text += ", the running one returns to pending" if running == 1 else f", the {running} running ones return to pending"
    return text


def sweep_frame(rows: list[dict]):
    import pandas as pd

    from ..store import EXPORT_COLUMNS

    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS) if rows and "run" not in rows[0] else None)


def fit_sweep(rows: list[dict], *, bootstrap: int = 200, seed: int = 0):
    """Hoffmann et al.'s IsoFLOP Approach 2 on the finished runs (``scalinglab.fit.isoflop``).

    Only N, C, the loss and the budget go in (Approach 2 needs no D); the fit reports D_opt = C / (6 N).
    """
    from ..fit import isoflop

    frame = sweep_frame(rows)[["params", "flops", "loss", "budget"]]
    return isoflop(frame, approach=2, bootstrap=bootstrap, seed=seed, min_runs=3)

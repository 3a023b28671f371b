"""``scalinglab sweep plan|run|status|export``: IsoFLOP sweeps of small GPTs, recorded in SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import JsonOption, emit, law_option_help, old_option, refuse_unused, renamed

Preset = Annotated[str | None, typer.Option("--preset", help="Named option set: tiny (the CPU sweep of the demo and tests, under a minute) or small (21k-305k parameters, about 7 minutes on 2 CPU cores).")]
Budgets = Annotated[str | None, typer.Option("--compute", help="Compute budgets in FLOP: 1e15,3e15,1e16 or 1e15..1e17 or 1e15..1e17:5.")]
OldBudgets = Annotated[str | None, old_option("--budgets", "--compute")]
Corpus = Annotated[str | None, typer.Option("--corpus", help="demo (Python's standard library sources), a text file, a folder, .jsonl or .parquet.")]
TextField = Annotated[str | None, typer.Option("--text-field", help="JSON field or Parquet column holding the text (default text).")]
Tokenizer = Annotated[str | None, typer.Option("--tokenizer", help="byte (default) or bpe[:VOCAB], trained here on the training split.")]
Sizes = Annotated[int | None, typer.Option("--sizes", min=1, help="Model sizes per budget (default 3).")]
Spread = Annotated[float | None, typer.Option("--spread", help="Ratio between neighbouring sizes (default 3).")]
Law = Annotated[str | None, typer.Option("--law", help="Centre sizes on this law's optimum. " + law_option_help)]
TokensPerParam = Annotated[float | None, typer.Option("--tokens-per-param", help="Without --law: centre at N = sqrt(C / (6 r)) (default r = 20).")]
Flops = Annotated[str | None, typer.Option("--flops-method", help="FLOPs per token: 6nd (6 x total params, default), chinchilla (detailed) or kaplan.")]
OldFlops = Annotated[str | None, old_option("--flops", "--flops-method")]
NCtx = Annotated[int | None, typer.Option("--n-ctx", min=1, help="Context length in tokens (default 128).")]
Positions = Annotated[str | None, typer.Option("--positions", help="rotary (default) or learned.")]
Aspect = Annotated[float | None, typer.Option("--aspect-ratio", help="d_model / n_layers of the depth rule (default 32).")]
Seeds = Annotated[list[int] | None, typer.Option("--seed", min=0, help="Seed of every run (repeat for several seeds per run).")]
Steps = Annotated[int | None, typer.Option("--steps", min=1, help="Fix the steps of every run (batch = D / steps) instead of the batch rule.")]
BatchTokens = Annotated[float | None, typer.Option("--batch-tokens", help="Fixed batch in tokens instead of 0.5M (N/125M)^(2/3).")]
Lr = Annotated[float | None, typer.Option("--lr", help="Fixed peak learning rate instead of 6e-4 (N/125M)^(-1/3).")]
Threads = Annotated[int | None, typer.Option("--threads", min=1, help="Torch threads per run on CPU (default 1).")]
EvalTokens = Annotated[int | None, typer.Option("--eval-tokens", min=1, help="Held-out tokens scored at each evaluation.")]
Device = Annotated[str | None, typer.Option("--device", help="auto (default), cpu or cuda.")]
Compile = Annotated[bool | None, typer.Option("--compile/--no-compile", help="torch.compile each run on CUDA (default on; never on CPU).")]
MaxEpochs = Annotated[float | None, typer.Option("--max-epochs", help="Largest number of passes over the training tokens a run may make (default 1).")]
CacheDir = Annotated[Path | None, typer.Option("--cache-dir", help="Token cache (default $SCALINGLAB_CACHE or ~/.cache/scalinglab).")]
Db = Annotated[Path | None, typer.Option("--db", help="Runs registry (SQLite); default OUT/runs.sqlite.")]
Out = Annotated[Path, typer.Option("--out", help="Folder for logs, charts and the default registry.")]
Budget = Annotated[str | None, typer.Option("--budget", help="FLOP the suggested runs may cost in all, e.g. 1e11 (with --suggest or --adaptive).")]
Target = Annotated[str | None, typer.Option("--target", help="Compute (FLOP) whose compute-optimal loss the runs must pin down (default: the largest budget).")]


def _given(options: dict) -> dict:
    """The plan options among a command's parameters: those named in ``DEFAULTS`` (``None`` = not given)."""
    from ..sweep.api import DEFAULTS

    options = dict(options)
    options["budgets"] = renamed(options["budgets"], options.get("old_budgets"), "--budgets", "--compute")
    options["flops"] = renamed(options["flops"], options.get("old_flops"), "--flops", "--flops-method")
    given = {k: v for k, v in options.items() if k in DEFAULTS}
    given["seeds"] = tuple(given["seeds"]) if given.get("seeds") else None
    return given


def _prepare(options: dict, *, estimate: bool):
    """Plan from a command's parameters."""
    from ..sweep.api import prepare_plan

    return prepare_plan(preset=options["preset"], cache_dir=options["cache_dir"], estimate=estimate, **_given(options))


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="IsoFLOP sweeps of small GPTs: plan, run (local or Ray), status, export.",
                        no_args_is_help=True)
    app.add_typer(group, name="sweep")

    @group.command("plan")
    def plan_command(
        preset: Preset = None, budgets: Budgets = None, corpus: Corpus = None, text_field: TextField = None,
        tokenizer: Tokenizer = None, sizes: Sizes = None, spread: Spread = None, law: Law = None,
        tokens_per_param: TokensPerParam = None, flops: Flops = None, n_ctx: NCtx = None, positions: Positions = None,
        old_budgets: OldBudgets = None, old_flops: OldFlops = None,
        aspect_ratio: Aspect = None, seeds: Seeds = None, steps: Steps = None, batch_tokens: BatchTokens = None,
        lr: Lr = None, threads: Threads = None, eval_tokens: EvalTokens = None, device: Device = None,
        max_epochs: MaxEpochs = None, compile: Compile = None, cache_dir: CacheDir = None,
        no_estimate: Annotated[bool, typer.Option("--no-estimate", help="Skip timing a few steps per shape.")] = False,
        suggest: Annotated[bool, typer.Option("--suggest", help="Show the planned runs scalinglab suggest would train next within --budget (given the finished runs of --name in --db, or none).")] = False,
        budget: Budget = None, target: Target = None,
        db: Annotated[Path | None, typer.Option("--db", help="With --suggest: the registry holding the runs done.")] = None,
        name: Annotated[str | None, typer.Option("--name", help="With --suggest --db: the sweep whose finished runs count.")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Plan an IsoFLOP sweep and estimate its time on the device (trains nothing)."""
        if not suggest:
            if budget is not None or target is not None or db is not None or name is not None:
                from ..errors import InputError

                raise InputError("--budget, --target, --db and --name go with --suggest")
            emit(_prepare(locals(), estimate=not no_estimate), as_json)
            return
        from .. import api

        emit(api.sweep.plan(preset=preset, cache_dir=cache_dir, suggest=True, budget=budget, db=db, name=name,
                            target=target, **_given(locals())), as_json)

    @group.command("run")
    def run_command(
        preset: Preset = None, budgets: Budgets = None, corpus: Corpus = None, text_field: TextField = None,
        tokenizer: Tokenizer = None, sizes: Sizes = None, spread: Spread = None, law: Law = None,
        tokens_per_param: TokensPerParam = None, flops: Flops = None, n_ctx: NCtx = None, positions: Positions = None,
        old_budgets: OldBudgets = None, old_flops: OldFlops = None,
        aspect_ratio: Aspect = None, seeds: Seeds = None, steps: Steps = None, batch_tokens: BatchTokens = None,
        lr: Lr = None, threads: Threads = None, eval_tokens: EvalTokens = None, device: Device = None,
        max_epochs: MaxEpochs = None, compile: Compile = None, cache_dir: CacheDir = None,
        name: Annotated[str | None, typer.Option("--name", help="Sweep name in the registry (default: from the plan's fingerprint); the same name resumes.")] = None,
        db: Db = None, out: Out = Path("out/sweeps"),
        executor: Annotated[str, typer.Option("--executor", help="local (one run after another, default), ray (one task per run, local or a cluster) or submitit (one Slurm array task per run).")] = "local",
        ray_address: Annotated[str | None, typer.Option("--ray-address", help="Ray cluster to join (auto, HEAD_IP:6379, ray://host:10001); default: a local instance.")] = None,
        gpus_per_run: Annotated[float | None, typer.Option("--gpus-per-run", help="Ray/submitit: GPUs per run, fractions share a GPU under Ray (default 1 on CUDA, else 0).")] = None,
        cpus_per_run: Annotated[float | None, typer.Option("--cpus-per-run", help="Ray/submitit: CPUs per run (default 1).")] = None,
        resource: Annotated[list[str] | None, typer.Option("--resource", help="Ray: a custom resource each run needs, NAME=AMOUNT (repeat for several).")] = None,
        retries: Annotated[int | None, typer.Option("--retries", help="Ray/submitit: times a run lost with its node or job is submitted again (default 2).")] = None,
        slurm_partition: Annotated[str | None, typer.Option("--slurm-partition", help="submitit: Slurm partition.")] = None,
        slurm_array_parallelism: Annotated[int | None, typer.Option("--slurm-array-parallelism", help="submitit: most array tasks running at once (default 64).")] = None,
        slurm_time: Annotated[float | None, typer.Option("--slurm-time", help="submitit: time limit per run in minutes (default 60); a run cut by it is requeued.")] = None,
        submitit_cluster: Annotated[str | None, typer.Option("--submitit-cluster", help="submitit: slurm, local (processes on this machine) or auto (slurm when sbatch is found; default).")] = None,
        submitit_folder: Annotated[Path | None, typer.Option("--submitit-folder", help="submitit: job files, logs and results (default OUT/submitit; on a shared file system).")] = None,
        fit: Annotated[bool, typer.Option("--fit", help="Fit IsoFLOP Approach 2 at the end and chart the curves.")] = False,
        save_models: Annotated[bool, typer.Option("--save-models", help="Save each trained model (state dict and spec).")] = False,
        peak_flops: Annotated[float | None, typer.Option("--peak-flops", help="Accelerator peak FLOP/s for MFU (default: from the catalogue).")] = None,
        force: Annotated[bool, typer.Option("--force", help="Take the sweep over from a process the registry names as its owner (only when that process no longer runs the sweep).")] = False,
        adaptive: Annotated[bool, typer.Option("--adaptive", help="Train only the runs suggest chooses: a seed round, then --rounds rounds of fit, suggest, train within --budget.")] = False,
        budget: Budget = None,
        rounds: Annotated[int | None, typer.Option("--rounds", min=1, help="With --adaptive: rounds after the seed round (default 3).")] = None,
        target: Target = None,
        as_json: JsonOption = False,
    ) -> None:
        """Train every run of the sweep (skipping finished ones) and record it in the registry."""
        from .. import api
        from .._io import check_output_dir, check_output_path
        from ..sweep.executors import parse_resources

        if executor == "local":
            refuse_unused("needs --executor ray or submitit (the local executor runs one run at a time here)",
                          {"--gpus-per-run": gpus_per_run, "--cpus-per-run": cpus_per_run, "--retries": retries})
        if not adaptive:
            refuse_unused("goes with --adaptive", {"--rounds": rounds})
        check_output_dir(out, flag="--out")
        if db is not None:
            check_output_path(db, flag="--db")
        slurm = {k: v for k, v in {"partition": slurm_partition, "array_parallelism": slurm_array_parallelism,
                                   "timeout_min": slurm_time, "cluster": submitit_cluster,
                                   "folder": None if submitit_folder is None else str(submitit_folder)}.items()
                 if v is not None}
        result = api.sweep.run(preset=preset, cache_dir=cache_dir, name=name, db=db, out=out, executor=executor,
                               ray_address=ray_address, gpus_per_run=-1.0 if gpus_per_run is None else gpus_per_run,
                               cpus_per_run=1.0 if cpus_per_run is None else cpus_per_run,
                               fit=fit, save_models=save_models, peak_flops=peak_flops, progress=not as_json,
                               retries=2 if retries is None else retries, resources=parse_resources(resource),
                               slurm=slurm or None, force=force, adaptive=adaptive, budget=budget,
                               rounds=3 if rounds is None else rounds, target=target,
                               **_given(locals()))
        emit(result, as_json)

    @group.command("status")
    def status_command(
        db: Annotated[Path, typer.Option("--db", help="Runs registry (SQLite).")] = Path("out/sweeps/runs.sqlite"),
        name: Annotated[str | None, typer.Option("--name", help="Show this sweep's runs.")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Sweeps in a registry, one sweep's runs, and a consistency check (exit 1 when it finds problems)."""
        from ..sweep.api import sweep_status

        status = sweep_status(db, name)
        emit(status, as_json)
        if status.problems:
            raise typer.Exit(1)

    @group.command("export")
    def export_command(
        name: Annotated[str, typer.Option("--name", help="Sweep to export.")],
        out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
        db: Annotated[Path, typer.Option("--db", help="Runs registry (SQLite).")] = Path("out/sweeps/runs.sqlite"),
        checkpoints: Annotated[bool, typer.Option("--checkpoints", help="One row per held-out evaluation (run column), for IsoFLOP Approach 1.")] = False,
        as_json: JsonOption = False,
    ) -> None:
        """Write finished runs as CSV with the columns scalinglab fit / isoflop read (params, tokens, flops, loss, budget)."""
        from .._io import check_output_path
        from ..sweep.api import export_sweep

        check_output_path(out, flag="--out", inputs=(db,))
        emit(export_sweep(db, name, out, checkpoints=checkpoints), as_json)

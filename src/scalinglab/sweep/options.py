"""The parameters of ``sweep plan``, ``run``, ``status`` and ``export``, each declared once, and the presets.

A preset is a named set of planning values (``PRESETS``); a value the caller gives overrides the preset's,
which overrides the declared default. The commands therefore take the planning options as ``GIVEN``: the
same declarations with "not given" (``None``) as their default, the declared default named in the help.
Batch and learning-rate rules, and their GPT-3 Small anchor, are in :mod:`scalinglab.sweep.config`.
"""

from __future__ import annotations

from dataclasses import replace

from ..options import Option, Options

__all__ = ["PLANNING", "GIVEN", "PRESETS", "MAX_THREADS", "PLAN", "RUN", "RUN_FLAGS", "SLURM", "STATUS", "EXPORT", "REGISTRY"]

#: Most torch threads a run may ask for (``torch.set_num_threads(10**6)`` ended the process with SIGSEGV).
MAX_THREADS = 1024

#: The planning options, with the defaults a sweep gets when neither the caller nor a preset sets them.
PLANNING = Options((
    Option("compute", "Compute budgets in FLOP: 1e15,3e15,1e16 or 1e15..1e17 (two per decade) or 1e15..1e17:5; "
                      "in Python also a list.", unit="FLOP"),
    Option("corpus", "demo (Python's standard library sources), a text file, a folder, .jsonl or .parquet.",
           default="demo"),
    Option("text_field", "JSON field or Parquet column holding the text.", default="text"),
    Option("tokenizer", "byte or bpe[:VOCAB], trained here on the training split.", default="byte"),
    Option("val_fraction", "Share of the corpus's documents held out for evaluation.", default=0.05, kind="float",
           low=0, high=1, low_open=True, high_open=True),
    Option("sizes", "Model sizes per budget.", default=3, kind="int", low=1),
    Option("spread", "Ratio between neighbouring sizes.", default=3.0, kind="float", low=1, low_open=True),
    Option("law", "Centre sizes on this law's optimum: a published law (see `scalinglab laws list`) or a saved fit "
                  "(.json)."),
    Option("tokens_per_param", "Without {law}: centre at N = sqrt(C / (6 r)).", default=20.0, kind="float", low=0,
           low_open=True, default_source="Hoffmann et al. 2022: about 20 tokens per parameter"),
    Option("flops_method", "FLOPs per token: 6nd (6 x total params), chinchilla (detailed) or kaplan.",
           default="6nd", kind="choice", choices=("6nd", "chinchilla", "kaplan")),
    Option("n_ctx", "Context length in tokens.", default=128, kind="int", low=1),
    Option("positions", "Position encoding: rotary or learned.", default="rotary", kind="choice",
           choices=("rotary", "learned")),
    Option("aspect_ratio", "d_model / n_layers of the depth rule.", default=32.0, kind="float", low=0, low_open=True),
    Option("seeds", "Seed of every run (repeat for several seeds per run).", default=(0,), kind="int", many=True,
           low=0, flag="--seed"),
    Option("steps", "Fix the steps of every run (batch = D / steps) instead of the batch rule.", kind="int", low=1),
    Option("batch_tokens", "Fixed batch in tokens instead of 0.5M (N/125M)^(2/3).", kind="float", low=0,
           low_open=True),
    Option("lr", "Fixed peak learning rate instead of 6e-4 (N/125M)^(-1/3).", kind="float", low=0, low_open=True),
    Option("threads", "Torch threads per run on CPU.", default=1, kind="int", low=1, high=MAX_THREADS),
    Option("eval_tokens", "Held-out tokens scored at each evaluation.", default=65_536, kind="int", low=1),
    Option("device", "auto (cuda when torch sees one, else cpu), cpu or cuda[:N].", default="auto"),
    Option("max_epochs", "Largest number of passes over the training tokens a run may make.", default=1.0,
           kind="float", low=0, low_open=True),
    Option("compile", "torch.compile each run on CUDA (never on CPU).", default=True, kind="bool",
           flag="--compile/--no-compile"),
))

#: Named planning values. ``tiny``: the CPU sweep of the tests and the demo: 3 budgets x 3 sizes of
#: byte-level models (3k-50k parameters, three of them at two budgets or more) on the demo corpus, every run
#: about 300 steps long; under a minute on one core. ``small``: 3 budgets x 3 sizes of 21k-305k parameters
#: at 3e11-3e12 FLOP, every run 500 steps; 6.6 minutes on 2 CPU cores.
PRESETS = {
    "tiny": {"compute": [5e9, 1e10, 2e10], "sizes": 3, "spread": 3.0, "n_ctx": 64, "steps": 300,
             "eval_tokens": 32_768, "device": "cpu"},
    "small": {"compute": [3e11, 1e12, 3e12], "sizes": 3, "spread": 2.5, "steps": 500, "device": "cpu"},
}


def _unset(option: Option) -> Option:
    """``option`` as the commands take it: ``None`` when not given, the declared default named in its help."""
    if option.default in (None, ()):
        return option
    shown = "on" if option.default is True else ",".join(map(str, option.default)) if option.many else option.default
    source = f" ({option.default_source})" if option.default_source else ""
    return replace(option, default=None, help=f"{option.help} Default: {shown}{source}, unless the preset sets it.")


#: The planning options as the commands take them, after a preset.
GIVEN = Options((
    Option("preset", "Named option set: tiny (the CPU sweep of the demo and tests, under a minute) or small "
                     "(21k-305k parameters, about 7 minutes on 2 CPU cores).", kind="choice", choices=tuple(PRESETS)),
    *(_unset(option) for option in PLANNING.items),
    Option("cache_dir", "Token cache (default $SCALINGLAB_CACHE or ~/.cache/scalinglab)."),
))

_BUDGET = Option("budget", "FLOP the suggested runs may cost in all, e.g. 1e11.", kind="quantity", unit="FLOP")
_TARGET = Option("target", "Compute (FLOP) whose compute-optimal loss the runs must pin down (default: the largest "
                           "budget).", kind="quantity", unit="FLOP")

#: A runs registry that is read (status, export): SQLite, opened read-only.
REGISTRY = Option("db", "Runs registry (SQLite).", default="out/sweeps/runs.sqlite")

PLAN = Options((
    *GIVEN.items,
    Option("estimate", "Time a few steps per shape on the device.", default=True, kind="bool",
           flag="--estimate/--no-estimate"),
    Option("suggest", "Show the planned runs scalinglab suggest would train next within {budget} (given the "
                      "finished runs of {name} in {db}, or none).", default=False, kind="bool"),
    replace(_BUDGET, requires=("suggest",)),
    replace(_TARGET, requires=("suggest",)),
    Option("db", "With {suggest}: the registry holding the runs done.", requires=("suggest",)),
    Option("name", "With {suggest} and {db}: the sweep whose finished runs count.", requires=("suggest",)),
))

RUN = Options((
    *GIVEN.items,
    Option("name", "Sweep name in the registry (default: from the plan's fingerprint); the same name resumes."),
    Option("db", "Runs registry (SQLite); default OUT/runs.sqlite."),
    Option("out", "Folder for logs, charts and the default registry.", default="out/sweeps"),
    Option("executor", "local (one run after another), ray (one task per run, local or a cluster) or submitit (one "
                       "Slurm array task per run).", default="local", kind="choice",
           choices=("local", "ray", "submitit")),
    Option("ray_address", "Ray cluster to join (auto, HEAD_IP:6379, ray://host:10001); default: a local instance."),
    Option("gpus_per_run", "Ray/submitit: GPUs per run, fractions share a GPU under Ray (default 1 on CUDA, else 0).",
           kind="float", low=0),
    Option("cpus_per_run", "Ray/submitit: CPUs per run.", default=1.0, kind="float", low=0, low_open=True),
    Option("resources", "Ray: custom resources each run needs, e.g. {'accel': 1}.", kind="object",
           excludes=("resource",)),
    Option("resource", "Ray: a custom resource each run needs, NAME=AMOUNT (repeat for several).", many=True),
    Option("retries", "Ray/submitit: times a run lost with its node or job is submitted again.", default=2,
           kind="int", low=0),
    Option("slurm", "submitit options as a dict: folder, cluster, partition, array_parallelism, timeout_min.",
           kind="object", excludes=("slurm_partition", "slurm_array_parallelism", "slurm_time", "submitit_cluster",
                                    "submitit_folder")),
    Option("slurm_partition", "submitit: Slurm partition."),
    Option("slurm_array_parallelism", "submitit: most array tasks running at once (default 64).", kind="int"),
    Option("slurm_time", "submitit: time limit per run in minutes (default 60); a run cut by it is requeued.",
           kind="float"),
    Option("submitit_cluster", "submitit: slurm, local (processes on this machine) or auto (slurm when sbatch is "
                               "found; default)."),
    Option("submitit_folder", "submitit: job files, logs and results (default OUT/submitit; on a shared file "
                              "system)."),
    Option("fit", "Fit IsoFLOP Approach 2 at the end and chart the curves.", default=False, kind="bool",
           excludes=("adaptive",)),
    Option("save_models", "Save each trained model (state dict and spec).", default=False, kind="bool"),
    Option("peak_flops", "Accelerator peak FLOP/s for MFU (default: from the catalogue).", kind="float",
           unit="FLOP/s", low=0, low_open=True),
    Option("force", "Take the sweep over from a process the registry names as its owner (only when that process "
                    "no longer runs the sweep).", default=False, kind="bool"),
    Option("adaptive", "Train only the runs suggest chooses: a seed round, then {rounds} rounds of fit, suggest, "
                       "train within {budget}.", default=False, kind="bool"),
    replace(_BUDGET, requires=("adaptive",)),
    Option("rounds", "With {adaptive}: rounds after the seed round.", default=3, kind="int", low=1,
           requires=("adaptive",)),
    replace(_TARGET, requires=("adaptive",)),
    Option("progress", "Show each run's progress on the terminal.", default=False, kind="object"),
))

#: The submitit executor's options (the keys of ``slurm``) and the parameters that set them one by one.
SLURM = {"folder": "submitit_folder", "cluster": "submitit_cluster", "partition": "slurm_partition",
         "array_parallelism": "slurm_array_parallelism", "timeout_min": "slurm_time"}

#: What the command line gives ``sweep run`` (the Python dicts ``resources`` and ``slurm`` are flags there).
RUN_FLAGS = RUN.without("resources", "slurm", "progress")

STATUS = Options((
    REGISTRY,
    Option("name", "Show this sweep's runs."),
))

EXPORT = Options((
    REGISTRY,
    Option("name", "Sweep to export."),
    Option("out", "CSV file to write."),
    Option("checkpoints", "One row per held-out evaluation (run column), for IsoFLOP Approach 1.", default=False,
           kind="bool"),
))

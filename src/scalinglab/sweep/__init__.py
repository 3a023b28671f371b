"""Real scaling experiments: corpus and tokenizers, a small GPT and its trainer, IsoFLOP sweep planning,
executors (local, Ray) and the runs registry.

Importing this package needs neither torch nor Ray; the trainer (``scalinglab.sweep.train``) and the
model (``scalinglab.sweep.model``) import torch, and the Ray executor imports Ray when it starts. The names
below are imported from their modules on first use, so that a command that only declares its options
(``scalinglab.sweep.options``) imports no numpy.
"""

from .._lazy import lazy_package

#: Public name -> the module of this package that defines it.
_HOME = {
    **dict.fromkeys(("DEFAULT_RULE", "HyperparameterRule", "RunSpec", "TrainSettings"), "config"),
    **dict.fromkeys(("Document", "TokenizedCorpus", "demo_documents", "prepare_corpus", "read_documents",
                     "split_documents"), "corpus"),
    **dict.fromkeys(("SweepPlan", "plan_sweep", "shape_for_params"), "planner"),
}

__all__ = [
    "DEFAULT_RULE", "Document", "HyperparameterRule", "RunSpec", "SweepPlan", "TokenizedCorpus", "TrainSettings",
    "demo_documents", "plan_sweep", "prepare_corpus", "read_documents", "shape_for_params", "split_documents",
]

lazy_package(__name__, _HOME)

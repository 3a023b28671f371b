"""Real scaling experiments: corpus and tokenizers, a small GPT and its trainer, IsoFLOP sweep planning,
executors (local, Ray) and the runs registry.

Importing this package needs neither torch nor Ray; the trainer (``scalinglab.sweep.train``) and the
model (``scalinglab.sweep.model``) import torch, and the Ray executor imports Ray when it starts.
"""

from .config import DEFAULT_RULE, HyperparameterRule, RunSpec, TrainSettings
from .corpus import Document, TokenizedCorpus, demo_documents, prepare_corpus, read_documents, split_documents
from .planner import SweepPlan, plan_sweep, shape_for_params

__all__ = [
    "DEFAULT_RULE", "Document", "HyperparameterRule", "RunSpec", "SweepPlan", "TokenizedCorpus", "TrainSettings",
    "demo_documents", "plan_sweep", "prepare_corpus", "read_documents", "shape_for_params", "split_documents",
]

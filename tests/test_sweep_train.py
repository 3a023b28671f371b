"""The trainer: schedule, reproducibility on CPU, held-out evaluation, logs, parameter counts."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings, strategies as st  # noqa: E402

from scalinglab.compute import param_counts  # noqa: E402
from scalinglab.sweep.corpus import prepare_corpus  # noqa: E402
from scalinglab.sweep.planner import plan_sweep  # noqa: E402
from scalinglab.sweep.train import eval_steps, lr_at, train_run  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(steps=st.integers(2, 5000), warm_frac=st.floats(0, 0.5), ratio=st.floats(0, 1))
def test_schedule_warms_up_then_decays_to_its_floor_at_the_last_step(steps, warm_frac, ratio):
    warmup = int(warm_frac * steps)
    lrs = [lr_at(s, peak=1.0, steps=steps, warmup=warmup, min_ratio=ratio) for s in range(steps)]
    assert max(lrs) <= 1.0 + 1e-12
    if warmup:
        assert lrs[warmup - 1] == pytest.approx(1.0)
        assert all(a <= b + 1e-12 for a, b in zip(lrs[:warmup], lrs[1:warmup]))
    tail = lrs[warmup:]
    assert all(a >= b - 1e-12 for a, b in zip(tail, tail[1:]))
    if steps - warmup >= 2:
        assert lrs[-1] == pytest.approx(ratio)


def test_eval_points_end_at_the_last_step():
    assert eval_steps(100, 4) == [25, 50, 75, 100]
    assert eval_steps(3, 4)[-1] == 3


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    corpus = prepare_corpus("demo", cache_dir=tmp_path_factory.mktemp("cache"))
    plan = plan_sweep([1e9], sizes=1, steps=40, vocab_size=corpus.vocab_size, n_ctx=32)
    return corpus, plan.runs[0].with_settings(eval_tokens=4096)


def test_cpu_runs_reproduce_bit_for_bit(tiny, tmp_path):
    corpus, spec = tiny
    a = train_run(spec, corpus, log_path=tmp_path / "a.log")
    b = train_run(spec, corpus)
    assert a.history == [dict(h, elapsed_s=x["elapsed_s"]) for h, x in zip(b.history, a.history)]
    assert a.final_loss == b.final_loss
    other = train_run(spec.__class__(**{**spec.__dict__, "seed": 1}), corpus)
    assert other.final_loss != a.final_loss
    log = (tmp_path / "a.log").read_text()
    assert spec.key in log and "done: val loss" in log


def test_loss_falls_and_counts_are_exact(tiny):
    corpus, spec = tiny
    result = train_run(spec, corpus)
    vals = [h["val_loss"] for h in result.history if h["val_loss"] is not None]
    assert len(vals) == 4 and vals[-1] < vals[0] < math.log(257) + 0.1
    assert result.final_loss == vals[-1]
    assert result.params_total == param_counts(spec.model)["total"] == spec.params_total
    assert result.tokens == spec.steps * spec.batch_size * spec.model.n_ctx
    assert result.flops == pytest.approx(6 * spec.params_total * result.tokens)
    assert result.mfu is None and result.device == "cpu"

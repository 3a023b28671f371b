"""IsoFLOP sweep planning: sizes around the optimum, tokens from the shared FLOP count, hyperparameter rules."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from conftest import assert_user_error
from scalinglab.compute import flops_per_token, param_counts
from scalinglab.errors import InputError
from scalinglab.laws import get_law
from scalinglab.plan import compute_optimal
from scalinglab.sweep.api import parse_budgets
from scalinglab.sweep.config import DEFAULT_RULE, HyperparameterRule
from scalinglab.sweep.planner import SweepPlan, plan_sweep, shape_for_params


def test_rule_is_anchored_at_gpt3_small():
    # Brown et al. 2020 (arXiv:2005.14165), Table 2.1, GPT-3 Small: 125M parameters, batch 0.5M tokens,
    # learning rate 6.0e-4.
    assert DEFAULT_RULE.batch_size(125e6, 2048) == round(0.5e6 / 2048)
    assert DEFAULT_RULE.learning_rate(125e6) == pytest.approx(6.0e-4)
    # Porian et al. 2024 exponents (rounded): 8x the parameters -> 4x the batch, half the learning rate
    assert DEFAULT_RULE.batch_size(1e9, 1) / DEFAULT_RULE.batch_size(125e6, 1) == pytest.approx(4.0, rel=1e-6)
    assert DEFAULT_RULE.learning_rate(1e9) / DEFAULT_RULE.learning_rate(125e6) == pytest.approx(0.5)
    fixed = HyperparameterRule(batch_tokens=4096, lr=1e-3)
    assert fixed.batch_size(1e6, 64) == 64 and fixed.learning_rate(5e9) == 1e-3


@settings(max_examples=40, deadline=None)
@given(n=st.floats(3e3, 3e8), vocab=st.sampled_from([257, 4096, 50257]), ctx=st.sampled_from([64, 256, 1024]))
def test_shapes_come_close_to_the_requested_size(n, vocab, ctx):
    shape = shape_for_params(n, vocab_size=vocab, n_ctx=ctx)
    got = param_counts(shape)["total"]
    smallest = param_counts(shape_for_params(1, vocab_size=vocab, n_ctx=ctx))["total"]
    if n > 2 * smallest:
        assert 0.6 < got / n < 1.6
    assert shape.d_model % shape.n_heads == 0 and shape.d_head % 2 == 0


def test_shapes_grow_with_the_requested_size():
    sizes = [param_counts(shape_for_params(n, vocab_size=257, n_ctx=64))["total"] for n in
             [3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7]]
    assert sizes == sorted(sizes)


def test_tokens_follow_the_named_flop_count():
    plan = plan_sweep([1e12, 1e13], flops_method="chinchilla", vocab_size=257, n_ctx=64)
    for run in plan.runs:
        assert run.flops_per_token == flops_per_token(run.model, method="chinchilla")
        assert run.flops <= run.budget
        assert run.flops > run.budget - run.flops_per_token * run.tokens_per_step  # whole steps only
    six = plan_sweep([1e12], vocab_size=257, n_ctx=64)
    assert all(r.flops_per_token == 6 * r.params_total for r in six.runs)


def test_sizes_centre_on_twenty_tokens_per_parameter_and_repeat_across_budgets():
    plan = plan_sweep([1e12, 4e12, 1.6e13], sizes=3, spread=2.0, vocab_size=257, n_ctx=64)
    assert plan.centre_params[0] == pytest.approx(math.sqrt(1e12 / 120))
    shapes = {}
    for run in plan.runs:
        shapes.setdefault(run.model, []).append(run.budget)
    assert any(len(b) == 3 for b in shapes.values())  # the middle size is shared by all three budgets
    assert len(plan.runs) == 9


def test_a_law_centres_the_sizes():
    law = get_law("hoffmann2022").law
    plan = plan_sweep([1e15], law="hoffmann2022", vocab_size=4096, n_ctx=256)
    assert plan.centre_params[0] == pytest.approx(float(compute_optimal(law, 1e15).n_params))
    assert plan.centre == "law hoffmann2022"


def test_plan_round_trips_and_fingerprint_follows_the_runs():
    plan = plan_sweep([1e10, 2e10], steps=100, vocab_size=257, n_ctx=64)
    again = SweepPlan.from_dict(plan.to_dict())
    assert again.fingerprint() == plan.fingerprint()
    assert plan_sweep([1e10, 2e10], steps=100, vocab_size=257, n_ctx=64, seeds=(1,)).fingerprint() != plan.fingerprint()


def test_budget_too_small_for_the_smallest_model():
    with pytest.raises(InputError, match="too small for the smallest model"):
        plan_sweep([1e6], vocab_size=257, n_ctx=64)


def test_budgets_parse_lists_and_ranges():
    assert parse_budgets("1e15,3e15") == [1e15, 3e15]
    assert parse_budgets("1e15..1e17") == pytest.approx([1e15, 10**15.5, 1e16, 10**16.5, 1e17])
    assert parse_budgets("1e15..1e17:3") == pytest.approx([1e15, 1e16, 1e17])
    assert parse_budgets("2.5e9..2e10:4") == pytest.approx([2.5e9, 5e9, 1e10, 2e10])  # a decimal lower end
    with pytest.raises(InputError):
        parse_budgets("1e17..1e15")
    with pytest.raises(InputError):
        parse_budgets("-5")


def test_plan_json_through_the_cli(cli, tmp_path):
    result = cli("sweep", "plan", "--preset", "tiny", "--cache-dir", str(tmp_path), "--no-estimate", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["plan"]["budgets"] == [5e9, 1e10, 2e10]
    assert len(data["plan"]["runs"]) == 9
    assert data["corpus"]["tokenizer"] == "byte" and data["max_epochs_used"] < 0.2


def test_small_budget_through_the_cli(cli, tmp_path):
    result = cli("sweep", "plan", "--budgets", "1e5", "--cache-dir", str(tmp_path), "--no-estimate", "--device", "cpu")
    assert_user_error(result, "too small for the smallest model", "1e+05")


def test_cuda_without_cuda_is_a_user_error(cli, tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = cli("sweep", "run", "--preset", "tiny", "--device", "cuda", "--out", str(tmp_path))
    assert_user_error(result, "--device cuda", "no CUDA device")


def test_package_imports_and_sweep_fails_cleanly_without_torch_and_ray(tmp_path):
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None; sys.modules['ray'] = None; sys.modules['tokenizers'] = None\n"
            "import scalinglab.sweep, scalinglab.store, scalinglab.cli.app\n"
            "from scalinglab.sweep.planner import plan_sweep\n"
            "assert len(plan_sweep([1e10], steps=50).runs) == 3\n"
            "from scalinglab.cli.app import main\n"
            f"main(['sweep', 'plan', '--preset', 'tiny', '--cache-dir', {str(tmp_path)!r}])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == "error: training needs PyTorch: pip install 'scalinglab[train]'"

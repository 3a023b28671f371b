"""``flops``, ``memory``, ``inference roofline`` and ``inference plan`` take every option from one declaration
(``scalinglab.compute.options``): the command-line flags, the Python signatures and docstrings, the domains
and the rules between options. A bad value is named in the caller's vocabulary: ``--flag`` on the command
line, ``name=`` in Python, ``name`` under the web's voice (what every web route's call sets; these four
commands have no route of their own)."""

from __future__ import annotations

import inspect
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalinglab as sl
from scalinglab.compute.memory import default_global_batch, memory_layout
from scalinglab.compute.options import FLOPS, INFERENCE_PLAN, MEMORY, ROOFLINE
from scalinglab.compute.shapes import resolve_config
from scalinglab.errors import InputError
from scalinglab.options import speaking

from conftest import assert_user_error

SHAPE = ("--layers", "2", "--d-model", "64", "--heads", "2", "--tokens", "1e9")


@pytest.mark.parametrize("argv, call, cli_says, python_says, web_says", [
    (("flops", *SHAPE, "--ffn-ratio", "0"),
     lambda: sl.flops(layers=2, d_model=64, heads=2, tokens=1e9, ffn_ratio=0),
     "--ffn-ratio must be greater than 0, got 0", "ffn_ratio= must be greater than 0, got 0",
     "ffn_ratio must be greater than 0, got 0"),
    (("flops", "--config", "gpt3-175b", "--tokens", "1T", "--d-model", "64"),
     lambda: sl.flops(config="gpt3-175b", tokens="1T", d_model=64),
     "give --config or --d-model, not both", "give config= or d_model=, not both", "give config or d_model, not both"),
    (("memory", "--config", "llama3-8b", "--tp", "0"), lambda: sl.memory("llama3-8b", tp=0),
     "--tp must be at least 1, got 0", "tp= must be at least 1, got 0", "tp must be at least 1, got 0"),
    (("memory", "--config", "llama3-8b", "--tp", "3"), lambda: sl.memory("llama3-8b", tp=3),
     "--tp 3 does not divide the model's 32 attention heads", "tp= 3 does not divide the model's 32 attention heads",
     "tp 3 does not divide the model's 32 attention heads"),
    (("memory", "--config", "llama3-8b", "--inference", "--no-sp"),
     lambda: sl.memory("llama3-8b", inference=True, sp=False),
     "give --inference or --sp/--no-sp, not both", "give inference= or sp=, not both",
     "give inference or sp, not both"),
    (("memory", "--config", "llama3-8b", "--top", "3"), lambda: sl.memory("llama3-8b", top=3),
     "--top needs --search", "top= needs search=", "top needs search"),
    (("inference", "roofline", "--config", "llama3-8b", "--weight-bytes", "9"),
     lambda: sl.inference("llama3-8b", weight_bytes=9),
     "--weight-bytes must be in [0.125, 8], got 9", "weight_bytes= must be in [0.125, 8], got 9",
     "weight_bytes must be in [0.125, 8], got 9"),
    (("inference", "roofline", "--config", "llama3-8b", "--input", "0"),
     lambda: sl.inference("llama3-8b", input_tokens=0),
     "--input must be at least 1, got 0", "input_tokens= must be at least 1, got 0",
     "input_tokens must be at least 1, got 0"),
    (("inference", "plan", "--inference-tokens", "2T", "--compute", "1e23", "--training-mfu", "2"),
     lambda: sl.inference_plan("2T", compute=1e23, training_mfu=2),
     "--training-mfu must be in (0, 1], got 2", "training_mfu= must be in (0, 1], got 2",
     "training_mfu must be in (0, 1], got 2"),
    (("inference", "plan", "--inference-tokens", "2T"), lambda: sl.inference_plan("2T"),
     "give --compute (its compute-optimal loss is the target) or --target-loss",
     "give compute= (its compute-optimal loss is the target) or target_loss=",
     "give compute (its compute-optimal loss is the target) or target_loss"),
])
def test_a_bad_value_is_named_three_ways(cli, argv, call, cli_says, python_says, web_says):
    assert_user_error(cli(*argv), cli_says)
    with pytest.raises(InputError) as python:
        call()
    assert python_says in str(python.value)
    with speaking("web"), pytest.raises(InputError) as web:
        call()
    assert web_says in str(web.value)


@pytest.mark.parametrize("function, options, positional", [
    (sl.flops, FLOPS, ("params", "tokens")), (sl.memory, MEMORY, ("config",)),
    (sl.inference, ROOFLINE, ("config",)), (sl.inference_plan, INFERENCE_PLAN, ("inference_tokens",)),
])
def test_the_python_signature_and_docstring_are_the_declaration(function, options, positional):
    parameters = inspect.signature(function).parameters
    assert list(parameters) == list(options)
    assert [p.name for p in parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD] == list(positional)
    assert {name: p.default for name, p in parameters.items()} == {
        name: inspect.Parameter.empty if option.needed else option.default for name, option in options.by_name.items()}
    assert all(f"    {name} : " in function.__doc__ for name in options)


def test_search_refuses_what_it_would_ignore_and_whole_numbers_stay_exact(cli):
    assert_user_error(cli("memory", "--config", "llama3-8b", "--gpus", "8", "--search", "--no-sp"),
                      "give --search or --sp/--no-sp, not both")
    assert MEMORY["gpus"].check(2**53 + 1) == 2**53 + 1  # not rounded through a float to 2^53


def test_a_command_without_its_model_is_refused(cli):
    assert_user_error(cli("inference", "roofline"), "missing option '--config'")
    assert_user_error(cli("inference", "plan", "--compute", "1e23"), "missing option '--inference-tokens'")
    with pytest.raises(TypeError, match="config"):
        sl.memory()
    with pytest.raises(InputError, match=r"give config=: a known model shape"):
        sl.memory(None)
    with pytest.raises(InputError, match=r"give inference_tokens=: the tokens the model will serve"):
        sl.inference_plan(None, compute=1e23)


def test_each_declared_option_is_a_flag_of_its_command(cli):
    for argv, options in ((("flops",), FLOPS), (("memory",), MEMORY), (("inference", "roofline"), ROOFLINE),
                          (("inference", "plan"), INFERENCE_PLAN)):
        shown = cli(*argv, "--help").stdout
        assert all(option.cli_flag.split("/")[0] in shown for option in options.values()), argv


@pytest.mark.parametrize("call, argv", [
    (lambda: sl.memory("llama3-8b", gpus=16, tp=2, micro_batch=2, seq=4096),
     ("memory", "--config", "llama3-8b", "--gpus", "16", "--tp", "2", "--micro-batch", "2", "--seq", "4096")),
    (lambda: sl.memory("llama3-8b", gpus=16, seq=4096, search=True, top=3, zero=1),
     ("memory", "--config", "llama3-8b", "--gpus", "16", "--seq", "4096", "--search", "--top", "3", "--zero", "1")),
    (lambda: sl.memory("llama2-70b", tp=4, micro_batch=8, seq=4096, inference=True, weight_bytes=1, kv_bytes=1),
     ("memory", "--config", "llama2-70b", "--tp", "4", "--micro-batch", "8", "--seq", "4096", "--inference",
      "--weight-bytes", "1", "--kv-bytes", "1")),
    (lambda: sl.inference("llama3-8b", gpus=2, input_tokens=256, output_tokens=64, bandwidth_efficiency=0.8),
     ("inference", "roofline", "--config", "llama3-8b", "--gpus", "2", "--input", "256", "--output", "64",
      "--bandwidth-efficiency", "0.8")),
    (lambda: sl.inference_plan("2T", target_loss=2.1, law="hoffmann2022", inference_mfu=0.2),
     ("inference", "plan", "--inference-tokens", "2T", "--target-loss", "2.1", "--law", "hoffmann2022",
      "--inference-mfu", "0.2")),
    (lambda: sl.flops(layers=4, d_model=256, heads=4, vocab=32000, tokens="1B", flops_method="kaplan", lm_head=False),
     ("flops", "--layers", "4", "--d-model", "256", "--heads", "4", "--vocab", "32000", "--tokens", "1B",
      "--flops-method", "kaplan", "--no-lm-head")),
])
def test_python_and_the_command_line_give_the_same_answer(cli, call, argv):
    result = cli(*argv, "--json")
    assert result.code == 0, result.stderr
    assert json.loads(json.dumps(call().to_dict())) == result.json()


def test_efficiencies_scale_the_roofline_peaks():
    # Pope et al. 2022's roofline: at batch 1 decode is memory-bound, so its step time is bytes / bandwidth
    pure = sl.inference("llama3-8b", batch=1)
    slow = sl.inference("llama3-8b", batch=1, bandwidth_efficiency=0.5)
    assert pure.decode_bound == slow.decode_bound == "memory"
    assert slow.decode_step_seconds == pytest.approx(2 * pure.decode_step_seconds)


def test_search_and_a_single_layout_share_the_global_batch_rule():
    # about 4.0e6 tokens per step (parallelism.yaml, within Llama 3's 4M-16M): 488 sequences of 8,192 tokens,
    # 512 when the step must be whole micro-batches of 2 on 32 data-parallel ranks
    shape = resolve_config("llama3-8b")
    single = sl.memory("llama3-8b", gpus=64, tp=2, micro_batch=2, seq=8192).raw.layout
    assert single.global_batch == default_global_batch(8192, single.dp * single.micro_batch) == 512
    searched = sl.memory("llama3-8b", gpus=64, seq=8192, search=True, top=1).raw.ranked[0].layout
    assert searched.global_batch == default_global_batch(8192) == 488
    assert memory_layout(shape, gpus=64, tp=2, micro_batch=2, seq=8192) == single


@settings(max_examples=200, deadline=None)
@given(seq=st.integers(1, 2**20), multiple=st.integers(1, 2**16))
def test_the_default_global_batch_is_a_whole_number_of_micro_batches_near_4m_tokens(seq, multiple):
    batch = default_global_batch(seq, multiple)
    assert batch % multiple == 0 and batch >= multiple
    if batch > multiple:  # rounded to the nearest multiple of the data-parallel micro-batches
        assert abs(batch * seq - 4.0e6) <= multiple * seq / 2

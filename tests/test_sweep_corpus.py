"""Corpus reading, the train/validation split by document, tokenizers and the token cache."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from conftest import assert_user_error
from scalinglab.errors import InputError
from scalinglab.sweep.corpus import (Document, corpus_hash, demo_documents, prepare_corpus, read_documents,
                                     split_documents)
from scalinglab.sweep.tokenizer import ByteTokenizer, parse_tokenizer_spec, train_tokenizer

TEXT = ("The quick brown fox jumps over the lazy dog. " * 20 + "\n\n") * 3


def _folder(tmp_path, count=12):
    root = tmp_path / "texts"
    root.mkdir()
    for i in range(count):
        (root / f"doc{i:02d}.txt").write_text(f"Document {i}. " + TEXT * (1 + i % 3))
    (root / ".hidden.txt").write_text("never read")
    (root / "image.bin").write_bytes(b"\x00\x01\x02binary")
    return root


@settings(max_examples=50, deadline=None)
@given(st.text())
def test_byte_tokenizer_round_trips_any_text(text):
    tok = ByteTokenizer()
    ids = tok.encode(text)
    assert ids.max(initial=0) < 256
    assert tok.decode(ids) == text
    assert len(ids) == len(text.encode("utf-8"))


@settings(max_examples=30, deadline=None)
@given(names=st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=40, unique=True),
       extra=st.lists(st.text(min_size=13, max_size=20), max_size=5, unique=True),
       fraction=st.floats(0.05, 0.5), seed=st.integers(0, 5))
def test_split_keeps_documents_whole_and_is_stable(names, extra, fraction, seed):
    docs = [Document(n, "x") for n in names]
    train, val = split_documents(docs, val_fraction=fraction, seed=seed)
    assert train and val
    assert sorted(d.name for d in train + val) == sorted(names)
    assert not {d.name for d in train} & {d.name for d in val}
    # adding documents never moves the old ones (unless a side had to be filled)
    train2, val2 = split_documents(docs + [Document(n, "x") for n in extra], val_fraction=fraction, seed=seed)
    if len(val) > 1 and len(train) > 1:
        assert {d.name for d in val} <= {d.name for d in val2}


def test_folder_corpus_is_read_sorted_and_cached(tmp_path):
    root = _folder(tmp_path)
    docs = read_documents(root)
    assert [d.name for d in docs] == sorted(f"doc{i:02d}.txt" for i in range(12))  # hidden and binary skipped
    first = prepare_corpus(root, cache_dir=tmp_path / "cache")
    again = prepare_corpus(root, cache_dir=tmp_path / "cache")
    assert not first.from_cache and again.from_cache
    assert first.key == again.key and first.corpus_hash == corpus_hash(docs)
    assert np.array_equal(np.asarray(first.train()), np.asarray(again.train()))
    assert first.n_train_tokens + first.n_val_tokens == first.n_bytes + len(docs)  # bytes + one end-of-text each
    assert int((np.asarray(first.train()) == 256).sum()) == first.n_train_documents
    # another tokenizer or changed text gives another cache entry
    (root / "doc00.txt").write_text("changed " + TEXT)
    assert prepare_corpus(root, cache_dir=tmp_path / "cache").key != first.key


def test_bpe_is_trained_locally_deterministic_and_round_trips(tmp_path):
    root = _folder(tmp_path)
    a = prepare_corpus(root, tokenizer="bpe:320", cache_dir=tmp_path / "a")
    b = prepare_corpus(root, tokenizer="bpe:320", cache_dir=tmp_path / "b")
    assert a.vocab_size <= 320 and a.tokenizer == "bpe:320"
    assert np.array_equal(np.asarray(a.train()), np.asarray(b.train()))
    tok = a.load_tokenizer()
    assert tok.decode(tok.encode("The lazy dog jumps.")) == "The lazy dog jumps."
    assert a.n_train_tokens < prepare_corpus(root, cache_dir=tmp_path / "c").n_train_tokens  # merges compress


def test_jsonl_parquet_and_single_file_sources(tmp_path):
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("\n".join(json.dumps({"text": f"row {i} " + TEXT, "id": i}) for i in range(5)) + "\n")
    assert len(read_documents(jsonl)) == 5
    parquet = tmp_path / "docs.parquet"
    pd.DataFrame({"body": [f"row {i} " + TEXT for i in range(4)]}).to_parquet(parquet)
    assert len(read_documents(parquet, text_field="body")) == 4
    with pytest.raises(InputError, match="body2"):
        read_documents(parquet, text_field="body2")
    single = tmp_path / "book.txt"
    single.write_text("\n\n".join(f"Paragraph {i}. " + "word " * 300 for i in range(20)))
    docs = read_documents(single)
    assert len(docs) > 2 and all(len(d.text) >= 1500 for d in docs[:-1])


def test_bad_corpora_are_one_line_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("   \n\n")
    with pytest.raises(InputError, match="empty"):
        read_documents(empty)
    with pytest.raises(InputError, match="does not exist"):
        read_documents(tmp_path / "missing")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\nnot json\n')
    with pytest.raises(InputError, match="line 2"):
        read_documents(bad)
    with pytest.raises(InputError, match="at least 2"):
        split_documents([Document("one", "text")])
    with pytest.raises(InputError, match="bpe:VOCAB"):
        parse_tokenizer_spec("wordpiece")


def test_demo_corpus_is_the_standard_library_without_tests():
    docs = demo_documents()
    names = [d.name for d in docs]
    assert names == sorted(names) and len(docs) > 300
    assert "stdlib/json/decoder.py" in names
    assert not any("/test/" in n or "/tests/" in n or "idlelib" in n for n in names)
    assert sum(len(d.text) for d in docs) > 5_000_000


def test_empty_corpus_through_the_cli(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("sweep", "plan", "--budgets", "1e10", "--corpus", str(empty), "--cache-dir", str(tmp_path / "c"),
                 "--device", "cpu", "--no-estimate")
    assert_user_error(result, "empty")


def test_corpus_too_small_says_how_many_epochs(cli, tmp_path):
    root = _folder(tmp_path)
    result = cli("sweep", "plan", "--budgets", "1e11", "--corpus", str(root), "--cache-dir", str(tmp_path / "c"),
                 "--device", "cpu", "--no-estimate", "--n-ctx", "32")
    assert_user_error(result, "too small", "epochs", "--max-epochs")


def test_train_tokenizer_byte_needs_no_training():
    tok = train_tokenizer("byte", [])
    assert tok.vocab_size == 257 and tok.eot_id == 256


def test_a_corpus_that_never_ends_is_refused_before_any_byte_is_read(cli, tmp_path):
    import os
    import time

    endless = tmp_path / "zero.txt"
    endless.symlink_to("/dev/zero")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opening it to read would wait for a writer for ever
    for path in (endless, fifo):
        started = time.perf_counter()
        with pytest.raises(InputError, match="not a regular file"):
            read_documents(path)
        assert time.perf_counter() - started < 1.0
    started = time.monotonic()
    result = cli("sweep", "plan", "--preset", "tiny", "--corpus", str(endless), "--cache-dir", str(tmp_path / "c"),
                 "--no-estimate", timeout=60)
    assert_user_error(result, str(endless), "not a regular file")
    assert time.monotonic() - started < 20  # refused before torch is imported (the check alone: under 1 s above)


def test_a_corpus_over_the_byte_cap_is_refused_before_reading(tmp_path, monkeypatch):
    from scalinglab.sweep import corpus

    monkeypatch.setattr(corpus, "MAX_CORPUS_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text(TEXT)
    with pytest.raises(InputError, match="more than 1.0 kB of text"):
        read_documents(big)
    root = _folder(tmp_path)
    with pytest.raises(InputError, match="more than 1.0 kB of text"):
        read_documents(root)

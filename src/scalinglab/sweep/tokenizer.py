"""Tokenizers: raw UTF-8 bytes, or a byte-level BPE trained locally with Hugging Face ``tokenizers``.

``byte`` maps text to its UTF-8 bytes (ids 0-255) and adds one end-of-text id (256) between
documents: vocabulary 257, nothing to train. ``bpe:K`` trains a byte-level BPE (Sennrich et al. 2016,
arXiv:1508.07909; byte-level as in GPT-2, Radford et al. 2019) with K tokens, K-1 merges plus the
256-byte alphabet plus ``<|endoftext|>``, on the training documents only, on this machine: nothing is
downloaded. The trained tokenizer is saved next to the token arrays so a run can decode its data.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .._io import atomic_write_text
from ..errors import InputError

__all__ = ["ByteTokenizer", "BPETokenizer", "parse_tokenizer_spec", "train_tokenizer", "load_tokenizer",
           "EOT_TOKEN", "DEFAULT_BPE_VOCAB"]

EOT_TOKEN = "<|endoftext|>"
DEFAULT_BPE_VOCAB = 4096
_SPEC = re.compile(r"^(byte|bpe)(?::(\d+))?$")


def parse_tokenizer_spec(spec: str) -> tuple[str, int]:
    """``"byte"`` -> ("byte", 257); ``"bpe"`` -> ("bpe", 4096); ``"bpe:8192"`` -> ("bpe", 8192)."""
    match = _SPEC.match(str(spec).strip().lower())
    if not match:
        raise InputError(f"tokenizer must be 'byte', 'bpe' or 'bpe:VOCAB' (e.g. bpe:8192), got {spec!r}")
    kind, vocab = match.group(1), match.group(2)
    if kind == "byte":
        if vocab is not None:
            raise InputError(f"the byte tokenizer has a fixed vocabulary of 257; got {spec!r}")
        return "byte", ByteTokenizer.vocab_size
    size = int(vocab) if vocab is not None else DEFAULT_BPE_VOCAB
    if not 300 <= size <= 1_000_000:
        raise InputError(f"BPE vocabulary must be between 300 and 1000000 tokens, got {size}")
    return "bpe", size


class ByteTokenizer:
    """UTF-8 bytes as token ids, 256 as end of text."""

    name = "byte"
    vocab_size = 257
    eot_id = 256

    def encode(self, text: str) -> np.ndarray:
        return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.uint16)

    def encode_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [self.encode(t) for t in texts]

    def decode(self, ids: Iterable[int]) -> str:
        return bytes(int(i) for i in ids if int(i) < 256).decode("utf-8", errors="replace")

    def to_dict(self) -> dict:
        return {"kind": "byte", "vocab_size": self.vocab_size, "eot_id": self.eot_id}

    def save(self, path: Path) -> None:
        atomic_write_text(path, json.dumps(self.to_dict()) + "\n")


class BPETokenizer:
    """A trained byte-level BPE (``tokenizers.Tokenizer``) with ``<|endoftext|>`` as end of text."""

    name = "bpe"

    def __init__(self, tokenizer):
        self._tok = tokenizer
        self.vocab_size = tokenizer.get_vocab_size()
        self.eot_id = tokenizer.token_to_id(EOT_TOKEN)

    def encode(self, text: str) -> np.ndarray:
        return np.asarray(self._tok.encode(text).ids, dtype=np.uint32)

    def encode_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [np.asarray(e.ids, dtype=np.uint32) for e in self._tok.encode_batch(list(texts))]

    def decode(self, ids: Iterable[int]) -> str:
        return self._tok.decode([int(i) for i in ids])

    def to_dict(self) -> dict:
        return {"kind": "bpe", "vocab_size": self.vocab_size, "eot_id": self.eot_id}

    def save(self, path: Path) -> None:
        atomic_write_text(path, self._tok.to_str())


def _tokenizers():
    try:
        import tokenizers
    except ImportError:  # pragma: no cover - the train extra installs it
        raise InputError("the BPE tokenizer needs the 'tokenizers' package: pip install 'scalinglab[train]'") from None
    return tokenizers


def train_tokenizer(spec: str, texts: Sequence[str]):
    """The tokenizer named by ``spec``; a BPE is trained on ``texts`` (deterministic for the same texts)."""
    kind, vocab_size = parse_tokenizer_spec(spec)
    if kind == "byte":
        return ByteTokenizer()
    tk = _tokenizers()
    tokenizer = tk.Tokenizer(tk.models.BPE())
    tokenizer.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = tk.decoders.ByteLevel()
    trainer = tk.trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOT_TOKEN], show_progress=False,
                                     initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(list(texts), trainer=trainer, length=len(texts))
    return BPETokenizer(tokenizer)


def load_tokenizer(path: str | os.PathLike):
    """A tokenizer saved by ``save``: the byte tokenizer's JSON record or a ``tokenizers`` JSON file."""
    text = Path(path).read_text()
    data = json.loads(text)
    if data.get("kind") == "byte":
        return ByteTokenizer()
    return BPETokenizer(_tokenizers().Tokenizer.from_str(text))

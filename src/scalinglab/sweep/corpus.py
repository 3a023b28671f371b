"""Training text: read documents, split them train/validation by document, tokenize, pack, cache.

Sources: ``demo`` (the Python standard library's own ``.py`` files, see :func:`demo_documents`), a text
file (cut into documents at blank lines, paragraphs gathered to at least 4 KiB), a directory (every
UTF-8 text file below it, one document each), JSON lines (one document per line, from a text field) or
a Parquet column. Documents are sorted by name so the same files give the same corpus everywhere.

The token arrays (documents joined with an end-of-text id) are written once under
``<cache>/corpora/<key>/`` where ``key`` hashes the corpus text, the tokenizer and the split; later
calls open them as read-only memory maps. The cache folder is ``$SCALINGLAB_CACHE`` or
``~/.cache/scalinglab`` unless given.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import sysconfig
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .._io import atomic_write_bytes, atomic_write_json
from .._memory import format_bytes
from ..errors import InputError
from .tokenizer import load_tokenizer, parse_tokenizer_spec, train_tokenizer

__all__ = ["Document", "TokenizedCorpus", "check_corpus", "read_documents", "demo_documents", "split_documents", "corpus_hash",
           "prepare_corpus", "default_cache_dir", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_PARAGRAPH_BYTES = 4096
#: Most bytes of text read from one corpus (a file, or all files of a folder): the documents are held in
#: memory while they are tokenized.
MAX_CORPUS_BYTES = 4 * 10**9
_DEMO_EXCLUDED = {"test", "tests", "idle_test", "idlelib", "turtledemo", "site-packages", "dist-packages",
                  "__pycache__", "_bundled", "lib2to3"}


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    text: str


def default_cache_dir() -> Path:
    """``$SCALINGLAB_CACHE`` or ``~/.cache/scalinglab``."""
    return Path(os.environ.get("SCALINGLAB_CACHE") or Path.home() / ".cache" / "scalinglab")


def demo_documents() -> list[Document]:
    """The ``.py`` files of this interpreter's standard library, tests and IDLE left out.

    Every Python installation carries them, so the demo needs no download; they are real text
    written by people (code, comments, docstrings, about 11 MB for CPython 3.11) under the PSF
    licence. The file list is sorted, so a given Python version always gives the same corpus.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    docs = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if any(part in _DEMO_EXCLUDED or part.startswith("test_") for part in rel.parts):
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        if text.strip():
            docs.append(Document(f"stdlib/{rel.as_posix()}", text))
    return docs


def _paragraph_documents(name: str, text: str) -> list[Document]:
    docs, chunk, size = [], [], 0
    for paragraph in text.split("\n\n"):
        if not paragraph.strip():
            continue
        chunk.append(paragraph)
        size += len(paragraph)
        if size >= _PARAGRAPH_BYTES:
            docs.append(Document(f"{name}#{len(docs)}", "\n\n".join(chunk)))
            chunk, size = [], 0
    if chunk:
        docs.append(Document(f"{name}#{len(docs)}", "\n\n".join(chunk)))
    return docs


def _regular_size(path: Path, source) -> int:
    """The size of ``path`` when it is a regular file (a symlink is followed); a device, a pipe or a socket
    (``/dev/zero``, a FIFO) never ends, so it is refused before any byte is read."""
    try:
        info = path.stat()
    except OSError as error:
        raise InputError(f"cannot read corpus {str(source)!r}: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"corpus {str(source)!r} is not a regular file (a device, pipe or socket); "
                         "give a text, JSONL or Parquet file or a folder")
    return info.st_size


def _check_total(total: int, source) -> None:
    if total > MAX_CORPUS_BYTES:
        raise InputError(f"corpus {str(source)!r} holds more than {format_bytes(MAX_CORPUS_BYTES)} of text, the "
                         "most that is read; use a part of it")


def _read_capped(path: Path) -> bytes:
    """At most ``MAX_CORPUS_BYTES`` + 1 bytes of a regular file (it may grow while it is read)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_CORPUS_BYTES + 1)
    _check_total(len(data), path)
    return data


def _read_text(path: Path) -> str | None:
    data = _read_capped(path)
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _jsonl_documents(path: Path, text_field: str) -> list[Document]:
    docs = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise InputError(f"{path}: line {number} is not JSON ({error.msg})") from None
            if not isinstance(record, dict) or text_field not in record:
                raise InputError(f"{path}: line {number} has no field {text_field!r}")
            if not isinstance(record[text_field], str):
                raise InputError(f"{path}: line {number}: field {text_field!r} is not a string")
            docs.append(Document(f"{path.name}:{number:09d}", record[text_field]))
    return docs


def _parquet_documents(path: Path, column: str) -> list[Document]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path, columns=[column])
    except (KeyError, ValueError) as error:
        raise InputError(f"{path}: cannot read Parquet column {column!r} ({error})") from None
    except Exception as error:  # pyarrow raises its own types for missing columns and bad files
        raise InputError(f"{path}: cannot read Parquet column {column!r} ({type(error).__name__})") from None
    values = frame[column]
    bad = [i + 1 for i, v in enumerate(values) if not (isinstance(v, str) or v is None)]
    if bad:
        raise InputError(f"{path}: column {column!r} holds non-text values (rows {', '.join(map(str, bad[:5]))})")
    return [Document(f"{path.name}:{i:09d}", v) for i, v in enumerate(values) if v]


def _file_documents(path: Path, source, text_field: str) -> list[Document]:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return _jsonl_documents(path, text_field)
    if path.suffix.lower() in (".parquet", ".pq"):
        return _parquet_documents(path, text_field)
    text = _read_text(path)
    if text is None:
        raise InputError(f"corpus {str(source)!r} is not UTF-8 text")
    return _paragraph_documents(path.name, text)


def check_corpus(source: str | os.PathLike) -> None:
    """Refuse, before any other work, a corpus that does not exist, never ends (a device or a pipe) or is
    larger than ``MAX_CORPUS_BYTES``; a folder's files are checked as they are read."""
    if str(source) == "demo":
        return
    path = Path(source)
    if not path.exists():
        raise InputError(f"corpus {str(source)!r} does not exist (give a file, a directory or 'demo')")
    if not path.is_dir():
        _check_total(_regular_size(path, source), source)


def read_documents(source: str | os.PathLike, *, text_field: str = "text") -> list[Document]:
    """Documents of ``source``: ``"demo"``, a text/JSONL/Parquet file or a directory of text files.

    ``text_field`` names the JSON field or Parquet column holding the text.
    """
    check_corpus(source)
    if str(source) == "demo":
        docs = demo_documents()
    else:
        path = Path(source)
        if path.is_dir():
            docs, total = [], 0
            for file in sorted(p for p in path.rglob("*") if p.is_file()):  # regular files (and links to them)
                rel = file.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                total += _regular_size(file, file)
                _check_total(total, source)
                text = _read_text(file)
                if text is not None:
                    docs.append(Document(rel.as_posix(), text))
        else:
            docs = _file_documents(path, source, text_field)
    docs = [d for d in docs if d.text.strip()]
    if not docs:
        raise InputError(f"corpus {str(source)!r} is empty: no document with any text")
    return sorted(docs, key=lambda d: d.name)


def corpus_hash(documents: list[Document]) -> str:
    """SHA-256 over the documents' names and texts, in order."""
    h = hashlib.sha256()
    for doc in documents:
        data = doc.text.encode("utf-8")
        h.update(doc.name.encode("utf-8") + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)
    return h.hexdigest()


def _unit_hash(seed: int, name: str) -> float:
    digest = hashlib.sha256(f"{seed}:{name}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def split_documents(documents: list[Document], *, val_fraction: float = 0.05, seed: int = 0):
    """(train, validation): each document goes whole to one side, by a hash of its name and ``seed``.

    The same name always lands on the same side, so adding documents never moves the old ones.
    At least one document goes to each side.
    """
    if not 0.0 < val_fraction < 1.0:
        raise InputError(f"val_fraction must be between 0 and 1, got {val_fraction!r}")
    if len(documents) < 2:
        raise InputError(f"corpus has {len(documents)} document; a train/validation split by document needs at least 2")
    scores = [_unit_hash(seed, d.name) for d in documents]
    val = [s < val_fraction for s in scores]
    if not any(val):
        val[int(np.argmin(scores))] = True
    if all(val):
        val[int(np.argmax(scores))] = False
    train_docs = [d for d, v in zip(documents, val) if not v]
    val_docs = [d for d, v in zip(documents, val) if v]
    return train_docs, val_docs


@dataclass(frozen=True)
class TokenizedCorpus:
    """Token arrays of one corpus under one tokenizer, on disk; ``train()``/``val()`` memory-map them."""

    source: str
    key: str
    directory: str
    corpus_hash: str
    tokenizer: str
    vocab_size: int
    eot_id: int
    dtype: str
    n_train_tokens: int
    n_val_tokens: int
    n_train_documents: int
    n_val_documents: int
    n_bytes: int
    val_fraction: float
    split_seed: int
    from_cache: bool = False

    def train(self) -> np.ndarray:
        return np.memmap(Path(self.directory) / "train.bin", dtype=self.dtype, mode="r")

    def val(self) -> np.ndarray:
        return np.memmap(Path(self.directory) / "val.bin", dtype=self.dtype, mode="r")

    def load_tokenizer(self):
        return load_tokenizer(Path(self.directory) / "tokenizer.json")

    def epochs(self, n_tokens: float) -> float:
        """Passes over the training tokens that ``n_tokens`` of training would take."""
        return float(n_tokens) / self.n_train_tokens

    def check_tokens(self, n_tokens: float, *, max_epochs: float = 1.0, what: str = "the largest run") -> None:
        """An error when ``n_tokens`` needs more than ``max_epochs`` passes over the training split."""
        epochs = self.epochs(n_tokens)
        if epochs > max_epochs:
            raise InputError(
                f"corpus {self.source!r} is too small: {what} needs {n_tokens:,.0f} tokens but the training split "
                f"has {self.n_train_tokens:,} ({epochs:.2f} epochs; allowed {max_epochs:g}); use a larger corpus, "
                f"smaller budgets or --max-epochs {max(2, int(np.ceil(epochs)))}")

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("from_cache")
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "TokenizedCorpus":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _pack(tokenizer, documents: list[Document], dtype) -> np.ndarray:
    """Tokens of every document, each followed by the end-of-text id, as one array."""
    parts = []
    batch = 256
    for start in range(0, len(documents), batch):
        chunk = documents[start:start + batch]
        for ids in tokenizer.encode_batch([d.text for d in chunk]):
            parts.append(ids.astype(dtype, copy=False))
            parts.append(np.array([tokenizer.eot_id], dtype=dtype))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _from_cache(directory: Path, meta_path: Path) -> TokenizedCorpus | None:
    """The cached corpus, or None when there is none or it is damaged (unreadable or wrong metadata,
    arrays of the wrong size): a cache entry is derived data, so a damaged one is simply rebuilt."""
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        corpus = TokenizedCorpus.from_dict({**meta, "directory": str(directory), "from_cache": True})
        sizes = ((directory / "train.bin").stat().st_size, (directory / "val.bin").stat().st_size)
        itemsize = np.dtype(corpus.dtype).itemsize
        (directory / "tokenizer.json").stat()
        expected = (int(corpus.n_train_tokens) * itemsize, int(corpus.n_val_tokens) * itemsize)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return corpus if sizes == expected else None


def _remove_stale_temporaries(directory: Path, age_seconds: float = 600.0) -> None:
    """Temporary files of a build killed before it could tidy up (SIGKILL, power loss), older than
    ``age_seconds`` so that a build running now in another process keeps its own."""
    import time

    if not directory.is_dir():
        return
    for path in directory.glob(".*.tmp"):
        try:
            if time.time() - path.stat().st_mtime > age_seconds:
                path.unlink()
        except OSError:
            pass


def prepare_corpus(source: str | os.PathLike = "demo", *, tokenizer: str = "byte", cache_dir: str | os.PathLike | None = None,
                   val_fraction: float = 0.05, split_seed: int = 0, text_field: str = "text") -> TokenizedCorpus:
    """Read, split, tokenize and pack ``source``, or open the cached arrays of an earlier call."""
    kind, _ = parse_tokenizer_spec(tokenizer)
    spec = tokenizer.strip().lower()
    documents = read_documents(source, text_field=text_field)
    digest = corpus_hash(documents)
    key_data = {"format": FORMAT_VERSION, "corpus": digest, "tokenizer": spec, "val_fraction": val_fraction,
                "split_seed": split_seed}
    key = hashlib.sha256(json.dumps(key_data, sort_keys=True).encode()).hexdigest()[:20]
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    directory = directory / "corpora" / key
    meta_path = directory / "meta.json"
    cached = _from_cache(directory, meta_path)
    if cached is not None:
        return cached
    _remove_stale_temporaries(directory)
    train_docs, val_docs = split_documents(documents, val_fraction=val_fraction, seed=split_seed)
    tok = train_tokenizer(spec, [d.text for d in train_docs]) if kind == "bpe" else train_tokenizer(spec, [])
    dtype = np.uint16 if tok.vocab_size <= 65536 else np.uint32
    train_ids, val_ids = _pack(tok, train_docs, dtype), _pack(tok, val_docs, dtype)
    tok.save(directory / "tokenizer.json")
    atomic_write_bytes(directory / "train.bin", train_ids.tobytes())
    atomic_write_bytes(directory / "val.bin", val_ids.tobytes())
    corpus = TokenizedCorpus(
        source=str(source), key=key, directory=str(directory), corpus_hash=digest, tokenizer=spec,
        vocab_size=int(tok.vocab_size), eot_id=int(tok.eot_id), dtype=np.dtype(dtype).name,
        n_train_tokens=int(train_ids.size), n_val_tokens=int(val_ids.size), n_train_documents=len(train_docs),
        n_val_documents=len(val_docs), n_bytes=sum(len(d.text.encode("utf-8")) for d in documents),
        val_fraction=float(val_fraction), split_seed=int(split_seed))
    meta = corpus.to_dict()
    meta.pop("directory")
    meta["python"] = sys.version.split()[0]
    atomic_write_json(meta_path, meta)  # written last: its presence marks a complete cache entry
    return corpus

"""Reading a user's table file (CSV, TSV, Parquet, JSON lines, JSON) with its limits checked before the work.

A table must be a regular file (not a device such as ``/dev/zero``, a pipe or a socket) of at most
``MAX_BYTES``. A Parquet file's row count and uncompressed size are read from its footer before any
column is decoded, so a small file that decompresses to gigabytes (a "bomb": 30M rows of one repeated
value fit in a few hundred KB with zstd) is refused in one line at the cost of reading the footer; the
decoded size is bounded from the schema too (rows times the width of each number column, text columns
read as dictionaries and counted as the copies they would become). CSV and JSON lines are read for at
most ``max_rows + 1`` rows, then refused when there are more.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ._memory import format_bytes
from .errors import InputError

__all__ = ["MAX_ROWS", "MAX_BYTES", "SUFFIXES", "read_table_file"]

#: Most rows read from a table file: far beyond any table of training runs or learning curves.
MAX_ROWS = 1_000_000
#: Largest table file, and largest uncompressed Parquet data, read (decimal bytes).
MAX_BYTES = 500_000_000
#: File types read, by suffix.
SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson", ".json")


def _open_regular(path: Path, name: str):
    """A binary handle on ``path`` after checking that it is a regular file (a pipe is opened without
    waiting for a writer, then refused)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise InputError(f"{name}: cannot open the table ({error.strerror or error})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(f"{name} is not a regular file (a device, pipe or socket); give a table file "
                         f"({', '.join(SUFFIXES)})")
    return os.fdopen(fd, "rb"), info.st_size


def _too_many(name: str, rows: str, max_rows: int) -> InputError:
    return InputError(f"{name}: {rows} rows; a table is read up to {max_rows:,} rows")


def _text_bytes(column) -> int:
    """Bytes a dictionary-encoded text column takes once every row holds its own copy of its value."""
    import numpy as np
    import pyarrow.compute as pc

    total = 0
    for chunk in column.chunks:
        lengths = pc.binary_length(chunk.dictionary).fill_null(0).to_numpy(zero_copy_only=False)
        indices = chunk.indices.fill_null(0).to_numpy(zero_copy_only=False)
        total += int(np.bincount(indices, minlength=len(lengths)) @ lengths.astype(np.int64))
    return total


def _is_text(kind) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return _is_text(kind.value_type)
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind) \
        or pa.types.is_large_binary(kind)


def _width(kind) -> int | None:
    """Bytes per value of a fixed-width type (numbers, true/false, dates; an all-missing column counts as
    numbers), or None."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return _width(kind.value_type)
    if pa.types.is_null(kind):
        return 8
    try:
        return max(1, (kind.bit_width + 7) // 8)
    except ValueError:
        return None


def _check_parquet(handle, name: str, max_rows: int, max_bytes: int) -> None:
    """Refuse a Parquet file whose decoded columns would pass the limits, before any of them exists: rows and
    uncompressed bytes from the footer; fixed-width columns from the schema (rows times width); text columns
    read as dictionaries (each distinct value once) and counted as the plain copies they would become.
    Nested columns (lists, structs) and prefix-encoded text, whose decoded size is unknown, are refused."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(handle)
    meta = parquet.metadata
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    rows = max(meta.num_rows, sum(group.num_rows for group in groups))
    if rows > max_rows:
        raise _too_many(name, f"{rows:,}", max_rows)
    chunks = [group.column(j) for group in groups for j in range(group.num_columns)]
    prefixed = sorted({chunk.path_in_schema for chunk in chunks if "DELTA_BYTE_ARRAY" in chunk.encodings})
    if prefixed:  # each value stored as a prefix of the one before: no size is known before decoding
        raise InputError(f"{name}: column {prefixed[0]!r} is stored with DELTA_BYTE_ARRAY encoding, whose "
                         f"decoded size cannot be checked before decoding; write the table with plain or "
                         f"dictionary encoding (what pandas and pyarrow write by default)")
    text, fixed = [], 0
    for field in parquet.schema_arrow:
        if _is_text(field.type):
            text.append(field.name)
        elif (width := _width(field.type)) is not None:
            fixed += rows * width
        else:
            raise InputError(f"{name}: column {field.name!r} holds {field.type} values; a table holds numbers, "
                             f"text, true/false and dates, one per cell")
    footer = max(sum(group.total_byte_size for group in groups),
                 sum(chunk.total_uncompressed_size for chunk in chunks))
    size = max(footer, fixed)
    if size <= max_bytes and text:
        handle.seek(0)
        table = pq.ParquetFile(handle, read_dictionary=text).read(columns=text)
        size = max(size, fixed + sum(_text_bytes(table.column(c)) for c in text))
    if size > max_bytes:
        raise InputError(f"{name}: its data is {format_bytes(size)} uncompressed; a table is read up to "
                         f"{format_bytes(max_bytes)}")
    handle.seek(0)


def _read(handle, suffix: str, name: str, max_rows: int, max_bytes: int):
    import pandas as pd

    if suffix in (".csv", ".txt", ".tsv"):
        frame = pd.read_csv(handle, sep="\t" if suffix == ".tsv" else ",", nrows=max_rows + 1)
    elif suffix in (".parquet", ".pq"):
        _check_parquet(handle, name, max_rows, max_bytes)
        frame = pd.read_parquet(handle)
    elif suffix in (".jsonl", ".ndjson"):
        frame = pd.read_json(handle, lines=True, nrows=max_rows + 1)
    else:
        frame = pd.read_json(handle)
    if len(frame) > max_rows:
        raise _too_many(name, f"more than {max_rows:,}", max_rows)
    return frame


def read_table_file(path: str | os.PathLike, *, max_rows: int | None = None, max_bytes: int | None = None,
                    what: str = "table"):
    """The table at ``path`` as a DataFrame, refused in one line (naming the file and calling it ``what``)
    when it is not a regular file, is larger than ``max_bytes`` (default ``MAX_BYTES``), holds more than
    ``max_rows`` rows (default ``MAX_ROWS``) or cannot be read."""
    path = Path(path)
    name = path.name
    max_rows = MAX_ROWS if max_rows is None else int(max_rows)
    max_bytes = MAX_BYTES if max_bytes is None else int(max_bytes)
    suffix = path.suffix.lower()
    handle, size = _open_regular(path, name)
    with handle:
        if suffix not in SUFFIXES:
            raise InputError(f"{name}: unknown {what} file type {suffix!r}; use .csv, .tsv, .parquet or .jsonl")
        if size > max_bytes:
            raise InputError(f"{name} is {format_bytes(size)}; a table file is read up to {format_bytes(max_bytes)}")
        try:
            return _read(handle, suffix, name, max_rows, max_bytes)
        except InputError:
            raise
        except Exception as error:  # pandas/pyarrow raise many types for unreadable files
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(f"{name}: cannot read {what} ({message})") from None

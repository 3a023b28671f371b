"""Table files are read within limits checked before the work (issue 19): a Parquet "bomb" is refused from
its footer, CSV and JSON lines are read for at most max_rows + 1 rows, devices and pipes are refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglab.errors import InputError
from scalinglab.fit import load_runs
from scalinglab.tablefile import MAX_ROWS, read_table_file

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """30M rows of one repeated value in two columns: about 270 KB with zstd, 480 MB as float64 columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path_factory.mktemp("bomb") / "runs.parquet"
    block = pa.table({"n": pa.array(np.full(1_000_000, 7e10)), "loss": pa.array(np.full(1_000_000, 2.0))})
    with pq.ParquetWriter(path, block.schema, compression="zstd") as writer:
        for _ in range(30):
            writer.write_table(block)
    return path


_MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    import pandas, pyarrow.parquet
    from scalinglab.errors import InputError
    from scalinglab.fit import load_runs

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        load_runs(sys.argv[1])
        message = None
    except InputError as error:
        message = str(error)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"message": message, "seconds": seconds, "peak_mb": peak / 1024,
                      "growth_mb": (peak - before) / 1024}))
""")


def test_a_parquet_bomb_is_refused_from_its_footer_without_decoding(bomb):
    assert bomb.stat().st_size < 400_000
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(bomb)], capture_output=True, text=True,
                          env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    print(f"\nbomb {bomb.stat().st_size:,} bytes refused in {report['seconds']:.3f} s; peak RSS "
          f"{report['peak_mb']:.0f} MB, {report['growth_mb']:.1f} MB more than after importing pandas and pyarrow")
    assert report["message"] == f"runs.parquet: 30,000,000 rows; a table is read up to {MAX_ROWS:,} rows"
    assert report["growth_mb"] < 50  # decoding would hold 480 MB of columns (and pandas copies)
    assert report["seconds"] < 2


def test_the_cli_refuses_the_bomb_in_one_line(bomb, cli):
    from conftest import assert_user_error

    assert_user_error(cli("fit", str(bomb)), "runs.parquet: 30,000,000 rows; a table is read up to 1,000,000 rows")


def test_parquet_uncompressed_size_is_checked_before_decoding(tmp_path):
    path = tmp_path / "wide.parquet"
    pd.DataFrame({"n": [1e9] * 10, "note": ["x" * 10_000] * 10, "loss": [2.0] * 10}).to_parquet(path,
                                                                                              compression="zstd")
    assert path.stat().st_size < 20_000
    with pytest.raises(InputError, match=r"^wide.parquet: its data is 1\d\d kB uncompressed; a table is read up to 50 kB$"):
        read_table_file(path, max_bytes=50_000)
    assert len(read_table_file(path)) == 10


def test_csv_and_json_lines_are_read_for_at_most_max_rows_plus_one(tmp_path):
    good = "n,d,loss\n" + "".join(f"{i + 1}e9,2e10,2.5\n" for i in range(10))
    eleventh = "11e9,2e10,2.5\n"
    broken = "1,2,3,4,5,6,7,8\n" * 3  # a parse error, never reached when reading stops at the cap
    (tmp_path / "runs.csv").write_text(good + eleventh + broken)
    with pytest.raises(InputError, match=r"^runs.csv: more than 10 rows; a table is read up to 10 rows$"):
        read_table_file(tmp_path / "runs.csv", max_rows=10)
    with pytest.raises(InputError, match=r"runs.csv: cannot read table \(Error tokenizing data"):
        read_table_file(tmp_path / "runs.csv", max_rows=100)
    (tmp_path / "ok.csv").write_text(good)
    assert len(read_table_file(tmp_path / "ok.csv", max_rows=10)) == 10
    lines = "".join(json.dumps({"n": 1e9, "loss": 2.5}) + "\n" for _ in range(11)) + "{not json\n"
    (tmp_path / "runs.jsonl").write_text(lines)
    with pytest.raises(InputError, match=r"^runs.jsonl: more than 10 rows"):
        read_table_file(tmp_path / "runs.jsonl", max_rows=10)
    with pytest.raises(InputError, match=r"^runs.jsonl: more than 5 rows"):
        load_runs(tmp_path / "runs.jsonl", max_rows=5)


def test_a_file_over_the_byte_cap_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("n,loss\n" + "1e9,2.5\n" * 10_000)
    with pytest.raises(InputError, match=r"^big.csv is 80 kB; a table file is read up to 10 kB$"):
        read_table_file(path, max_bytes=10_000)


@pytest.mark.parametrize("kind", ["device", "link to a device", "pipe"])
def test_tables_must_be_regular_files(tmp_path, kind, cli):
    from conftest import assert_user_error

    path = tmp_path / "runs.csv"
    if kind == "device":
        path = Path("/dev/zero")
    elif kind == "link to a device":
        path.symlink_to("/dev/zero")
    else:
        os.mkfifo(path)  # nobody writes to it: opening it must not wait
    name = path.name
    with pytest.raises(InputError, match=rf"^{name} is not a regular file \(a device, pipe or socket\)"):
        read_table_file(path)
    result = cli("fit", str(path), timeout=60)
    assert_user_error(result, f"{name} is not a regular file")


@pytest.mark.parametrize("store_schema", [True, False], ids=["categorical", "text"])
def test_a_repeated_long_text_is_counted_as_the_copies_it_would_become(tmp_path, store_schema):
    """One 1 MB value repeated in 600 rows: a dictionary page of 1 MB (a few hundred bytes with zstd), 600 MB
    once decoded; the footer's uncompressed size says about 1 MB."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "text.parquet"
    notes = pa.DictionaryArray.from_arrays(pa.array(np.zeros(600, dtype=np.int32)), pa.array(["x" * 1_000_000]))
    pq.write_table(pa.table({"n": np.full(600, 1e9), "note": notes, "loss": np.full(600, 2.0)}), path,
                   compression="zstd", store_schema=store_schema)
    assert path.stat().st_size < 10_000
    with pytest.raises(InputError, match=r"^text.parquet: its data is 600 MB uncompressed; a table is read up to 500 MB$"):
        read_table_file(path)


def test_parquet_whose_decoded_size_cannot_be_known_is_refused(tmp_path):
    """Prefix-encoded text (each value a prefix of the one before plus a suffix) and list columns (a
    repetition of one value) decode to sizes their footer does not state: refused by name."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("note", pa.string())])
    with pq.ParquetWriter(tmp_path / "prefix.parquet", schema, use_dictionary=False,
                          column_encoding={"note": "DELTA_BYTE_ARRAY"}) as writer:
        writer.write_table(pa.table({"note": ["x" * 1000] * 100}, schema=schema))
    with pytest.raises(InputError, match=r"^prefix.parquet: column 'note' is stored with DELTA_BYTE_ARRAY encoding"):
        read_table_file(tmp_path / "prefix.parquet")
    pq.write_table(pa.table({"n": [[1.0] * 1000] * 100}), tmp_path / "lists.parquet")
    with pytest.raises(InputError, match=r"^lists.parquet: column 'n' holds list<.*double> values; a table holds"):
        read_table_file(tmp_path / "lists.parquet")


def test_plain_parquet_tables_with_every_flat_type_still_read(tmp_path):
    frame = pd.DataFrame({"n": [1e9, 2e9], "steps": [1, 2], "ok": [True, False], "name": ["a", None],
                          "when": pd.to_datetime(["2024-01-01", "2025-01-01"]), "empty": [None, None],
                          "kind": pd.Categorical(["x", "y"]), "loss": [2.5, 2.4]})
    frame.to_parquet(tmp_path / "runs.parquet")
    back = read_table_file(tmp_path / "runs.parquet")
    pd.testing.assert_frame_equal(back, pd.read_parquet(tmp_path / "runs.parquet"))
    assert len(load_runs(tmp_path / "runs.parquet")) == 2

"""The runs registry never harms a file it was not meant for: ``sweep status``/``export`` open it read-only
(nothing written to an empty file or another program's database, and a read-only file can be read),
damaged pages are one line, ``status`` exits 1 when it finds problems, and a sweep's owner is one
process (PID and start time): a stale mark is not a lock, a live one needs ``--force``."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys

import pytest

from conftest import assert_user_error
from scalinglab.errors import InputError
from scalinglab.store import RunsRegistry
from scalinglab.store.registry import _owner, _owner_alive
from scalinglab.sweep.planner import plan_sweep

CORPUS = {"corpus_hash": "abc123" * 10, "source": "test"}


def _plan():
    return plan_sweep([1e10, 2e10], steps=50, vocab_size=257, n_ctx=64, seeds=(0,)).to_dict()


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("kind", ["empty", "foreign"])
def test_status_and_export_refuse_a_file_that_is_not_a_registry_and_write_nothing(cli, tmp_path, kind):
    path = tmp_path / "data.sqlite"
    if kind == "empty":
        path.write_bytes(b"")
    else:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
            db.execute("INSERT INTO notes (body) VALUES ('keep me')")
        sqlite3.connect(path).close()
    before = path.read_bytes()
    assert_user_error(cli("sweep", "status", "--db", str(path)), "not a scalinglab runs registry")
    assert_user_error(cli("sweep", "export", "--db", str(path), "--name", "s", "--out", str(tmp_path / "o.csv")),
                      "not a scalinglab runs registry")
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["data.sqlite"]


def test_a_run_never_writes_its_tables_into_another_programs_database(tmp_path):
    path = tmp_path / "theirs.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(InputError, match="another program's SQLite database \\(tables notes\\)"):
        RunsRegistry(path)
    with sqlite3.connect(path) as db:
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["notes"]


def test_status_reads_a_registry_it_cannot_write(cli, tmp_path):
    path = tmp_path / "runs.sqlite"
    with RunsRegistry(path) as db:
        db.open_sweep("s", _plan(), CORPUS)
        db.release("s")
    before = path.read_bytes()
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        result = cli("sweep", "status", "--db", str(path), "--json")
    finally:
        tmp_path.chmod(0o755)
        path.chmod(0o644)
    assert result.code == 0, result.stderr
    assert [s["sweep"] for s in result.json()["sweeps"]] == ["s"]
    assert path.read_bytes() == before


def test_status_exits_1_when_it_reports_problems(cli, tmp_path):
    path = tmp_path / "runs.sqlite"
    with RunsRegistry(path) as db:
        db.open_sweep("s", _plan(), CORPUS)
        key = db.runs("s")[0]["key"]
        db.start_run("s", key, executor="local")
    with sqlite3.connect(path) as db:  # as if the sweep process had died: a running run without a live owner
        db.execute("UPDATE sweeps SET owner = NULL")
    result = cli("sweep", "status", "--db", str(path))
    assert result.code == 1, (result.stdout, result.stderr)
    assert "marked running but its sweep process is gone" in result.stdout


def _damaged(tmp_path):
    path = tmp_path / "runs.sqlite"
    with RunsRegistry(path) as db:
        db.open_sweep("s", _plan(), CORPUS)
        db.release("s")
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data), page):  # leave the header page, damage the rest
        data[start + 8:start + page] = bytes(range(256)) * ((page - 8) // 256) + bytes((page - 8) % 256)
    path.write_bytes(bytes(data))
    return path


def test_damaged_pages_are_one_line(cli, tmp_path):
    path = _damaged(tmp_path)
    result = cli("sweep", "status", "--db", str(path))
    assert_user_error(result, str(path))


def test_a_damaged_registry_is_refused_before_any_write(cli, tmp_path):
    path = _damaged(tmp_path)
    before = path.read_bytes()
    result = cli("sweep", "run", "--preset", "tiny", "--db", str(path), "--out", str(tmp_path / "out"))
    assert_user_error(result, str(path), "damaged", "nothing was written")
    assert path.read_bytes() == before  # the header too (a writer would switch it to WAL or bump its counter)
    assert _files(tmp_path) == ["runs.sqlite"]
    with pytest.raises(InputError, match="damaged"):
        RunsRegistry(path)
    assert path.read_bytes() == before


def test_serve_refuses_a_damaged_registry_at_start(cli, tmp_path):
    path = _damaged(tmp_path)
    assert_user_error(cli("serve", "--registry", str(path), "--port", "0"), str(path), "damaged")


def test_owner_is_a_pid_with_its_start_time():
    owner = _owner()
    host, pid, start = owner.split(":")
    assert host == socket.gethostname() and int(pid) == os.getpid()
    assert _owner_alive(owner)
    assert not _owner_alive(f"{host}:{pid}:{int(start) + 1}")  # the same PID, another process
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert not _owner_alive(f"{host}:{done.stdout.strip()}")  # a process that has ended


def test_a_live_owner_needs_force_and_force_warns(tmp_path, capfd):
    path = tmp_path / "runs.sqlite"
    plan = _plan()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with RunsRegistry(path) as db:
            db.open_sweep("s", plan, CORPUS)
        stat = open(f"/proc/{sleeper.pid}/stat").read().rsplit(")", 1)[-1].split()[19]
        with sqlite3.connect(path) as db:
            db.execute("UPDATE sweeps SET owner = ?", (f"{socket.gethostname()}:{sleeper.pid}:{stat}",))
        with RunsRegistry(path) as db:
            with pytest.raises(InputError, match="is being run by process .*add --force"):
                db.open_sweep("s", plan, CORPUS)
            db.open_sweep("s", plan, CORPUS, force=True)
            assert db.sweep("s")["owner"] == _owner()
        assert "warning: taking sweep 's' over from process" in capfd.readouterr().err
    finally:
        sleeper.kill()
        sleeper.wait()

"""The runs registry: one SQLite file (stdlib ``sqlite3``) holding sweeps, their runs and loss curves.

Write-ahead logging lets readers (``sweep status``) look while a sweep writes; every write is one
``BEGIN IMMEDIATE ... COMMIT`` transaction, so a run is either recorded whole (its row, results and
loss curve) or not at all, even when the process is killed mid-write. A sweep is keyed by its name
and pinned to its plan's fingerprint: running it again resumes it, skipping finished runs; runs left
``running`` by a dead process go back to ``pending``.

Only the process driving a sweep writes here: executors (local, Ray, submitit) return each run's result
to it, whichever node ran the run, so the file never has concurrent writers on a shared file system
(where SQLite's locking is unreliable). Each run carries a hash of its full configuration (the run's
spec and the corpus hash, :func:`config_hash`): a result is recorded only for the configuration it
was computed from, and a result arriving again for a run already finished (a retried or resubmitted
task) is recognised and ignored, never recorded twice. Per run the registry keeps the node it ran on
and the attempts lost to a node or job failure (``retries``), which ``status`` sums per node.

Schema version 2 added ``config_hash``, ``node``, ``retries`` and ``retry_error``; version 3 the
``rounds`` table of adaptive sweeps (which runs each round chose, at what expected variance reduction,
and the interval of the predicted loss at the target after it). An older file is migrated in place
(one transaction) the first time it is opened for writing, and read as it is when opened read-only
(it then has no rounds).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError

__all__ = ["RunsRegistry", "STATUSES", "EXPORT_COLUMNS", "config_hash"]

STATUSES = ("pending", "running", "finished", "failed")
SCHEMA_VERSION = 3
_READABLE_VERSIONS = (1, 2, 3)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sweeps (
    name TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    corpus_json TEXT NOT NULL,
    corpus_hash TEXT NOT NULL,
    owner TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    sweep TEXT NOT NULL REFERENCES sweeps(name) ON DELETE CASCADE,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'finished', 'failed')),
    config_json TEXT NOT NULL,
    corpus_hash TEXT NOT NULL,
    seed INTEGER NOT NULL,
    budget REAL NOT NULL,
    params INTEGER NOT NULL,
    params_total INTEGER NOT NULL,
    params_non_embedding INTEGER NOT NULL,
    flops_method TEXT NOT NULL,
    flops_per_token REAL NOT NULL,
    planned_tokens INTEGER NOT NULL,
    planned_flops REAL NOT NULL,
    tokens INTEGER,
    flops REAL,
    final_loss REAL,
    final_train_loss REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_at TEXT,
    finished_at TEXT,
    wall_seconds REAL,
    train_seconds REAL,
    tokens_per_second REAL,
    flops_per_second REAL,
    mfu REAL,
    device TEXT,
    device_name TEXT,
    torch_version TEXT,
    executor TEXT,
    host TEXT,
    log_path TEXT,
    error TEXT,
    config_hash TEXT,
    node TEXT,
    retries INTEGER NOT NULL DEFAULT 0,
    retry_error TEXT,
    PRIMARY KEY (sweep, key)
);
CREATE TABLE IF NOT EXISTS losses (
    sweep TEXT NOT NULL,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    flops REAL NOT NULL,
    lr REAL,
    train_loss REAL,
    val_loss REAL,
    elapsed_s REAL,
    PRIMARY KEY (sweep, key, step),
    FOREIGN KEY (sweep, key) REFERENCES runs(sweep, key) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS fits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sweep TEXT NOT NULL REFERENCES sweeps(name) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    result_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
    sweep TEXT NOT NULL REFERENCES sweeps(name) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    method TEXT NOT NULL,
    picks_json TEXT NOT NULL,
    cost REAL NOT NULL,
    budget REAL NOT NULL,
    rounds INTEGER NOT NULL,
    target_flops REAL NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    loss REAL,
    loss_low REAL,
    loss_high REAL,
    note TEXT,
    PRIMARY KEY (sweep, round)
);
"""

#: Columns of ``export_frame`` (final losses); ``scalinglab fit``/``isoflop`` read params, tokens, flops,
#: loss and budget by these names.
EXPORT_COLUMNS = ("sweep", "key", "budget", "params", "tokens", "flops", "loss", "train_loss", "params_total",
                  "params_non_embedding", "flops_method", "seed", "n_layers", "d_model", "n_heads", "n_ctx",
                  "vocab_size", "batch_size", "steps", "lr", "device", "wall_seconds", "tokens_per_second", "mfu",
                  "corpus_hash", "node")


#: Columns schema version 2 added to ``runs`` (``ALTER TABLE ... ADD COLUMN`` migrates a version 1 file).
_V2_COLUMNS = (("config_hash", "TEXT"), ("node", "TEXT"), ("retries", "INTEGER NOT NULL DEFAULT 0"),
               ("retry_error", "TEXT"))


def config_hash(run: dict, corpus_hash: str) -> str:
    """Hash of a run's full configuration: its spec (``RunSpec.to_dict()``: shape, tokens, batch,
    learning rate, seed, settings) and the corpus it trains on. Two runs with the same hash compute the
    same thing; a result is recorded only against the hash it was computed for."""
    text = json.dumps({"run": run, "corpus_hash": corpus_hash}, sort_keys=True, default=float)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


#: The registry's own tables (an unversioned database holding any other table belongs to someone else).
_TABLES = ("sweeps", "runs", "losses", "fits", "rounds", "sqlite_sequence")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/PID/stat`` field 22), or None where
    there is no /proc. With the PID it names one process: a PID reused later has another start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # fields after "(comm)" start at field 3


def _owner() -> str:
    start = _start_time(os.getpid())
    return f"{socket.gethostname()}:{os.getpid()}" + (f":{start}" if start else "")


def _owner_alive(owner: str | None) -> bool:
    """Whether the process named ``host:pid[:start]`` still runs (processes on other hosts count as
    alive). A live PID with another start time is a new process that reused the number: not alive."""
    if not owner:
        return False
    parts = owner.split(":")
    host, pid, start = (parts + [None])[:3] if len(parts) == 3 else (owner.rpartition(":")[0], parts[-1], None)
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, ValueError, OverflowError):
        return False
    except PermissionError:  # it exists, owned by another user
        pass
    if start is not None:
        now = _start_time(int(pid))
        if now is not None and now != start:
            return False
    return True


class RunsRegistry:
    """A registry file. Use as a context manager or call ``close()``."""

    def __init__(self, path: str | os.PathLike, *, timeout: float = 30.0, read_only: bool = False):
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise InputError(f"registry {str(path)!r} is a directory; give a file such as runs.sqlite")
        if read_only:
            self._open_read_only(timeout)
            return
        self.check_intact(self.path, timeout=timeout)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self.transaction() as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, *_READABLE_VERSIONS):
                    raise InputError(f"registry {str(path)!r} has schema version {version}; this scalinglab reads "
                                     f"versions {', '.join(map(str, _READABLE_VERSIONS))}")
                if version == 0:
                    foreign = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                               if r[0] not in _TABLES]
                    if foreign:
                        raise InputError(f"{str(path)!r} is another program's SQLite database (tables "
                                         f"{', '.join(foreign[:5])}); give a new file for the runs registry")
                if version == 1:
                    self._migrate_v1(db)
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as error:
            raise InputError(f"registry {str(path)!r} is not a usable SQLite database ({error})") from None

    @classmethod
    def check_intact(cls, path: str | os.PathLike, *, timeout: float = 30.0) -> None:
        """Refuse, reading only, an existing file that a writer would harm: a folder, a file SQLite cannot
        open, or one with damaged pages. A missing or empty file passes (it becomes a new registry)."""
        path = Path(path)
        if path.is_dir():
            raise InputError(f"registry {str(path)!r} is a directory; give a file such as runs.sqlite")
        if path.is_file() and path.stat().st_size > 0:
            probe = cls.__new__(cls)
            probe.path = path
            # without a write-ahead log beside it the file is all there is: read it as immutable, which
            # leaves no -wal/-shm files behind
            immutable = not Path(f"{path}-wal").exists()
            probe._open_read_only(timeout, registry_only=False, immutable=immutable)
            probe.close()

    def _open_read_only(self, timeout: float, *, registry_only: bool = True, immutable: bool = False) -> None:
        """Open an existing registry for reading only (SQLite ``mode=ro``): every write raises. A file
        whose pages SQLite's ``quick_check`` finds damaged is refused here, before anyone writes to it;
        ``registry_only=False`` lets a file that is not yet a registry (version 0) through."""
        if not self.path.is_file():
            raise InputError(f"registry {str(self.path)!r} does not exist")
        try:
            mode = "immutable=1" if immutable else "mode=ro"
            self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?{mode}", uri=True, timeout=timeout,
                                       isolation_level=None)
            self._db.row_factory = sqlite3.Row
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            problem = self._db.execute("PRAGMA quick_check(1)").fetchone()[0]
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise InputError(f"registry {str(self.path)!r} is not a usable SQLite database ({error}); "
                             "nothing was written to it") from None
        if problem != "ok":
            self._db.close()
            first = next((line for line in problem.splitlines() if not line.startswith("***")), problem)
            raise InputError(f"registry {str(self.path)!r} is damaged (SQLite quick_check: {first}); "
                             "nothing was written to it: restore a backup or give a new file")
        if not registry_only:
            return
        if version == 0:
            raise InputError(f"{str(self.path)!r} is not a scalinglab runs registry (an empty file or another "
                             "program's database); nothing was written to it")
        if version not in _READABLE_VERSIONS:
            raise InputError(f"registry {str(self.path)!r} has schema version {version}; this scalinglab reads "
                             f"versions {', '.join(map(str, _READABLE_VERSIONS))}")

    @staticmethod
    def _migrate_v1(db) -> None:
        """Version 1 -> 2 inside the opening transaction: add the new columns, hash every run's config."""
        have = {r[1] for r in db.execute("PRAGMA table_info(runs)")}
        for column, kind in _V2_COLUMNS:
            if column not in have:
                db.execute(f"ALTER TABLE runs ADD COLUMN {column} {kind}")
        rows = db.execute("SELECT sweep, key, config_json, corpus_hash FROM runs").fetchall()
        db.executemany("UPDATE runs SET config_hash = ? WHERE sweep = ? AND key = ?",
                       [(config_hash(json.loads(r[2]), r[3]), r[0], r[1]) for r in rows])

    # -- plumbing ---------------------------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "RunsRegistry":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self):
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; anything raised inside rolls the whole write back."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @property
    def journal_mode(self) -> str:
        return self._db.execute("PRAGMA journal_mode").fetchone()[0]

    # -- sweeps -----------------------------------------------------------------------------------
    def sweep(self, name: str) -> dict | None:
        row = self._db.execute("SELECT * FROM sweeps WHERE name = ?", (name,)).fetchone()
        return None if row is None else dict(row)

    def sweep_names(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM sweeps ORDER BY created_at, name")]

    def require_sweep(self, name: str) -> dict:
        found = self.sweep(name)
        if found is None:
            from ..errors import UnknownNameError

            raise UnknownNameError(f"sweep in {self.path}", name, self.sweep_names())
        return found

    def open_sweep(self, name: str, plan: dict, corpus: dict, *, force: bool = False) -> dict:
        """Create sweep ``name`` with a pending row per planned run, or reopen it to resume.

        ``plan`` is ``SweepPlan.to_dict()`` and ``corpus`` ``TokenizedCorpus.to_dict()``. Reopening with
        another plan or corpus is an error. Runs left ``running`` by a process that no longer exists
        go back to ``pending``; a sweep another live process is running is refused unless ``force``
        (then a warning goes to stderr: two processes writing one sweep would train runs twice).
        """
        if not name or not name.strip():
            raise InputError("sweep name must not be empty")
        with self.transaction() as db:
            row = db.execute("SELECT * FROM sweeps WHERE name = ?", (name,)).fetchone()
            if row is not None:
                if row["fingerprint"] != plan["fingerprint"]:
                    raise InputError(f"sweep {name!r} in {self.path} was planned differently (fingerprint "
                                     f"{row['fingerprint']}, now {plan['fingerprint']}); use another --name or the same options")
                if row["corpus_hash"] != corpus["corpus_hash"]:
                    raise InputError(f"sweep {name!r} in {self.path} was trained on another corpus "
                                     f"(hash {row['corpus_hash'][:12]}, now {corpus['corpus_hash'][:12]})")
                if row["owner"] and row["owner"] != _owner() and _owner_alive(row["owner"]):
                    if not force:
                        raise InputError(f"sweep {name!r} in {self.path} is being run by process {row['owner']}; "
                                         "if that process is not running this sweep any more, add --force")
                    import sys

                    sys.stderr.write(f"warning: taking sweep {name!r} over from process {row['owner']} (--force); "
                                     "if it still runs, stop it: both would train the same runs\n")
                db.execute("UPDATE runs SET status = 'pending' WHERE sweep = ? AND status IN ('running', 'failed')",
                           (name,))
                db.execute("UPDATE sweeps SET owner = ?, updated_at = ? WHERE name = ?", (_owner(), _now(), name))
            else:
                now = _now()
                db.execute("INSERT INTO sweeps (name, fingerprint, plan_json, corpus_json, corpus_hash, owner, "
                           "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (name, plan["fingerprint"], json.dumps(plan), json.dumps(corpus), corpus["corpus_hash"],
                            _owner(), now, now))
                for position, run in enumerate(plan["runs"]):
                    db.execute(
                        "INSERT INTO runs (sweep, key, position, status, config_json, corpus_hash, seed, budget, params, "
                        "params_total, params_non_embedding, flops_method, flops_per_token, planned_tokens, planned_flops, "
                        "config_hash) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (name, run["key"], position, json.dumps(run), corpus["corpus_hash"], run["seed"], run["budget"],
                         run["n_params"], run["params_total"], run["params_non_embedding"], run["flops_method"],
                         run["flops_per_token"], run["n_tokens"], run["flops"],
                         config_hash(run, corpus["corpus_hash"])))
        return self.require_sweep(name)

    def release(self, name: str) -> None:
        """The sweep process ends: runs it left ``running`` (interrupted) go back to ``pending`` and its
        owner mark is cleared."""
        with self.transaction() as db:
            if db.execute("SELECT owner FROM sweeps WHERE name = ?", (name,)).fetchone()[0] == _owner():
                db.execute("UPDATE runs SET status = 'pending' WHERE sweep = ? AND status = 'running'", (name,))
            db.execute("UPDATE sweeps SET owner = NULL, updated_at = ? WHERE name = ? AND owner = ?",
                       (_now(), name, _owner()))

    def plan(self, name: str) -> dict:
        return json.loads(self.require_sweep(name)["plan_json"])

    def corpus(self, name: str) -> dict:
        return json.loads(self.require_sweep(name)["corpus_json"])

    # -- runs -------------------------------------------------------------------------------------
    def runs(self, name: str, status: str | None = None) -> list[dict]:
        query = "SELECT * FROM runs WHERE sweep = ?" + (" AND status = ?" if status else "") + " ORDER BY position"
        return [dict(r) for r in self._db.execute(query, (name, status) if status else (name,))]

    def losses(self, name: str, key: str | None = None) -> list[dict]:
        query = "SELECT * FROM losses WHERE sweep = ?" + (" AND key = ?" if key else "") + " ORDER BY key, step"
        return [dict(r) for r in self._db.execute(query, (name, key) if key else (name,))]

    def start_run(self, name: str, key: str, *, executor: str, log_path: str | None = None) -> None:
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = ?, executor = ?, host = ?, "
                "log_path = ?, error = NULL WHERE sweep = ? AND key = ? AND status = 'pending'",
                (_now(), executor, socket.gethostname(), log_path, name, key)).rowcount
            if changed != 1:
                raise InputError(f"run {key!r} of sweep {name!r} is not pending; it cannot start")

    def finish_run(self, name: str, key: str, result: dict, *, config: str | None = None,
                   node: str | None = None) -> bool:
        """Record a finished run and its loss curve in one transaction (``result``: ``TrainResult.to_dict()``).

        ``config``: the :func:`config_hash` the result was computed for; it must be the run's. ``node``:
        where it ran. A result for a run already finished with this configuration (a retried or
        resubmitted task delivering twice) changes nothing and returns False."""
        with self.transaction() as db:
            row = db.execute("SELECT status, config_hash FROM runs WHERE sweep = ? AND key = ?", (name, key)).fetchone()
            if row is not None and config is not None and row["config_hash"] != config:
                raise InputError(f"run {key!r} of sweep {name!r}: the result is for configuration {config}, the run's "
                                 f"is {row['config_hash']}; it was not recorded")
            if row is not None and row["status"] == "finished" and config is not None:
                return False
            changed = db.execute(
                "UPDATE runs SET status = 'finished', finished_at = ?, tokens = ?, flops = ?, final_loss = ?, "
                "final_train_loss = ?, wall_seconds = ?, train_seconds = ?, tokens_per_second = ?, flops_per_second = ?, "
                "mfu = ?, device = ?, device_name = ?, torch_version = ?, node = ? "
                "WHERE sweep = ? AND key = ? AND status = 'running'",
                (_now(), result["tokens"], result["flops"], result["final_loss"], result["final_train_loss"],
                 result["wall_seconds"], result["train_seconds"], result["tokens_per_second"],
                 result["flops_per_second"], result["mfu"], result["device"], result["device_name"],
                 result["torch_version"], node or socket.gethostname(), name, key)).rowcount
            if changed != 1:
                raise InputError(f"run {key!r} of sweep {name!r} is not running; its result was not recorded")
            db.execute("DELETE FROM losses WHERE sweep = ? AND key = ?", (name, key))
            db.executemany(
                "INSERT INTO losses (sweep, key, step, tokens, flops, lr, train_loss, val_loss, elapsed_s) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(name, key, h["step"], h["tokens"], h["flops"], h["lr"], h["train_loss"], h["val_loss"], h["elapsed_s"])
                 for h in result["history"]])
        return True

    def retry_run(self, name: str, key: str, error: str) -> None:
        """An attempt of a running run was lost (its node or job died): count it; the run stays running
        while the executor submits it again."""
        with self.transaction() as db:
            changed = db.execute("UPDATE runs SET retries = retries + 1, attempts = attempts + 1, retry_error = ? "
                                 "WHERE sweep = ? AND key = ? AND status = 'running'", (error[:2000], name, key)).rowcount
            if changed != 1:
                raise InputError(f"run {key!r} of sweep {name!r} is not running; it cannot be retried")

    def fail_run(self, name: str, key: str, error: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE sweep = ? AND key = ?",
                       (_now(), error[:2000], name, key))

    def record_fit(self, name: str, kind: str, result: dict) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO fits (sweep, kind, created_at, result_json) VALUES (?, ?, ?, ?)",
                       (name, kind, _now(), json.dumps(result, default=float)))

    def fits(self, name: str) -> list[dict]:
        rows = self._db.execute("SELECT * FROM fits WHERE sweep = ? ORDER BY id", (name,))
        return [dict(r, result=json.loads(r["result_json"])) for r in rows]

    def record_round(self, name: str, number: int, *, method: str, picks: list[dict], budget: float, rounds: int,
                     target_flops: float) -> None:
        """An adaptive sweep's round ``number`` (of ``rounds`` after the seed, within ``budget``) chose
        ``picks`` (dicts with the run ``key``, ``cost`` and ``variance_reduction``); recorded before they
        train, so a resumed sweep trains the same runs."""
        with self.transaction() as db:
            db.execute("INSERT INTO rounds (sweep, round, method, picks_json, cost, budget, rounds, target_flops, "
                       "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (name, number, method, json.dumps(picks, default=float), float(sum(p["cost"] for p in picks)),
                        float(budget), int(rounds), float(target_flops), _now()))

    def finish_round(self, name: str, number: int, *, loss: float | None, interval, note: str | None = None) -> None:
        """Round ``number``'s runs are trained: the predicted loss at the target and its interval after it
        (None where the law could not be fitted yet; ``note`` says why)."""
        low, high = interval if interval else (None, None)
        with self.transaction() as db:
            db.execute("UPDATE rounds SET finished_at = ?, loss = ?, loss_low = ?, loss_high = ?, note = ? "
                       "WHERE sweep = ? AND round = ?", (_now(), loss, low, high, note, name, number))

    def rounds(self, name: str) -> list[dict]:
        """An adaptive sweep's rounds in order (none in a registry older than schema version 3)."""
        if self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rounds'").fetchone() is None:
            return []
        rows = self._db.execute("SELECT * FROM rounds WHERE sweep = ? ORDER BY round", (name,))
        return [{k: r[k] for k in r.keys() if k != "picks_json"} | {"picks": json.loads(r["picks_json"])} for r in rows]

    # -- reading out ------------------------------------------------------------------------------
    def status(self, name: str) -> dict:
        """Counts by status, compute done and left, and the finished runs' losses."""
        sweep = self.require_sweep(name)
        runs = self.runs(name)
        counts = {s: sum(r["status"] == s for r in runs) for s in STATUSES}
        done = [r for r in runs if r["status"] == "finished"]
        nodes: dict[str, dict] = {}
        for r in done:
            node = nodes.setdefault(r.get("node") or r["host"] or "-", {"finished": 0, "wall_seconds": 0.0, "flops": 0.0})
            node["finished"] += 1
            node["wall_seconds"] += float(r["wall_seconds"])
            node["flops"] += float(r["flops"])
        return {
            "sweep": name, "registry": str(self.path), "fingerprint": sweep["fingerprint"],
            "corpus_hash": sweep["corpus_hash"], "created_at": sweep["created_at"], "updated_at": sweep["updated_at"],
            "owner": sweep["owner"], "owner_alive": _owner_alive(sweep["owner"]), "runs": len(runs), **counts,
            "flops_done": float(sum(r["flops"] for r in done)),
            "flops_left": float(sum(r["planned_flops"] for r in runs if r["status"] != "finished")),
            "wall_seconds": float(sum(r["wall_seconds"] for r in done)),
            "retries": int(sum(r.get("retries") or 0 for r in runs)),
            "nodes": [{"node": k, **v} for k, v in sorted(nodes.items())],
            "table": [{**{k: r[k] for k in ("key", "status", "budget", "params", "planned_tokens", "final_loss", "attempts",
                                            "wall_seconds", "device", "error")},
                       "node": r.get("node"), "retries": r.get("retries") or 0, "config_hash": r.get("config_hash")}
                      for r in runs],
            "rounds": self.rounds(name),
        }

    def export_rows(self, name: str, *, checkpoints: bool = False) -> list[dict]:
        """Finished runs as flat rows (``EXPORT_COLUMNS``); with ``checkpoints``, one row per held-out
        evaluation with the run key in a ``run`` column (what IsoFLOP Approach 1 reads)."""
        self.require_sweep(name)
        rows = []
        for r in self.runs(name, "finished"):
            config = json.loads(r["config_json"])
            model = config["model"]
            base = {"sweep": name, "key": r["key"], "budget": r["budget"], "params": r["params"], "tokens": r["tokens"],
                    "flops": r["flops"], "loss": r["final_loss"], "train_loss": r["final_train_loss"],
                    "params_total": r["params_total"], "params_non_embedding": r["params_non_embedding"],
                    "flops_method": r["flops_method"], "seed": r["seed"], "n_layers": model["n_layers"],
                    "d_model": model["d_model"], "n_heads": model["n_heads"], "n_ctx": model["n_ctx"],
                    "vocab_size": model["vocab_size"], "batch_size": config["batch_size"], "steps": config["steps"],
                    "lr": config["lr"], "device": r["device"], "wall_seconds": r["wall_seconds"],
                    "tokens_per_second": r["tokens_per_second"], "mfu": r["mfu"], "corpus_hash": r["corpus_hash"],
                    "node": r.get("node")}
            if not checkpoints:
                rows.append(base)
                continue
            for point in self.losses(name, r["key"]):
                if point["val_loss"] is None:
                    continue
                rows.append({**base, "run": r["key"], "step": point["step"], "tokens": point["tokens"],
                             "flops": point["flops"], "loss": point["val_loss"], "train_loss": point["train_loss"]})
        return rows

    def check(self, name: str | None = None) -> list[str]:
        """Problems found (empty when consistent): SQLite's integrity check, then per sweep: every planned
        run present once, its configuration hash matching its configuration, finished runs complete (loss,
        tokens, a loss curve ending at their last step, an attempt for each retry and one more), no
        ``running`` run without a live owner."""
        problems = [r[0] for r in self._db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {tuple(r)}" for r in self._db.execute("PRAGMA foreign_key_check")]
        for sweep in [name] if name else self.sweep_names():
            row = self.require_sweep(sweep)
            planned = [r["key"] for r in json.loads(row["plan_json"])["runs"]]
            stored = [r["key"] for r in self.runs(sweep)]
            if sorted(planned) != sorted(stored):
                problems.append(f"{sweep}: runs table differs from the plan ({len(stored)} rows, {len(planned)} planned)")
            for r in self.runs(sweep):
                key = f"{sweep}/{r['key']}"
                curve = self.losses(sweep, r["key"])
                if r.get("config_hash") and r["config_hash"] != config_hash(json.loads(r["config_json"]), r["corpus_hash"]):
                    problems.append(f"{key}: configuration hash does not match its configuration")
                if r["status"] == "finished":
                    config = json.loads(r["config_json"])
                    if r["final_loss"] is None or r["tokens"] is None or r["finished_at"] is None:
                        problems.append(f"{key}: finished without loss, tokens or finish time")
                    if not curve or curve[-1]["step"] != config["steps"] or curve[-1]["val_loss"] != r["final_loss"]:
                        problems.append(f"{key}: loss curve does not end at its final held-out loss")
                    if r["attempts"] < 1 + (r.get("retries") or 0):
                        problems.append(f"{key}: finished with fewer attempts than its retries plus one")
                elif curve:
                    problems.append(f"{key}: {r['status']} run has a stored loss curve")
                if r["status"] == "running" and not _owner_alive(row["owner"]):
                    problems.append(f"{key}: marked running but its sweep process is gone")
        return problems

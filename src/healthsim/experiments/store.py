"""A result store: every finished run is kept as it completes (SQLite, one file).

The store is what makes an experiment resumable. Each run is a row keyed by
(point, scenario, replicate), holding its seed, overrides, status (``ok`` or
``failed``), the error text of a failed run, its per-run values (JSON, exact floats) and
its monthly series (float32 bytes), and a SHA-256 digest of all of these. The resolved
scenarios (TOML) and the experiment's
identity (what was asked: scenarios, replicates, master seed, healthsim version and
model code) are stored beside them.

Opening a store for an experiment whose identity differs from the stored one is refused
with a one-line message naming what differs (or, with ``fresh=True``, the old store is
replaced). While an experiment writes, a lock file keeps a second process out. Only
the process that opened the store holds the lock (a forked worker closes its copy), and
a lock left by a process that is no longer running is taken over, with a message.

Only the parent process writes; workers hand their records back. Writes are committed
in small batches, so killing the process loses at most the runs in flight.

Resuming does not trust the file blindly: when a store is opened, every run is checked
against its digest and its expected shape (values a table of numbers, a series of the
stored size). A run that fails (edited, truncated, written by something else) is
removed with a message naming it, and so is run again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
import weakref
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from healthsim.errors import ExperimentError, OutputFolderError
from healthsim.experiments.tasks import Record, TaskKey

try:  # POSIX advisory locks; elsewhere the lock is skipped
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 2  # 2: each run has a digest
STORE_NAME = "runs.sqlite"

#: Runs named one by one in the message about runs that failed verification.
NAMED_BAD_RUNS = 5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scenarios (
    idx INTEGER PRIMARY KEY, name TEXT NOT NULL, toml TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    point INTEGER NOT NULL,
    scenario INTEGER NOT NULL,
    replicate INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    overrides TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    "values" TEXT NOT NULL,
    months INTEGER NOT NULL,
    series BLOB,
    seconds REAL NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (point, scenario, replicate)
) WITHOUT ROWID;
"""


@cache
def code_version() -> str:
    """A digest of the code that decides a run's results: healthsim's model, metrics,
    config, the readers of the data scenarios draw on (sources) and run/task modules. A
    store made by other code is not resumed."""
    root = Path(__file__).resolve().parents[1]
    files = sorted(
        [
            *root.joinpath("model").glob("*.py"),
            *root.joinpath("metrics").glob("*.py"),
            *root.joinpath("config").glob("*.py"),
            *root.joinpath("sources").rglob("*.py"),
            root / "experiments" / "single.py",
            root / "experiments" / "tasks.py",
        ]
    )
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class ResultStore:
    """Runs of one experiment, in a SQLite file (or in memory when ``path`` is None).

    Use :meth:`open`; then :meth:`finished`, :meth:`add`, :meth:`records`.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None, series: Sequence[str]):
        self._conn = conn
        self.path = path
        self.series = tuple(series)
        self._lock_fh: Any = None

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        path: str | Path | None,
        identity: dict[str, Any],
        scenarios: Sequence[tuple[str, str]],
        series: Sequence[str],
        *,
        fresh: bool = False,
    ) -> ResultStore:
        """Open (or create) the store for an experiment.

        Args:
            path: the SQLite file, or None for a store in memory (no resume).
            identity: what defines the experiment (JSON-able); a store holding another
                identity is refused unless ``fresh``.
            scenarios: (name, resolved TOML) of each scenario, in task index order.
            series: names of the monthly metrics in each record's series.
            fresh: replace whatever the file holds.

        Raises:
            ExperimentError: the file holds another experiment, is not a store, or is
                in use by another process.
        """
        if path is None:
            conn = sqlite3.connect(":memory:")
            store = cls(conn, None, series)
            store._init(identity, scenarios)
            return store
        path = Path(path)
        try:
            return cls._open_file(path, identity, scenarios, series, fresh=fresh)
        except (OSError, sqlite3.OperationalError) as exc:
            raise _unwritable(path, exc) from None

    @classmethod
    def _open_file(
        cls,
        path: Path,
        identity: dict[str, Any],
        scenarios: Sequence[tuple[str, str]],
        series: Sequence[str],
        *,
        fresh: bool,
    ) -> ResultStore:
        lock = _acquire_lock(path)
        try:
            if fresh:
                for p in (path, *_sidecars(path)):
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
            existed = path.exists()
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=30)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.OperationalError:  # disk full, read-only: not a bad file
                conn.close()
                raise
            except sqlite3.DatabaseError:
                conn.close()
                raise ExperimentError(f"{path} is not a healthsim result store") from None
            store = cls(conn, path, series)
            store._lock_fh = lock
            if existed and store._has_tables():
                store._check_identity(identity)
                store._drop_unverified()
            else:
                store._init(identity, scenarios)
            return store
        except BaseException:
            _release_lock(lock)
            raise

    def _init(self, identity: dict[str, Any], scenarios: Sequence[tuple[str, str]]) -> None:
        with self._conn:
            self._conn.executescript(_SCHEMA)
            meta = {
                "schema": str(SCHEMA_VERSION),
                "identity": _json(identity),
                "series": _json(list(self.series)),
            }
            self._conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
            self._conn.executemany(
                "INSERT OR REPLACE INTO scenarios VALUES (?, ?, ?)",
                [(i, name, toml) for i, (name, toml) in enumerate(scenarios)],
            )

    def _has_tables(self) -> bool:
        """Whether the file holds any table (an empty file is a store never begun)."""
        try:
            row = self._conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError:
            raise ExperimentError(
                f"{self.path} is not a healthsim result store; use --fresh to replace it"
            ) from None
        return bool(row[0])

    def _check_identity(self, identity: dict[str, Any]) -> None:
        where = self.path
        try:
            meta = dict(self._conn.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError:
            raise ExperimentError(
                f"{where} is not a healthsim result store; use --fresh to replace it"
            ) from None
        if meta.get("schema") != str(SCHEMA_VERSION) or "identity" not in meta:
            raise ExperimentError(
                f"{where} was written by another version of healthsim's store; use "
                "--fresh to replace it"
            )
        stored = json.loads(meta["identity"])
        if stored != json.loads(_json(identity)):
            what = describe_difference(stored, identity)
            raise ExperimentError(
                f"{where} holds the runs of a different experiment: {what}. Use --fresh "
                "to replace them, or choose another --out"
            )

    # ---------------------------------------------------------------- writing
    def add(self, records: Iterable[Record]) -> int:
        """Store records (replacing any with the same key) and commit; returns how many.

        Raises:
            OutputFolderError: the store cannot be written (a full disk, a read-only
                folder); the batch is rolled back and every run stored before is kept.
        """
        rows = [self._row(r) for r in records]
        if rows:
            try:
                with self._conn:
                    self._conn.executemany(
                        "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows
                    )
            except sqlite3.OperationalError as exc:
                raise _unwritable(self.path, exc, self._kept()) from None
        return len(rows)

    def _kept(self) -> int | None:
        try:
            return self.count()[0]
        except sqlite3.Error:
            return None

    def _row(self, r: Record) -> tuple:
        series = None
        months = 0
        if r.series is not None:
            arr = np.ascontiguousarray(r.series, dtype=np.float32)
            months = int(arr.shape[1]) if arr.ndim == 2 else 0
            series = arr.tobytes()
        row = (
            r.point,
            r.scenario,
            r.replicate,
            int(r.seed),
            _json([list(kv) for kv in r.overrides]),
            r.status,
            r.error,
            _json(r.values),
            months,
            series,
            float(r.seconds),
        )
        return (*row, _row_digest(row))

    # ---------------------------------------------------------------- verifying
    def _drop_unverified(self) -> list[tuple[TaskKey, str]]:
        """Remove the stored runs that fail :func:`_row_problem` (so they run again),
        saying which on stderr; returns (key, problem) of each."""
        bad: list[tuple[TaskKey, str]] = []
        cols = 'point, scenario, replicate, seed, overrides, status, error, "values", months'
        for row in self._conn.execute(f"SELECT {cols}, series, seconds, digest FROM runs"):
            problem = _row_problem(row[:-1], row[-1], len(self.series))
            if problem:
                bad.append(((row[0], row[1], row[2]), problem))
        if not bad:
            return bad
        with self._conn:
            self._conn.executemany(
                "DELETE FROM runs WHERE point = ? AND scenario = ? AND replicate = ?",
                [key for key, _ in bad],
            )
        named = "; ".join(
            f"scenario {s} replicate {rep}{f' point {p}' if p else ''}: {why}"
            for (p, s, rep), why in bad[:NAMED_BAD_RUNS]
        )
        more = f"; and {len(bad) - NAMED_BAD_RUNS} more" if len(bad) > NAMED_BAD_RUNS else ""
        n = len(bad)
        print(
            f"healthsim: {n} stored run{'s' if n > 1 else ''} in {self.path} failed "
            f"verification and will be run again ({named}{more})",
            file=sys.stderr,
        )
        return bad

    # ---------------------------------------------------------------- reading
    def finished(self, *, include_failed: bool = True) -> set[TaskKey]:
        """Keys of the stored runs (failed ones too unless ``include_failed`` is False)."""
        q = "SELECT point, scenario, replicate FROM runs"
        if not include_failed:
            q += " WHERE status = 'ok'"
        return {tuple(row) for row in self._conn.execute(q)}  # type: ignore[misc]

    def count(self) -> tuple[int, int]:
        """(runs stored, of which failed)."""
        n, f = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(status = 'failed'), 0) FROM runs"
        ).fetchone()
        return int(n), int(f)

    def records(self, *, with_series: bool = True) -> Iterator[Record]:
        """Every stored run, sorted by key (point, scenario, replicate)."""
        cols = 'point, scenario, replicate, seed, overrides, status, error, "values", months'
        cols += ", series" if with_series else ", NULL"
        n_series = len(self.series)
        for row in self._conn.execute(
            f"SELECT {cols}, seconds FROM runs ORDER BY point, scenario, replicate"
        ):
            p, s, rep, seed, ov, status, err, vals, months, blob, secs = row
            series = None
            if blob is not None:
                series = np.frombuffer(blob, dtype=np.float32).reshape(n_series, months)
            yield Record(
                p,
                s,
                rep,
                int(seed),
                tuple(tuple(kv) for kv in json.loads(ov)),
                status,
                err,
                json.loads(vals),
                series,
                float(secs),
            )

    def scenario_tomls(self) -> list[tuple[str, str]]:
        """(name, resolved TOML) of each scenario, in index order."""
        return list(self._conn.execute("SELECT name, toml FROM scenarios ORDER BY idx"))

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        _release_lock(self._lock_fh)
        self._lock_fh = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: How identity keys are named in messages; keys holding digests are not shown as values.
IDENTITY_LABELS = {
    "kind": "kind of experiment",
    "scenarios": "scenarios",
    "settings": "the scenarios' settings",
    "reps": "replicates",
    "seed": "master seed",
    "series": "monthly metrics kept",
    "healthsim": "healthsim version",
    "code": "healthsim's model code has changed since",
}
_DIGESTS = {"settings", "code"}


def describe_difference(stored: dict[str, Any], asked: dict[str, Any]) -> str:
    """Which parts of two identities differ, in words ('replicates: 100 there, 200 here')."""
    parts = []
    for key in sorted(set(stored) | set(asked)):
        a, b = stored.get(key), json.loads(_json(asked.get(key)))
        if a == b:
            continue
        label = IDENTITY_LABELS.get(key, key)
        if key in _DIGESTS:
            parts.append(f"{label} differ" if not label.startswith("healthsim's") else label)
        elif isinstance(a, int | float | str) and isinstance(b, int | float | str):
            parts.append(f"{label}: {a} there, {b} here")
        elif isinstance(a, list) and isinstance(b, list):
            parts.append(f"{label}: {', '.join(map(str, a))} there, {', '.join(map(str, b))} here")
        else:
            parts.append(f"{label} differ")
    return "; ".join(parts) or "it was made differently"


def _row_digest(row: Sequence[Any]) -> str:
    """SHA-256 of a stored run (every column but the digest), hex."""
    h = hashlib.sha256()
    for value in row:
        if isinstance(value, bytes):
            h.update(b"b%d:" % len(value))
            h.update(value)
        else:
            text = repr(value).encode()
            h.update(b"v%d:" % len(text))
            h.update(text)
    return h.hexdigest()


def _row_problem(row: Sequence[Any], digest: Any, n_series: int) -> str | None:
    """Why a stored run cannot be trusted (in a few words), or None."""
    ov, status, vals, months, blob = row[4], row[5], row[7], row[8], row[9]
    if not isinstance(digest, str) or _row_digest(row) != digest:
        return "its contents do not match its checksum"
    if status not in ("ok", "failed"):
        return f"unknown status {str(status)[:20]!r}"
    try:
        values = json.loads(vals)
        json.loads(ov)
    except (TypeError, ValueError):
        return "its values are not readable"
    if not isinstance(values, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values.values()
    ):
        return "its values are not a table of numbers"
    if blob is not None:
        if not isinstance(blob, bytes) or not isinstance(months, int):
            return "its monthly series is not readable"
        if len(blob) != 4 * n_series * months:
            return "its monthly series has the wrong size"
    return None


def _unwritable(
    path: Path | None, exc: BaseException, kept: int | None = None
) -> OutputFolderError:
    """The one-line error for a store that cannot be written: what the system said, and
    that the runs already stored are kept and resume once the problem is fixed."""
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    where = path if path is not None else "the result store"
    if kept is None:
        kept_text = "the runs already stored are kept"
    else:
        kept_text = f"the {kept} run{'s' if kept != 1 else ''} already stored are kept"
    return OutputFolderError(
        f"cannot write the runs to {where}: {reason[0].lower()}{reason[1:]}; {kept_text}: "
        "free some space (or make the folder writable) and run the same command again "
        "to carry on"
    )


def _sidecars(path: Path) -> tuple[Path, ...]:
    return (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"))


def _lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


#: Lock files this process holds; a forked child closes its copies (see below).
_HELD_LOCKS: weakref.WeakSet[Any] = weakref.WeakSet()


def _close_inherited_locks() -> None:
    """In a forked child (a pool worker): close the lock files inherited from the
    parent, so that only the parent holds the lock and it ends with the parent. (An
    ``flock`` lasts while any process keeps the file open: orphaned workers of a killed
    parent used to keep it, and refuse every rerun.)"""
    for fh in list(_HELD_LOCKS):
        with contextlib.suppress(OSError):
            fh.close()
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited_locks)


def _holder_pid(text: str) -> int | None:
    """The pid written in a lock file ("pid 123"), or None."""
    word = text.strip().removeprefix("pid").strip()
    return int(word) if word.isdigit() else None


def _is_running(pid: int) -> bool:
    """Whether a process ``pid`` exists (and is not a zombie waiting to be reaped)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _acquire_lock(path: Path) -> Any:
    """Hold an exclusive lock beside the store, or say who holds it.

    A lock whose holder (the pid written in it) is no longer running is taken over with
    a message on stderr: the lock file is replaced by a new one, so a process that
    still has the old one open (an orphan of a killed run) cannot keep others out."""
    if fcntl is None:  # pragma: no cover
        return None
    lock = _lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _attempt in range(5):
        fh = open(lock, "a+")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            who = fh.read().strip()
            fh.close()
            pid = _holder_pid(who)
            if pid is not None and not _is_running(pid):
                print(
                    f"healthsim: {path.parent} was locked by process {pid}, which is no "
                    "longer running; taking the lock over",
                    file=sys.stderr,
                )
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
                continue
            raise ExperimentError(
                f"another healthsim process{f' ({who})' if who else ''} is writing to "
                f"{path.parent}; wait for it to finish or choose another --out"
            ) from None
        try:
            same = os.fstat(fh.fileno()).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # another process replaced the file meanwhile: lock the new one
            fh.close()
            continue
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        _HELD_LOCKS.add(fh)
        return fh
    raise ExperimentError(f"cannot lock {lock}: other processes keep replacing it")


def _release_lock(fh: Any) -> None:
    if fh is None:
        return
    _HELD_LOCKS.discard(fh)
    with contextlib.suppress(OSError):
        fh.close()

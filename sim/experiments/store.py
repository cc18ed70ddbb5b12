"""The results folder of a sweep or comparison: crash-safe, resumable, readable by any Parquet reader.

Its files are RESULTS_FILES below (and, column by column, the codebook: docs/outputs.md).

Parts are written as hidden ``.part-NNNNNN.parquet.tmp`` files, flushed to disk and renamed into
place (`os.replace`, atomic), so a reader never sees a half-written part. Batch N writes its series
and periods parts first and its summary part last: **a run is finished exactly when its row is in
a committed summary part**. A series or periods part without its summary part (the process died
between the renames) is ignored by `load` and deleted when the sweep resumes, as are leftover temporary files. Resuming
reads the finished runs from the summary parts and runs the others; nothing is run twice.

One session at a time writes a folder: it holds ``.NAME.lock`` beside the folder (an exclusive
`flock`, released when the process ends, however it ends; the file is removed when the session
ends) from before it looks at the folder — before `--force` deletes it or a resume with more
replicates rewrites its plan — to its end. A second session is refused in one line naming the
holder (host, PID, since when). A write that fails (a full or read-only disk) leaves no
half-written file: the temporary file is removed and the committed parts stay as they were.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import platform
import shutil
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..running.output import git_state, json_bytes, lock_path, package_versions, parquet_bytes
from ..scenario import scenario_to_yaml, validate_document

FORMAT = "cogov-experiment/1"
MANIFEST = "manifest.json"
KINDS = ("summary", "series", "periods", "failures")
#: kinds whose part belongs to a batch that counts only once its summary part is committed
BATCH_KINDS = ("series", "periods")
#: the files and folders of a results folder: name → what it holds
RESULTS_FILES = {
    "manifest.json": "the plan (sweep file text, design, seed rule, parameters, metrics), package versions, git commit, "
                     "and one entry per session that wrote here",
    "sweep.yaml": "the sweep file as given (sweeps only)",
    "scenarios/*.yaml": "each arm's resolved base scenario (the sweep file's overrides applied)",
    "design.parquet": "one row per design point: point, the parameter (or arm) columns, u.<parameter> unit coordinates "
                      "of a sampled design",
    "runs.parquet": "every planned run: point, replicate, seed",
    "summary/part-NNNNNN.parquet": "one row per finished run (the columns below)",
    "series/part-NNNNNN.parquet": "the kept daily metrics: point, replicate, day, one column per metric",
    "periods/part-NNNNNN.parquet": "comparisons: each run's period metrics month by month: point, replicate, period, "
                                   "start_day, end_day, one column per period metric",
    "failures/part-NNNNNN.parquet": "runs that raised or whose worker died: point, replicate, seed, design columns, "
                                    "parameters (JSON), error, message, traceback, worker, attempt, failed_at",
    "analysis/": "what `cogov analyze` (or `compare`) wrote: tables (CSV) and figures (PNG); `analysis/discover/`: "
                 "what `cogov discover` wrote",
}
#: summary columns that describe how a run went rather than what it gave; they vary between runs
#: of the same (point, replicate) and are left out when results are compared
PROVENANCE = {
    "wall_seconds": "seconds the run took in its worker",
    "rss_mb": "the worker's resident memory after the run, MB",
    "worker": "host:pid of the worker process",
    "attempt": "1, or 2 for a run retried after its worker died",
}
EXTRA_PACKAGES = ("scipy", "dask", "distributed", "SALib")


class ResultsError(Exception):
    """A results folder cannot be used as asked; the message is one line."""


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a hidden temporary file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:  # a full or read-only disk: nothing half-written stays, the error names the file
        _remove(tmp)
        raise OSError(e.errno, e.strerror, str(path)) from None
    except BaseException:
        _remove(tmp)
        raise
    _fsync_dir(path.parent)


def replace_folder(tmp: Path, target: Path) -> None:
    """Put the finished folder `tmp` where `target` is, in one rename (the old one goes after)."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


def _remove(tmp: Path) -> None:
    try:
        tmp.unlink(missing_ok=True)
    except OSError:  # a read-only disk, where it could not have been created either
        pass


def versions() -> dict[str, str | None]:
    out = package_versions()
    for name in EXTRA_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _part_number(p: Path) -> int | None:
    name = p.name.lstrip(".")
    if not name.startswith("part-"):
        return None
    digits = name[5:].split(".", 1)[0]
    return int(digits) if digits.isdigit() else None


def committed(folder: Path, kind: str) -> list[Path]:
    """The committed parts of one kind, in order."""
    d = folder / kind
    if not d.is_dir():
        return []
    return sorted(p for p in d.glob("part-*.parquet") if _part_number(p) is not None)


def _read_parts(files: Iterable[Path], columns: list[str] | None = None, filters=None) -> pa.Table | None:
    tables = []
    for f in files:
        try:
            names = pq.read_schema(f).names
            cols = [c for c in columns if c in names] if columns is not None else None
            tables.append(pq.read_table(f, columns=cols, filters=filters))
        except (pa.ArrowInvalid, OSError) as e:
            raise ResultsError(f"{f}: cannot read this part: {' '.join(str(e).split())}") from None
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="default")


def _series_parts(folder: Path, kind: str = "series") -> list[Path]:
    """Series (or periods) parts whose batch committed its summary part."""
    done = {_part_number(p) for p in committed(folder, "summary")}
    return [p for p in committed(folder, kind) if _part_number(p) in done]


# --- one writer at a time ---------------------------------------------------------------------------


@dataclass
class FolderLock:
    """The exclusive lock of one session on a results folder: `flock` on ``.NAME.lock`` beside it,
    which holds whether the folder exists, is replaced by `--force` or is created. The file records
    who holds it (host, PID, since when) for the session that is refused."""

    path: Path  # the lock file
    _fd: int | None = field(default=None, repr=False)

    @classmethod
    def acquire(cls, folder: Path) -> FolderLock:
        path = lock_path(folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            # read-only: holding a lock needs no write access (and keeps the disk remountable)
            fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise ResultsError(f"{folder}: another cogov session is writing to this results folder "
                                   f"({_holder(path)}); wait for it to end, or stop it first") from None
            try:  # the holder before us may have removed the file between our open and our lock
                current = os.stat(path)
                mine = os.fstat(fd)
                if (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        lock = cls(path, fd)
        try:
            with open(path, "wb") as f:
                f.write(json_bytes({"host": socket.gethostname(), "pid": os.getpid(), "since": _now()}))
        except BaseException:
            lock.release()
            raise
        return lock

    def release(self) -> None:
        """Remove the lock file and let go (a session that finds it gone takes a new one)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        except OSError:  # a read-only disk: the file stays, the lock goes with the descriptor
            pass
        os.close(self._fd)
        self._fd = None


def _holder(lock_file: Path) -> str:
    """'host H, PID P, since T' of the session holding `lock_file`, as it recorded them."""
    try:
        who = json.loads(lock_file.read_text(encoding="utf-8"))
        return f"host {who['host']}, PID {who['pid']}, since {who['since']}"
    except (OSError, ValueError, KeyError, TypeError):  # it has just taken the lock and not yet said who it is
        return "who holds it is not recorded yet"


# --- writing ----------------------------------------------------------------------------------------


@dataclass
class ResultsStore:
    """A results folder opened for writing by one session (see `open_store`)."""

    path: Path
    manifest: dict[str, Any]
    plan: Any
    _next: int = 0
    _lock: FolderLock | None = field(default=None, repr=False)
    _types: dict[str, pa.DataType] = field(default_factory=dict, repr=False)

    # --- state ------------------------------------------------------------------------------
    def finished(self) -> set[tuple[int, int]]:
        """(point, replicate) of every run with a committed summary row."""
        t = _read_parts(committed(self.path, "summary"), ["point", "replicate"])
        if t is None:
            return set()
        return set(zip(t.column("point").to_pylist(), t.column("replicate").to_pylist()))

    def failed(self) -> set[tuple[int, int]]:
        """(point, replicate) of runs recorded as failed and not finished since."""
        t = _read_parts(committed(self.path, "failures"), ["point", "replicate"])
        if t is None:
            return set()
        return set(zip(t.column("point").to_pylist(), t.column("replicate").to_pylist())) - self.finished()

    def clean(self) -> list[Path]:
        """Delete leftovers of an interrupted session: temporary files, and series or periods parts whose
        summary part was never committed. Returns what was deleted."""
        removed = []
        for kind in KINDS:
            d = self.path / kind
            for p in d.glob(".part-*.tmp") if d.is_dir() else []:
                p.unlink(missing_ok=True)
                removed.append(p)
        summary_parts = {_part_number(p) for p in committed(self.path, "summary")}
        for p in (p for kind in BATCH_KINDS for p in committed(self.path, kind)):
            if _part_number(p) not in summary_parts:
                p.unlink(missing_ok=True)
                removed.append(p)
        for p in self.path.glob(".*.tmp"):
            p.unlink(missing_ok=True)
            removed.append(p)
        numbers = [_part_number(p) for kind in KINDS for p in committed(self.path, kind)]
        self._next = max([n for n in numbers if n is not None], default=-1) + 1
        return removed

    # --- locking ----------------------------------------------------------------------------
    def unlock(self) -> None:
        """End this session's hold on the folder (taken by `open_store`)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # --- committing a batch ---------------------------------------------------------------------
    def commit(self, finished: list[dict], failures: list[dict]) -> None:
        """Write one batch: its series and periods parts, then its summary part (the commit), and its
        failures."""
        if not finished and not failures:
            return
        n = self._next
        self._next += 1
        name = f"part-{n:06d}.parquet"
        if finished:
            series = self._series_table(finished)
            if series is not None:
                atomic_write(self.path / "series" / name, parquet_bytes(series))
            periods = self._periods_table(finished)
            if periods is not None:
                atomic_write(self.path / "periods" / name, parquet_bytes(periods))
            atomic_write(self.path / "summary" / name, parquet_bytes(self._summary_table(finished)))
        if failures:
            atomic_write(self.path / "failures" / name, parquet_bytes(self._failure_table(failures)))

    def _design_columns(self, records: list[dict]) -> dict[str, pa.Array]:
        if not self._types:
            self._types = self.plan.column_types()
        pts = self.plan.points
        return {name: pa.array([pts[r["point"]].columns[name] for r in records], t) for name, t in self._types.items()}

    def _ids(self, records: list[dict]) -> dict[str, pa.Array]:
        return {
            "point": pa.array([r["point"] for r in records], pa.int64()),
            "replicate": pa.array([r["replicate"] for r in records], pa.int64()),
            "seed": pa.array([r["seed"] for r in records], pa.int64()),
        }

    def _summary_table(self, records: list[dict]) -> pa.Table:
        metrics: list[str] = list(dict.fromkeys(k for r in records for k in r["summary"]))
        cols = {**self._ids(records), **self._design_columns(records)}
        for m in metrics:
            values = [r["summary"].get(m) for r in records]
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):  # counts stay integers
                cols[m] = pa.array(values, pa.int64())
            else:
                cols[m] = pa.array([_float(v) for v in values], pa.float64(), from_pandas=True)  # NaN -> null
        cols["wall_seconds"] = pa.array([float(r["wall_seconds"]) for r in records], pa.float64())
        cols["rss_mb"] = pa.array([float(r["rss_mb"]) for r in records], pa.float64())
        cols["worker"] = pa.array([r["worker"] for r in records], pa.string())
        cols["attempt"] = pa.array([int(r.get("attempt", 1)) for r in records], pa.int64())
        return pa.table(cols)

    def _series_table(self, records: list[dict]) -> pa.Table | None:
        metrics = [m for m in records[0]["series"] if m != "day"]
        if not metrics:
            return None
        sizes = [len(r["series"]["day"]) for r in records]
        cols: dict[str, Any] = {
            "point": pa.array(np.repeat([r["point"] for r in records], sizes).astype(np.int64)),
            "replicate": pa.array(np.repeat([r["replicate"] for r in records], sizes).astype(np.int64)),
            "day": pa.array(np.concatenate([np.asarray(r["series"]["day"], dtype=np.int64) for r in records])),
        }
        for m in metrics:
            cols[m] = pa.array(np.concatenate([np.asarray(r["series"][m], dtype=np.float64) for r in records]),
                               from_pandas=True)  # an undefined value (NaN) is stored as null
        return pa.table(cols)

    def _periods_table(self, records: list[dict]) -> pa.Table | None:
        """The runs' period metrics (point, replicate, period, start_day, end_day, metrics)."""
        if not records[0].get("periods"):
            return None
        frames = [pd.DataFrame(r["periods"]).assign(point=r["point"], replicate=r["replicate"]) for r in records]
        df = pd.concat(frames, ignore_index=True)
        front = ["point", "replicate", "period", "start_day", "end_day"]
        df = df[front + [c for c in df.columns if c not in front]]
        return pa.Table.from_pandas(df.astype({c: "int64" for c in front}), preserve_index=False)

    def _failure_table(self, records: list[dict]) -> pa.Table:
        pts = self.plan.points
        cols = {**self._ids(records), **self._design_columns(records)}
        cols["parameters"] = pa.array([json.dumps(pts[r["point"]].overrides, sort_keys=True, default=str) for r in records])
        for key in ("error", "message", "traceback", "worker"):
            cols[key] = pa.array([str(r.get(key, "")) for r in records], pa.string())
        cols["attempt"] = pa.array([int(r.get("attempt", 1)) for r in records], pa.int64())
        cols["failed_at"] = pa.array([r.get("failed_at") or _now() for r in records], pa.string())
        return pa.table(cols)

    # --- sessions -------------------------------------------------------------------------------
    def begin_session(self, *, engine: str, command_line: str | None) -> None:
        commit, dirty = git_state()
        self.manifest.setdefault("sessions", []).append({
            "started": _now(), "command_line": command_line, "engine": engine, "host": socket.gethostname(),
            "pid": os.getpid(), "git_commit": commit, "git_dirty": dirty, "packages": versions(),
        })
        self.write_manifest()

    def end_session(self, **status: Any) -> None:
        if self.manifest.get("sessions"):
            self.manifest["sessions"][-1].update(finished=_now(), **status)
        self.write_manifest()

    def write_manifest(self) -> None:
        atomic_write(self.path / MANIFEST, json_bytes(self.manifest))


def _float(v: Any) -> float:
    try:
        return float(v) if v is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def _identity_parts(plan) -> dict[str, str]:
    import hashlib

    return {k: hashlib.sha256(json.dumps(v, sort_keys=True, default=str).encode()).hexdigest()[:16]
            for k, v in plan.identity().items()}


_PART_NAMES = {"arms": "the base scenario(s)", "design": "the design", "points": "the design points",
               "seed": "the seed", "common_random_numbers": "common random numbers", "days": "the days per run",
               "metrics": "the kept metrics", "series_every": "series_every", "kind": "the kind of experiment"}


def open_store(path: str | Path, plan, *, force: bool = False) -> ResultsStore:
    """Open (create, or resume) the results folder for `plan`.

    The folder's lock is taken first, and held by the returned store until `unlock`: another
    session writing here is refused before anything is looked at, deleted or rewritten. A new
    folder is created aside and renamed into place with its manifest, design, planned runs and
    resolved scenarios. An existing folder is resumed if it holds the same experiment (more
    replicates may be added); `force` deletes a previous results folder and starts over. A folder
    that is not a cogov results folder is never touched.
    """
    path = Path(os.path.abspath(path))
    lock = FolderLock.acquire(path)
    try:
        store = _open_locked(path, plan, force=force)
    except BaseException:
        lock.release()
        raise
    store._lock = lock
    return store


def _open_locked(path: Path, plan, *, force: bool) -> ResultsStore:
    if path.exists() or path.is_symlink():
        if not path.is_dir() or path.is_symlink():
            raise ResultsError(f"{path}: exists and is not a folder")
        manifest_path = path / MANIFEST
        if not manifest_path.is_file():
            if any(path.iterdir()):
                raise ResultsError(f"{path}: exists and is not a cogov results folder (no {MANIFEST}); not using it")
            path.rmdir()
        else:
            manifest = _read_manifest(path)
            if force:
                aside = path.with_name(f".{path.name}.old-{os.getpid()}")
                os.replace(path, aside)
                shutil.rmtree(aside, ignore_errors=True)
            else:
                return _resume(path, manifest, plan)
    return _create(path, plan)


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ResultsError(f"{path / MANIFEST}: unreadable: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        what = "a run folder (cogov run)" if isinstance(manifest, dict) and "cogov_run_folder" in manifest else (
            f"its manifest.json is not a results manifest of format {FORMAT}")
        raise ResultsError(f"{path}: not a cogov sweep or comparison results folder: {what}")
    return manifest


def _static_files(folder: Path, plan) -> None:
    (folder / "scenarios").mkdir(exist_ok=True)
    for arm, entry in zip(plan.arms, plan.manifest()["arms"]):
        atomic_write(folder / entry["file"], scenario_to_yaml(validate_document(arm.document)).encode("utf-8"))
    atomic_write(folder / "design.parquet", parquet_bytes(pa.Table.from_pandas(plan.design_frame(), preserve_index=False)))
    atomic_write(folder / "runs.parquet", parquet_bytes(pa.Table.from_pandas(plan.runs_frame(), preserve_index=False)))
    if plan.source_text is not None:
        atomic_write(folder / "sweep.yaml", plan.source_text.encode("utf-8"))


def _create(path: Path, plan) -> ResultsStore:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for kind in KINDS:
            (tmp / kind).mkdir()
        _static_files(tmp, plan)
        manifest = {"format": FORMAT, "created": _now(), **plan.manifest(), "identity": _identity_parts(plan),
                    "python": platform.python_version(), "sessions": []}
        atomic_write(tmp / MANIFEST, json_bytes(manifest))
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(path.parent)
    return ResultsStore(path, manifest, plan)


def _resume(path: Path, manifest: dict, plan) -> ResultsStore:
    if manifest.get("plan_hash") != plan.identity_hash():
        old, new = manifest.get("identity", {}), _identity_parts(plan)
        changed = [_PART_NAMES.get(k, k) for k in new if old.get(k) != new[k]] or ["the plan"]
        raise ResultsError(
            f"{path}: holds results of a different experiment ({', '.join(changed)} changed); "
            "use --out for a new folder, or --force to delete these results and start over")
    if plan.replicates < manifest.get("replicates", 0):
        raise ResultsError(f"{path}: holds {manifest['replicates']} replicates per point; asking for "
                           f"{plan.replicates} would hide some; ask for {manifest['replicates']} or more")
    store = ResultsStore(path, manifest, plan)
    if plan.replicates > manifest.get("replicates", 0):
        manifest.update(replicates=plan.replicates, runs=plan.n_runs)
        atomic_write(path / "runs.parquet", parquet_bytes(pa.Table.from_pandas(plan.runs_frame(), preserve_index=False)))
        store.write_manifest()
    for kind in KINDS:
        (path / kind).mkdir(exist_ok=True)
    return store


# --- reading ----------------------------------------------------------------------------------------


class Results:
    """A results folder, read into pandas. Tables are read when first used.

    ``summary``: one row per finished run (point, replicate, seed, design columns, end-of-run
    metrics, provenance); ``series``: the kept daily metrics (point, replicate, day, metrics);
    ``failures``: runs that failed and have not finished since; ``design``: one row per design
    point; ``runs``: every planned run with its status (``finished``, ``failed`` or ``missing``).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not (self.path / MANIFEST).is_file():
            raise ResultsError(f"{self.path}: not a cogov results folder (no {MANIFEST})")
        self.manifest = _read_manifest(self.path)
        self._cache: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        s = self.status()
        return (f"<Results {self.path} {self.kind} {self.name!r}: {s['finished']}/{s['planned']} finished, "
                f"{s['failed']} failed>")

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def parameters(self) -> list[str]:
        """Design column names: the varied parameters (or ``arm`` for a comparison)."""
        if self.kind == "compare":
            return ["arm"]
        return [p["name"] for p in self.manifest["parameters"]]

    @property
    def options(self) -> list[str]:
        """A robustness study's policy options, in the sweep file's order (else none)."""
        return list(self.manifest.get("options") or [])

    @property
    def metrics(self) -> list[str]:
        """The kept daily series."""
        return list(self.manifest["metrics"])

    @property
    def design(self) -> pd.DataFrame:
        if "design" not in self._cache:
            self._cache["design"] = pd.read_parquet(self.path / "design.parquet")
        return self._cache["design"]

    @property
    def summary(self) -> pd.DataFrame:
        if "summary" not in self._cache:
            t = _read_parts(committed(self.path, "summary"))
            df = t.to_pandas() if t is not None else pd.DataFrame(
                {c: pd.Series(dtype="int64") for c in ("point", "replicate", "seed")})
            self._cache["summary"] = df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)
        return self._cache["summary"]

    @property
    def series(self) -> pd.DataFrame:
        if "series" not in self._cache:
            self._cache["series"] = self.read_series()
        return self._cache["series"]

    def read_series(self, metrics: list[str] | None = None, points: list[int] | None = None) -> pd.DataFrame:
        """The kept daily series, optionally only some metrics and design points (read column- and
        row-group-wise, so a large sweep's series need not fit in memory at once)."""
        columns = None if metrics is None else ["point", "replicate", "day", *metrics]
        filters = None if points is None else [("point", "in", list(points))]
        t = _read_parts(_series_parts(self.path), columns, filters)
        if t is None:
            return pd.DataFrame({c: pd.Series(dtype="int64") for c in ("point", "replicate", "day")})
        return t.to_pandas().sort_values(["point", "replicate", "day"], kind="stable").reset_index(drop=True)

    @property
    def periods(self) -> pd.DataFrame:
        """The period metrics month by month of every finished run (comparisons; point,
        replicate, period, start_day, end_day, metrics)."""
        if "periods" not in self._cache:
            t = _read_parts(_series_parts(self.path, "periods"))
            df = t.to_pandas() if t is not None else pd.DataFrame(
                {c: pd.Series(dtype="int64") for c in ("point", "replicate", "period", "start_day", "end_day")})
            self._cache["periods"] = df.sort_values(["point", "replicate", "period"], kind="stable").reset_index(drop=True)
        return self._cache["periods"]

    @property
    def failures(self) -> pd.DataFrame:
        """Failed runs not finished since: the last failure of each."""
        if "failures" not in self._cache:
            t = _read_parts(committed(self.path, "failures"))
            if t is None:
                df = pd.DataFrame({c: pd.Series(dtype="int64") for c in ("point", "replicate", "seed")})
            else:
                df = t.to_pandas()
                done = set(zip(self.summary["point"], self.summary["replicate"]))
                keep = [(p, r) not in done for p, r in zip(df["point"], df["replicate"])]
                df = df[keep].drop_duplicates(["point", "replicate"], keep="last")
            self._cache["failures"] = df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)
        return self._cache["failures"]

    @property
    def runs(self) -> pd.DataFrame:
        """Every planned run (point, replicate, seed) with its status."""
        runs = pd.read_parquet(self.path / "runs.parquet")
        done = set(zip(self.summary["point"], self.summary["replicate"]))
        failed = set(zip(self.failures["point"], self.failures["replicate"]))
        runs["status"] = ["finished" if k in done else "failed" if k in failed else "missing"
                          for k in zip(runs["point"], runs["replicate"])]
        return runs

    def status(self) -> dict[str, int]:
        counts = self.runs["status"].value_counts()
        return {"planned": int(self.manifest["runs"]), "finished": int(counts.get("finished", 0)),
                "failed": int(counts.get("failed", 0)), "missing": int(counts.get("missing", 0))}


def load(path: str | Path) -> Results:
    """Open a sweep's or comparison's results folder: ``load(path).summary`` is a pandas DataFrame
    of one row per finished run; ``.series`` the kept daily metrics; ``.failures``, ``.design``,
    ``.runs``, ``.manifest`` the rest."""
    return Results(path)

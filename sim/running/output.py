"""The run folder: every output of one run, written atomically.

The files are listed, with what each holds, in RUN_FILES and CITY_FILES below, and column by
column in the codebook (docs/outputs.md, `cogov codebook`).

Everything except manifest.json (created-at time, wall time) and dashboard.png is byte-identical
for the same scenario, seed and package versions. Files are written into a hidden sibling folder
which is renamed into place only when complete, so a failure never leaves a half-written folder
and never touches an existing one.
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import errno
import functools
import hashlib
import io
import json
import math
import os
import platform
import shutil
import subprocess
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..metrics.capacity import capacity_section
from ..metrics.definitions import summary
from ..metrics.periods import before_after, periods_table
from ..metrics.stationarity import stationarity_section
from ..metrics.tables import community_table, district_league, street_table, type_spread
from ..scenario import scenario_to_yaml
from ..scenario.timeline import entry_label

#: the files of every run folder: name → what it holds (docs/outputs.md lists their columns)
RUN_FILES = {
    "series.parquet": "the daily metrics: one row per day, the state at the end of that day",
    "series.csv": "the same as series.parquet, as CSV",
    "case_log.parquet": "the audit log: one row per event of every dispute, in the order they happened",
    "cases.parquet": "one row per dispute, with its state at the end of the run",
    "summary.json": "every end-of-run metric (sorted keys; null where undefined); `timeline`: each timeline "
                    "entry's period metrics in the windows before and after it; `capacity`: each handler's offered "
                    "load ρ over the reported days; `stationarity`: the series that trend over the run",
    "periods.parquet": "the period metrics month by month (30-day periods): what happened in each period only",
    "periods.csv": "the same as periods.parquet, as CSV",
    "scenario.yaml": "the fully resolved scenario, seed and days included: `cogov run` on it reproduces the run",
    "dashboard.png": "six panels of the daily series",
    "manifest.json": "provenance: package versions, git commit, seed, days, command line, wall time, file checksums",
}
#: added for a run of more than one community (a city)
CITY_FILES = {
    "communities.parquet": "one row per community: where and what it is, and its end-of-run metrics",
    "communities.csv": "the same as communities.parquet, as CSV",
    "streets.csv": "one row per street office: its communities together, and the cases it handled",
    "districts.csv": "the district league table: districts ranked by resolution rate, then participation",
    "city_distribution.png": "resolution rate and participation across communities, by community type",
    "city_heatmap.png": "the communities (columns) of each street (rows), coloured by resolution rate",
    "city_escalations.png": "the communities that account for most escalations beyond the community, with their cumulative share",
    "types.csv": "the spread of each headline metric across the communities of one type (mean, sd, percentiles)",
    "city_attributes.png": "each community's resolution and participation against its latent attributes, by type",
}
#: the keys of manifest.json: name → meaning
MANIFEST_FIELDS = {
    "cogov_run_folder": "format version of the run folder (1)",
    "scenario_name": "the scenario's name",
    "scenario_file": "the scenario file given to `cogov run` (absolute path; null from Python)",
    "seed": "the seed of the run",
    "days": "days simulated",
    "command_line": "the command that made the folder",
    "wall_time_seconds": "seconds from start to the folder written",
    "created_at": "when (UTC, ISO 8601)",
    "versions": "versions of cogov, Mesa, NumPy, pandas, pyarrow, pydantic and Python",
    "git_commit": "the git commit of the package's checkout (null outside one)",
    "git_dirty": "whether that checkout had uncommitted changes",
    "lang": "the language asked for (en or zh)",
    "dashboard_lang": "the language the dashboard was drawn in (en without a CJK font)",
    "files": "SHA-256 of every other file of the folder",
}
#: files that must be byte-identical for the same scenario and seed
DETERMINISTIC_FILES = ("series.parquet", "series.csv", "case_log.parquet", "cases.parquet", "summary.json", "periods.parquet",
                       "periods.csv", "scenario.yaml")
PACKAGES = ("cogov", "mesa", "numpy", "pandas", "pyarrow", "pydantic")


class RunFolderError(Exception):
    """The run folder cannot be written where asked (exists without force, not a run folder)."""


# --- the contents ---------------------------------------------------------------------------------


def series_frame(model) -> pd.DataFrame:
    """The DataCollector's model variables, one row per day; index `day`, the state at the end of
    days 1, 2, ... (the last row is the end state of `summary.json`)."""
    df = model.datacollector.get_model_vars_dataframe()
    df.index = pd.RangeIndex(1, len(df) + 1, name="day")
    return df


#: every Parquet file cogov writes: fixed settings, so that equal tables give equal bytes
PARQUET = dict(compression="zstd", compression_level=3, version="2.6", use_dictionary=True,
               write_statistics=True, data_page_version="1.0")


def parquet_bytes(table: pa.Table) -> bytes:
    """A Parquet file of `table` (PARQUET's settings)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **PARQUET)
    data = sink.getvalue().to_pybytes()
    del sink
    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps what it freed; a city's peak would carry it
    return data


def series_csv(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=True, index_label="day", lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def table_csv(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _plain(value: Any) -> Any:
    """JSON-ready: NumPy scalars to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_bytes(data: dict) -> bytes:
    text = json.dumps(_plain(data), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["python"] = platform.python_version()
    return out


def git_state(directory: Path | None = None) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git checkout holding the package; (None, None) outside one."""
    directory = directory or Path(__file__).resolve().parent.parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=directory, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = git("status", "--porcelain", "--untracked-files=no")
    return commit, (None if status is None else bool(status))


def timeline_events(scenario, lang: str) -> list[tuple[int, str]]:
    """(day, label) of each timeline entry within the run, for the dashboard and plots; an entry
    without a label of its own is described, with the places it targets."""
    out = []
    for entry in sorted(scenario.timeline, key=lambda e: e.day):
        if entry.day >= scenario.run.days:
            continue
        label = entry_label(entry, lang)
        level, names = entry.targets()
        if level is not None and not entry.label:  # a label of its own says where, if it needs to
            label = f"{label} ({', '.join(names)})"
        out.append((entry.day, label))
    return out


# --- the folder -----------------------------------------------------------------------------------


def lock_path(folder: Path) -> Path:
    """The lock file of a session writing `folder`: ``.NAME.lock`` beside it, so it holds whether
    the folder exists, is replaced or is created (`experiments.store.FolderLock` takes it)."""
    return folder.with_name(f".{folder.name}.lock")


def check_target(out_dir: str | os.PathLike[str], *, force: bool = False) -> Path:
    """The absolute target folder, or RunFolderError if it may not be (re)placed there (OSError
    if its folder cannot be written at all).

    An existing target is replaced only with `force`, and only if it is an empty folder or a run
    folder (`is_run_folder`), so that `--force` can never delete an unrelated directory, a
    sweep's results or a folder a session is writing."""
    target = Path(os.path.abspath(out_dir))
    if not target.name:
        raise RunFolderError(f"{out_dir}: not a usable run folder name")
    if not (target.exists() or target.is_symlink()):
        parent = target.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise RunFolderError(f"{out_dir}: {parent} is not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):  # the machine's fault, not the input's: exit status 1
            read_only = bool(os.statvfs(parent).f_flag & os.ST_RDONLY)
            raise OSError(errno.EROFS if read_only else errno.EACCES,
                          f"cannot write here ({os.strerror(errno.EROFS if read_only else errno.EACCES)})", str(parent))
        return target
    if not force:
        raise RunFolderError(f"{out_dir}: already exists; use --force to replace it")
    if target.is_symlink() or not target.is_dir():
        raise RunFolderError(f"{out_dir}: exists and is not a folder; not replacing it")
    if lock_path(target).exists():  # a sweep's or comparison's, even one just begun
        raise RunFolderError(f"{out_dir}: is a cogov results folder (a session's lock is beside it); not replacing it")
    if any(target.iterdir()) and not is_run_folder(target):
        raise RunFolderError(f"{out_dir}: exists and is not a cogov run folder (no manifest.json marking one); not replacing it")
    return target


#: a run folder's manifest is a few kilobytes; a larger file is not one
MANIFEST_LIMIT = 1 << 20


def is_run_folder(folder: Path) -> bool:
    """Whether `folder` holds a run folder's manifest (``cogov_run_folder``): a sweep's results
    folder, or anything else with a manifest.json of its own, is not one."""
    path = folder / "manifest.json"
    try:
        if not path.is_file() or path.stat().st_size > MANIFEST_LIMIT:
            return False
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "cogov_run_folder" in manifest


def summary_document(model) -> dict[str, Any]:
    """What `summary.json` holds: the end-of-run metrics and the timeline, capacity and
    stationarity sections."""
    return {**summary(model), "timeline": before_after(model), "capacity": capacity_section(model),
            "stationarity": stationarity_section(model)}


def what_ran(model):
    """The resolved scenario of what the folder holds: for a run stopped early (a workshop's
    export), its days so far and the timeline entries applied by then, so that `cogov run` on it
    gives the same folder."""
    if model.day >= model.days:
        return model.config
    run = model.config.run.model_copy(update={"days": max(1, model.day)})
    return model.config.model_copy(update={"run": run, "timeline": [e for e in model.config.timeline if e.day < model.day]})


def _sibling(target: Path, tag: str) -> Path:
    """A fresh hidden folder name next to the target, e.g. `.baseline-seed42.tmp-1234-0`."""
    for n in range(1000):
        p = target.with_name(f".{target.name}.{tag}-{os.getpid()}-{n}")
        if not (p.exists() or p.is_symlink()):
            return p
    raise RunFolderError(f"{target}: cannot find a free temporary name")


def _write(path: Path, data: bytes) -> str:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return hashlib.sha256(data).hexdigest()


def hand_back_memory() -> None:
    """Return freed memory to the system (glibc keeps it otherwise); nothing elsewhere."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _write_parquet(path: Path, table: pa.Table) -> str:
    """`table` as a Parquet file (PARQUET's settings) written straight to `path`, inside the run
    folder's temporary folder: its bytes are not also held in memory beside the table (as Arrow's
    buffer and a Python copy). Returns the file's SHA-256."""
    with open(path, "wb") as f:
        pq.write_table(table, f, **PARQUET)
        f.flush()
        os.fsync(f.fileno())
    pa.default_memory_pool().release_unused()
    hand_back_memory()  # what encoding freed, before the figures are drawn on top of it
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_run_folder(model, out_dir: str | os.PathLike[str], *, scenario_path: str | os.PathLike[str] | None,
                     command_line: str | None, wall_time: float | None, lang: str = "en",
                     force: bool = False, _before_commit: Callable[[Path], None] | None = None) -> dict[str, Any]:
    """Write the run folder of a finished `model` to `out_dir`, atomically; returns the manifest.

    Raises RunFolderError if `out_dir` exists and not `force` (or is not a run folder); any
    exception leaves an existing folder as it was and no temporary folder behind."""
    target = check_target(out_dir, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(target, "tmp")
    os.mkdir(tmp)
    try:
        names = list(model.geography.names)
        book = model.disputes.book
        series = series_frame(model)
        digests: dict[str, str] = {}
        digests["series.parquet"] = _write_parquet(tmp / "series.parquet", pa.Table.from_pandas(series.reset_index(), preserve_index=False))
        digests["series.csv"] = _write(tmp / "series.csv", series_csv(series))
        digests["case_log.parquet"] = _write_parquet(tmp / "case_log.parquet", book.event_table(names))
        digests["cases.parquet"] = _write_parquet(tmp / "cases.parquet", book.case_table(names))
        digests["summary.json"] = _write(tmp / "summary.json", json_bytes(summary_document(model)))
        periods = periods_table(model)
        digests["periods.parquet"] = _write_parquet(tmp / "periods.parquet", pa.Table.from_pandas(periods, preserve_index=False))
        digests["periods.csv"] = _write(tmp / "periods.csv", table_csv(periods))
        digests["scenario.yaml"] = _write(tmp / "scenario.yaml", scenario_to_yaml(what_ran(model)).encode("utf-8"))
        versions = package_versions()
        meta = {"scenario": model.config.name, "seed": model.seed, "days": model.day,
                "residents": model.population.n, "communities": len(names), "version": versions["cogov"]}
        meta["events"] = timeline_events(model.config, lang)
        from .dashboard import render_dashboard  # matplotlib, only where a picture is drawn

        used_lang = render_dashboard(series, tmp / "dashboard.png", lang=lang, meta=meta)
        digests["dashboard.png"] = hashlib.sha256((tmp / "dashboard.png").read_bytes()).hexdigest()
        if len(names) > 1:
            digests.update(_write_city(model, tmp, used_lang))
        commit, dirty = git_state()
        manifest = {
            "cogov_run_folder": 1,
            "scenario_name": model.config.name,
            "scenario_file": None if scenario_path is None else str(Path(os.path.abspath(scenario_path))),
            "seed": model.seed,
            "days": model.day,
            "command_line": command_line,
            "wall_time_seconds": None if wall_time is None else round(float(wall_time), 3),
            "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "versions": versions,
            "git_commit": commit,
            "git_dirty": dirty,
            "lang": lang,
            "dashboard_lang": used_lang,
            "files": digests,
        }
        _write(tmp / "manifest.json", json_bytes(manifest))
        if _before_commit is not None:  # test hook: fail at the last moment
            _before_commit(tmp)
        _commit(tmp, target, force=force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _write_city(model, tmp: Path, lang: str) -> dict[str, str]:
    """Per-community and per-street tables, the district league table, and the comparison plots."""
    from .city_plots import attributes_figure, distribution_figure, escalations_figure, heatmap_figure, mark_timeline
    from .dashboard import render

    communities = community_table(model)
    digests = {
        "communities.parquet": _write_parquet(tmp / "communities.parquet", pa.Table.from_pandas(communities, preserve_index=False)),
        "communities.csv": _write(tmp / "communities.csv", table_csv(communities)),
        "streets.csv": _write(tmp / "streets.csv", table_csv(street_table(model))),
        "districts.csv": _write(tmp / "districts.csv", table_csv(district_league(model))),
        "types.csv": _write(tmp / "types.csv", table_csv(type_spread(communities))),
    }
    geo = model.geography  # the places' titles label the figures in their language
    for name, build in (("city_distribution.png", distribution_figure),
                        ("city_heatmap.png", functools.partial(heatmap_figure, geography=geo)),
                        ("city_escalations.png", functools.partial(escalations_figure, geography=geo)),
                        ("city_attributes.png", attributes_figure)):
        render(lambda used, build=build: mark_timeline(build(communities, used), timeline_events(model.config, used), used),
               tmp / name, lang)
        digests[name] = hashlib.sha256((tmp / name).read_bytes()).hexdigest()
    return digests


def _commit(tmp: Path, target: Path, *, force: bool) -> None:
    """Move the finished folder into place; with `force`, swap out an existing one."""
    check_target(target, force=force)  # again: something may have appeared while we ran
    if not (target.exists() or target.is_symlink()):
        os.rename(tmp, target)
        return
    old = _sibling(target, "old")
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)

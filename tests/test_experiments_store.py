"""The results folder: killed with SIGKILL mid-sweep (a real `python -m sim sweep` subprocess) and
resumed, it ends equal to an uninterrupted sweep with nothing run twice; half-written parts are
never read; a folder is resumed only by the same experiment (replicates may grow); one writer at a
time; the parts read with pandas (`load`), pyarrow and DuckDB."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from experiment_files import ROOT, assert_one_line_error, assert_same_results, python_m_sim, tables, write_sweep

from sim.cli import main
from sim.experiments import ResultsError, load
from sim.experiments.engines import LocalEngine
from sim.experiments.plan import Plan
from sim.experiments.runner import run_plan
from sim.experiments.store import ResultsStore, committed, open_store
from sim.experiments.sweepfile import load_sweep


def _slow_sweep(tmp_path):
    """12 runs of about a tenth of a second each: long enough to be killed in the middle."""
    from experiment_files import write_base

    write_base(tmp_path, households=300, days=60)
    return write_sweep(tmp_path, replicates=3)


def test_killed_with_sigkill_mid_sweep_then_resumed_equals_an_uninterrupted_sweep(tmp_path):
    sweep = _slow_sweep(tmp_path)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(sweep), "--out", str(out), "--workers", "1", "--batch", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(committed(out, "summary")) < 3:
            assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "no results appeared"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes, no chance to clean up
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    before = load(out).status()
    assert 3 <= before["finished"] < 12 and before["failed"] == 0, before
    assert (tmp_path / ".killed.lock").exists()  # left by the killed session; its lock went with the process

    done = python_m_sim("sweep", sweep, "--out", out, "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / ".killed.lock").exists()
    assert f"{before['finished']} finished earlier; {12 - before['finished']} to run" in done.stdout
    assert f"this session: {12 - before['finished']} finished" in done.stdout

    reference = tmp_path / "uninterrupted"
    run_plan(Plan.from_sweep(load_sweep(sweep)), reference, LocalEngine(2))
    assert_same_results(out, reference)
    summary, series = tables(out)
    assert not summary.duplicated(["point", "replicate"]).any()
    assert not series.duplicated(["point", "replicate", "day"]).any()
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 2
    assert "status" not in manifest["sessions"][0]  # killed: never closed
    assert manifest["sessions"][1]["status"] == "complete"


def test_sigterm_stops_a_sweep_like_ctrl_c_saving_what_finished(tmp_path):
    """A cluster job at its wall time gets SIGTERM: the sweep saves the runs that finished (held in
    memory until their batch was due), stops its workers, marks the session interrupted and exits
    with 143 (128 + SIGTERM, as a shell reports it); the same command then finishes the rest."""
    from experiment_files import write_base

    write_base(tmp_path, households=3000, days=365)  # runs of about a third of a second
    sweep = write_sweep(tmp_path, replicates=4)
    out = tmp_path / "stopped"
    cmd = [sys.executable, "-m", "sim", "sweep", str(sweep), "--out", str(out), "--workers", "1", "--batch", "100"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / "manifest.json").exists() or not json.loads((out / "manifest.json").read_text()).get("sessions"):
            assert proc.poll() is None and time.monotonic() < deadline, "the sweep did not start"
            time.sleep(0.05)
        time.sleep(1.5)  # a few of the 16 runs finish; none is written yet (a batch is 100 runs or 10 s)
        assert committed(out, "summary") == []
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert "finished runs are saved" in stderr and "rerun the same command to resume" in stderr
    status = load(out).status()
    session = json.loads((out / "manifest.json").read_text())["sessions"][-1]
    assert session["status"] == "interrupted" and session["finished_runs"] == status["finished"]
    assert status["failed"] == 0 and status["finished"] + status["missing"] == 16 and status["missing"] > 0

    done = python_m_sim("sweep", sweep, "--out", out, "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert f"{16 - status['finished']} to run" in done.stdout
    summary, _ = tables(out)
    assert len(summary) == 16 and not summary.duplicated(["point", "replicate"]).any()


def test_half_written_parts_are_never_read_and_are_cleaned_on_resume(tmp_path):
    sweep = write_sweep(tmp_path, replicates=2)
    plan = Plan.from_sweep(load_sweep(sweep))
    out = tmp_path / "out"
    run_plan(plan, out, LocalEngine(1), batch=3)
    reference = tables(out)
    parts = committed(out, "summary")
    assert len(parts) == 3
    # what a kill leaves behind: a temporary file mid-write, and a series part whose summary part
    # was never committed (the process died between the two renames)
    (out / "summary" / ".part-000007.parquet.tmp").write_bytes(b"PAR1 half a file")
    last = parts[-1]
    orphan = out / "series" / "part-000009.parquet"
    orphan.write_bytes((out / "series" / last.name).read_bytes())
    last.unlink()  # its 2 runs are now unfinished
    r = load(out)
    assert r.status() == {"planned": 8, "finished": 6, "failed": 0, "missing": 2}
    assert len(r.series) == 6 * 25  # the orphan series part is not read
    # a plain Parquet reader of the folder skips the hidden temporary file too
    assert len(pd.read_parquet(out / "summary")) == 6

    outcome = run_plan(plan, out, LocalEngine(1))
    assert outcome.finished == 2
    assert not orphan.exists() and not (out / "summary" / ".part-000007.parquet.tmp").exists()
    pd.testing.assert_frame_equal(tables(out)[0], reference[0])
    pd.testing.assert_frame_equal(tables(out)[1], reference[1])


def test_a_folder_is_resumed_only_by_the_same_experiment_and_replicates_can_grow(tmp_path, capsys):
    sweep = write_sweep(tmp_path, replicates=1)
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "-q"]) == 0
    assert capsys.readouterr().out.strip() == str(out)

    # more replicates: the finished runs are kept, only the new ones run
    assert main(["sweep", str(sweep), "--out", str(out), "--replicates", "2"]) == 0
    stdout = capsys.readouterr().out
    assert "4 finished earlier; 4 to run" in stdout
    assert load(out).status() == {"planned": 8, "finished": 8, "failed": 0, "missing": 0}
    fresh = tmp_path / "fresh"
    assert main(["sweep", str(sweep), "--out", str(fresh), "--replicates", "2", "-q"]) == 0
    capsys.readouterr()
    assert_same_results(out, fresh)

    # a different experiment is refused, in one line, and nothing is touched
    assert main(["sweep", str(sweep), "--out", str(out), "--days", "10"]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert "holds results of a different experiment (the days per run changed)" in err
    assert main(["sweep", str(sweep), "--out", str(out), "--replicates", "1"]) == 2
    assert "holds 2 replicates per point" in capsys.readouterr().err
    assert load(out).status()["finished"] == 8

    # --force starts over; a folder that is not a results folder is never touched
    assert main(["sweep", str(sweep), "--out", str(out), "--days", "10", "--force", "-q"]) == 0
    capsys.readouterr()
    assert load(out).manifest["days"] == 10
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    assert main(["sweep", str(sweep), "--out", str(other), "--force"]) == 2
    assert "not a cogov results folder" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "keep me"


def test_one_writer_at_a_time(tmp_path):
    plan = Plan.from_sweep(load_sweep(write_sweep(tmp_path, replicates=1)))
    store = open_store(tmp_path / "out", plan)  # holds the folder's lock until unlock
    try:
        with pytest.raises(ResultsError, match=f"another cogov session is writing .*PID {os.getpid()}, since "):
            run_plan(plan, tmp_path / "out", LocalEngine(1))
    finally:
        store.unlock()
    assert run_plan(plan, tmp_path / "out", LocalEngine(1)).complete
    assert isinstance(store, ResultsStore)
    assert not (tmp_path / ".out.lock").exists()  # a session that ends leaves no lock file behind


def _running_sweep(sweep, out, *more):
    """`python -m sim sweep` of `sweep` into `out`, once it has committed two batches."""
    cmd = [sys.executable, "-m", "sim", "sweep", str(sweep), "--out", str(out), "--workers", "1", "--batch", "1", *more]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 90
    while len(committed(out, "summary")) < 2:
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"the sweep did not get going: {proc.communicate()[1]}")
        time.sleep(0.02)
    return proc


def test_a_second_session_on_a_folder_being_written_is_refused_before_it_touches_anything(tmp_path, capsys):
    """One sweep writes a folder; a second process asks for --force, a resume, and a resume with
    more replicates of the same folder: each is refused in one line naming the first (host, PID,
    since when) with exit 2, before anything is deleted or rewritten; the first sweep then finishes
    into a consistent folder (12 runs once each, as `cogov results` counts them)."""
    sweep = _slow_sweep(tmp_path)
    out = tmp_path / "out"
    first = _running_sweep(sweep, out)
    try:
        # the first sweep is held still while the others try (its lock stays held), so that
        # "nothing touched" is a comparison of the folder before and after, not a race
        os.kill(first.pid, signal.SIGSTOP)
        before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        refused = python_m_sim("sweep", sweep, "--out", out, "--force", "--workers", "1")
        assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1"]) == 2
        again = capsys.readouterr().err
        assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1", "--replicates", "5"]) == 2
        more = capsys.readouterr().err
        after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        os.kill(first.pid, signal.SIGCONT)
        stdout, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert refused.returncode == 2
    for err in (refused.stderr, again, more):
        assert_one_line_error(err)
        assert (f"{out}: another cogov session is writing to this results folder (host {socket.gethostname()}, "
                f"PID {first.pid}, since 20") in err, err
    assert after == before  # not one byte deleted, renamed or rewritten

    assert first.returncode == 0, stderr
    summary, series = tables(out)
    assert len(summary) == 12 and not summary.duplicated(["point", "replicate"]).any()
    assert not series.duplicated(["point", "replicate", "day"]).any()
    assert set(zip(summary["point"], summary["replicate"])) == {(p, r) for p in range(4) for r in range(3)}
    assert main(["results", str(out)]) == 0
    assert "12 finished, 0 failed, 0 missing (of 12)" in capsys.readouterr().out
    assert not (tmp_path / ".out.lock").exists()


def _fill(disk) -> None:
    """Fill `disk` to its last byte (unbuffered writes: the last one takes what room is left)."""
    with open(disk / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass


def _remount_read_only(disk) -> None:
    """Make `disk` read-only under the running sweep (refused while a file on it is open for writing)."""
    deadline = time.monotonic() + 30
    while subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True).returncode != 0:
        assert time.monotonic() < deadline, "could not remount the disk read-only"
        time.sleep(0.01)


def _assert_nothing_half_written(out) -> None:
    """No temporary file; every committed part, the manifest and the plan read whole."""
    assert [p for p in out.rglob("*") if p.name.endswith(".tmp") or ".tmp-" in p.name] == []
    for kind in ("summary", "series", "failures"):
        for part in committed(out, kind):
            pq.read_table(part)
    json.loads((out / "manifest.json").read_text())
    pq.read_table(out / "runs.parquet")


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_disk_that_fills_up_or_turns_read_only_mid_sweep_ends_it_in_one_line_with_nothing_half_written(
        fault, small_disk, tmp_path, capsys):
    sweep = _slow_sweep(tmp_path)
    out = small_disk / "out"
    proc = _running_sweep(sweep, out)
    try:
        _fill(small_disk) if fault == "full" else _remount_read_only(small_disk)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 1, stderr
    assert_one_line_error(stderr)
    assert ("No space left on device" if fault == "full" else "Read-only file system") in stderr
    assert f"cogov: error: {out}/" in stderr and "rerun the same command to resume" in stderr
    _assert_nothing_half_written(out)
    status = load(out).status()
    assert 2 <= status["finished"] < 12 and status["failed"] == 0, status
    assert main(["results", str(out)]) == 0
    assert f"{status['finished']} finished, 0 failed, {12 - status['finished']} missing" in capsys.readouterr().out

    # room again (or writable again): the same command finishes the rest, each run once
    if fault == "full":
        (small_disk / "filler").unlink()
    else:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1"]) == 0
    assert f"{status['finished']} finished earlier" in capsys.readouterr().out
    summary, series = tables(out)
    assert len(summary) == 12 and not summary.duplicated(["point", "replicate"]).any()
    assert not series.duplicated(["point", "replicate", "day"]).any()


def test_results_read_with_pandas_pyarrow_and_duckdb_and_described_by_cogov_results(tmp_path, capsys):
    sweep = write_sweep(tmp_path, replicates=2)
    out = tmp_path / "out"
    run_plan(Plan.from_sweep(load_sweep(sweep)), out, LocalEngine(2), batch=3)
    r = load(out)
    assert list(r.summary.columns[:5]) == ["point", "replicate", "seed", "interval_days", "secretary_capability"]
    assert {"resolution_rate", "participation_rate", "disputes_arisen", "wall_seconds", "worker"} <= set(r.summary.columns)
    assert r.summary["disputes_arisen"].dtype == "int64"
    assert list(r.series.columns) == ["point", "replicate", "day", "resolution_rate", "participation_rate", "backlog"]
    assert len(r.read_series(metrics=["backlog"], points=[1])) == 2 * 25
    assert len(r.design) == 4 and r.parameters == ["interval_days", "secretary_capability"]

    con = duckdb.connect()
    n, mean = con.execute(f"select count(*), avg(participation_rate) from read_parquet('{out}/summary/*.parquet')").fetchone()
    assert n == 8 and mean == pytest.approx(r.summary["participation_rate"].mean())
    rows = con.execute(f"select count(*) from read_parquet('{out}/series/*.parquet') s join "
                       f"read_parquet('{out}/design.parquet') d using (point) where d.interval_days = 7").fetchone()[0]
    assert rows == 4 * 25
    assert pq.read_table(out / "summary").num_rows == 8

    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    for expected in ("sweep 'tiny_sweep'", "grid: 4 points × 2 replicates = 8 runs of 25 days", "8 finished, 0 failed, 0 missing",
                     "interval_days = policies.joint_meetings.interval_days: 7, 30",
                     "SeedSequence(seed, spawn_key=(point, replicate))", "summary/", "from sim.experiments import load"):
        assert expected in text, (expected, text)
    assert main(["results", str(tmp_path)]) == 2
    assert "not a cogov results folder" in capsys.readouterr().err

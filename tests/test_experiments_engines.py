"""Engines: the same sweep gives identical tables on 1 worker, 2 workers and a 2-worker Dask
LocalCluster (really started: dask is a dependency, nothing is mocked); local worker processes are
recycled; a failing run is recorded and the sweep goes on; a worker that dies has its run retried
once, locally and on Dask. Runs are tiny (120 households, 25 days)."""

from __future__ import annotations

import json

from experiment_files import assert_same_results, busy, most_at_once, tables, write_sweep

from sim.cli import main
from sim.experiments import load
from sim.experiments.engines import DaskEngine, EngineError, LocalEngine, RecyclingProcessPool
from sim.experiments.plan import Plan
from sim.experiments.runner import run_plan
from sim.experiments.sweepfile import load_sweep


def test_results_are_identical_whatever_the_engine_and_number_of_workers(tmp_path, capsys):
    sweep = write_sweep(tmp_path, replicates=2)
    outs = {}
    for name, engine in (("one", ["--workers", "1"]), ("two", ["--workers", "2"]),
                         ("dask", ["--dask", "local", "--workers", "2"])):
        outs[name] = tmp_path / name
        code = main(["sweep", str(sweep), "--out", str(outs[name]), "--batch", "3", *engine])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "8/8 runs finished" in out
    assert_same_results(outs["one"], outs["two"])
    assert_same_results(outs["one"], outs["dask"])
    workers = {k: set(load(v).summary["worker"]) for k, v in outs.items()}
    assert len(workers["one"]) == 1 and len(workers["two"]) == 2
    assert len(workers["dask"]) == 2 and not workers["dask"] & (workers["one"] | workers["two"])
    sessions = {k: json.loads((v / "manifest.json").read_text())["sessions"] for k, v in outs.items()}
    assert sessions["dask"][-1]["engine"].startswith("Dask LocalCluster (2 worker processes")
    assert sessions["two"][-1]["engine"].startswith("local processes (2 workers")
    summary, series = tables(outs["one"])
    assert len(summary) == 8 and summary[["point", "replicate"]].drop_duplicates().shape[0] == 8
    assert set(series.groupby(["point", "replicate"]).size()) == {25}  # the end of days 1..25


def test_local_worker_processes_are_recycled(tmp_path):
    plan = Plan.from_sweep(load_sweep(write_sweep(tmp_path, replicates=2)))
    engine = LocalEngine(1, tasks_per_worker=2)
    outcome = run_plan(plan, tmp_path / "out", engine)
    assert outcome.complete
    per_worker = load(tmp_path / "out").summary.groupby("worker").size()
    assert len(per_worker) == 4  # 8 runs, a fresh process after every 2
    assert per_worker.max() <= 2
    reference = tmp_path / "never"
    run_plan(plan, reference, LocalEngine(1, tasks_per_worker=0))
    assert len(set(load(reference).summary["worker"])) == 1
    assert_same_results(tmp_path / "out", reference)


def test_the_recycling_pool_runs_no_more_than_its_workers_at_once_however_much_is_submitted():
    pool = RecyclingProcessPool(2, tasks_per_worker=3)
    try:
        results = list(pool.map(busy, [0.02] * 24))  # map submits everything at once
    finally:
        pool.shutdown()
    assert most_at_once([(start, end) for _, start, end in results]) <= 2
    assert pool.pools_started == 4 and len({pid for pid, _, _ in results}) >= 4  # a fresh pool every 6 runs


def test_a_failing_run_is_recorded_and_the_sweep_completes_then_retry_failed_reruns_only_it(tmp_path, capsys):
    sweep = write_sweep(tmp_path, replicates=2)
    plan = Plan.from_sweep(load_sweep(sweep))
    out = tmp_path / "out"
    outcome = run_plan(plan, out, LocalEngine(2), faults={(2, 1): "raise"})
    assert (outcome.finished, outcome.failed) == (7, 1)
    r = load(out)
    assert r.status() == {"planned": 8, "finished": 7, "failed": 1, "missing": 0}
    f = r.failures.iloc[0]
    assert (f["point"], f["replicate"], f["seed"]) == (2, 1, plan.seed_for(2, 1))
    assert f["error"] == "RuntimeError" and "injected failure" in f["message"]
    assert "Traceback (most recent call last)" in f["traceback"] and "_inject" in f["traceback"]
    assert json.loads(f["parameters"]) == plan.points[2].overrides
    assert f["interval_days"] == plan.points[2].columns["interval_days"]

    # rerunning as is leaves the failure alone and says so; exit status 1
    assert main(["sweep", str(sweep), "--out", str(out)]) == 1
    stdout, err = capsys.readouterr()
    assert "0 to run" in stdout and "--retry-failed" in err
    assert main(["results", str(out), "--failures"]) == 0
    stdout, _ = capsys.readouterr()
    assert "7 finished, 1 failed, 0 missing" in stdout and "injected failure" in stdout

    # --retry-failed runs that one run only
    assert main(["sweep", str(sweep), "--out", str(out), "--retry-failed"]) == 0
    stdout, err = capsys.readouterr()
    assert "1 to run" in stdout and "this session: 1 finished, 0 failed" in stdout, stdout + err
    r = load(out)
    assert r.status()["finished"] == 8 and r.failures.empty
    clean = tmp_path / "clean"
    run_plan(plan, clean, LocalEngine(2))
    assert_same_results(out, clean)


def test_a_local_worker_that_dies_has_its_run_retried_once(tmp_path):
    plan = Plan.from_sweep(load_sweep(write_sweep(tmp_path, replicates=2)))
    marker = tmp_path / "died-once"
    outcome = run_plan(plan, tmp_path / "out", LocalEngine(2),
                       faults={(0, 1): f"die-once:{marker}", (3, 0): "die"})
    assert marker.exists()
    assert (outcome.finished, outcome.failed) == (7, 1)
    assert outcome.retried >= 2  # the runs in flight when a worker died were retried, one by one
    r = load(tmp_path / "out")
    s = r.summary.set_index(["point", "replicate"])
    assert s.loc[(0, 1), "attempt"] == 2
    f = r.failures.iloc[0]
    assert (f["point"], f["replicate"], f["error"], f["attempt"]) == (3, 0, "WorkerDied", 2)
    assert "died while running this run, twice" in f["message"]


def test_a_dask_worker_that_dies_has_its_run_retried_once(tmp_path):
    plan = Plan.from_sweep(load_sweep(write_sweep(tmp_path, replicates=1)))
    marker = tmp_path / "died-once"
    engine = DaskEngine("local", 2)
    outcome = run_plan(plan, tmp_path / "out", engine, faults={(1, 0): f"die-once:{marker}", (2, 0): "die"})
    assert marker.exists()
    assert (outcome.finished, outcome.failed) == (3, 1)
    r = load(tmp_path / "out")
    f = r.failures.iloc[0]
    assert (f["point"], f["replicate"], f["error"]) == (2, 0, "KilledWorker")
    assert 1 in set(r.summary["point"])
    assert engine.client is None and engine.cluster is None  # closed


def test_a_sweep_runs_on_an_existing_dask_scheduler_and_resumes_there(tmp_path, capsys):
    """As on a cluster: the scheduler and its workers are somebody else's (here a LocalCluster
    started by the test), the sweep is pointed at its address."""
    import logging

    from distributed import LocalCluster

    sweep = write_sweep(tmp_path, replicates=2)
    reference = tmp_path / "local"
    assert main(["sweep", str(sweep), "--out", str(reference), "--workers", "1", "-q"]) == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        address = cluster.scheduler_address
        out = tmp_path / "remote"
        plan = Plan.from_sweep(load_sweep(sweep))
        run_plan(plan, out, LocalEngine(1), faults={(3, 1): "raise"})  # a first session left one run failed
        capsys.readouterr()
        assert main(["sweep", str(sweep), "--out", str(out), "--dask", address, "--retry-failed"]) == 0
        stdout, err = capsys.readouterr()
        assert "1 to run" in stdout and f"engine: Dask scheduler {address} (2 worker threads)" in stdout, stdout + err
        assert main(["sweep", str(sweep), "--dask", address, "--workers", "2", "--out", str(out)]) == 2
        assert "--workers: not used with a Dask scheduler address" in capsys.readouterr().err
    assert_same_results(reference, out)
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert sessions[-1]["engine"] == f"Dask scheduler {address} (2 worker threads)"


def test_an_unreachable_dask_scheduler_is_one_line(tmp_path, capsys):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = DaskEngine(f"tcp://127.0.0.1:{port}", connect_timeout="1s")
    try:
        engine.start()
    except EngineError as e:
        message = str(e)
    else:
        raise AssertionError("connected to nothing")
    assert message.startswith(f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}") and "\n" not in message
    assert engine.client is None


def test_progress_shows_runs_done_failed_and_time_left_in_logs_and_on_a_terminal(tmp_path, monkeypatch):
    import io
    import re

    from sim.cli.experiments import RunProgress

    plan = Plan.from_sweep(load_sweep(write_sweep(tmp_path, replicates=2)))
    log = io.StringIO()
    run_plan(plan, tmp_path / "log", LocalEngine(1), faults={(1, 0): "raise"},
             progress=RunProgress(quiet=False, label="sweep tiny", every=0, stream=log))
    lines = log.getvalue().splitlines()  # unattended runs: one line per report, for the job's log
    counts = [tuple(map(int, re.search(r"(\d+)/8 runs finished, (\d+) failed", line).groups())) for line in lines]
    assert counts[-1] == (7, 1) and counts == sorted(counts, key=sum)
    assert all(re.search(r"about \d+ s left$", line) for line, c in zip(lines, counts) if 0 < sum(c) < 8)

    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the stream as a terminal: a live bar
    monkeypatch.setenv("COLUMNS", "160")
    screen = io.StringIO()
    bar = RunProgress(quiet=False, label="sweep tiny", stream=screen)
    run_plan(plan, tmp_path / "bar", LocalEngine(1), faults={(1, 0): "raise"}, progress=bar)
    bar.close()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert bar.bar_mode and "sweep tiny" in text and "8/8 runs" in text and "1 failed" in text and "left" in text

    quiet = io.StringIO()
    run_plan(plan, tmp_path / "quiet", LocalEngine(1), progress=RunProgress(quiet=True, label="q", every=0, stream=quiet))
    assert quiet.getvalue() == ""


def test_a_worker_keeps_no_finished_model_alive(tmp_path, monkeypatch):
    """Mesa 3.3 keeps every model in a class-level registry (until 3.4.2), so a long-lived worker
    would grow by each run's model; the worker drops it, whether the run finished or failed, even
    in the middle of building the model."""
    import gc

    from sim import CoGovModel
    from sim.experiments import worker

    class BreaksOnceBuilt(CoGovModel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            raise RuntimeError("broken after its agents were created")

    gc.collect()
    before = {id(o) for o in gc.get_objects() if isinstance(o, CoGovModel)}  # other tests' models in this process
    plan = Plan.from_sweep(load_sweep(write_sweep(tmp_path, replicates=1)))
    records = [worker.execute_run(plan.task(0, 0)),
               worker.execute_run({**plan.task(1, 0), "overrides": {"site.households": -5}})]  # a bad value
    monkeypatch.setattr(worker, "CoGovModel", BreaksOnceBuilt)
    records.append(worker.execute_run(plan.task(2, 0)))
    assert [r["ok"] for r in records] == [True, False, False]
    assert "broken after its agents were created" in records[2]["message"]
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, CoGovModel) and id(o) not in before]


def test_workers_and_the_command_line_start_without_analysis_libraries():
    """A worker process, and the command line up to its parser, import the model but not scipy.stats
    or matplotlib (0.4 s each): the statistics and figures load when a command first needs them, so
    every sweep worker and every `cogov` command starts that much sooner."""
    import subprocess
    import sys

    code = ("import sys, sim.experiments.worker, sim.cli; sim.cli.build_parser(); "
            "print(','.join(m for m in ('scipy.stats', 'matplotlib') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"imported at start-up: {loaded}"

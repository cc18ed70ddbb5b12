"""No process outlives the command that started it (`sim.running.lifetime`): `cogov workshop`
stops its server on SIGINT, SIGTERM and SIGHUP, and the server ends on its own when the command is
killed with SIGKILL, the port free again afterwards; `kill -9` of a `cogov sweep` leaves none of its
worker processes, fork server or resource tracker running (local processes and a Dask
LocalCluster). Real subprocesses; signals go to the command alone, as `kill PID` or a service
manager sends them (not to its process group, which would reach the children too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
from experiment_files import write_base, write_sweep
from webapp_browser import ROOT

from sim.cli.workshop import port_available
from sim.running.lifetime import GRACE

#: seconds within which every process of a stopped command must be gone
GONE_WITHIN = 10.0


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The processes still running (an exited process no one has reaped yet is not running)."""
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def wait_gone(processes: list[psutil.Process], within: float = GONE_WITHIN) -> list[psutil.Process]:
    deadline = time.monotonic() + within
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive(processes)


def kill_all(processes: list[psutil.Process]) -> None:
    for p in alive(processes):
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


def started_workshop(timeout: float = 90.0) -> tuple[subprocess.Popen, int, list[psutil.Process]]:
    """`cogov workshop --port 0` once its page answers: (the command, its port, its descendants)."""
    proc = subprocess.Popen([sys.executable, "-m", "sim", "workshop", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first = proc.stdout.readline()
    port = int(first.split("http://127.0.0.1:")[1].split("/")[0])
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        assert proc.poll() is None, f"cogov workshop exited with {proc.returncode}"
        assert time.monotonic() < deadline, f"{url} did not answer within {timeout} s"
        time.sleep(0.1)
    return proc, port, psutil.Process(proc.pid).children(recursive=True)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
                         ids=lambda s: signal.Signals(s).name)
def test_the_workshop_server_stops_with_the_command_and_frees_its_port(signum):
    proc, port, server = started_workshop()
    try:
        assert server, "the page answers, so a server process runs"
        assert not port_available("127.0.0.1", port)
        started = time.monotonic()
        os.kill(proc.pid, signum)  # the command only: its server gets no signal from us
        assert wait_gone(server) == [], f"the server outlived {signal.Signals(signum).name} of cogov workshop"
        gone_after = time.monotonic() - started
        proc.wait(timeout=GONE_WITHIN)
    finally:
        kill_all([psutil.Process(proc.pid)] if proc.poll() is None else [])
        kill_all(server)
    assert proc.returncode == (-signal.SIGKILL if signum == signal.SIGKILL else 128 + signum)
    assert port_available("127.0.0.1", port), "the port is free again"
    print(f"{signal.Signals(signum).name}: server gone after {gone_after:.2f} s")


@pytest.mark.parametrize("engine", [["--workers", "2"], ["--dask", "local", "--workers", "2"]], ids=["local", "dask-local"])
def test_kill_9_of_a_sweep_leaves_no_process_running(engine, tmp_path):
    write_base(tmp_path, households=3000, days=365)  # runs of about a third of a second
    sweep = write_sweep(tmp_path, replicates=4)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(sweep), "--out", str(out), "--batch", "1", *engine],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    sweep_process = psutil.Process(proc.pid)
    descendants: dict[int, psutil.Process] = {}
    try:
        deadline = time.monotonic() + 120
        while not (out / "summary").is_dir() or not any((out / "summary").glob("part-*.parquet")):
            assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "no run finished"
            descendants.update((p.pid, p) for p in sweep_process.children(recursive=True))
            time.sleep(0.05)
        descendants.update((p.pid, p) for p in sweep_process.children(recursive=True))
        running = alive(list(descendants.values()))
        workers = [p for p in running if p.ppid() != proc.pid]  # forked by the fork server
        assert len(workers) >= 2, "the workers run (children of the fork server, not of the sweep)"
        proc.kill()  # the sweep alone: no chance to stop anything
        proc.wait(timeout=10)
        started = time.monotonic()
        survivors = [f"{p.pid}: {' '.join(p.cmdline())[:100]}" for p in wait_gone(running)]
        gone_after = time.monotonic() - started
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # what survived, if anything did
        except ProcessLookupError:
            pass
    assert survivors == [], f"still running {GONE_WITHIN} s after kill -9 of the sweep: {survivors}"
    print(f"{engine}: {len(running)} processes (workers, fork server, ...) gone {gone_after:.2f} s after kill -9")


def test_an_orphan_that_ignores_sigterm_is_ended_all_the_same(tmp_path):
    """A process bound with `end_with` to one that is not its parent (a worker forked by the fork
    server is bound to the sweep) and that ignores SIGTERM is ended GRACE seconds after it is orphaned."""
    watched = subprocess.Popen(["sleep", "60"])
    code = ("import signal, sys, time\n"
            "from sim.running.lifetime import end_with\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            f"end_with({watched.pid})\n"
            "print('bound', flush=True)\n"
            "time.sleep(60)\n")
    bound = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert bound.stdout.readline().strip() == "bound"
        time.sleep(0.5)
        assert bound.poll() is None, "it lives while the process it is bound to lives"
        watched.kill()
        watched.wait()
        started = time.monotonic()
        bound.wait(timeout=GONE_WITHIN)
        gone_after = time.monotonic() - started
    finally:
        for p in (watched, bound):
            if p.poll() is None:
                p.kill()
    assert bound.returncode == 128 + signal.SIGTERM
    assert GRACE <= gone_after < GRACE + 3, gone_after

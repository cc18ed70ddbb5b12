"""No process outlives the command that started it (`sim.running.lifetime`): `cogov workshop`
stops its server on SIGINT, SIGTERM and SIGHUP, and the server ends on its own when the command is
killed with SIGKILL; the port is free again afterwards. Real subprocesses, signals sent to the
command alone (not its process group, as a service manager or `kill PID` does)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
from webapp_browser import ROOT

from sim.cli.workshop import port_available

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

"""No process outlives the cogov command that started it.

One side for each end of a parent and its child:

* `end_with(pid)`, called in a child (a workshop server, a sweep's worker process): the child ends
  on its own when process `pid` ends, however it ends — also by ``kill -9``, which leaves the parent
  no chance to clean up. A daemon thread waits for `pid` to end (a pidfd on Linux, which wakes the
  moment it ends; a look every `POLL` seconds elsewhere), then sends this process SIGTERM (so that
  a server shuts down as it does when stopped) and, if it is still alive `GRACE` seconds later,
  ends it at once. `pid` need not be the parent: a sweep's workers are forked by a fork server and
  end with the sweep. (Linux's ``prctl(PR_SET_PDEATHSIG)`` is not used: it fires when the parent's
  *thread* that started the child ends, which can be long before the parent does.)
* `run_child([python, "-m", MODULE, ...])`, in the parent: runs the module through this one (``python
  -m sim.running.lifetime PID -m MODULE ...``), so that the child calls `end_with` before the module
  starts, and stops the child on SIGINT, SIGTERM or SIGHUP (a closed terminal, a service manager,
  ``kill``): SIGTERM, then SIGKILL if it has not ended within `STOP_WITHIN` seconds.
"""

from __future__ import annotations

import os
import runpy
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence

#: seconds between two looks at the parent where it cannot be waited on (no pidfd)
POLL = 0.5
#: seconds an orphaned process has to stop after its SIGTERM before it is ended at once
GRACE = 2.0
#: seconds a child has to stop after its SIGTERM before it is killed
STOP_WITHIN = 5.0
#: the signals that stop `run_child` and its child
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def end_with(pid: int) -> None:
    """End this process when process `pid` ends (see the module's docstring)."""
    threading.Thread(target=_end_after, args=(pid,), name=f"end-with-{pid}", daemon=True).start()


def _end_after(pid: int) -> None:
    _wait_for_end(pid)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE)
    os._exit(128 + signal.SIGTERM)


def _wait_for_end(pid: int) -> None:
    """Return once process `pid` has ended (at once if it already has)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # no pidfd (not Linux 5.3+, or forbidden): look every POLL seconds
        parent = pid == os.getppid()
        while (os.getppid() == pid) if parent else _exists(pid):
            time.sleep(POLL)
        return
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not poller.poll():
            pass
    finally:
        os.close(fd)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


# --- the parent's side ----------------------------------------------------------------------------


def bound_command(argv: Sequence[str]) -> list[str]:
    """``[python, "-m", MODULE, *args]`` rewritten to run MODULE in a child that ends with this process."""
    python, flag, module, *args = argv
    if flag != "-m":
        raise ValueError(f"expected [python, '-m', module, ...], found {list(argv)!r}")
    return [python, "-m", __name__, str(os.getpid()), "-m", module, *args]


def run_child(argv: Sequence[str], *, env: Mapping[str, str] | None = None, stop_within: float = STOP_WITHIN) -> int:
    """Run ``[python, "-m", MODULE, ...]`` as a child that ends with this process, until it exits
    or this process gets SIGINT, SIGTERM or SIGHUP (then the child is stopped). Returns the child's
    exit status, or 128 + the number of the signal that stopped it (130 for Ctrl-C)."""
    received: list[int] = []
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum)) for s in STOP_SIGNALS} if main_thread else {}
    child = None
    try:
        child = subprocess.Popen(bound_command(argv), env=env)
        while not received and child.poll() is None:
            try:
                child.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
    finally:
        if child is not None:
            stop(child, within=stop_within)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 128 + received[0] if received else child.returncode


def stop(child: subprocess.Popen, *, within: float = STOP_WITHIN) -> None:
    """Stop `child`: SIGTERM, then SIGKILL if it is still running `within` seconds later."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=within)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _main(argv: Sequence[str]) -> None:
    """``python -m sim.running.lifetime PID -m MODULE ARGS...``: run MODULE as ``python -m`` would,
    ending when process PID ends."""
    pid, flag, module, *args = argv
    if flag != "-m":
        sys.exit(f"usage: python -m sim.running.lifetime PID -m MODULE [ARGS...]; found {flag!r}")
    end_with(int(pid))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _main(sys.argv[1:])


__all__ = ["GRACE", "STOP_SIGNALS", "STOP_WITHIN", "bound_command", "end_with", "run_child", "stop"]

"""The experiment commands of `cogov`: compare, sweep, results, analyze, discover.

    cogov compare A.yaml B.yaml [...] [--replicates N] [--seed N] [--days N] [--metrics M,...] [ENGINE] [--out DIR]
                  [--max-memory SIZE]
    cogov sweep SWEEP.yaml [--replicates N] [--days N] [ENGINE] [--out DIR] [--retry-failed] [--dry-run]
                [--max-memory SIZE]
    cogov results PATH [--failures]
    cogov analyze PATH [--out DIR] [--metrics M,...] [--satisficing CONDITION ...]
    cogov discover RESULTS --where CONDITION [--threshold D] [--peel-alpha A] [--mass-min M] [--out DIR]

ENGINE is ``--workers N`` (local processes; default: all cores) or ``--dask ADDRESS`` (a Dask
scheduler, e.g. tcp://host:8786) or ``--dask local`` (a Dask LocalCluster of --workers processes).
Rerunning the same compare or sweep command resumes it: finished runs are kept, missing ones run.
A sweep that finished with failed runs exits with status 1. Before any run, the memory of the
costliest run (for a sweep: at the design's costliest corner) times the runs held at once on this
machine is checked against its available memory (or --max-memory), as `cogov run` does.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from ..hints import did_you_mean
from . import (EXIT_FAILED, EXIT_OK, PROG, Stopped, UsageError, _console, _count, _error, _warning, add_memory_option,
               preflight, scenario_argument, seed_option, slug, sweep_argument)


def register(sub: argparse._SubParsersAction) -> None:
    """Add compare, sweep, results and analyze to the `cogov` subcommands."""
    cmp = sub.add_parser(
        "compare", help="paired comparison of scenarios over replicates",
        description="Run each SCENARIO --replicates times with common random numbers (replicate i of every "
                    "scenario uses the same seed) and print each headline metric per scenario with its 95 %% CI "
                    "and the paired difference from the first scenario with its CI; writes a results folder with "
                    "analysis/comparison.csv and analysis/comparison.png (metrics over time with CI bands). "
                    "Rerunning the same command resumes it.")
    cmp.add_argument("scenarios", metavar="SCENARIO", nargs="+", type=scenario_argument,
                     help="scenario files or shipped scenarios' names (two or more); the first is the reference")
    cmp.add_argument("--replicates", metavar="N", type=_count("a positive integer", 1), default=30,
                     help="runs per scenario (default: %(default)s)")
    cmp.add_argument("--seed", metavar="N", type=seed_option, default=1,
                     help="the comparison's seed; replicate seeds derive from it (default: %(default)s)")
    cmp.add_argument("--days", metavar="N", type=_count("a positive integer", 1),
                     help="days per run (default: the scenarios' run.days)")
    cmp.add_argument("--metrics", metavar="M,...", help="daily series to keep and compare (default: the headline metrics)")
    _output_options(cmp, "compare")
    _engine_options(cmp)
    add_memory_option(cmp)
    cmp.set_defaults(func=cmd_compare)

    sw = sub.add_parser(
        "sweep", help="run a parameter sweep from a sweep file",
        description="Run the design of SWEEP_FILE (grid, lhs, sobol or morris over settings of a base scenario) "
                    "with its replicates, writing each finished run to a results folder as it finishes. Rerunning "
                    "the same command resumes: finished runs are kept and missing ones are run.")
    sw.add_argument("sweep", metavar="SWEEP_FILE", type=sweep_argument,
                    help="sweep file, or a shipped sweep file's name (cogov list)")
    sw.add_argument("--replicates", metavar="N", type=_count("a positive integer", 1),
                    help="runs per design point (default: the sweep file's replicates)")
    sw.add_argument("--days", metavar="N", type=_count("a positive integer", 1),
                    help="days per run (default: the sweep file's days, else the base scenario's)")
    sw.add_argument("--dry-run", action="store_true", help="check the sweep file and print the plan; run nothing")
    _output_options(sw, "sweeps")
    _engine_options(sw)
    add_memory_option(sw)
    sw.set_defaults(func=cmd_sweep)

    res = sub.add_parser("results", help="what a results folder holds",
                         description="Print what a sweep's or comparison's results folder holds: the plan, how many "
                                     "runs are finished, failed or missing, the files, and how to load them.")
    res.add_argument("path", metavar="PATH", help="results folder")
    res.add_argument("--failures", action="store_true", help="print the error and traceback of every failed run")
    res.set_defaults(func=cmd_results)

    an = sub.add_parser("analyze", help="tables, plots and sensitivity indices of a results folder",
                        description="Write PATH/analysis/: mean and 95 %% CI per design point and metric (points.csv), "
                                    "plots (effects, heat map, scatter, series), and for sobol and morris designs the "
                                    "sensitivity indices computed with SALib (sensitivity.csv, sensitivity.png).")
    an.add_argument("path", metavar="PATH", help="results folder")
    an.add_argument("--out", metavar="DIR", help="write the analysis here (default: PATH/analysis)")
    an.add_argument("--metrics", metavar="M,...", help="end-of-run metrics to analyse (default: the kept series)")
    an.add_argument("--satisficing", metavar="CONDITION", action="append",
                    help="robustness studies: the share of worlds in which each option meets CONDITION, e.g. "
                         "\"resolution_rate >= 0.8\" (may be repeated)")
    an.set_defaults(func=cmd_analyze)

    from ..experiments.discover import MASS_MIN, PEEL_ALPHA, THRESHOLD

    dis = sub.add_parser("discover", help="scenario discovery: the conditions under which a result holds (PRIM, CART)",
                         description="Mark the sampled worlds (or design points) where CONDITION holds and find the "
                                     "ranges of the uncertainties that explain them: PRIM (peeling trajectory, the "
                                     "chosen box with its ranges and significance) and a CART tree, by EMA Workbench. "
                                     "Columns: the uncertainties, option, each outcome, and <option>_<outcome> (that "
                                     "world's value under an option).")
    dis.add_argument("path", metavar="RESULTS", help="results folder of a sweep (a robustness study: one with levers)")
    dis.add_argument("--where", metavar="CONDITION", required=True,
                     help="e.g. \"option == 'party_led' and resolution_rate - baseline_resolution_rate < 0.02\"")
    dis.add_argument("--threshold", metavar="D", type=_share, default=THRESHOLD,
                     help=f"density the chosen PRIM box must reach (default {THRESHOLD})")
    dis.add_argument("--peel-alpha", metavar="A", type=_share, default=PEEL_ALPHA,
                     help=f"share of cases PRIM peels off at each step (default {PEEL_ALPHA})")
    dis.add_argument("--mass-min", metavar="M", type=_share, default=MASS_MIN,
                     help=f"smallest box, as a share of the cases (default {MASS_MIN})")
    dis.add_argument("--out", metavar="DIR", help="write here (default: RESULTS/analysis/discover)")
    dis.set_defaults(func=cmd_discover)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number above 0 and at most 1, found {text!r}")
    return value


def _output_options(p: argparse.ArgumentParser, kind: str) -> None:
    p.add_argument("--out", metavar="DIR", help=f"results folder (default: RESULTS_DIR/{kind}/<name>)")
    p.add_argument("--results-dir", metavar="DIR", default="results",
                   help="parent of the default results folder (default: %(default)s)")
    p.add_argument("--force", action="store_true",
                   help="delete an existing results folder of this name and start over (only a cogov results folder)")
    p.add_argument("--retry-failed", action="store_true", help="run again the runs recorded as failed")
    p.add_argument("-q", "--quiet", action="store_true", help="no plan, progress or table; print only the results folder")
    p.add_argument("--batch", metavar="N", type=_count("a positive integer", 1), default=25,
                   help="write results every N finished runs (and at least every 10 s) (default: %(default)s)")


def _engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", metavar="N", type=_count("a positive integer", 1),
                   help="worker processes (default: all cores); with --dask local, the LocalCluster's workers")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on a Dask scheduler (e.g. tcp://host:8786), or 'local' to start a LocalCluster")
    p.add_argument("--tasks-per-worker", metavar="N", type=_count("a non-negative integer", 0), default=100,
                   help="local processes: replace each worker process after about N runs; 0 never (default: %(default)s)")


# --- progress ---------------------------------------------------------------------------------------


class RunProgress:
    """progress(finished, failed, total): a rich bar on a terminal; otherwise a line every
    `every` seconds (for logs of unattended runs); nothing when quiet."""

    def __init__(self, *, quiet: bool, label: str, every: float = 30.0, stream=None):
        from rich.console import Console

        self.stream = stream if stream is not None else sys.stderr
        self.console = Console(file=self.stream)
        self.quiet = quiet
        self.bar_mode = self.console.is_terminal and not quiet
        self.label = label
        self.every = every
        self.bar = None
        self.task = None
        self.started = time.monotonic()
        self.first: int | None = None
        self.last_line = time.monotonic()
        self.state = (0, 0, 0)

    def __call__(self, finished: int, failed: int, total: int) -> None:
        self.state = (finished, failed, total)
        if self.first is None:
            self.first = finished + failed
        if self.quiet:
            return
        if self.bar_mode:
            if self.bar is None:
                from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                           TimeRemainingColumn)

                self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                    TextColumn("runs, [red]{task.fields[failed]} failed"), TimeElapsedColumn(),
                                    TextColumn("left"), TimeRemainingColumn(), console=self.console, transient=True)
                self.bar.start()
                self.task = self.bar.add_task(self.label, total=total, completed=finished + failed, failed=failed)
            self.bar.update(self.task, completed=finished + failed, total=total, failed=failed)
        elif time.monotonic() - self.last_line >= self.every:
            self.last_line = time.monotonic()
            print(f"{PROG}: {self.line()}", file=self.stream, flush=True)

    def line(self) -> str:
        finished, failed, total = self.state
        elapsed = time.monotonic() - self.started
        done_here = finished + failed - (self.first or 0)
        left = total - finished - failed
        eta = ""
        if done_here > 0 and left > 0:
            eta = f", about {_duration(elapsed / done_here * left)} left"
        return f"{finished}/{total} runs finished, {failed} failed{eta}"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _nouns(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _runs_phrase(points: int, replicates: int, runs: int, days: int) -> str:
    """'15 points × 1 replicate = 15 runs of 30 days'"""
    return f"{_nouns(points, 'point')} × {_nouns(replicates, 'replicate')} = {_nouns(runs, 'run')} of {days} days"


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"


# --- shared -----------------------------------------------------------------------------------------


def _metrics_option(text: str | None, option: str = "--metrics") -> list[str] | None:
    if not text:
        return None
    from ..metrics import METRICS

    daily = [m.name for m in METRICS.daily()]
    names = [m.strip() for m in text.split(",") if m.strip()]
    for m in names:
        if m not in daily:
            raise UsageError(f"argument {option}: unknown metric '{m}'{did_you_mean(m, daily)}")
    return names


def _engine(args):
    from ..experiments.engines import EngineError, make_engine

    if args.dask and args.dask != "local" and args.workers:
        raise UsageError("argument --workers: not used with a Dask scheduler address (its workers are its own); "
                         "use it with --dask local")
    try:
        return make_engine(workers=args.workers, dask=args.dask, tasks_per_worker=args.tasks_per_worker)
    except EngineError as e:  # an address that is none: refused before anything is written
        raise UsageError(f"argument {e}") from None


def _preflight(scenario, what: str, args, engine, plan) -> None:
    """The resource preflight of `cogov run` for the runs of a plan: one per local worker at once;
    on a Dask scheduler's address the runs are elsewhere, so only --max-memory is checked."""
    remote = bool(args.dask) and args.dask != "local"
    preflight(scenario, what, args.max_memory, days=plan.days, at_once=1 if remote else min(engine.workers, plan.n_runs),
              quiet=args.quiet, here=not remote)


def _run(plan, out: Path, args, argv: Sequence[str], label: str, engine):
    """Run `plan` into `out` with progress; returns the Outcome, or None when the engine failed or
    the folder could not be written (after saying so in one line). A results-folder error (e.g.
    another session holds the folder) becomes a usage error."""
    from ..experiments.engines import EngineError
    from ..experiments.runner import run_plan
    from ..experiments.store import ResultsError

    progress = RunProgress(quiet=args.quiet, label=label)

    def on_start(store, outcome) -> None:
        if args.quiet:
            return
        todo = outcome.planned - outcome.done - outcome.skipped_failed
        earlier = f"; {outcome.finished_before} finished earlier" if outcome.finished_before else ""
        print(f"{plan.kind} {plan.name}: {plan.describe_design()}, "
              f"{_runs_phrase(len(plan.points), plan.replicates, plan.n_runs, plan.days)}{earlier}; {todo} to run", flush=True)
        if outcome.skipped_failed:
            _warning(f"{outcome.skipped_failed} runs failed earlier and are not rerun; use --retry-failed to rerun them")
        sessions = store.manifest.get("sessions") or []
        from ..running.output import git_state

        commit = git_state()[0]
        first = next((s.get("git_commit") for s in sessions if s.get("git_commit")), None)
        if first and commit and first != commit:
            _warning(f"these results were started at commit {first[:10]}; the code is now at {commit[:10]}")
        if todo:
            print(f"engine: {engine.describe()}", flush=True)

    previous = _stop_on_sigterm()
    try:
        outcome = run_plan(plan, out, engine, retry_failed=args.retry_failed, force=args.force, batch=args.batch,
                           progress=progress, command_line=shlex.join([PROG, *argv]), on_start=on_start)
    except KeyboardInterrupt:
        progress.close()
        _warning(f"finished runs are saved in {out}; rerun the same command to resume")
        raise
    except ResultsError as e:
        raise UsageError(str(e)) from None
    except EngineError as e:
        progress.close()
        _error(e)
        from ..experiments.store import committed

        if committed(Path(out).absolute(), "summary"):
            _warning(f"finished runs are saved in {out}; rerun the same command to resume")
        return None
    except OSError as e:  # e.g. the disk filled up or became read-only: one line, what was written is kept
        progress.close()
        from ..experiments.store import committed

        where = f"{e.filename}: " if e.filename else f"{out}: "
        kept = "; the runs written before are kept: once it can be written again, rerun the same command to resume" \
            if committed(Path(out).absolute(), "summary") else ""
        _error(f"{where}{e.strerror or e}{kept}")
        return None
    finally:
        progress.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return outcome


def _stop_on_sigterm():
    """SIGTERM (a cluster job at its wall time, `kill`) stops a sweep as Ctrl-C does: finished runs
    are saved and the session is marked interrupted. Returns the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise Stopped(signum)

    return signal.signal(signal.SIGTERM, stop)


def _finish(outcome, out: Path, quiet: bool) -> int:
    from ..experiments.runner import describe_outcome

    if quiet:
        print(out)
    else:
        print(f"{describe_outcome(outcome)}; this session: {outcome.finished} finished, {outcome.failed} failed "
              f"in {outcome.wall_seconds:.1f} s", flush=True)
        print(f"Results folder: {out}")
    failed = outcome.failed + outcome.skipped_failed
    if failed:
        _warning(f"{failed} runs failed; see '{PROG} results {out} --failures'; rerun with --retry-failed to try them again")
        return EXIT_FAILED
    return EXIT_OK


# --- commands ---------------------------------------------------------------------------------------


def cmd_sweep(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..experiments.plan import Plan
    from ..experiments.sweepfile import costliest_point, load_sweep
    from ..scenario.preflight import Estimate

    engine = _engine(args)
    if not args.dry_run:
        engine.warm()  # worker start-up overlaps reading the sweep file
    sweep = load_sweep(args.sweep, replicates=args.replicates, days=args.days)
    plan = Plan.from_sweep(sweep)
    corner, costliest = costliest_point(sweep, lambda scenario: Estimate.of(scenario, sweep.days).bytes)
    at = ", ".join(f"{k}={json.dumps(v)}" for k, v in corner.items())
    _preflight(costliest, f"{args.sweep}" + (f" at {at}" if at else ""), args, engine, plan)
    out = Path(args.out) if args.out else Path(args.results_dir) / "sweeps" / slug(plan.name)
    if args.dry_run:
        _print_plan(plan, out)
        return EXIT_OK
    outcome = _run(plan, out, args, argv, label=f"sweep {plan.name}", engine=engine)
    if outcome is None:
        return EXIT_FAILED
    code = _finish(outcome, out, args.quiet)
    if not args.quiet and outcome.complete:
        print(f"Next: {PROG} analyze {out}")
    return code


def _print_plan(plan, out: Path) -> None:
    print(f"sweep {plan.name}: {plan.describe_design()}, "
          f"{_runs_phrase(len(plan.points), plan.replicates, plan.n_runs, plan.days)}; seed {plan.seed}")
    print(f"base scenario: {plan.arms[0].source}")
    if plan.levers:
        print("uncertainties (sampled worlds):")
    for p in plan.parameters:
        print(f"  {p.name:<28} {p.path} ({p.kind}): {p.describe()}")
    if plan.levers:
        print(f"levers ({len(plan.levers)} options, each run on every world with the world's seeds):")
        for option, settings in plan.levers.items():
            print(f"  {option:<28} {', '.join(f'{k}={json.dumps(v)}' for k, v in settings.items()) or '(the base scenario)'}")
    print(f"kept series: {', '.join(plan.metrics) or '(none)'}")
    frame = plan.design_frame()
    ids = ["point", "world", "option"] if plan.levers else ["point"]
    print(frame[[*ids, *[p.name for p in plan.parameters]]].head(10).to_string(index=False))
    if len(frame) > 10:
        print(f"... {len(frame) - 10} more points")
    print(f"results folder: {out}")


def cmd_compare(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..experiments.analyze import analyze
    from ..experiments.plan import Plan
    from ..metrics import METRICS
    from ..scenario import validate_document
    from ..scenario.preflight import Estimate

    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenario files")
    metrics = _metrics_option(args.metrics) or METRICS.headline()
    engine = _engine(args)
    engine.warm()
    plan = Plan.for_compare(args.scenarios, replicates=args.replicates, seed=args.seed, days=args.days, metrics=metrics)
    arms = [(validate_document(arm.document), arm.source) for arm in plan.arms]
    heaviest, source = max(arms, key=lambda arm: Estimate.of(arm[0], plan.days).bytes)
    _preflight(heaviest, source, args, engine, plan)
    out = Path(args.out) if args.out else Path(args.results_dir) / "compare" / slug(plan.name)
    outcome = _run(plan, out, args, argv, label=f"compare {plan.name}", engine=engine)
    if outcome is None:
        return EXIT_FAILED
    if outcome.done == 0:
        return _finish(outcome, out, args.quiet)
    analysis = analyze(out, metrics=[m for m in metrics if METRICS[m].end])
    if not args.quiet:
        _print_comparison(analysis.comparison, plan)
        if analysis.before_after is not None and not analysis.before_after.empty:
            _print_before_after(analysis.before_after, plan)
        print("Tables and plots: " + ", ".join(str(analysis.folder / f) for f in analysis.files))
    return _finish(outcome, out, args.quiet)


def _fmt(value: float, metric: str, signed: bool = False) -> str:
    from ..metrics import METRICS

    return METRICS.format_difference(metric, value) if signed else METRICS.format(metric, value)


def _print_comparison(table, plan) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..i18n import metric_label

    arms = [a.name for a in plan.arms]
    ref = arms[0]
    out = Table(title=Text(f"{' vs '.join(arms)}: mean [95 % CI] over {plan.replicates} paired replicates, "
                           f"{plan.days} days"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    out.add_column("Metric")  # on a narrow terminal the labels wrap, never the figures
    for a in arms:
        out.add_column(Text(a), justify="right", no_wrap=True)
    for a in arms[1:]:
        out.add_column(Text(f"{a} − {ref}"), justify="right", no_wrap=True)
    for metric, rows in table.groupby("metric", sort=False):
        rows = rows.set_index("arm")
        cells = []
        for a in arms:
            r = rows.loc[a]
            cells.append(f"{_fmt(r['mean'], metric)} [{_fmt(r['ci_low'], metric)}, {_fmt(r['ci_high'], metric)}]")
        for a in arms[1:]:
            r = rows.loc[a]
            cells.append(f"{_fmt(r['diff'], metric, True)} [{_fmt(r['diff_ci_low'], metric, True)}, "
                         f"{_fmt(r['diff_ci_high'], metric, True)}]")
        out.add_row(Text(metric_label(metric)), *map(Text, cells))
    _console().print(out)


def _print_before_after(table, plan) -> None:
    """Per timeline entry and period metric: each arm's change from the window before to the
    window after, and the difference-in-differences against the first arm, with 95 % CIs."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..i18n import metric_label

    arms = [a.name for a in plan.arms]
    ref = arms[0]
    out = Table(title=Text(f"Before and after each timeline entry ({plan.window_days} days each side): change "
                           f"[95 % CI], and the difference-in-differences (DiD) against {ref}, over "
                           f"{plan.replicates} paired replicates"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    out.add_column("Metric", min_width=24)
    for a in arms:
        out.add_column(Text(f"{a}: after − before"), justify="right")
    for a in arms[1:]:
        out.add_column(Text(f"DiD: {a} − {ref}"), justify="right")
    blank = [""] * (2 * len(arms) - 1)
    for (day, label), rows in table.groupby(["day", "label"], sort=False):
        out.add_row(Text(f"day {day}: {label}", style="bold"), *blank)
        for metric, r in rows.groupby("metric", sort=False):
            r = r.set_index("arm")
            cells = [_ci(metric, *r.loc[a, ["change", "change_ci_low", "change_ci_high"]]) for a in arms]
            cells += [_ci(metric, *r.loc[a, ["did", "did_ci_low", "did_ci_high"]]) for a in arms[1:]]
            out.add_row(Text("  " + metric_label(metric)), *(Text(c, no_wrap=True) for c in cells))
    _console().print(out)


def _ci(metric: str, mean: float, low: float, high: float) -> str:
    """A signed difference and its CI, compactly: a share's in percentage points, written once."""
    from ..metrics import METRICS, Kind

    if METRICS.kind_of(metric) == Kind.SHARE:
        if not math.isfinite(mean):
            return "—"
        ci = f" [{100 * low:+.1f}, {100 * high:+.1f}]" if math.isfinite(low) else ""
        return f"{100 * mean:+.1f}{ci} pp"
    ci = f" [{_fmt(low, metric, True)}, {_fmt(high, metric, True)}]" if math.isfinite(low) else ""
    return f"{_fmt(mean, metric, True)}{ci}"


def cmd_results(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..experiments.store import KINDS, Results, ResultsError, committed

    try:
        r = Results(args.path)
        status = r.status()
    except ResultsError as e:
        raise UsageError(str(e)) from None
    m = r.manifest
    path = r.path
    print(f"{path}: {m['kind']} '{m['name']}'" + (f" — {m['description']}" if m.get("description") else ""))
    if m["kind"] == "sweep":
        print(f"  base scenario   {m['arms'][0]['source']} (resolved: {m['arms'][0]['file']})")
        print(f"  design          {m['design']['kind']}: {_runs_phrase(m['points'], m['replicates'], m['runs'], m['days'])}; "
              f"seed {m['seed']}")
        for p in m["parameters"]:
            from ..experiments.sweepfile import Parameter

            print(f"  parameter       {p['name']} = {p['path']}: {Parameter(**p).describe()}")
    else:
        print("  arms            " + ", ".join(f"{a['name']} ({a['source']})" for a in m["arms"]))
        print(f"  design          {m['replicates']} paired replicates per arm (common random numbers), "
              f"{m['days']} days; seed {m['seed']}")
    print(f"  seeds           {m['seed_rule']}")
    print(f"  kept series     {', '.join(m['metrics']) or '(none)'}" + (f", every {m['series_every']} days" if m.get("series_every", 1) > 1 else ""))
    print(f"  runs            {status['finished']} finished, {status['failed']} failed, {status['missing']} missing "
          f"(of {status['planned']})")
    sessions = m.get("sessions") or []
    if sessions:
        last = sessions[-1]
        commit = (last.get("git_commit") or "unknown")[:10]
        print(f"  sessions        {len(sessions)}; last started {last.get('started')} on {last.get('engine')}, "
              f"commit {commit}, status {last.get('status', 'running or killed')}")
    for kind in KINDS:
        parts = committed(path, kind)
        size = sum(p.stat().st_size for p in parts)
        print(f"  {kind + '/':<15} {_nouns(len(parts), 'part')}, {_size(size)}")
    if status["failed"]:
        f = r.failures
        shown = [f"point {p} replicate {q}: {e}: {msg[:80]}"
                 for p, q, e, msg in zip(f["point"], f["replicate"], f["error"], f["message"])]
        print("  failed runs     " + "; ".join(shown[:5]) + (" ..." if len(shown) > 5 else ""))
        if args.failures:
            for _, row in f.iterrows():
                print(f"\n--- point {row['point']}, replicate {row['replicate']}, seed {row['seed']}, attempt "
                      f"{row['attempt']}, {row['worker']}, {row['failed_at']}\nparameters: {row['parameters']}")
                print(row["traceback"].rstrip() or f"{row['error']}: {row['message']}")
    if (path / "analysis").is_dir():
        print(f"  analysis/       {', '.join(sorted(p.name for p in (path / 'analysis').iterdir()))}")
    print(f"Load in Python:   from sim.experiments import load; r = load({str(path)!r}); r.summary, r.series")
    return EXIT_OK


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


def cmd_analyze(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..experiments.analyze import analyze
    from ..experiments.store import ResultsError

    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else None
    try:
        a = analyze(args.path, out=args.out, metrics=metrics, satisficing=args.satisficing)
    except ResultsError as e:
        raise UsageError(str(e)) from None
    for note in a.notes:
        _warning(note)
    if a.sensitivity is not None:
        _print_sensitivity(a.sensitivity)
    if a.ranking is not None:
        _print_ranking(a.ranking, a.satisficing)
    print(f"Wrote {a.folder}: {', '.join(a.files)}")
    return EXIT_OK


def _print_sensitivity(table) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    sobol = "S1" in table.columns
    out = Table(title=Text("Sobol indices (95 % CI)" if sobol else "Morris screening: μ* (95 % CI) and σ"),
                title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("Metric", "Parameter", *(("S1", "ST") if sobol else ("μ*", "σ", "μ"))):
        out.add_column(col, justify="left" if col in ("Metric", "Parameter") else "right")
    for _, r in table.iterrows():
        if sobol:
            cells = [f"{r['S1']:.3f} ± {r['S1_conf']:.3f}", f"{r['ST']:.3f} ± {r['ST_conf']:.3f}"]
        else:
            cells = [f"{r['mu_star']:.4g} ± {r['mu_star_conf']:.2g}", f"{r['sigma']:.4g}", f"{r['mu']:+.4g}"]
        out.add_row(Text(r["metric"]), Text(r["parameter"]), *cells)
    _console().print(out)


def _print_ranking(ranking, satisficing) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..experiments.robust import REGRET_PERCENTILE

    out = Table(title=Text(f"Regret across sampled worlds (lower is more robust; ranked by maximum, then {REGRET_PERCENTILE}th percentile)"),
                title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("Metric", "Option", "Worlds", "Median", "Max regret", f"P{REGRET_PERCENTILE} regret", "Best in"):
        out.add_column(col, justify="left" if col in ("Metric", "Option") else "right")
    def cell(value: float, form: str = ".4g") -> str:
        return format(value, form) if math.isfinite(value) else "–"  # no world where it is defined

    for _, r in ranking.iterrows():
        out.add_row(Text(r["metric"]), Text(r["option"]), str(r["worlds"]), cell(r["median_value"]), cell(r["max_regret"]),
                    cell(r[f"p{REGRET_PERCENTILE}_regret"]), cell(r["best_share"], ".0%"))
    _console().print(out)
    if satisficing is not None:
        for _, r in satisficing.iterrows():
            print(f"{r['condition']}: {r['option']} in {r['met']} of {r['worlds']} worlds ({r['share']:.0%})")


def cmd_discover(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..experiments.discover import discover
    from ..experiments.store import ResultsError

    try:
        d = discover(args.path, args.where, out=args.out, threshold=args.threshold, peel_alpha=args.peel_alpha,
                     mass_min=args.mass_min)
    except ResultsError as e:
        raise UsageError(str(e)) from None
    for note in d.notes:
        _warning(note)
    st = d.stats
    k, n = int(d.cases["of_interest"].sum()), len(d.cases)
    print(f"{args.where}: {k} of {n} cases of interest")
    print(f"PRIM box {d.chosen} of {len(d.trajectory)}: coverage {st['coverage']:.0%}, density {st['density']:.0%}, "
          f"mass {st['mass']:.0%}, {st['res_dim']} restricted")
    for _, r in d.box.iterrows():
        rng = f"{r['low']}" if r["high"] == "" else f"{r['low']:.4g} – {r['high']:.4g} (of {r['full_low']:.4g} – {r['full_high']:.4g})"
        qp = ", ".join(f"{v:.2g}" for v in (r["qp_lower"], r["qp_upper"]) if v == v)
        print(f"  {r['parameter']:<28} {rng}  quasi-p {qp or '-'}")
    print(f"Wrote {d.folder}: {', '.join(d.files)}")
    return EXIT_OK

"""The `cogov` command line: run a scenario into a run folder, validate, show and diff scenarios.

    cogov run SCENARIO [--seed N] [--days N] [--out DIR] [--results-dir DIR] [--lang en|zh] [--quiet] [--force]
                       [--max-memory SIZE]
    cogov validate FILE... [--max-memory SIZE]
    cogov show FILE [--explain]
    cogov schema [KEY]
    cogov diff A B
    cogov codebook

A scenario is a file or the name of a shipped one (`cogov list`, sim.resources), e.g. `cogov run baseline`.

Errors in the input (an invalid scenario, a missing file, a bad option, an existing run folder)
are reported as one line each, ``cogov: error: ...``, with exit status 2 and nothing written;
`validate` exits with 1 when any file is invalid. Before anything is built, a scenario's peak memory
and run time are estimated from its size (sim/scenario/preflight.py): a large run says so, and one
that needs more memory than this machine has available (or than --max-memory) is refused.
`python -m sim` is the same command.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import time
import signal
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..i18n import LANGUAGES, t
from ..hints import did_you_mean
from ..resources import scenario_file, shipped_scenarios, shipped_sweeps, sweep_file
from ..scenario import ScenarioError, diff_scenarios, load_scenario, scenario_to_yaml
from ..scenario.preflight import Estimate, check, parse_size
from ..scenario.schema import SEED_MAX

PROG = "cogov"

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class Stopped(KeyboardInterrupt):
    """A signal that stops a command as Ctrl-C does (SIGTERM from `kill` or a cluster's wall time);
    the exit status is 128 + its number, as a shell reports a process the signal ended."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum



class UsageError(Exception):
    """Bad command-line usage; the message is one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error raises UsageError (one line, no usage dump, no exit)."""

    def error(self, message: str):  # type: ignore[override]
        hint = f" (see '{self.prog} --help')"
        raise UsageError(message + hint)


def _count(kind: str, minimum: int, maximum: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, found {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {kind}, found {text!r}")
        return value

    parse.__name__ = kind
    return parse


#: a --seed option's value: what a scenario's run.seed may be
seed_option = _count("a seed from 0 to 2**63 - 1", 0, SEED_MAX)


def _shipped_or_file(kind: str, find, names):
    """An argparse type: a file as given, else the file of a shipped name (`cogov list`). A text
    with a suffix, or a path that is there but not a file (a pipe, a device, a folder), is left
    to the loader, which says that it is missing or what it is."""
    def parse(text: str) -> str:
        if Path(text).is_file() or Path(text).suffix:
            return text
        found = find(text)
        if found is None and os.path.lexists(text):
            return text
        if found is None:
            hint = did_you_mean(text, names())
            listed = " ('cogov list' shows the shipped ones)" if hint else "; 'cogov list' shows the shipped ones"
            raise argparse.ArgumentTypeError(f"no file or shipped {kind} named {text!r}{hint}{listed}")
        return str(found)

    parse.__name__ = kind
    return parse


scenario_argument = _shipped_or_file("scenario", scenario_file, shipped_scenarios)
sweep_argument = _shipped_or_file("sweep file", sweep_file, shipped_sweeps)
SCENARIO_HELP = "scenario file, or a shipped scenario's name (cogov list)"


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_memory_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-memory", metavar="SIZE", type=_size,
                   help="refuse a scenario whose estimated peak memory is above SIZE, e.g. 8G or 500M "
                        "(default: the memory available on this machine now)")


def preflight(scenario, what: str, max_memory: int | None, *, days: int | None = None, at_once: int = 1,
              quiet: bool = False, here: bool = True) -> Estimate:
    """Estimate a run's memory and time before building anything; refuse (ScenarioError, one
    line) if `at_once` such runs do not fit in `max_memory` (default: what this machine has
    available, unless the runs are not `here`), and say what a large run will take."""
    estimate = Estimate.of(scenario, days)
    if here or max_memory is not None:
        check(estimate, what, max_memory, at_once)
    if estimate.large and not quiet:
        print(f"{PROG}: {what}: a run needs {estimate.describe()}", file=sys.stderr, flush=True)
    return estimate


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Agent-based simulation of party-building-led co-governance of urban communities.",
        epilog="Exit status: 0 success; 1 invalid scenario (validate), a failed run or output not writable; "
               "2 bad input or usage; 128 + the signal's number when stopped (130 Ctrl-C, 143 SIGTERM). "
               "`python -m sim` is the same command.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run", help="run a scenario and write its run folder",
        description="Run SCENARIO and write a run folder (series, case log, cases, summary, resolved "
                    "scenario, manifest, dashboard). The folder appears only when complete.",
    )
    run.add_argument("scenario", metavar="SCENARIO", type=scenario_argument, help=SCENARIO_HELP)
    run.add_argument("--seed", metavar="N", type=seed_option,
                     help="random seed (default: the scenario's run.seed)")
    run.add_argument("--days", metavar="N", type=_count("a positive integer", 1),
                     help="days to simulate (default: the scenario's run.days)")
    run.add_argument("--out", metavar="DIR",
                     help="run folder to write (default: RESULTS_DIR/<scenario name>-seed<seed>)")
    run.add_argument("--results-dir", metavar="DIR", default="results",
                     help="parent of the default run folder; ignored with --out (default: %(default)s)")
    run.add_argument("--lang", choices=LANGUAGES, default="en",
                     help="language of the dashboard and summary table (default: %(default)s)")
    run.add_argument("-q", "--quiet", action="store_true",
                     help="no progress bar or table; print only the run folder's path")
    run.add_argument("--force", action="store_true",
                     help="replace an existing run folder (atomically; only a previous run folder or an empty folder)")
    add_memory_option(run)
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check scenario files",
                         description="Check scenario files: print 'FILE: ok' or every problem of each (one line each, "
                                     "up to 20), and whether a run fits in memory; exit 1 if any is invalid.")
    val.add_argument("files", metavar="FILE", nargs="+", type=scenario_argument, help=SCENARIO_HELP)
    add_memory_option(val)
    val.set_defaults(func=cmd_validate)

    show = sub.add_parser("show", help="print the fully resolved scenario",
                          description="Print the fully resolved scenario (extends applied, every default filled in) as YAML; "
                                      "with --explain, every key with its value, unit, range, default and meaning.")
    show.add_argument("file", metavar="FILE", type=scenario_argument, help=SCENARIO_HELP)
    show.add_argument("--explain", action="store_true",
                      help="one line per key: value (* where it differs from the default), unit, range, default, meaning")
    show.set_defaults(func=cmd_show)

    schema = sub.add_parser("schema", help="every key a scenario may set",
                            description="Print every key a scenario file may set, one line each: unit, range, default and "
                                        "meaning, from the schema (sim/scenario/schema.py). [] is any item of a list, "
                                        "<type> any community type, <category> any dispute category.")
    schema.add_argument("key", metavar="KEY", nargs="?", help="only keys that start with KEY, e.g. policies.grid_management")
    schema.set_defaults(func=cmd_schema)

    diff = sub.add_parser("diff", help="compare two resolved scenarios",
                          description="List every setting that differs between two resolved scenarios: dotted key, value in A, value in B.")
    diff.add_argument("a", metavar="A", type=scenario_argument, help=SCENARIO_HELP)
    diff.add_argument("b", metavar="B", type=scenario_argument, help=SCENARIO_HELP)
    diff.set_defaults(func=cmd_diff)

    book = sub.add_parser("codebook", help="print the codebook of every output file and column (Markdown)",
                          description="Print the codebook: every file of a run folder and a results folder, every "
                                      "column with its type, unit and meaning, every event and detail code of the "
                                      "case log (the text of docs/outputs.md).")
    book.set_defaults(func=cmd_codebook)

    from . import credibility  # validate-model, calibrate, report

    credibility.register(sub)

    from . import experiments  # compare, sweep, results, analyze

    experiments.register(sub)

    from . import workshop  # the live workshop app

    workshop.register(sub)

    from . import classroom  # the classroom app, and replaying a session

    classroom.register(sub)

    from . import shipped  # list, examples

    shipped.register(sub)
    return parser


# --- output helpers --------------------------------------------------------------------------------


def _error(message: object) -> None:
    """One `cogov: error:` line per problem (a scenario error may hold several, one line each)."""
    for problem in getattr(message, "problems", None) or [message]:
        line = " ".join(str(problem).split())
        print(f"{PROG}: error: {line}", file=sys.stderr)


def _warning(message: object) -> None:
    print(f"{PROG}: warning: {' '.join(str(message).split())}", file=sys.stderr)


def _console(stream=None):
    from rich.console import Console

    stream = stream if stream is not None else sys.stdout
    console = Console(file=stream, highlight=False)
    if not console.is_terminal:  # piped or captured: wide enough not to wrap tables
        console = Console(file=stream, highlight=False, width=120, color_system=None)
    return console


def slug(name: str) -> str:
    """A safe folder name from a scenario name."""
    s = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("._")
    return s or "scenario"


class LazyProgress:
    """A progress(day, days) callback that shows a rich progress bar on stderr only once the run
    has taken longer than `delay` seconds, and never when disabled."""

    def __init__(self, enabled: bool, *, delay: float = 1.0, console=None, label: str = "simulating"):
        self.enabled = enabled
        self.delay = delay
        self.console = console
        self.label = label
        self.started = time.monotonic()
        self.bar = None
        self.task = None

    def __call__(self, day: int, days: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
                TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                console=self.console, transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=days)
        self.bar.update(self.task, completed=day, total=days)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


# --- commands --------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from rich.console import Console

    from ..running import FontFallbackWarning, check_target, simulate, write_run_folder

    started = time.perf_counter()
    run = {k: v for k, v in (("seed", args.seed), ("days", args.days)) if v is not None}
    if run:
        _check_run_options(run)
    scenario = load_scenario(args.scenario, overrides={"run": run} if run else None)
    preflight(scenario, args.scenario, args.max_memory, quiet=args.quiet)
    out = Path(args.out) if args.out else Path(args.results_dir) / f"{slug(scenario.name)}-seed{scenario.run.seed}"
    check_target(out, force=args.force)  # refuse before spending time on the run

    stderr = Console(file=sys.stderr)
    progress = LazyProgress(not args.quiet and stderr.is_terminal, console=stderr)
    try:
        model = simulate(scenario, progress=progress)
    finally:
        progress.close()
    wall = time.perf_counter() - started

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FontFallbackWarning)
        manifest = write_run_folder(model, out, scenario_path=args.scenario, command_line=shlex.join([PROG, *argv]),
                                    wall_time=wall, lang=args.lang, force=args.force)
    if manifest["dashboard_lang"] != args.lang:
        _warning(f"no font for {args.lang!r} found; the dashboard is labelled in English")

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    if args.quiet:
        print(out)
    else:
        _print_summary(summary, model, args.lang, out)
    _warn_dynamics(summary, args.lang)
    return EXIT_OK


def _warn_dynamics(summary: dict, lang: str) -> None:
    """One line for handlers whose queue only reneging holds (ρ ≥ 1), one for a run that trends."""
    from ..metrics.capacity import RHO_UNSTABLE

    unstable = [x for x in summary.get("capacity", []) if x["rho"] is not None and x["rho"] >= RHO_UNSTABLE]
    if unstable:
        names = ", ".join(f"{x['channel']} ({x['place']}) {x['rho']:.2f}" for x in sorted(unstable, key=lambda x: -x["rho"]))
        _warning(t("cli.capacity_warning", lang, n=len(unstable), handlers=names))
    trends = (summary.get("stationarity") or {}).get("trends") or []
    if trends:
        from ..metrics.registry import METRICS

        parts = "; ".join(f"{METRICS[x['metric']].label(lang)} {METRICS.format(x['metric'], x['first'], lang)} → "
                          f"{METRICS.format(x['metric'], x['last'], lang)}" for x in trends)
        _warning(t("cli.not_stationary", lang, trends=parts, p=max(x["p"] for x in trends)))


def _check_run_options(run: dict[str, int]) -> None:
    """--seed and --days against the schema's bounds, reported as option errors (not as errors
    in the scenario file)."""
    from pydantic import ValidationError

    from ..scenario.schema import RunSpec

    try:
        RunSpec(**run)
    except ValidationError as e:
        err = e.errors()[0]
        msg = err["msg"][:1].lower() + err["msg"][1:]
        raise UsageError(f"argument --{err['loc'][0]}: {msg}, found {err['input']!r}") from None


def _print_summary(summary: dict, model, lang: str, out: Path) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..metrics.registry import METRICS, Section

    console = _console()
    title = t("cli.summary_title", lang, scenario=model.config.name, seed=model.seed, days=model.day)
    table = Table(title=Text(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(t("cli.metric", lang))
    table.add_column(t("cli.value", lang), justify="right")
    # the headline metrics, then the end-of-run dispute totals (sim.metrics.definitions declares both)
    sections = (("cli.outcomes", [METRICS[n] for n in METRICS.headline()]),
                ("cli.disputes", [m for m in METRICS.in_section(Section.DISPUTES) if not m.daily]))
    for heading, metrics in sections:
        table.add_row(Text(t(heading, lang), style="bold"), "")
        for m in metrics:
            table.add_row(Text("  " + m.label(lang)), m.format(summary.get(m.name), lang))
    console.print(table)
    if summary.get("timeline"):
        console.print(_before_after_table(summary["timeline"], lang))
    capacity = _capacity_table(summary.get("capacity") or [], lang)
    if capacity is not None:
        console.print(capacity)
    label = t("cli.output_folder", lang)
    print(f"{label}: {out}" if lang == "en" else f"{label}：{out}")


def _capacity_table(handlers: list[dict], lang: str):
    """The handlers at ρ >= 0.9 (sim.metrics.capacity), most loaded first; None if there are none."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..metrics.capacity import RHO_HIGH

    high = sorted((x for x in handlers if x["rho"] is not None and x["rho"] >= RHO_HIGH), key=lambda x: -x["rho"])
    if not high:
        return None
    table = Table(title=Text(t("cli.capacity_title", lang, rho=RHO_HIGH, n=len(high), of=len(handlers))),
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for key in ("capacity_handler", "capacity_servers", "capacity_arrivals", "capacity_work", "capacity_rho"):
        table.add_column(t(f"cli.{key}", lang), justify="left" if key == "capacity_handler" else "right")
    for x in high[:20]:
        table.add_row(f"{x['channel']} ({x['place']})", f"{x['servers']:.1f}", f"{x['arrivals_per_day']:.2f}",
                      f"{x['mean_work_days']:.1f}", f"{x['rho']:.2f}")
    if len(high) > 20:
        table.add_row(t("cli.capacity_more", lang, n=len(high) - 20), "", "", "", "")
    return table


def _before_after_table(entries: list[dict], lang: str):
    """Each timeline entry: the period metrics in the window before it and after it."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..metrics.registry import METRICS

    metrics = METRICS.periodic()
    table = Table(title=Text(t("cli.timeline_title", lang)), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(t("cli.metric", lang))
    for key in ("before", "after", "change"):
        table.add_column(t(f"cli.{key}", lang), justify="right", no_wrap=True)
    for e in entries:
        (b0, b1), (a0, a1) = e["before_days"], e["after_days"]
        table.add_row(Text(t("cli.timeline_entry", lang, label=e["label"], day=e["day"], before=f"{b0}–{b1 - 1}",
                             after=f"{a0}–{a1 - 1}"), style="bold"), "", "", "")
        for m in metrics:
            before, after = e["before"].get(m.name), e["after"].get(m.name)
            change = after - before if isinstance(before, (int, float)) and isinstance(after, (int, float)) else None
            table.add_row(Text("  " + m.label(lang)), m.format(before, lang), m.format(after, lang),
                          m.format_difference(change, lang))
    return table


def cmd_validate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    status = EXIT_OK
    for f in args.files:
        try:
            estimate = Estimate.of(load_scenario(f))
            check(estimate, f, args.max_memory)
        except ScenarioError as e:
            _error(e)
            status = EXIT_FAILED
        else:
            print(f"{f}: ok" + (f"; a run needs {estimate.describe()}" if estimate.large else ""), flush=True)
    return status


def cmd_show(args: argparse.Namespace, argv: Sequence[str]) -> int:
    scenario = load_scenario(args.file)
    if args.explain:
        from ..scenario.explain import scenario_keys, table

        sys.stdout.write(table(scenario_keys(scenario), values=True))
    else:
        sys.stdout.write(scenario_to_yaml(scenario))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..scenario.explain import schema_keys, table

    every = schema_keys()
    keys = [k for k in every if not args.key or k.path.startswith(args.key)]
    if not keys:
        sections = {".".join(k.path.split(".")[:depth]) for k in every for depth in range(1, k.path.count(".") + 2)}
        raise UsageError(f"argument KEY: no scenario key starts with {args.key!r}"
                         f"{did_you_mean(args.key, sorted(sections))} (see '{PROG} schema')")
    sys.stdout.write(table(keys, values=False))
    return EXIT_OK


def cmd_codebook(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..running.codebook import codebook_markdown

    sys.stdout.write(codebook_markdown())
    return EXIT_OK


def _cell(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def cmd_diff(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    a, b = load_scenario(args.a), load_scenario(args.b)
    diffs = diff_scenarios(a, b)
    if not diffs:
        print(t("cli.no_differences"))
        return EXIT_OK
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(Text(t("cli.diff_key")), no_wrap=True)
    for heading in (args.a, args.b):
        table.add_column(Text(heading), overflow="fold", ratio=1)
    for key, x, y in diffs:
        table.add_row(Text(key), Text(_cell(x)), Text(_cell(y)))
    _console().print(table)
    return EXIT_OK


# --- entry point -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """The `cogov` command; returns the exit status."""
    from ..running import RunFolderError

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except UsageError as e:
        _error(e)
        return EXIT_USAGE
    except SystemExit as e:  # --help, --version
        return e.code if isinstance(e.code, int) else EXIT_OK
    try:
        return args.func(args, args_list)
    except (ScenarioError, RunFolderError, UsageError) as e:
        _error(e)
        return EXIT_USAGE
    except KeyboardInterrupt as e:
        signum = e.signum if isinstance(e, Stopped) else signal.SIGINT
        _error(f"interrupted ({signal.Signals(signum).name})")
        return 128 + signum
    except BrokenPipeError:  # e.g. `cogov show x.yaml | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        _error(f"{where}{e.strerror or e}")
        return EXIT_FAILED


__all__ = ["build_parser", "main"]

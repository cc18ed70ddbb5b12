"""`cogov validate-model`, `cogov calibrate` and `cogov report`: the model against published
figures, the calibration of its behavioural defaults, and reports for non-modellers.

    cogov validate-model [TARGETS] [--replicates N] [--days N] [--workers N] [--out DIR] [--lang en|zh] [--strict]
    cogov calibrate [CONFIG] [--workers N] [--scale F] [--out DIR] [--apply]
    cogov report PATH [--out FILE] [--baseline PATH] [--lang en|zh]
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from ..i18n import LANGUAGES, t

EXIT_OK, EXIT_FAILED = 0, 1


def register(sub) -> None:
    """Add the three subcommands to the `cogov` parser's subparsers."""
    from . import _count

    val = sub.add_parser(
        "validate-model", help="run the validation targets with replicates: pass or miss",
        description="Run every target of the targets file (default: the shipped validation/targets.yaml) with replicates; "
                    "print and write a table: target, simulated mean and 95 %% confidence interval, pass or miss.",
    )
    val.add_argument("targets", metavar="TARGETS", nargs="?", help="targets file (default: the shipped validation/targets.yaml; `cogov examples` copies it)")
    val.add_argument("--replicates", metavar="N", type=_count("an integer >= 2", 2), help="runs per scenario (default: the file's)")
    val.add_argument("--days", metavar="N", type=_count("a positive integer", 1), help="days per run (default: each scenario's)")
    val.add_argument("--workers", metavar="N", type=_count("a positive integer", 1), help="worker processes (default: up to 2)")
    val.add_argument("--out", metavar="DIR", default="results/validation", help="folder for validation.csv/.json and runs.parquet (default: %(default)s)")
    val.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the table (default: %(default)s)")
    val.add_argument("--strict", action="store_true", help="exit 1 when any target misses")
    val.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    val.set_defaults(func=cmd_validate_model)

    cal = sub.add_parser(
        "calibrate", help="calibrate the behavioural defaults to the targets",
        description="ABC rejection over a Latin hypercube, then Nelder-Mead, fitting the parameters of the calibration "
                    "set-up (default: the shipped validation/calibration.yaml) to the targets with role 'calibrate'. With --apply, "
                    "write sim/scenario/calibrated.yaml (the schema's defaults) and docs/calibration.md.",
    )
    cal.add_argument("config", metavar="CONFIG", nargs="?", help="calibration set-up (default: the shipped validation/calibration.yaml)")
    cal.add_argument("--workers", metavar="N", type=_count("a positive integer", 1), help="worker processes (default: up to 2)")
    cal.add_argument("--scale", metavar="F", type=float, default=1.0, help="fraction of the stated budget, for a quick trial (default: 1)")
    cal.add_argument("--out", metavar="DIR", default="validation/calibration", help="folder for the design, finalists and parameters (default: %(default)s)")
    cal.add_argument("--apply", action="store_true", help="write sim/scenario/calibrated.yaml and docs/calibration.md")
    cal.add_argument("--docs", metavar="FILE", default="docs/calibration.md", help="fit report written with --apply (default: %(default)s)")
    cal.add_argument("--defaults-file", metavar="FILE", help="calibrated defaults written with --apply (default: sim/scenario/calibrated.yaml)")
    cal.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    cal.set_defaults(func=cmd_calibrate)

    rep = sub.add_parser(
        "report", help="write a self-contained HTML report of a run, results or validation folder",
        description="Write one self-contained HTML file (plots embedded, nothing fetched) for non-modellers: what was run, "
                    "headline metrics with confidence intervals, the comparison with the baseline, the sensitivity ranking.",
    )
    rep.add_argument("path", metavar="PATH", help="a run folder (cogov run), a results folder (cogov compare / sweep / analyze) or a validation folder")
    rep.add_argument("--out", metavar="FILE", help="HTML file to write (default: PATH/report.html, or report-zh.html)")
    rep.add_argument("--baseline", metavar="PATH", help="a run folder to compare a single run with")
    rep.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report (default: %(default)s)")
    rep.set_defaults(func=cmd_report)


# --- validate-model ----------------------------------------------------------------------------------


def validation_table(result, lang: str):
    from ..validation.validate import formatted
    from rich import box
    from rich.table import Table
    from rich.text import Text

    days = result.settings["days"]
    when = t("validation.days", lang, days=days) if days else t("validation.scenario_days", lang)
    title = t("validation.title", lang) + "\n" + t("validation.settings", lang, replicates=result.settings["replicates"],
                                                   days=when, seed=result.settings["seed"])
    table = Table(title=Text(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for key, justify in (("target", "left"), ("role", "left"), ("scenario", "left"), ("range", "right"),
                         ("mean_ci", "right"), ("result", "left")):
        table.add_column(t(f"validation.{key}", lang), justify=justify)
    styles = {"pass": "green", "miss": "bold red", "no data": "yellow", "not compared": "dim"}
    for _, r in result.table.iterrows():
        status = r["status"]
        label = t(f"validation.status.{status.replace(' ', '_')}", lang)
        role = t(f"validation.roles.{r['role']}", lang)
        if status == "not compared":
            table.add_row(Text(r["id"]), role, "", "", "", Text(label, style=styles[status]))
            continue
        acceptable, simulated = formatted(r, lang)
        table.add_row(Text(r["id"]), role, r["scenario"], acceptable, simulated, Text(label, style=styles[status]))
    return table


def dynamics_table(result, lang: str):
    """Per scenario: the busiest handler's offered load ρ and the replicates that trend."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(t("validation.dynamics_title", lang)), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for key, justify in (("scenario", "left"), ("max_rho", "right"), ("capacity", "left"), ("trending", "right")):
        table.add_column(t(f"validation.{key}", lang), justify=justify)
    styles = {"ok": "green", "high": "yellow", "unstable": "bold red", "": "dim"}
    for _, r in result.dynamics().iterrows():
        rho = "—" if r["n"] == 0 else f"{r['max_rho']:.2f} [{r['max_rho_ci_low']:.2f}, {r['max_rho_ci_high']:.2f}]"
        cap = t(f"validation.capacity_status.{r['capacity']}", lang) if r["capacity"] else ""
        trend = Text(f"{r['trending']} / {r['tested']}", style="bold red" if r["trending"] else "")
        table.add_row(r["scenario"], rho, Text(cap, style=styles[r["capacity"]]), trend)
    return table


def _progress(quiet: bool, label: str):
    from rich.console import Console

    from . import LazyProgress

    stderr = Console(file=sys.stderr)
    return LazyProgress(not quiet and stderr.is_terminal, console=stderr, label=label)


def cmd_validate_model(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..validation.validate import validate_model, write_validation
    from . import _console

    progress = _progress(args.quiet, t("validation.stage.validate", args.lang))
    try:
        result = validate_model(args.targets, replicates=args.replicates, days=args.days, workers=args.workers,
                                progress=progress)
    finally:
        progress.close()
    result.settings["command"] = shlex.join(["cogov", *argv])
    out = write_validation(result, args.out)
    console = _console()
    console.print(validation_table(result, args.lang))
    console.print(dynamics_table(result, args.lang))
    counts = result.counts()
    print(t("validation.counts", args.lang, **{"pass": counts["pass"], "miss": counts["miss"],
                                                 "no_data": counts["no data"], "not_compared": counts["not compared"]}))
    sep = ": " if args.lang == "en" else "："
    print(f"{t('validation.written', args.lang)}{sep}{out}")
    return EXIT_FAILED if args.strict and (counts["miss"] or counts["no data"]) else EXIT_OK


# --- calibrate ---------------------------------------------------------------------------------------


def cmd_calibrate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..validation.calibrate import apply_result, calibrate, calibration_markdown, load_config, write_result
    from ..validation.validate import validate_model

    if not 0 < args.scale <= 1:
        from . import UsageError

        raise UsageError(f"argument --scale: expected a number in (0, 1], found {args.scale!r}")
    config = load_config(args.config)
    bars: dict[str, object] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            for bar in bars.values():
                bar.close()
            bars[stage] = _progress(args.quiet, t(f"validation.stage.{stage}"))
        bars[stage](done, total)

    try:
        result = calibrate(config, workers=args.workers, progress=progress, scale=args.scale)
    finally:
        for bar in bars.values():
            bar.close()
    out = write_result(result, args.out)
    command = shlex.join(["cogov", *argv])
    post = result.posterior()
    print(f"distance {result.start_distance:.3f} (hand-set) -> {result.best_distance:.3f} (calibrated); "
          f"{result.runs} runs in {result.seconds / 60:.1f} min")
    for _, r in post.iterrows():
        print(f"  {r['parameter']:<30} {r['start']:>8.4g} -> {r['calibrated']:>8.4g}   "
              f"posterior {r['posterior_median']:.3g} [{r['posterior_5']:.3g}, {r['posterior_95']:.3g}]")
    print(f"Written to: {out}")
    if args.apply:
        targets = config.targets_file()
        start = {p.path: p.value(p.start) for p in config.parameters}
        best = config.overrides(result.best)
        before = validate_model(targets, workers=args.workers, overrides=start)
        after = validate_model(targets, workers=args.workers, overrides=best)
        path = apply_result(result, command, Path(args.defaults_file)) if args.defaults_file else apply_result(result, command)
        docs = Path(args.docs)
        docs.parent.mkdir(parents=True, exist_ok=True)
        docs.write_text(calibration_markdown(result, before, after, command), encoding="utf-8")
        c = after.counts()
        print(f"validation at the calibrated values: {c['pass']} pass, {c['miss']} miss, {c['no data']} without data")
        print(f"Written to: {path}, {docs}")
    return EXIT_OK


# --- report ------------------------------------------------------------------------------------------


def cmd_report(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..validation.report import write_report

    path = write_report(args.path, out=args.out, lang=args.lang, baseline=args.baseline)
    print(path)
    return EXIT_OK

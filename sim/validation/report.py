"""`cogov report`: one self-contained HTML file for non-modellers.

It reads a **run folder** (`cogov run`), a **validation folder** (`cogov validate-model`) or a
**results folder** of the experiments tooling (`cogov compare` / `sweep` / `analyze`) and writes a
page with what was run, the headline metrics (with 95 % confidence intervals where there are
replicates), the comparison with the baseline and the sensitivity ranking where there is one.
Plots are PNGs embedded as base64 and the style sheet is inline: the page fetches nothing.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import __version__
from ..i18n import metric_label, t
from ..metrics import METRICS
from ..running.dashboard import FontFallbackWarning, _rc, dashboard_figure, find_cjk_font
from ..running.output import is_run_folder
from ..scenario.loader import ScenarioError
from . import validate

LEVERS = ("city_coordination", "joint_meetings", "district_supervision", "party_building", "red_cells", "red_property",
          "grid_management", "multi_channel", "safe_community", "social_org_incubation", "enterprise_responsibility",
          "volunteer_culture", "smart_platform", "publicity_training")

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:#1d2733;max-width:1100px;margin:2em auto;padding:0 1.2em;line-height:1.5;background:#fff}
h1{font-size:1.7em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:2px solid #d8dee6;padding-bottom:.2em}
.muted{color:#5b6775}.note{color:#5b6775;font-size:.92em}
table{border-collapse:collapse;margin:.6em 0;font-size:.95em}th,td{padding:.3em .7em;text-align:left;border-bottom:1px solid #e4e8ee;vertical-align:top;max-width:24em;overflow-wrap:anywhere}
th{background:#f3f5f8}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.pass{color:#1b7a3a;font-weight:600}.miss{color:#b3261e;font-weight:600}.nodata{color:#a06800}.na{color:#7a8591}
img{max-width:100%;height:auto;border:1px solid #e4e8ee;margin:.5em 0}
dl dt{font-weight:600;margin-top:.4em}dl dd{margin-left:1.2em}
footer{margin-top:3em;color:#7a8591;font-size:.85em}
"""


class ReportError(ScenarioError):
    """The folder cannot be reported on; the message is one line."""


# --- small helpers ---------------------------------------------------------------------------------


def _number(x: Any) -> float:
    return float(x) if isinstance(x, (int, float)) else math.nan


def esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


def fmt_ci(mean: float, lo: float, hi: float, metric: str, lang: str, *, difference: bool = False) -> str:
    """A mean and its 95 % CI as metric `metric` is formatted (signed, for a difference)."""
    fmt = METRICS.format_difference if difference else METRICS.format
    if not math.isfinite(lo):
        return fmt(metric, mean, lang)
    return f"{fmt(metric, mean, lang)} [{fmt(metric, lo, lang)}, {fmt(metric, hi, lang)}]"


def png(fig: Figure, lang: str) -> str:
    """An <img> with the figure as an embedded PNG."""
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=110, facecolor="white", metadata={"Software": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def plot_lang(lang: str) -> str:
    """The language plots can be labelled in (Chinese needs a CJK font; English otherwise)."""
    if lang != "en" and find_cjk_font() is None:
        warnings.warn(f"no CJK font found; plots are labelled in English instead of {lang!r}", FontFallbackWarning, stacklevel=3)
        return "en"
    return lang


def table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


#: what marks a file as a cogov report, so that `--out` replaces a report and nothing else
GENERATOR = '<meta name="generator" content="cogov '


def page(title: str, sections: list[str], lang: str) -> str:
    date = _dt.date.today().isoformat()
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{GENERATOR}{esc(__version__)}">'
            f'<title>{esc(title)}</title>'
            f"<style>{CSS}</style></head><body><h1>{esc(title)}</h1>" + "".join(sections)
            + f'<footer><p>{esc(t("report.caveat", lang))}</p><p>{esc(t("report.generated", lang, version=__version__, date=date))}</p></footer>'
            + "</body></html>\n")


def gloss(metric: str, lang: str) -> str:
    """What a metric means, for non-modellers: its catalogue gloss, else its definition's docstring."""
    try:
        return t(f"report.gloss.{metric}", lang)
    except KeyError:
        return METRICS[metric].doc


def glossary(lang: str) -> str:
    items = "".join(f"<dt>{esc(metric_label(k, lang))}</dt><dd>{esc(gloss(k, lang))}</dd>" for k in METRICS.headline())
    return f"<h2>{esc(t('report.glossary', lang))}</h2><dl>{items}</dl>"


def levers_on(scenario: dict) -> list[str]:
    """The policy levers a resolved scenario switches on."""
    pol = scenario.get("policies", {})
    on = []
    for name in LEVERS:
        p = pol.get(name, {}) or {}
        if name == "party_building":
            active = any(p.get(k) is not None for k in ("secretary_capability", "mobilisation_effort")) or bool(p.get("projects"))
        elif name == "smart_platform":
            active = any(bool(v) for v in p.values())
        elif name == "volunteer_culture":
            active = (p.get("level") or 0) > 0
        elif name == "publicity_training":
            active = any((v or 0) > 0 for v in p.values())
        else:
            active = bool(p.get("enabled"))
        if active:
            on.append(name)
    return on


def lever_list(scenario: dict, lang: str) -> str:
    on = levers_on(scenario)
    if not on:
        return esc(t("report.no_levers", lang))
    return "<ul>" + "".join(f"<li>{esc(t(f'report.lever.{k}', lang))}</li>" for k in on) + "</ul>"


# --- a run folder -------------------------------------------------------------------------------------


def _read_run(folder: Path) -> dict[str, Any]:
    def read(name: str, parse, kind: type, optional: bool = False):
        path = folder / name
        if optional and not path.exists():
            return None
        try:
            value = parse(path)
        except FileNotFoundError:
            raise ReportError(f"{folder}: not a complete run folder: {name} is missing") from None
        except (OSError, ValueError, yaml.YAMLError, KeyError) as e:  # truncated, not UTF-8, not JSON, ...
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ReportError(f"{path}: damaged, cannot be read ({reason})") from None
        if not isinstance(value, kind):
            raise ReportError(f"{path}: damaged, expected a {kind.__name__}, found {type(value).__name__}")
        return value

    summary = read("summary.json", lambda p: json.loads(p.read_text(encoding="utf-8")), dict)
    manifest = read("manifest.json", lambda p: json.loads(p.read_text(encoding="utf-8")), dict)
    scenario = read("scenario.yaml", lambda p: yaml.safe_load(p.read_text(encoding="utf-8")), dict)
    series = read("series.parquet", lambda p: pd.read_parquet(p).set_index("day"), pd.DataFrame, optional=True)
    summary = {k: (math.nan if v is None else v) for k, v in summary.items()}
    return {"summary": summary, "manifest": manifest, "scenario": scenario, "series": series}


def run_report(folder: Path, lang: str, baseline: Path | None = None) -> str:
    run = _read_run(folder)
    s, man, sc = run["summary"], run["manifest"], run["scenario"]
    name = sc.get("name", man.get("scenario_name", folder.name))
    what = table([t("report.scenario", lang), ""], [
        [esc(t("report.scenario", lang)), esc(name)],
        [esc(t("report.description", lang)), esc(sc.get("description", ""))],
        [esc(t("report.seed", lang)), esc(man.get("seed"))],
        [esc(t("report.days", lang)), esc(s.get("days"))],
        [esc(t("report.residents", lang)), esc(f"{int(s.get('residents', 0)):,}")],
        [esc(t("report.communities", lang)), esc(s.get("communities"))],
        [esc(t("report.levers_on", lang)), lever_list(sc, lang)],
    ])
    sections = [f"<h2>{esc(t('report.what_was_run', lang))}</h2>{what}"]
    rows = [[esc(metric_label(k, lang)), METRICS.format(k, s.get(k), lang)] for k in METRICS.headline()]
    headline = table([t("report.metric", lang), t("report.value", lang)], rows, {1})
    sections.append(f"<h2>{esc(t('report.headline', lang))}</h2>{headline}<p class='note'>{esc(t('report.single_run_note', lang))}</p>")
    if run["series"] is not None:
        used = plot_lang(lang)
        meta = {"scenario": name, "seed": man.get("seed"), "days": s.get("days"), "residents": s.get("residents"),
                "communities": s.get("communities"), "version": man.get("versions", {}).get("cogov", __version__)}
        with mpl.rc_context(_rc(used)):
            img = png(dashboard_figure(run["series"], lang=used, meta=meta), used)
        sections.append(f"<h2>{esc(t('report.over_time', lang))}</h2>{img}")
    sections.append(f"<h2>{esc(t('report.comparison', lang))}</h2>")
    if baseline is not None:
        base = _read_run(baseline)
        b = base["summary"]
        rows = []
        for k in METRICS.headline():
            diff = _number(s.get(k)) - _number(b.get(k))
            rows.append([esc(metric_label(k, lang)), METRICS.format(k, b.get(k), lang), METRICS.format(k, s.get(k), lang),
                         METRICS.format_difference(k, diff, lang)])
        bname = base["scenario"].get("name", baseline.name)
        sections.append(table([t("report.metric", lang), f"{t('report.baseline', lang)}: {bname}", name,
                               t("report.difference", lang).split(" [")[0]], rows, {1, 2, 3}))
        sections.append(f"<p class='note'>{esc(t('report.single_run_note', lang))}</p>")
    else:
        sections.append(f"<p class='muted'>{esc(t('report.no_baseline', lang))}</p>")
    sections.append(f"<h2>{esc(t('report.sensitivity', lang))}</h2><p class='muted'>{esc(t('report.no_sensitivity', lang))}</p>")
    sections.append(glossary(lang))
    return page(t("report.title", lang, name=name), sections, lang)


# --- a validation folder ------------------------------------------------------------------------------


STATUS_CLASS = {"pass": "pass", "miss": "miss", "no data": "nodata", "not compared": "na"}


def validation_figure(rows: pd.DataFrame, lang: str) -> Figure:
    """Each compared target on its own scale: the acceptable range is the band from 0 to 1, the
    simulated mean a dot with its 95 % confidence interval."""
    rows = rows[rows["status"] != "not compared"].iloc[::-1]
    fig = Figure(figsize=(9, 0.32 * len(rows) + 1.2), dpi=110)
    ax = fig.add_subplot(111)
    ax.axvspan(0, 1, color="#cfe8d6", zorder=0)
    width = (rows["high"] - rows["low"]).to_numpy()
    pos = lambda v: (np.asarray(v, dtype=float) - rows["low"].to_numpy()) / width  # noqa: E731
    y = np.arange(len(rows))
    m, lo, hi = pos(rows["mean"]), pos(rows["ci_low"]), pos(rows["ci_high"])
    colours = np.where(rows["status"] == "pass", "#1b7a3a", "#b3261e")
    clip = lambda v: np.clip(v, -1.5, 2.5)  # noqa: E731
    ok = np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(y[ok], clip(lo[ok]), clip(hi[ok]), color="#5b6775", linewidth=1.5, zorder=2)
    ax.scatter(clip(m), y, c=colours, zorder=3, s=28)
    ax.set_yticks(y, rows["id"].tolist(), fontsize=8)
    ax.set_xlim(-1.6, 2.6)
    ax.set_ylim(-0.8, len(rows) + 0.3)
    ax.set_xticks([])
    ax.text(0.5, len(rows) - 0.3, t("validation.range", lang), ha="center", va="center", fontsize=9, color="#1b5e33")
    ax.set_xlabel(t("validation.mean_ci", lang))
    ax.grid(axis="x", color="#e4e8ee")
    fig.tight_layout()
    return fig


def validation_report(folder: Path, lang: str) -> str:
    try:
        doc = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ReportError(f"{folder}: not a validation folder: {e}") from None
    rows = pd.DataFrame(doc["table"])
    for c in ("low", "high", "mean", "ci_low", "ci_high"):
        rows[c] = pd.to_numeric(rows[c], errors="coerce")
    st = doc["settings"]
    days = t("validation.days", lang, days=st["days"]) if st.get("days") else t("validation.scenario_days", lang)
    sections = [f"<h2>{esc(t('report.what_was_run', lang))}</h2><p>" + esc(t("validation.settings", lang, replicates=st["replicates"], days=days, seed=st["seed"]))
                + f"</p><p class='muted'>{esc(st.get('targets_file', ''))}</p>"]
    counts = doc["counts"]
    summary_line = t("validation.counts", lang, **{"pass": counts["pass"], "miss": counts["miss"],
                                                   "no_data": counts["no data"], "not_compared": counts["not compared"]})
    out = []
    for _, r in rows.iterrows():
        status = r["status"]
        label = t(f"validation.status.{status.replace(' ', '_')}", lang)
        rng, sim = ("", "") if status == "not compared" else validate.formatted(r, lang)
        out.append([f"<b>{esc(r['id'])}</b><br><span class='muted'>{esc(r['pattern'])}</span>",
                    esc(t(f"validation.roles.{r['role']}", lang)), esc(r["scenario"]), esc(r["figure"]), rng, sim,
                    f"<span class='{STATUS_CLASS[status]}'>{esc(label)}</span>",
                    f"<span class='note'>{esc(r['source'])}. {esc(r['caveat'])}</span>"])
    tab = table([t("validation.target", lang), t("validation.role", lang), t("validation.scenario", lang),
                 t("validation.figure", lang), t("validation.range", lang), t("validation.mean_ci", lang),
                 t("validation.result", lang), ""], out, {4, 5})
    used = plot_lang(lang)
    with mpl.rc_context(_rc(used)):
        img = png(validation_figure(rows, used), used)
    sections.append(f"<h2>{esc(t('report.validation', lang))}</h2><p><b>{esc(summary_line)}</b></p>"
                    f"<p class='note'>{esc(t('report.validation_note', lang))} {esc(t('report.ci_note', lang))}</p>{img}{tab}")
    return page(t("report.title_validation", lang), sections, lang)


# --- entry point ---------------------------------------------------------------------------------------


def kind_of(folder: Path) -> str:
    if (folder / "validation.json").exists():
        return "validation"
    if is_run_folder(folder):
        return "run"
    if (folder / "manifest.json").exists():
        return "results"
    raise ReportError(f"{folder}: not a run, results or validation folder (no manifest.json or validation.json)")


def render_report(path: str | Path, *, lang: str = "en", baseline: str | Path | None = None) -> str:
    """The HTML text of the report on `path`."""
    folder = Path(path)
    if not folder.is_dir():
        raise ReportError(f"{folder}: folder not found")
    t("report.title", lang, name="")  # unknown language → ValueError early
    kind = kind_of(folder)
    if baseline and kind != "run":
        raise ReportError(f"{folder}: --baseline is for the report of a run folder; this is a {kind} folder")
    if kind == "run":
        base = Path(baseline) if baseline else None
        if base is not None and kind_of(base) != "run":
            raise ReportError(f"{base}: --baseline must be a run folder")
        return run_report(folder, lang, base)
    if kind == "validation":
        return validation_report(folder, lang)
    from .results_report import results_report

    return results_report(folder, lang)


def write_report(path: str | Path, *, out: str | Path | None = None, lang: str = "en",
                 baseline: str | Path | None = None) -> Path:
    """Write the report of `path` to `out` (default: inside the folder) and return its path."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FontFallbackWarning)
        text = render_report(path, lang=lang, baseline=baseline)
    target = Path(out) if out else Path(path) / ("report.html" if lang == "en" else f"report-{lang}.html")
    if out and (target.exists() or target.is_symlink()) and not _is_report(target):
        raise ReportError(f"{target}: exists and is not a cogov report; not replacing it (choose another --out)")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _is_report(path: Path) -> bool:
    """Whether `path` is a regular file that a cogov report wrote (its generator tag near the top)."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return GENERATOR.encode() in head

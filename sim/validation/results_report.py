"""The report of a results folder of the experiments tooling (`cogov compare`, `cogov sweep`,
`cogov analyze`): read with `sim.experiments.load`, compared with `sim.experiments.compare`, and
the sensitivity indices `cogov analyze` wrote (analysis/sensitivity.csv); a sweep with levers gets
the robustness page of `robust_report`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..experiments import ResultsError, load
from ..experiments.compare import comparison_table
from ..i18n import metric_label, t
from ..metrics import METRICS, Kind
from ..running.dashboard import _rc
from .report import ReportError, esc, fmt_ci, glossary, page, plot_lang, png, table

#: how many inputs the sensitivity ranking shows per output
TOP = 10


def _what_was_run(r, lang: str) -> str:
    m = r.manifest
    status = r.status()
    rows = [[esc(t("report.scenario", lang)), esc(m.get("name", ""))],
            [esc(t("report.description", lang)), esc(m.get("description", "") or "")],
            [esc(t("report.replicates", lang)), esc(m.get("replicates", ""))],
            [esc(t("report.days", lang)), esc(m.get("days") or "")],
            [esc(t("report.seeds", lang)), esc(f"{m.get('seed')} ({m.get('seed_rule', '')})")],
            [esc(t("report.runs", lang)), esc(f"{status['finished']} / {status['planned']}")]]
    if r.kind == "compare":
        rows.append([esc(t("report.scenario", lang)), "<ul>" + "".join(f"<li>{esc(a['name'])} <span class='muted'>({esc(a.get('source', ''))})</span></li>"
                                                                   for a in m["arms"]) + "</ul>"])
    else:
        if r.options:
            rows.append([esc(t("report.robust.option", lang)), "<ul>" + "".join(
                f"<li>{esc(o)} <span class='muted'>{esc(', '.join(f'{k}={json.dumps(v)}' for k, v in m['levers'][o].items()) or '—')}</span></li>"
                for o in r.options) + "</ul>"])
        rows.append([esc(t("report.input", lang)), "<ul>" + "".join(
            f"<li>{esc(p['name'])} <span class='muted'>{esc(p.get('path', ''))}</span></li>" for p in m.get("parameters", [])) + "</ul>"])
    return f"<h2>{esc(t('report.what_was_run', lang))}</h2>" + table([t("report.scenario", lang), ""], rows)


def difference_figure(cmp: pd.DataFrame, metrics: list[str], lang: str) -> Figure:
    """Each arm's paired difference from the first arm, with its 95 % CI, one panel per metric."""
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig = Figure(figsize=(4.4 * cols, (0.4 * cmp["arm"].nunique() + 1.4) * rows), dpi=110)
    for k, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, k + 1)
        sub = cmp[(cmp["metric"] == m) & cmp["diff"].notna()]
        y = np.arange(len(sub))
        scale = 100 if METRICS.kind_of(m) == Kind.SHARE else 1
        ax.errorbar(sub["diff"] * scale, y, xerr=[(sub["diff"] - sub["diff_ci_low"]) * scale, (sub["diff_ci_high"] - sub["diff"]) * scale],
                    fmt="o", capsize=3, color="#1f5fa8")
        ax.axvline(0, color="#7a8591", linewidth=1)
        ax.set_yticks(y, sub["arm"].tolist() if k % cols == 0 else [""] * len(sub), fontsize=8)
        ax.set_title(metric_label(m, lang), fontsize=9)
        ax.grid(axis="x", color="#e4e8ee")
    fig.tight_layout()
    return fig


def _compare(r, lang: str) -> list[str]:
    metrics = [m for m in METRICS.headline() if m in r.summary.columns]
    cmp = comparison_table(r, metrics)
    arms = list(dict.fromkeys(cmp["arm"]))
    rows = []
    for m in metrics:
        sub = cmp[cmp["metric"] == m].set_index("arm")
        rows.append([esc(metric_label(m, lang))] + [fmt_ci(sub.loc[a, "mean"], sub.loc[a, "ci_low"], sub.loc[a, "ci_high"], m, lang) for a in arms])
    out = [f"<h2>{esc(t('report.headline', lang))}</h2>" + table([t("report.metric", lang), *arms], rows, set(range(1, len(arms) + 1)))
           + f"<p class='note'>{esc(t('report.ci_note', lang))}</p>"]
    rows = []
    for m in metrics:
        sub = cmp[(cmp["metric"] == m) & cmp["diff"].notna()].set_index("arm")
        rows.append([esc(metric_label(m, lang))] + [fmt_ci(sub.loc[a, "diff"], sub.loc[a, "diff_ci_low"], sub.loc[a, "diff_ci_high"], m, lang,
                                                            difference=True)
                                                     for a in arms[1:]])
    used = plot_lang(lang)
    with mpl.rc_context(_rc(used)):
        img = png(difference_figure(cmp, metrics, used), used)
    out.append(f"<h2>{esc(t('report.comparison', lang))}</h2><p>{esc(t('report.baseline', lang))}: <b>{esc(arms[0])}</b></p>"
               + table([t("report.metric", lang), *[f"{a} − {arms[0]}" for a in arms[1:]]], rows, set(range(1, len(arms)))) + img)
    out.append(f"<h2>{esc(t('report.sensitivity', lang))}</h2><p class='muted'>{esc(t('report.no_sensitivity', lang))}</p>")
    return out


def sensitivity_figure(sens: pd.DataFrame, metrics: list[str], lang: str) -> Figure:
    """Total (ST) and first-order (S1) Sobol indices with their 95 % CIs, one panel per output."""
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig = Figure(figsize=(4.6 * cols, (0.32 * TOP + 1.2) * rows), dpi=110)
    for k, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, k + 1)
        sub = sens[sens["metric"] == m].sort_values("ST", ascending=True).tail(TOP)
        y = np.arange(len(sub))
        ax.barh(y + 0.2, sub["ST"], height=0.38, xerr=sub["ST_conf"], color="#1f5fa8", label="ST", capsize=2)
        ax.barh(y - 0.2, sub["S1"], height=0.38, xerr=sub["S1_conf"], color="#9cc3e6", label="S1", capsize=2)
        ax.set_yticks(y, sub["parameter"].tolist(), fontsize=8)
        ax.set_title(metric_label(m, lang), fontsize=9)
        ax.set_xlim(left=min(0.0, float(np.nanmin(sub["S1"] - sub["S1_conf"])) if len(sub) else 0.0))
        ax.grid(axis="x", color="#e4e8ee")
        if k == 0:
            ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def _sweep(r, lang: str) -> list[str]:
    s = r.summary
    metrics = [m for m in METRICS.headline() if m in s.columns]
    rows = []
    for m in metrics:
        per_point = s.groupby("point")[m].mean().to_numpy(dtype=float)
        per_point = per_point[np.isfinite(per_point)]
        lo, mid, hi = (np.percentile(per_point, q) for q in (5, 50, 95)) if len(per_point) else (math.nan,) * 3
        rows.append([esc(metric_label(m, lang)), METRICS.format(m, mid, lang), f"{METRICS.format(m, lo, lang)} – {METRICS.format(m, hi, lang)}"])
    out = [f"<h2>{esc(t('report.headline', lang))}</h2>"
           + table([t("report.metric", lang), t("report.median_points", lang), t("report.range_points", lang)], rows, {1, 2})]
    path = r.path / "analysis" / "sensitivity.csv"
    if not path.exists():
        out.append(f"<h2>{esc(t('report.sensitivity', lang))}</h2><p class='muted'>{esc(t('report.no_sensitivity', lang))} (cogov analyze {esc(r.path)})</p>")
        return out
    sens = pd.read_csv(path)
    if "ST" not in sens.columns:  # Morris screening: rank by mu*
        rows = []
        for m in [m for m in metrics if m in set(sens["metric"])]:
            sub = sens[sens["metric"] == m].sort_values("mu_star", ascending=False).head(TOP)
            rows += [[esc(metric_label(m, lang)), esc(p["parameter"]), f"{p['mu_star']:.3g} ± {p['mu_star_conf']:.2g}", f"{p['sigma']:.3g}"]
                     for _, p in sub.iterrows()]
        out.append(f"<h2>{esc(t('report.sensitivity', lang))}</h2>" + table([t("report.output", lang), t("report.input", lang), "μ*", "σ"], rows, {2, 3}))
        return out
    shown = [m for m in metrics if m in set(sens["metric"])]
    rows = []
    for m in shown:
        sub = sens[sens["metric"] == m].sort_values("ST", ascending=False).head(TOP)
        rows += [[esc(metric_label(m, lang)), esc(p["parameter"]), f"{p['ST']:.2f} ± {p['ST_conf']:.2f}", f"{p['S1']:.2f} ± {p['S1_conf']:.2f}"]
                 for _, p in sub.iterrows()]
    used = plot_lang(lang)
    with mpl.rc_context(_rc(used)):
        img = png(sensitivity_figure(sens, shown, used), used)
    out.append(f"<h2>{esc(t('report.sensitivity', lang))}</h2><p class='note'>{esc(t('report.sensitivity_note', lang))}</p>{img}"
               + table([t("report.output", lang), t("report.input", lang), "ST [95 % CI]", "S1 [95 % CI]"], rows, {2, 3}))
    return out


def results_report(folder: Path, lang: str) -> str:
    try:
        r = load(folder)
    except ResultsError as e:
        raise ReportError(str(e)) from None
    if r.summary.empty:
        raise ReportError(f"{folder}: no finished runs yet")
    sections = [_what_was_run(r, lang)]
    if r.kind == "compare":
        sections += _compare(r, lang)
    elif r.options:
        from .robust_report import robustness_sections

        sections += robustness_sections(r, lang)
    else:
        sections += _sweep(r, lang)
    sections.append(glossary(lang))
    return page(t("report.title", lang, name=r.name), sections, lang)

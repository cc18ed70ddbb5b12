"""The robustness page of `cogov report` for a sweep with levers: sentences written from the numbers
for a policy audience, then the tables and figure they come from.

For each outcome with a better direction: how often each option beats the reference option (the
sweep file's first) in the same world, and, for the first outcome, under which ranges of the
uncertainties it does not (PRIM, `sim.experiments.discover.run_prim`, at the default density
threshold); which option has the smallest maximum regret; each option's median and 5–95 % range
across worlds, share of worlds where it is best, maximum and 90th-percentile regret. What `cogov
analyze --satisficing` and `cogov discover` wrote into ``analysis/`` is shown too.
"""

from __future__ import annotations

import json

import matplotlib as mpl
import numpy as np
import pandas as pd

from ..experiments import robust
from ..experiments.discover import THRESHOLD, DiscoverError, run_prim
from ..i18n import metric_label, t
from ..metrics import METRICS
from ..running.dashboard import _rc
from .report import esc, plot_lang, png, table


#: fewer worlds than this where an option does not win are too few to look for their conditions
MIN_CASES = 5
#: a PRIM restriction whose quasi-p-value is not below this is said to be weakly supported
SIGNIFICANCE = 0.05


def _pct(x: float, lang: str = "en") -> str:
    return f"{100 * x:.0f}{'' if lang == 'zh' else ' '}%"


def uncertainty_label(name: str, lang: str) -> str:
    try:
        return t(f"report.robust.uncertainty.{name}", lang)
    except KeyError:
        return name


def _conditions(box: pd.DataFrame, lang: str) -> str:
    """The PRIM box's restrictions as a phrase ("the cost of taking part is above 0.21 and ...")."""
    parts = []
    for _, r in box.iterrows():
        name = uncertainty_label(r["parameter"], lang)
        if isinstance(r["low"], str):  # a listed (categorical) input: its values in the box
            parts.append(f"{name}: {r['low']}")
            continue
        lower, upper = r["low"] > r["full_low"], r["high"] < r["full_high"]
        key = "between" if lower and upper else "above" if lower else "below"
        parts.append(t(f"report.robust.{key}", lang, name=name, low=f"{r['low']:.3g}", high=f"{r['high']:.3g}"))
    return t("report.robust.joiner", lang).join(parts)


def _where_not(table_: pd.DataFrame, inputs: list[str], metric: str, option: str, reference: str, lang: str) -> str:
    """The sentence on the worlds where `option` does not beat `reference` on `metric`."""
    sign = float(METRICS[metric].direction)
    wide = table_.pivot(index="world", columns="option", values=metric).dropna(subset=[option, reference])
    x = table_.drop_duplicates("world").set_index("world").loc[wide.index, inputs].reset_index(drop=True)
    y = ((wide[option] - wide[reference]) * sign <= 0).to_numpy()
    if not y.any() or y.all():
        return ""
    if y.sum() < MIN_CASES:
        return t("report.robust.where_not_few", lang, n=int(y.sum()))
    try:
        trajectory, chosen, box, _ = run_prim(x, y, threshold=THRESHOLD)
    except DiscoverError:
        return t("report.robust.where_not_missing", lang)
    row = trajectory.iloc[chosen]
    if box.empty or row["density"] < THRESHOLD:
        return t("report.robust.where_not_none", lang)
    sentence = t("report.robust.where_not", lang, conditions=_conditions(box, lang), density=_pct(row["density"], lang),
                 coverage=_pct(row["coverage"], lang))
    weakest = float(box[["qp_lower", "qp_upper"]].min(axis=1).max())  # each restriction by its stronger side
    if not weakest < SIGNIFICANCE:
        sentence += " " + t("report.robust.weak", lang, qp=f"{weakest:.2g}")
    return sentence


def robustness_sections(r, lang: str) -> list[str]:
    options = r.options
    metrics = [m for m in r.metrics if m in r.summary.columns] or [m for m in METRICS.headline() if m in r.summary.columns]
    worlds, _ = robust.world_table(r, metrics)
    if worlds.empty:
        return [f"<h2>{esc(t('report.robust.title', lang))}</h2><p class='muted'>{esc(t('report.no_sensitivity', lang))}</p>"]
    reference = options[0]
    inputs = list(r.parameters)
    design = r.manifest.get("design", {})
    intro = t("report.robust.intro", lang, options=len(options), worlds=worlds["world"].nunique(),
              uncertainties=t("report.robust.list_sep", lang).join(uncertainty_label(p, lang) for p in inputs),
              design=_design_name(design.get("kind", ""), lang),
              replicates=r.manifest.get("replicates", ""))
    directed = robust.directed(metrics)
    regret = robust.regret_table(worlds, metrics)
    ranking = robust.regret_ranking(regret, options)
    versus = robust.versus_reference(worlds, metrics, options)

    findings = []
    for k, m in enumerate(directed):
        for _, v in versus[versus["metric"] == m].iterrows():
            if not v["worlds"]:
                continue
            fields = dict(option=v["option"], reference=reference, metric=metric_label(m, lang),
                          share=_pct(v["share_better"], lang), better=int(v["better"]), worlds=int(v["worlds"]),
                          median=METRICS.format_difference(m, v["median_difference"], lang))
            key = "beats_all" if v["better"] == v["worlds"] else "beats_none" if v["better"] == 0 else "beats"
            sentence = t(f"report.robust.{key}", lang, **fields)
            if k == 0:  # where the option fails, for the first outcome
                sentence += " " + _where_not(worlds, inputs, m, v["option"], reference, lang)
            findings.append(f"<li>{esc(sentence.strip())}</li>")
        rk = ranking[(ranking["metric"] == m) & (ranking["rank_max"] == 1)]
        best = rk[rk[f"rank_p{robust.REGRET_PERCENTILE}"] == rk[f"rank_p{robust.REGRET_PERCENTILE}"].min()]
        if len(best):  # every option tied for the smallest maximum and percentile regret
            key = "most_robust_always" if best["max_regret"].iloc[0] == 0 else "most_robust"
            findings.append("<li>" + esc(t(f"report.robust.{key}", lang, metric=metric_label(m, lang),
                                           option=t("report.robust.list_sep", lang).join(best["option"]),
                                           regret=_regret(m, best["max_regret"].iloc[0], lang))) + "</li>")
    out = [f"<h2>{esc(t('report.robust.title', lang))}</h2><p>{esc(intro)}</p><ul>{''.join(findings)}</ul>"]

    rows = []
    for m in directed:
        rk = ranking[ranking["metric"] == m].set_index("option")
        vs = versus[versus["metric"] == m].set_index("option")
        for o in options:
            vals = worlds.loc[worlds["option"] == o, m].dropna().to_numpy(dtype=float)
            spread = (f"{METRICS.format(m, np.median(vals), lang)} [{METRICS.format(m, np.percentile(vals, 5), lang)} – "
                      f"{METRICS.format(m, np.percentile(vals, 95), lang)}]") if len(vals) else "–"
            rows.append([esc(metric_label(m, lang)), esc(o), spread,
                         _pct(vs.loc[o, "share_better"], lang) if o in vs.index else "–",
                         _pct(rk.loc[o, "best_share"], lang) if o in rk.index else "–",
                         _regret(m, rk.loc[o, "max_regret"], lang) if o in rk.index else "–",
                         _regret(m, rk.loc[o, f"p{robust.REGRET_PERCENTILE}_regret"], lang) if o in rk.index else "–"])
    headers = [t("report.metric", lang), t("report.robust.option", lang), t("report.robust.median_range", lang),
               t("report.robust.beats_reference", lang, reference=reference), t("report.robust.best_in", lang),
               t("report.robust.max_regret", lang), t("report.robust.p90_regret", lang)]
    used = plot_lang(lang)
    with mpl.rc_context(_rc(used)):
        img = png(_figure(worlds, directed, options, used), used)
    out.append(f"<h3>{esc(t('report.robust.table_title', lang))}</h3>" + table(headers, rows, {2, 3, 4, 5, 6})
               + f"<p class='note'>{esc(t('report.robust.regret_note', lang))}</p>{img}")
    out += _written(r, lang)
    return out


def _design_name(kind: str, lang: str) -> str:
    try:
        return t(f"report.robust.design.{kind}", lang)
    except KeyError:
        return kind


def _regret(metric: str, value: float, lang: str) -> str:
    """A regret is a distance: formatted as the metric's differences are, without a sign."""
    return METRICS.format_difference(metric, abs(float(value)), lang).lstrip("+")


def _figure(worlds: pd.DataFrame, metrics: list[str], options: list[str], lang: str):
    """Each outcome's distribution across worlds, one box per option (the figure of `cogov analyze`)."""
    from matplotlib.figure import Figure

    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig = Figure(figsize=(max(4.2, 1.1 * len(options) + 1.5) * cols, 3.0 * rows), dpi=110)
    for k, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, k + 1)
        data = [worlds.loc[worlds["option"] == o, m].dropna().to_numpy(dtype=float) for o in options]
        ax.boxplot(data, showfliers=True, widths=0.55)
        ax.set_xticks(range(1, len(options) + 1), options, rotation=20, fontsize=8)
        ax.set_title(metric_label(m, lang), fontsize=9)
        ax.grid(axis="y", color="#e4e8ee")
    fig.tight_layout()
    return fig


def _written(r, lang: str) -> list[str]:
    """What `cogov analyze --satisficing` and `cogov discover` left in the analysis folder."""
    out = []
    sat = r.path / "analysis" / "satisficing.csv"
    if sat.is_file():
        s = pd.read_csv(sat)
        rows = [[esc(c["condition"]), esc(c["option"]), f"{_pct(c['share'], lang)} ({int(c['met'])} / {int(c['worlds'])})"]
                for _, c in s.iterrows()]
        out.append(f"<h3>{esc(t('report.robust.satisficing', lang))}</h3>"
                   + table([t("report.robust.condition", lang), t("report.robust.option", lang), t("report.robust.share", lang)], rows, {2}))
    d = r.path / "analysis" / "discover"
    if (d / "discover.json").is_file() and (d / "box.csv").is_file():
        summary = json.loads((d / "discover.json").read_text(encoding="utf-8"))
        box = pd.read_csv(d / "box.csv")
        rows = []
        for _, b in box.iterrows():
            numeric = not isinstance(b["low"], str)
            rows.append([esc(uncertainty_label(b["parameter"], lang)),
                         f"{b['low']:.3g} – {b['high']:.3g}" if numeric else esc(b["low"]),
                         f"{b['full_low']:.3g} – {b['full_high']:.3g}" if numeric else esc(b["full_low"]),
                         ", ".join(f"{v:.2g}" for v in (b["qp_lower"], b["qp_upper"]) if v == v) or "–"])
        intro = t("report.robust.discovery_intro", lang, condition=summary["condition"], cases=summary["of_interest"],
                  n=summary["n"], density=_pct(summary["density"], lang), coverage=_pct(summary["coverage"], lang))
        out.append(f"<h3>{esc(t('report.robust.discovery', lang))}</h3><p>{esc(intro)}</p>"
                   + table([t("report.robust.restricted", lang), t("report.robust.range", lang), t("report.robust.full_range", lang),
                            t("report.robust.significance", lang)], rows, {1, 2, 3}))
    return out

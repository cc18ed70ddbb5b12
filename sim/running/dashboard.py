"""The run dashboard: six panels of the daily series, in English or Chinese.

Drawn on a bare `matplotlib.figure.Figure` with the Agg canvas (no pyplot, no global backend), so
it is safe in scripts, tests and worker processes. Labels come from `sim.i18n`; Chinese needs a CJK
font, looked up through matplotlib's font manager. Without one the dashboard falls back to English
and issues a `FontFallbackWarning`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from os import PathLike
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter

from ..i18n import t
from ..metrics import METRICS

#: CJK sans-serif families, best first; any other family with "CJK" in its name is the last resort
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
    "SimHei", "Sarasa Gothic SC", "Noto Sans CJK TC", "Noto Sans CJK JP",
)
_CJK_FILE = re.compile(r"cjk|sourcehan|wqy|wenquan|yahei|msyh|simhei|pingfang|heiti|sarasa", re.I)

INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#e4e4e4"


class FontFallbackWarning(UserWarning):
    """The requested language needs a font that is not installed; labels fell back to English."""


def find_cjk_font() -> str | None:
    """The family name of an installed CJK sans-serif font known to matplotlib, or None.

    Fonts installed after matplotlib built its font cache are found by scanning the system font
    folders for likely file names and registering them."""
    for attempt in range(2):
        names = {f.name for f in font_manager.fontManager.ttflist}
        for family in CJK_FAMILIES:
            if family in names:
                return family
        loose = sorted(n for n in names if "CJK" in n and "Mono" not in n and "Serif" not in n)
        if loose:
            return loose[0]
        if attempt == 0:
            for path in font_manager.findSystemFonts():
                if _CJK_FILE.search(path):
                    try:
                        font_manager.fontManager.addfont(path)
                    except Exception:  # unreadable font file: skip it
                        continue
    return None


def _rc(lang: str) -> dict[str, Any]:
    rc: dict[str, Any] = {
        "font.size": 10,
        "axes.titlesize": 12,
        "axes.labelsize": 10,
        "axes.edgecolor": "#9a9a9a",
        "axes.labelcolor": INK,
        "axes.titlecolor": INK,
        "xtick.color": MUTED,
        "ytick.color": MUTED,
        "legend.fontsize": 9,
    }
    if lang != "en":
        family = find_cjk_font()
        rc.update({"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"],
                   "axes.unicode_minus": False})
    return rc


def _style(ax, title: str, ylabel: str, days: int, lang: str) -> None:
    ax.set_title(title, loc="left", fontweight="bold", pad=8)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(t("dashboard.axis.day", lang))
    ax.set_xlim(0, max(days, 1))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=7, integer=True))
    ax.grid(True, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=3)


def _line(ax, day, values, key: str, lang: str, *, width: float = 1.8, style: str = "-",
          scale: float = 1.0) -> None:
    """Plot metric `key` if it has any finite value (e.g. no fee rate without a property company),
    in its colour and with its short label (the metric registry)."""
    y = np.asarray(values, dtype=float) * scale
    if not np.isfinite(y).any():
        return
    metric = METRICS[key]
    ax.plot(day, y, style, color=metric.colour or INK, linewidth=width, label=metric.short_label(lang))


def _no_data(ax, lang: str) -> None:
    """Say so in a panel none of whose series has a value yet (e.g. nothing closed yet)."""
    if not ax.get_lines():
        ax.text(0.5, 0.5, t("dashboard.no_data", lang), transform=ax.transAxes, ha="center", va="center",
                color=MUTED, fontsize=11, style="italic")


def _headroom(ax, factor: float) -> None:
    """Start the y axis at 0 and leave room above the data for a legend."""
    top = max((np.nanmax(np.asarray(l.get_ydata(), dtype=float)) for l in ax.get_lines()
               if np.isfinite(np.asarray(l.get_ydata(), dtype=float)).any()), default=1.0)
    ax.set_ylim(0, max(top, 1e-9) * factor)


def _legend(ax, loc: str = "best", ncol: int = 1) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc=loc, ncol=ncol, frameon=False, handlelength=1.6, borderaxespad=0.3,
                  columnspacing=1.0, labelspacing=0.3)


def dashboard_figure(series: pd.DataFrame, *, lang: str = "en", meta: dict[str, Any] | None = None) -> Figure:
    """The dashboard of a run's daily series (rows = days 1..N, columns = daily metric names).

    `meta` fills the subtitle: scenario, seed, days, residents, communities, version; and
    `events`, a list of (day, label) marked by dotted lines (shocks)."""
    meta = dict(meta or {})
    s = series
    day = np.asarray(s.index, dtype=float)
    days = int(day[-1]) if len(day) else 0  # the x axis runs from day 0, the start
    meta.setdefault("days", days)

    def col(name: str) -> pd.Series:
        return s[name] if name in s else pd.Series(np.nan, index=s.index)

    fig = Figure(figsize=(16, 9.2), dpi=120, facecolor="white")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 3, left=0.05, right=0.985, top=0.845, bottom=0.07, wspace=0.22, hspace=0.45)
    ax = [[fig.add_subplot(grid[r, c]) for c in range(3)] for r in range(2)]
    pct = PercentFormatter(xmax=100, decimals=0)

    # 1. resolution rate and community-level share
    a = ax[0][0]
    _line(a, day, col("resolution_rate"), "resolution_rate", lang, scale=100)
    _line(a, day, col("community_share"), "community_share", lang, scale=100)
    a.set_ylim(0, 100)
    a.yaxis.set_major_formatter(pct)
    _style(a, t("dashboard.panel.resolution", lang), t("dashboard.axis.percent", lang), days, lang)
    _legend(a, "best")

    # 2. backlog and latent disputes
    a = ax[0][1]
    _line(a, day, col("backlog"), "backlog", lang)
    _line(a, day, col("latent"), "latent", lang)
    a.fill_between(day, np.nan_to_num(col("backlog").to_numpy(dtype=float)), color=METRICS["backlog"].colour, alpha=0.12, linewidth=0)
    _headroom(a, 1.25)
    a.yaxis.set_major_locator(MaxNLocator(integer=True))
    _style(a, t("dashboard.panel.caseload", lang), t("dashboard.axis.cases", lang), days, lang)
    _legend(a, "upper left")

    # 3. daily flow, 7-day means
    a = ax[0][2]
    for key in ("arisen", "resolved", "escalated"):
        _line(a, day, col(key).rolling(7, min_periods=1).mean(), key, lang)
    _headroom(a, 1.3)
    a.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    _style(a, t("dashboard.panel.flow", lang), t("dashboard.axis.cases_per_day", lang), days, lang)
    _legend(a, "upper left", ncol=3)

    # 4. participation and its parts
    a = ax[1][0]
    _line(a, day, col("participation_rate"), "participation_rate", lang, width=2.6, scale=100)
    for part in ("consultation", "volunteering", "assembly", "service_centre"):
        _line(a, day, col(f"participation_{part}"), f"participation_{part}", lang, width=1.3, scale=100)
    _headroom(a, 1.4)
    a.yaxis.set_major_formatter(pct)
    _style(a, t("dashboard.panel.participation", lang), t("dashboard.axis.percent", lang), days, lang)
    _legend(a, "upper left", ncol=3)

    # 5. trust in each institution
    a = ax[1][1]
    for inst in ("party", "residents_committee", "property_company", "government"):
        # government dashed: it often runs on top of the residents' committee
        _line(a, day, col(f"trust_{inst}"), f"trust_{inst}", lang, style="--" if inst == "government" else "-")
    a.set_ylim(0, 1)
    _style(a, t("dashboard.panel.trust", lang), t("dashboard.axis.trust", lang), days, lang)
    _legend(a, "best", ncol=2)

    # 6. wellbeing, fees and property service
    a = ax[1][2]
    for key in ("satisfaction", "security", "fee_collection_rate", "property_service_quality"):
        _line(a, day, col(key), key, lang, style="--" if key == "property_service_quality" else "-")
    a.set_ylim(0, 1.05)
    _style(a, t("dashboard.panel.wellbeing", lang), t("dashboard.axis.index", lang), days, lang)
    _legend(a, "best", ncol=2)

    for a in (a for row in ax for a in row):
        _no_data(a, lang)
    for i, (when, what) in enumerate(meta.get("events", ())):
        for a in (a for row in ax for a in row):
            a.axvline(when, color="#555555", linestyle=":", linewidth=1.1, zorder=1)
        ax[0][0].annotate(what, xy=(when, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3 - 11 * i),
                          textcoords="offset points", ha="left", va="top", fontsize=8, color="#555555")
    fig.text(0.05, 0.965, t("dashboard.title", lang), fontsize=17, fontweight="bold", color=INK, va="top")
    if {"scenario", "seed", "residents", "communities"} <= meta.keys():
        key = "dashboard.subtitle" if meta["communities"] != 1 else "dashboard.subtitle_one"
        sub = t(key, lang, scenario=meta["scenario"], seed=meta["seed"], days=meta["days"],
                residents=f"{int(meta['residents']):,}", communities=meta["communities"])
        fig.text(0.05, 0.92, sub, fontsize=11, color=MUTED, va="top")
    if "version" in meta:
        fig.text(0.985, 0.015, t("dashboard.footer", lang, version=meta["version"]), fontsize=8,
                 color="#9a9a9a", ha="right", va="bottom")
    return fig


def render(build: Callable[[str], Figure], path: str | PathLike[str], lang: str = "en") -> str:
    """Draw `build(lang)` with the house style and write it as PNG to `path`; returns the language
    actually used ("zh" falls back to "en", with a FontFallbackWarning, when no CJK font is
    installed)."""
    t("dashboard.title", lang)  # unknown language → ValueError before anything is drawn
    if lang != "en" and find_cjk_font() is None:
        warnings.warn(f"no CJK font found; figures are labelled in English instead of {lang!r}",
                      FontFallbackWarning, stacklevel=2)
        lang = "en"
    with mpl.rc_context(_rc(lang)):
        build(lang).savefig(path, format="png", dpi=120, facecolor="white", metadata={"Software": None})
    return lang


def render_dashboard(series: pd.DataFrame, path: str | PathLike[str], *, lang: str = "en",
                     meta: dict[str, Any] | None = None) -> str:
    """Write the dashboard PNG to `path`; returns the language actually used."""
    return render(lambda used: dashboard_figure(series, lang=used, meta=meta), path, lang)

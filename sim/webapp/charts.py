"""Live charts and headline tiles.

Charts are small inline SVGs written here (a few milliseconds for a year of days, so every frame
redraws them; no JavaScript library, nothing fetched). The x axis always spans the whole run, so a
line grows from left to right. In A/B mode B is drawn dashed over A. The same chart list is drawn
with matplotlib for the "charts as PNG" export.

Values are the model's own daily series (collected by its DataCollector); tiles show the headline
metrics in their declared order. Kinds, colours, labels and which way is better come from the metric
registry (`sim.metrics`); this module only lays the charts out.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from html import escape

import numpy as np
import solara

from ..i18n import metric_label, scenario_title, t
from ..metrics import METRICS, Kind
from ..scenario.timeline import entry_label
from .session import Frame, SimFrame

A_COLOUR = "#1f5fa8"
B_COLOUR = "#d35400"
CHANGE_COLOUR = "#7b3fa0"  # markers of levers changed mid-run (as the ticker's ◆)
CHANGE_ROWS = 3  # rows of marker labels at the top of a chart; a label that fits in none is a tooltip
TRUST = ("trust_party", "trust_residents_committee", "trust_property_company", "trust_government")


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its key, the metrics it draws (several: one line each, in their own colours),
    and a fixed y range (None: from the data)."""

    key: str
    series: tuple[str, ...]
    fixed: tuple[float, float] | None = None

    @property
    def kind(self) -> Kind:
        return METRICS[self.series[0]].kind

    @property
    def several(self) -> bool:
        return len(self.series) > 1

    def title(self, lang: str) -> str:
        return t("dashboard.panel.trust", lang) if self.key == "trust" else metric_label(self.key, lang)


CHARTS = (
    ChartSpec("resolution_rate", ("resolution_rate",), (0.0, 1.0)),
    ChartSpec("community_share", ("community_share",), (0.0, 1.0)),
    ChartSpec("backlog", ("backlog",)),
    ChartSpec("mean_days_to_resolution", ("mean_days_to_resolution",)),
    ChartSpec("participation_rate", ("participation_rate",)),
    ChartSpec("trust", TRUST),
)


def _colour(spec: ChartSpec, key: str, default: str) -> str:
    """A line of a chart of several metrics has its metric's colour; a single line A's or B's."""
    return (METRICS[key].colour or default) if spec.several else default


def _nice(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above x."""
    if x <= 0 or not math.isfinite(x):
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= x - 1e-12:
            return m * e
    return 10 * e


#: the top of an axis with nothing above zero yet (day 0): a share or an index runs to 1, anything
#: else to 10, so that a count of cases is never labelled 0.25
EMPTY_TOP = {Kind.SHARE: 1.0, Kind.INDEX: 1.0}


def y_range(spec: ChartSpec, lines: list[np.ndarray]) -> tuple[float, float]:
    if spec.fixed is not None:
        return spec.fixed
    values = np.concatenate([v[np.isfinite(v)] for v in lines]) if lines else np.empty(0)
    empty = EMPTY_TOP.get(spec.kind, 10.0)
    if not len(values):
        return (0.0, empty)
    hi = float(values.max())
    if spec.kind == Kind.INDEX:
        lo = float(values.min())
        lo, hi = math.floor(lo * 10 - 0.5) / 10, math.ceil(hi * 10 + 0.5) / 10
        return (max(0.0, lo), min(1.0, hi))
    return (0.0, _nice(hi * 1.1) if hi > 0 else empty)


def _ticks(lo: float, hi: float, n: int = 4, whole: bool = False) -> list[float]:
    step = _nice((hi - lo) / n)
    if whole and not float(step).is_integer():  # below 1, or 2.5: the nice whole step above it
        step = 1.0 if step < 1 else 5.0
    first = math.ceil(lo / step - 1e-9) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _decimals(step: float) -> int:
    """The fewest decimals that write every multiple of `step` exactly (0.25 → 2, 2.5 → 1, 20 → 0),
    so that no tick is rounded to a value it is not."""
    return next((d for d in range(7) if abs(round(step, d) - step) <= 1e-9 * max(1.0, abs(step))), 6)


def _y_ticks(lo: float, hi: float, kind: Kind) -> tuple[list[float], float]:
    """A value axis's ticks and their step; the SVG charts and the exported PNG share them. A count
    steps by whole things (no "2.5 cases")."""
    ticks = _ticks(lo, hi, whole=kind == Kind.COUNT)
    return ticks, (ticks[1] - ticks[0] if len(ticks) > 1 else 1.0)


def _tick_label(v: float, kind: str, step: float) -> str:
    if kind == Kind.SHARE:
        return f"{100 * v:.{_decimals(100 * step)}f}%"
    return f"{v:,.{_decimals(step)}f}"


def _paths(x: np.ndarray, y: np.ndarray) -> list[str]:
    """Polyline point lists, broken where the series is NaN."""
    out, cur = [], []
    for xi, yi in zip(x, y):
        if math.isfinite(yi):
            cur.append(f"{xi:.1f},{yi:.1f}")
        elif cur:
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return out


#: the plot area's margins in CSS pixels (left, right, top, bottom), room for the tick labels
MARGINS = {False: (56, 14, 12, 26), True: (68, 16, 14, 32)}
#: the size of type on a chart in CSS pixels: the same whatever the size of its box
FONT_PX = {False: 13, True: 16}
#: the room, in ems of the chart's type, between one value label's centre and the next: they never touch
TICK_GAP_EM = 1.3
#: plots classed by how many tick steps their value axis spans (`cg-r6`: up to six), for `tick_css`
MAX_STEPS = 12
#: the level of the labels no container query hides: thinning stops at two labels
KEEP = MAX_STEPS.bit_length()


def _tick_level(i: int, n: int) -> int:
    """How far a value label survives thinning: level k is kept while ticks 2**k steps apart fit.
    The ticks 2**cap apart, the fewest that still leave two labels, are never thinned (`KEEP`): the
    axis can span more steps than it has ticks, and thinning by its span must not empty it."""
    cap = max(0, (n - 1).bit_length() - 1)
    level = (i & -i).bit_length() - 1 if i else cap
    return KEEP if level >= cap else level


def tick_css() -> str:
    """Container queries that thin a plot's value labels to every 2nd, 4th, ... tick when its box is
    too short for all of them: a grid of six on a projector keeps readable 16 px labels that never
    overlap, rather than shrinking them. Derived from the margins and type sizes above."""
    rules = []
    for big, fs in FONT_PX.items():
        plot = ".cg-plot.cg-plot-big" if big else ".cg-plot:not(.cg-plot-big)"
        _, _, top, bottom = MARGINS[big]
        for steps in range(1, MAX_STEPS + 1):
            for k in range(1, steps.bit_length()):  # below this height, the labels 2**(k-1) steps apart touch
                height = TICK_GAP_EM * fs * steps / 2 ** (k - 1) + top + bottom
                hidden = ", ".join(f"{plot}.cg-r{steps} .cg-tl{j}" for j in range(k))
                rules.append(f"@container (max-height: {height:.0f}px) {{ {hidden} {{ display: none; }} }}")
    return "\n".join(rules)


#: the plot width, in CSS pixels, that change labels are laid out for: a chart in two columns of
#: the stage at 1280 px; a wider box only has more room between them
NOMINAL_PLOT_PX = 300


def chart_plot(spec: ChartSpec, a: SimFrame, b: SimFrame | None, lang: str, big: bool = False) -> str:
    """One chart as HTML: its lines in an SVG stretched to the plot area (strokes keep their width),
    its tick and marker labels as text in CSS pixels, so that they read the same on a projector's
    grid of six, a wide screen and a phone (a scaled SVG shrank them to 6 px in A/B mode)."""
    fs, lw = FONT_PX[big], (3.2 if big else 2.4)
    left, right, top, bottom = MARGINS[big]
    days = max(a.days, 1)
    lines = [a.series[k] for k in spec.series] + ([b.series[k] for k in spec.series] if b is not None else [])
    lo, hi = y_range(spec, lines)
    span = hi - lo or 1.0

    def fx(d):  # 0..1 across the plot area
        return np.asarray(d, dtype=float) / days

    def fy(v):  # 0..1 down the plot area
        return 1 - (np.asarray(v, dtype=float) - lo) / span

    def at(x: float | None = None, y: float | None = None) -> str:
        """CSS placing a label at fraction x across and y down the plot area."""
        out = []
        if x is not None:
            out.append(f"left:calc({left}px + (100% - {left + right}px) * {x:.4f})")
        if y is not None:
            out.append(f"top:calc({top}px + (100% - {top + bottom}px) * {y:.4f})")
        return ";".join(out)

    svg = [f'<svg class="cg-chart-svg" viewBox="0 0 1000 1000" preserveAspectRatio="none" '
           f'xmlns="http://www.w3.org/2000/svg" style="left:{left}px;top:{top}px;width:calc(100% - {left + right}px);'
           f'height:calc(100% - {top + bottom}px)">']
    labels = []
    ticks, tick_step = _y_ticks(lo, hi, spec.kind)
    steps = min(MAX_STEPS, max(1, math.ceil(span / tick_step - 1e-9)))  # the axis's length in tick steps
    for i, v in enumerate(ticks):
        y = float(fy(v))
        svg.append(f'<line x1="0" x2="1000" y1="{1000 * y:.1f}" y2="{1000 * y:.1f}" stroke="#e3e6ea" stroke-width="1" '
                   'vector-effect="non-scaling-stroke"/>')
        labels.append(f'<span class="cg-tick cg-tick-y cg-tl{_tick_level(i, len(ticks))}" style="{at(y=y)};right:calc(100% - {left - 6}px)">'
                      f'{_tick_label(v, spec.kind, tick_step)}</span>')
    step = _nice(days / 6)
    d = 0.0
    while d <= days + 1e-9:
        labels.append(f'<span class="cg-tick cg-tick-x" style="{at(x=float(fx(d)))};top:calc(100% - {bottom - 3}px)">{d:.0f}</span>')
        d += step
    svg.append('<line x1="0" x2="1000" y1="1000" y2="1000" stroke="#888" stroke-width="1.2" vector-effect="non-scaling-stroke"/>')

    def draw(sim: SimFrame, key: str, colour: str, dashed: bool):
        y = sim.series[key]
        x = 1000 * fx(np.arange(1, len(y) + 1))  # row k is the end of day k + 1
        dash = f' stroke-dasharray="{3 * lw:.0f},{2 * lw:.0f}"' if dashed else ""
        for pts in _paths(x, 1000 * fy(y)):
            svg.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{lw}" '
                       f'stroke-linejoin="round" stroke-linecap="round" vector-effect="non-scaling-stroke"{dash}/>')
        finite = np.flatnonzero(np.isfinite(y))
        if len(spec.series) == 1 and len(finite):
            j = finite[-1]
            labels.append(f'<span class="cg-dot" style="{at(float(fx(j + 1)), float(fy(y[j])))};'
                          f'width:{lw * 3.2:.1f}px;height:{lw * 3.2:.1f}px;background:{colour}"></span>')

    for k in spec.series:
        draw(a, k, _colour(spec, k, A_COLOUR), False)
        if b is not None:
            draw(b, k, _colour(spec, k, B_COLOUR), True)
    # a lever changed mid-run: a marker across the plot, and its label in a strip above the plot
    # (never over the lines) where a row has room
    taken: list[list[tuple[float, float]]] = [[] for _ in range(CHANGE_ROWS)]  # each row's labels' spans, in px
    size = round(fs * 0.85)
    row_px = round(size * 1.2)
    strip = []
    for entry in a.changes:
        x = float(fx(entry.day))
        label = entry_label(entry, lang)
        short = label if len(label) <= 28 else label[:27] + "…"
        svg.append(f'<line x1="{1000 * x:.1f}" x2="{1000 * x:.1f}" y1="0" y2="1000" stroke="{CHANGE_COLOUR}" '
                   f'stroke-width="1.5" stroke-dasharray="4,3" vector-effect="non-scaling-stroke"><title>{escape(label)}</title></line>')
        end = x > 0.7
        width = sum(1.0 if ord(ch) > 0x2E7F else 0.6 for ch in short) * size  # CJK glyphs are square
        px = NOMINAL_PLOT_PX * x
        span = (px - 4 - width, px - 4) if end else (px + 4, px + 4 + width)
        row = next((r for r, spans in enumerate(taken) if all(span[1] < x0 or span[0] > x1 for x0, x1 in spans)), None)
        if row is None:  # no free row: the marker keeps its label as a tooltip only
            continue
        taken[row].append(span)
        strip.append(f'<span class="cg-change-label{" cg-change-label-end" if end else ""}" title="{escape(label)}" '
                     f'style="{at(x=x)};top:{row_px * row}px;font-size:{size}px;color:{CHANGE_COLOUR}">{escape(short)}</span>')
    svg.append("</svg>")
    rows = sum(1 for spans in taken if spans)
    head = f'<div class="cg-changes" style="height:{row_px * rows + 2}px">{"".join(strip)}</div>' if strip else ""
    return (f'{head}<div class="cg-plot cg-r{steps}{" cg-plot-big" if big else ""}" style="font-size:{fs}px">'
            f'{"".join(svg)}{"".join(labels)}</div>')


def legend_items(spec: ChartSpec, lang: str) -> list[tuple[str, str, bool]]:
    """(label, colour, dashed) for a chart's own legend: the series of a chart of several. The
    runs are named once, by `runs_legend` (A solid, B dashed, on every chart), so that a chart
    keeps its height for the plot."""
    if not spec.several:
        return []
    return [(METRICS[k].short_label(lang), METRICS[k].colour or A_COLOUR, False) for k in spec.series]


def runs_legend(b: SimFrame | None, names: tuple[str, str]) -> list[tuple[str, str, bool]]:
    """The line of each run in A/B mode, above all the charts: A solid, B dashed (in a chart of
    several series, each series keeps its colour and the line style tells the runs apart)."""
    return [] if b is None else [(names[0], A_COLOUR, False), (names[1], B_COLOUR, True)]


def _legend_html(items) -> str:
    out = []
    for label, colour, dashed in items:
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        out.append(f'<span class="cg-legend-item"><svg width="26" height="10"><line x1="1" y1="5" x2="25" y2="5" '
                   f'stroke="{colour}" stroke-width="3"{dash}/></svg>{escape(label)}</span>')
    return "".join(out)


def latest(sim: SimFrame, key: str) -> float:
    v = sim.series[key]
    return float(v[-1]) if len(v) else float("nan")


# --------------------------------------------------------------------------------------------
# PNG export (matplotlib, the same charts)
# --------------------------------------------------------------------------------------------


def charts_png(frame: Frame, lang: str, names: tuple[str, str]) -> bytes:
    """The six charts of the current frame as one PNG (Chinese labels need a CJK font; without
    one the labels fall back to English, as the run dashboard does)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..running.dashboard import find_cjk_font

    a, b = frame.a, frame.b
    rc = {}
    if lang != "en":
        family = find_cjk_font()
        if family is None:
            lang = "en"
        else:
            rc = {"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"]}
    import matplotlib as mpl

    with mpl.rc_context(rc), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fig = Figure(figsize=(16, 9), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(2, 3)
        for ax, spec in zip(axes.flat, CHARTS):
            lines = [a.series[k] for k in spec.series] + ([b.series[k] for k in spec.series] if b else [])
            for k in spec.series:
                label = METRICS[k].short_label(lang) if spec.several else names[0]
                ax.plot(np.arange(1, len(a.series[k]) + 1), a.series[k], color=_colour(spec, k, A_COLOUR), lw=2.2,
                        label=label if (b or spec.several) else None)
                if b is not None:
                    ax.plot(np.arange(1, len(b.series[k]) + 1), b.series[k], color=_colour(spec, k, B_COLOUR), lw=2.2, ls="--",
                            label=None if spec.several else names[1])
            if spec.several and b is not None:  # colours name the series; the line style names the run
                ax.plot([], [], color="#555555", lw=2.2, label=names[0])
                ax.plot([], [], color="#555555", lw=2.2, ls="--", label=names[1])
            lo, hi = y_range(spec, lines)
            ax.set_ylim(lo, hi)
            ax.set_xlim(0, a.days)
            for j, entry in enumerate(a.changes):
                ax.axvline(entry.day, color=CHANGE_COLOUR, ls="--", lw=1.2)
                ax.annotate(entry_label(entry, lang), xy=(entry.day, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(3, -3 - 11 * j), textcoords="offset points", fontsize=8, color=CHANGE_COLOUR, va="top")
            ticks, step = _y_ticks(lo, hi, spec.kind)
            ax.set_yticks(ticks, [_tick_label(v, spec.kind, step) for v in ticks])
            ax.set_title(spec.title(lang), fontsize=15, loc="left")
            ax.set_xlabel(t("dashboard.axis.day", lang))
            ax.grid(True, color="#e3e6ea")
            ax.spines[["top", "right"]].set_visible(False)
            if ax.get_legend_handles_labels()[0]:  # below the plot, never over its lines
                ax.legend(fontsize=10, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
        fig.suptitle(t("workshop.export_title", lang, scenario=scenario_title(a.scenario_name, lang), seed=a.seed, day=a.day), fontsize=17)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------------------------


def chart_html(spec: ChartSpec, a: SimFrame, b: SimFrame | None, lang: str, big: bool) -> str:
    items = legend_items(spec, lang)
    legend = f'<div class="cg-chart-legend">{_legend_html(items)}</div>' if items else ""
    return (f'<div class="cg-chart cg-chart-{spec.key}"><span class="cg-h3">{escape(spec.title(lang))}</span>{legend}'
            f'<div class="cg-chart-body">{chart_plot(spec, a, b, lang, big)}</div></div>')


def tiles_html(frame: Frame, lang: str, against: str | None = None) -> str:
    """The headline metrics as big numbers (A, and B with the difference in A/B mode): B − A,
    coloured by whether B is better. With `against` (the name of B, a counterfactual), the
    difference is A's effect, A − B, coloured by whether A is better, and B is named."""
    a, b = frame.a, frame.b
    out = ['<div class="cg-tiles">']
    for key in METRICS.headline():
        metric = METRICS[key]
        va = a.headline.get(key, float("nan"))
        out.append(f'<div class="cg-tile-metric cg-tile-{key}"><span class="cg-tile-label">{escape(metric.label(lang))}</span>'
                   f'<span class="cg-tile-value">{metric.format(va, lang)}</span>')
        if b is not None:
            vb = b.headline.get(key, float("nan"))
            better = metric.better(vb, va) if against else metric.better(va, vb)
            tone = "cg-better" if better > 0 else "cg-worse" if better < 0 else "cg-same"
            diff = va - vb if against else vb - va
            delta = metric.format_difference(diff, lang) if math.isfinite(diff) else ""
            if against:
                delta = escape(t("workshop.effect", lang, delta=delta)) if delta else ""
            out.append(f'<span class="cg-tile-b-row"><span class="cg-tile-b">{escape(against or "B")} {metric.format(vb, lang)}</span> '
                       f'<span class="cg-tile-delta {tone}">{delta}</span></span>')
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


@solara.component
def Charts(frame: Frame, lang: str, big: bool, names: tuple[str, str]):
    """The six charts, drawn as one block of HTML (cheap to update every frame)."""

    def html():
        try:
            return "".join(chart_html(spec, frame.a, frame.b, lang, big) for spec in CHARTS)
        except Exception as e:  # noqa: BLE001 — a message, never a dead page
            return f'<div class="cg-message">{escape(type(e).__name__)}: {escape(str(e))}</div>'

    body = solara.use_memo(html, [frame, lang, big])
    runs = runs_legend(frame.b, names)
    with solara.Row(classes=["cg-charts-head"], gap="16px", style={"align-items": "baseline", "flex-wrap": "wrap"}):
        solara.Text(t("workshop.charts", lang), classes=["cg-h2"])
        if runs:
            solara.HTML(tag="div", unsafe_innerHTML=_legend_html(runs), classes=["cg-chart-legend", "cg-runs-legend"])
    solara.HTML(tag="div", unsafe_innerHTML=body, classes=["cg-charts"])


@solara.component
def Tiles(frame: Frame, lang: str, against: str | None = None):
    solara.HTML(tag="div", unsafe_innerHTML=tiles_html(frame, lang, against))


__all__ = ["CHARTS", "ChartSpec", "Charts", "Tiles", "chart_html", "chart_plot", "charts_png", "runs_legend", "tiles_html"]

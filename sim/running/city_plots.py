"""Plots that compare the communities of a city run: how resolution and participation are spread
across communities, how they go with the communities' latent attributes, a heat map of communities
by street, and the communities behind most escalations. They read the community table (`sim.metrics.tables`), never the model's internals;
the geography, when given, only names the places in the figure's language.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..i18n import metric_label, t
from ..scenario.schema import LATENT_ATTRIBUTES
from ..space.geography import Geography, Place, street_title

TYPE_COLOURS = {"old_compound": "#b5651d", "commodity_estate": "#1f5fa8", "resettlement": "#2e8b57", "mixed": "#7b5ea7"}


def distribution_figure(communities: pd.DataFrame, lang: str = "en") -> Figure:
    """Resolution rate and participation across communities, by community type."""
    fig = Figure(figsize=(12, 5), dpi=120)
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("resolution_rate", "participation_rate")):
        kinds = [k for k in TYPE_COLOURS if (communities["type"] == k).any()]
        data = [communities.loc[communities["type"] == k, metric].dropna().to_numpy() * 100 for k in kinds]
        parts = ax.violinplot(data, showmedians=True) if all(len(d) > 1 for d in data) else None
        for i, (k, d) in enumerate(zip(kinds, data), start=1):
            jitter = np.linspace(-0.12, 0.12, len(d)) if len(d) > 1 else np.zeros(len(d))
            ax.scatter(np.full(len(d), i) + jitter, d, s=14, color=TYPE_COLOURS[k], alpha=0.8, zorder=3)
        if parts is not None:
            for body, k in zip(parts["bodies"], kinds):
                body.set_facecolor(TYPE_COLOURS[k])
                body.set_alpha(0.25)
            for line in ("cbars", "cmins", "cmaxes", "cmedians"):
                parts[line].set_color("#666666")
        ax.set_xticks(range(1, len(kinds) + 1), [t(f"city.type.{k}", lang) for k in kinds])
        ax.set_ylabel(t("dashboard.axis.percent", lang))
        ax.set_title(metric_label(metric, lang), loc="left", fontweight="bold")
        ax.grid(axis="y", color="#e5e5e5")
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(t("city.distribution_title", lang, n=len(communities)), x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def attributes_figure(communities: pd.DataFrame, lang: str = "en") -> Figure:
    """Each community's resolution rate (top) and participation (bottom) against each of its latent
    attributes, coloured by type: what differs between communities of one type, beside the results."""
    fig = Figure(figsize=(14, 6.5), dpi=120)
    axes = fig.subplots(2, len(LATENT_ATTRIBUTES), sharey="row", squeeze=False)
    kinds = [k for k in TYPE_COLOURS if (communities["type"] == k).any()]
    for row, metric in enumerate(("resolution_rate", "participation_rate")):
        for col, attribute in enumerate(LATENT_ATTRIBUTES):
            ax = axes[row][col]
            for k in kinds:
                mine = communities[communities["type"] == k]
                ax.scatter(mine[f"latent_{attribute}"], mine[metric] * 100, s=14, color=TYPE_COLOURS[k], alpha=0.8,
                           label=t(f"city.type.{k}", lang))
            ax.grid(color="#e5e5e5")
            ax.spines[["top", "right"]].set_visible(False)
            if row == 1:
                ax.set_xlabel(t(f"city.latent.{attribute}", lang))
            if col == 0:
                ax.set_ylabel(metric_label(metric, lang) + " (%)")
    axes[0][0].legend(loc="best", fontsize=7, frameon=False)
    fig.suptitle(t("city.attributes_title", lang, n=len(communities)), x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def _titles(geography: Geography | None, lang: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """What the figures call each community and each street (district · street): the places'
    titles in `lang` when the run's geography is given (`title:` in a city scenario), else names."""
    if geography is None:
        return {}, {}
    communities = {c.name: c.place.shown(lang) for c in geography.communities}
    streets = {(c.district, c.street): street_title(c.district_place, c.street_place, lang) for c in geography.communities}
    return communities, streets


def heatmap_figure(communities: pd.DataFrame, lang: str = "en", metric: str = "resolution_rate",
                   geography: Geography | None = None) -> Figure:
    """Communities (columns) of each street (rows), coloured by a metric."""
    streets = list(dict.fromkeys(zip(communities["district"], communities["street"])))
    width = int(communities.groupby(["district", "street"], sort=False).size().max())
    grid = np.full((len(streets), width), np.nan)
    for r, (d, s) in enumerate(streets):
        values = communities.loc[(communities["district"] == d) & (communities["street"] == s), metric].to_numpy()
        grid[r, : len(values)] = values * 100
    fig = Figure(figsize=(max(9, 0.5 * width + 4), max(3.5, 0.3 * len(streets) + 1.8)), dpi=120)
    ax = fig.subplots()
    # a cell per community, drawn as a mesh: an image would be resampled to the figure's pixels
    # in floating point (some 50 MB for a city of 36 streets, its run folder's peak memory)
    image = ax.pcolormesh(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=np.nanmin(grid), vmax=np.nanmax(grid))
    ax.invert_yaxis()  # the first street on top, as in the tables
    street_titles = _titles(geography, lang)[1]
    ax.set_yticks(np.arange(len(streets)) + 0.5, [street_titles.get((d, s)) or street_title(Place(d), Place(s), lang) for d, s in streets],
                  fontsize=7 if len(streets) > 12 else 9)
    ax.set_xticks(np.arange(width) + 0.5, [str(i + 1) for i in range(width)], fontsize=8)
    ax.set_xlabel(t("city.community_in_street", lang))
    bar = fig.colorbar(image, ax=ax, fraction=0.03)
    bar.set_label(metric_label(metric, lang) + " (%)")
    if width * len(streets) <= 400:  # small enough to print each community's value
        for (r, c), v in np.ndenumerate(grid):
            if not np.isnan(v):
                ax.text(c + 0.5, r + 0.5, f"{v:.0f}", ha="center", va="center", fontsize=7, color="#222222")
    fig.suptitle(t("city.heatmap_title", lang, metric=metric_label(metric, lang)), x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def escalations_figure(communities: pd.DataFrame, lang: str = "en", top: int = 15, geography: Geography | None = None) -> Figure:
    """The communities that account for most escalations beyond the community, with the
    cumulative share of all escalations they account for."""
    levels = ["escalated_to_street", "escalated_to_district", "escalated_to_city", "escalated_to_court"]
    total = communities[levels].sum(axis=1)
    order = total.sort_values(ascending=False, kind="stable").index[:top]
    fig = Figure(figsize=(12, 5), dpi=120)
    ax = fig.subplots()
    bottom = np.zeros(len(order))
    colours = ["#f4a261", "#e76f51", "#c1121f", "#6a040f"]
    for level, colour in zip(levels, colours):
        values = communities.loc[order, level].to_numpy()
        ax.bar(range(len(order)), values, bottom=bottom, color=colour, label=t(f"city.{level}", lang))
        bottom += values
    ax.set_ylim(0, max(1.0, bottom.max()) * 1.15)  # room for the legend
    titles = _titles(geography, lang)[0]
    ax.set_xticks(range(len(order)), [titles.get(c, c) for c in communities.loc[order, "community"]],
                  rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(t("city.escalations_axis", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of cases
    share = np.cumsum(total[order].to_numpy()) / max(1, total.sum()) * 100
    twin = ax.twinx()
    twin.plot(range(len(order)), share, color="#333333", marker="o", markersize=3, label=t("city.cumulative_share", lang))
    twin.set_ylim(0, 100)
    twin.set_ylabel(t("city.cumulative_share", lang) + " (%)")
    ax.legend(loc="upper center", ncols=4, frameon=False, fontsize=8)
    ax.set_title(t("city.escalations_title", lang, top=len(order)), loc="left", fontweight="bold")
    ax.spines[["top"]].set_visible(False)
    fig.tight_layout()
    return fig


def mark_timeline(fig: Figure, events: list[tuple[int, str]], lang: str = "en") -> Figure:
    """A city figure shows the end of the run: a footnote below the plots lists the timeline
    entries that led there (day and label), so a reader knows what changed during it."""
    if not events:
        return fig
    text = t("city.timeline_note", lang, entries="; ".join(f"{t('city.day', lang, day=d)} {label}" for d, label in events))
    width, height = fig.get_size_inches()
    lines = textwrap.wrap(text, width=int(width * 14))  # about 14 characters of 8-point text per inch
    extra = 0.18 * len(lines) + 0.15
    fig.set_size_inches(width, height + extra)
    fig.tight_layout(rect=(0, extra / (height + extra), 1, 1))
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=8, color="#555555", ha="left", va="bottom")
    return fig

"""The event ticker: case-log events in plain words, in the page's language.

`Session` reads the case log into language-free `TickerItem`s; this module words them with the
catalogues (`workshop.ticker_line.*`, `dispute.category_short.*`, `dispute.channel.*`,
`dispute.resolved_by.*`), e.g. "Day 37 — parking dispute in building 5 resolved at the joint
meeting" / "第37天 — 5号楼的停车纠纷在党建联席会议上化解".
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import ipyvuetify as v
import solara
import traitlets

from ..disputes.ladder import CHANNEL_NAMES, Channel
from ..i18n import t
from ..scenario.timeline import entry_label
from .session import Line, TickerItem

#: a mark and a colour per kind of line, so the room can read the ticker at a glance
MARKS = {
    "reported": ("●", "#1f5fa8"),
    "spotted": ("●", "#1f5fa8"),
    "noticed_red_cell": ("●", "#c0392b"),
    "red_cell_helps": ("♥", "#c0392b"),
    "resolved": ("✔", "#1e8449"),
    "on_the_spot": ("✔", "#1e8449"),
    "escalated": ("▲", "#c0392b"),
    "misrouted": ("↻", "#b9770e"),
    "gave_up": ("✖", "#6b6b6b"),
    "gave_up_waiting": ("✖", "#6b6b6b"),
    "handover": ("⇄", "#b9770e"),
    "change": ("◆", "#7b3fa0"),
}


def sentence(item: TickerItem, lang: str) -> str:
    """The ticker line of one event, without its day."""
    if item.kind == Line.CHANGE:
        return t("workshop.ticker_line.change", lang, label=entry_label(item.change, lang))
    place = (t("workshop.ticker_line.place_in", lang, community=item.community.shown(lang), building=item.building)
             if item.community else t("workshop.ticker_line.place", lang, building=item.building))
    fields = {"place": place, "category": t(f"dispute.category_short.{item.category}", lang)}
    if item.kind == Line.RESOLVED:
        fields["by"] = t(f"dispute.resolved_by.{item.channel or 'self'}", lang)
    if item.kind == Line.ESCALATED:
        fields["to"] = t(f"dispute.channel.{item.channel}", lang)
    text = t(f"workshop.ticker_line.{item.kind}", lang, **fields)
    return text[:1].upper() + text[1:] if lang == "en" else text


def line(item: TickerItem, lang: str) -> str:
    """"Day 37 — parking dispute in building 5 resolved at the joint meeting"."""
    return f"{t('workshop.ticker_day', lang, day=item.day)} — {sentence(item, lang)}"


class Show(StrEnum):
    """What the ticker shows: every line, or the lines of one kind of story."""

    ALL = "all"
    ESCALATIONS = "escalations"
    JOINT_MEETINGS = "joint_meetings"
    BUILDING = "building"


def shown(items: tuple[TickerItem, ...], show: Show = Show.ALL, building: int | None = None) -> list[TickerItem]:
    """The lines a filter keeps, newest first (searching the whole scrollback)."""
    if show == Show.ESCALATIONS:
        return [i for i in items if i.kind == Line.ESCALATED]
    if show == Show.JOINT_MEETINGS:
        return [i for i in items if i.channel == CHANNEL_NAMES[Channel.JOINT_MEETING]]
    if show == Show.BUILDING:
        return [i for i in items if i.dispute >= 0 and i.building == building]
    return list(items)


def ticker_lines(items: list[TickerItem], lang: str, rows: int) -> list[dict]:
    """What the ticker view draws: one plain dict per line (`dispute` -1: not clickable)."""
    out = []
    for k, item in enumerate(items[:rows]):
        mark, colour = MARKS.get(item.kind, ("•", "#444"))
        out.append({"key": f"{item.day}-{item.dispute}-{item.kind}-{k}", "kind": str(item.kind), "mark": mark, "colour": colour,
                    "day": t("workshop.ticker_day", lang, day=item.day), "text": sentence(item, lang), "dispute": item.dispute})
    return out


class TickerView(v.VuetifyTemplate):
    """The ticker's lines; a click on a dispute's line reports it in `picked` ("id:n", n counts
    clicks, so clicking the same line twice is seen twice)."""

    template = traitlets.Unicode("""
<template>
  <div class="cg-ticker">
    <span class="cg-h3">{{ title }}</span>
    <span v-if="!lines.length" class="cg-muted">{{ empty }}</span>
    <div class="cg-ticker-lines">
      <div v-for="l in lines" :key="l.key" :class="['cg-ticker-line', 'cg-ticker-' + l.kind, l.dispute >= 0 ? 'cg-ticker-link' : '']"
           :title="l.dispute >= 0 ? hint : ''" @click="l.dispute >= 0 && pick(l.dispute)">
        <span class="cg-ticker-mark" :style="{color: l.colour}">{{ l.mark }}</span>
        <span class="cg-ticker-day">{{ l.day }}</span>
        <span class="cg-ticker-text">{{ l.text }}</span>
      </div>
    </div>
  </div>
</template>
<script>
module.exports = { methods: { pick(id) { this.clicks += 1; this.picked = id + ":" + this.clicks; } }, data() { return { clicks: 0 }; } };
</script>""").tag(sync=True)
    lines = traitlets.List([]).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    empty = traitlets.Unicode("").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)
    picked = traitlets.Unicode("").tag(sync=True)


@solara.component
def Ticker(items: tuple[TickerItem, ...], lang: str, rows: int = 8, title: str | None = None,
           on_pick: Callable[[int], None] | None = None, show: Show = Show.ALL, building: int | None = None,
           empty_key: str = "workshop.ticker_empty"):
    """The newest events first, one line each; a click on a dispute's line follows it. `empty_key`:
    what an empty ticker says (how to start this page's run)."""

    def picked(value: str):
        if value and on_pick is not None:
            on_pick(int(value.split(":")[0]))

    lines = ticker_lines(shown(items, show, building), lang, rows)
    empty = t("workshop.journey.none_shown" if items else empty_key, lang)
    TickerView.element(lines=lines, title=title or t("workshop.ticker", lang), empty=empty,
                       hint=t("workshop.journey.help", lang), on_picked=picked)


__all__ = ["MARKS", "Show", "Ticker", "TickerView", "line", "sentence", "shown", "ticker_lines"]

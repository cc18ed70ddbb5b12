"""The event ticker: case-log events in plain words, in the page's language.

`Session` reads the case log into language-free `TickerItem`s; this module words them with the
catalogues (`workshop.ticker_line.*`, `dispute.category_short.*`, `dispute.channel.*`,
`dispute.resolved_by.*`), e.g. "Day 37 — parking dispute in building 5 resolved at the joint
meeting" / "第37天 — 5号楼的停车纠纷在党建联席会议上化解".
"""

from __future__ import annotations

from html import escape

import solara

from ..i18n import t
from ..scenario.timeline import entry_label
from .session import TickerItem

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
    if item.kind == "change":
        return t("workshop.ticker_line.change", lang, label=entry_label(item.change, lang))
    place = (t("workshop.ticker_line.place_in", lang, community=item.community, building=item.building)
             if item.community else t("workshop.ticker_line.place", lang, building=item.building))
    fields = {"place": place, "category": t(f"dispute.category_short.{item.category}", lang)}
    if item.kind == "resolved":
        fields["by"] = t(f"dispute.resolved_by.{item.channel or 'self'}", lang)
    if item.kind == "escalated":
        fields["to"] = t(f"dispute.channel.{item.channel}", lang)
    text = t(f"workshop.ticker_line.{item.kind}", lang, **fields)
    return text[:1].upper() + text[1:] if lang == "en" else text


def line(item: TickerItem, lang: str) -> str:
    """"Day 37 — parking dispute in building 5 resolved at the joint meeting"."""
    return f"{t('workshop.ticker_day', lang, day=item.day)} — {sentence(item, lang)}"


def ticker_html(items: tuple[TickerItem, ...], lang: str, rows: int, title: str) -> str:
    out = [f'<div class="cg-ticker"><span class="cg-h3">{escape(title)}</span>']
    if not items:
        out.append(f'<span class="cg-muted">{escape(t("workshop.ticker_empty", lang))}</span>')
    for item in items[:rows]:
        mark, colour = MARKS.get(item.kind, ("•", "#444"))
        out.append(f'<div class="cg-ticker-line cg-ticker-{item.kind}"><span class="cg-ticker-mark" style="color:{colour}">{mark}</span>'
                   f'<span class="cg-ticker-day">{escape(t("workshop.ticker_day", lang, day=item.day))}</span>'
                   f'<span class="cg-ticker-text">{escape(sentence(item, lang))}</span></div>')
    out.append("</div>")
    return "".join(out)


@solara.component
def Ticker(items: tuple[TickerItem, ...], lang: str, rows: int = 8, title: str | None = None):
    """The newest events first, one line each (one block of HTML: cheap to update every frame)."""
    solara.HTML(tag="div", unsafe_innerHTML=ticker_html(items, lang, rows, title or t("workshop.ticker", lang)),
                style={"flex": "1 1 300px", "min-width": "280px"})


__all__ = ["MARKS", "Ticker", "line", "sentence", "ticker_html"]

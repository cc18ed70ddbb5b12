"""Following one dispute: its journey up the ladder in plain words, in the page's language.

`Session` reads the journey from the case log (`Sim.journey`, language-free); this module words
each step with the catalogues (`workshop.journey.step.<event>` or `<event>_<detail>` where the
detail changes the story, `dispute.channel.*`), and adds the waits and the outcome, e.g.
"Day 15 — reported to the residents' committee's mediators", "Day 23 — resolved by the joint
party-building meeting", "Resolved after 9 days".
"""

from __future__ import annotations

import math
from html import escape

from ..disputes.book import Detail, Event, Status
from ..disputes.ladder import CHANNEL_NAMES
from ..i18n import t
from .session import Journey

#: events whose detail tells a different story (a key `<event>_<detail>` in the catalogue)
TOLD_BY_DETAIL = {
    Event.NEGOTIATE: (Detail.RED_CELL_HELPS, Detail.CHOSEN),
    Event.NOTICE: (Detail.REPORTED, Detail.GRID_WORKER, Detail.RED_CELL, Detail.CHOSEN),
    Event.ROUTE: (Detail.ESCALATED, Detail.ON_THE_SPOT, Detail.HANDOVER),
    Event.ESCALATE: (Detail.CHOSEN,),
    Event.ABANDON: (Detail.GAVE_UP_WAITING, Detail.NO_CHANNEL, Detail.CHOSEN),
    Event.LUMP: (Detail.CHOSEN,),
}
OPEN_STATUS = {Status.LATENT: "latent", Status.NEGOTIATING: "negotiating", Status.WAITING: "waiting",
               Status.IN_SERVICE: "in_service"}


def step_key(event: Event, detail: Detail) -> str:
    name = event.name.lower()
    return f"{name}_{detail.name.lower()}" if detail in TOLD_BY_DETAIL.get(event, ()) else name


def journey_lines(j: Journey, lang: str) -> list[tuple[int, str]]:
    """(day, sentence) for every step, the day counted from 1 as in the ticker."""
    out: list[tuple[int, str]] = []
    queued: float | None = None
    for step in j.steps:
        channel = t(f"dispute.channel.{CHANNEL_NAMES[step.channel]}", lang) if step.channel >= 0 else ""
        text = t(f"workshop.journey.step.{step_key(step.event, step.detail)}", lang, channel=channel)
        if step.event == Event.ENQUEUE:
            queued = step.time
        elif step.event == Event.START and queued is not None:
            text += ", " if lang == "en" else "，"
            text += t("workshop.journey.waited", lang, days=_days(step.time - queued))
            queued = None
        out.append((math.floor(step.time) + 1, text[:1].upper() + text[1:] if lang == "en" else text))
    return out


def outcome(j: Journey, lang: str) -> str:
    """Where the dispute stands: open (and how), or how it closed and after how long."""
    start = j.steps[0].time if j.steps else 0.0
    end = j.steps[-1].time if j.status >= Status.RESOLVED and j.steps else float(j.today)
    days = _days(end - start)
    if j.status == Status.RESOLVED:
        return t("workshop.journey.outcome_resolved", lang, days=days)
    if j.status == Status.ABANDONED:
        lumped = bool(j.steps) and j.steps[-1].event == Event.LUMP
        return t("workshop.journey.outcome_lumped" if lumped else "workshop.journey.outcome_abandoned", lang, days=days)
    return t("workshop.journey.outcome_open", lang, days=days,
             status=t(f"workshop.journey.status.{OPEN_STATUS[j.status]}", lang))


def day_text(day: int, lang: str) -> str:
    """"Day 3", or for a step of the warm-up before day 1 (a dispute carried in), "2 days before day 1"."""
    return t("workshop.ticker_day", lang, day=day) if day >= 1 else t("workshop.ticker_day_before", lang, days=1 - day)


def _days(d: float) -> str:
    return f"{d:.0f}" if d >= 1 or d == 0 else f"{d:.1f}"


#: where a dispute stands after each kind of event (for a journey cut at a past day, as in a debrief)
STATUS_AFTER = {Event.ARISE: Status.LATENT, Event.NEGOTIATE: Status.NEGOTIATING, Event.START: Status.IN_SERVICE,
                Event.RESOLVE: Status.RESOLVED, Event.ABANDON: Status.ABANDONED, Event.LUMP: Status.ABANDONED}


def status_after(steps) -> Status:
    """The status a dispute had after `steps` (waiting, between a notice and a start)."""
    return STATUS_AFTER.get(steps[-1].event, Status.WAITING) if steps else Status.LATENT


def journey_html(j: Journey, label: str, lang: str) -> str:
    """The journey as HTML: `label` (which run it is in, e.g. "A") before its title."""
    place = (t("workshop.ticker_line.place_in", lang, community=j.community.shown(lang), building=j.building)
             if j.community else t("workshop.ticker_line.place", lang, building=j.building))
    title = t("workshop.journey.title", lang, category=t(f"dispute.category_short.{j.category}", lang), place=place,
              dispute=j.dispute)
    rows = "".join(f'<div class="cg-journey-step"><span class="cg-ticker-day">{escape(day_text(day, lang))}</span>'
                   f'<span>{escape(text)}</span></div>' for day, text in journey_lines(j, lang))
    return (f'<div class="cg-journey-head"><span class="cg-h3">{escape(label)} · {escape(title)}</span></div>'
            f'{rows}<div class="cg-journey-outcome">{escape(outcome(j, lang))}</div>')


__all__ = ["day_text", "journey_html", "journey_lines", "outcome", "status_after", "step_key"]

"""The debrief page: the session replayed from its log, scrubbed day by day beside the
counterfactual, with every decision marked on the charts, and one dispute followed up the ladder.

Both worlds are replayed once when the page opens, keeping each day's map and ticker, so moving
the day slider only picks what was kept.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass

import numpy as np
import solara

from ..disputes.book import Detail, Event, Step
from ..i18n import t
from ..metrics import METRICS
from ..scenario.schema import CATEGORIES
from ..webapp.charts import Charts, Tiles
from ..webapp.inputs import HeldInput, whole_number
from ..webapp.mapview import Colouring, CommunityMap, MapLegend
from ..webapp.journey import journey_html, status_after
from ..webapp.session import Frame, Journey, MapData, Sim, SimFrame, TickerItem
from ..webapp.ticker import Ticker
from .debrief import Replayer, read_session
from .room import Room


@dataclass(frozen=True)
class World:
    """One replayed world: its final frame and, for every day, its map and ticker."""

    final: SimFrame
    maps: tuple[MapData, ...]  # index d: after d days
    tickers: tuple[tuple[TickerItem, ...], ...]
    journeys: dict[int, tuple[Step, ...]]  # dispute → its steps through the case log
    categories: np.ndarray
    buildings: np.ndarray
    escalations: np.ndarray

    def at(self, day: int) -> SimFrame:
        f = self.final
        day = max(0, min(day, f.day))
        series = {k: v[:day] for k, v in f.series.items()}
        headline = {k: float(series[k][-1]) if day and k in series else math.nan for k in METRICS.headline()}
        return dataclasses.replace(f, day=day, series=series, headline=headline, map=self.maps[day], ticker=self.tickers[day],
                                   changes=tuple(e for e in f.changes if e.day <= day))


def replay_world(replayer: Replayer, days: int) -> World:
    sim: Sim = replayer.to_day(0)
    c = replayer.record.community
    maps, tickers = [sim.map_data(c)], [tuple(sim.ticker)]
    for d in range(1, days + 1):
        sim = replayer.to_day(d)
        maps.append(sim.map_data(c))
        tickers.append(tuple(sim.ticker))
    m = sim.model
    b = m.disputes.book
    journeys: dict[int, list[Step]] = {}
    for k in range(len(b.log_id)):
        journeys.setdefault(int(b.log_id[k]), []).append(
            Step(b.log_time[k], Event(b.log_event[k]), b.log_channel[k], Detail(b.log_detail[k])))
    first = m.geography.communities[c].building_offset
    return World(sim.frame(c), tuple(maps), tuple(tickers), {i: tuple(j) for i, j in journeys.items()},
                 np.asarray(b.category).copy(), (m.population.building[b.complainant] - first + 1).copy(),
                 np.asarray(b.escalations).copy())


def journey_at(world: World, dispute: int, day: int) -> Journey:
    """Dispute `dispute` as it stood after `day` days (the steps before then)."""
    steps = tuple(st for st in world.journeys.get(dispute, ()) if st.time < day)
    return Journey(dispute=dispute, category=CATEGORIES[int(world.categories[dispute])], community=None,
                   building=int(world.buildings[dispute]), status=status_after(steps), steps=steps, today=day)


@solara.component
def Debrief(room: Room, on_back):
    L = room.lang
    worlds, set_worlds = solara.use_state(None)
    day, set_day = solara.use_state(0)
    dispute, set_dispute = solara.use_state(-1)

    def build(cancel: threading.Event):
        with room.lock:
            room.save()
        rec = read_session(room.folder)
        a = replay_world(Replayer(rec), rec.day)
        b = replay_world(Replayer(rec, decisions=False), rec.day)
        if not cancel.is_set():
            set_worlds((a, b))
            set_day(rec.day)
            set_dispute(int(np.argmax(a.escalations)) if len(a.escalations) else -1)

    solara.use_thread(build, dependencies=[room.code], intrusive_cancel=False)
    with solara.Column(classes=["cg-root", "cr-debrief"], gap="0px"):
        with solara.Row(classes=["cg-header"], gap="16px", justify="space-between"):
            solara.Text(f"{t('classroom.debrief.title', L)} · {room.code}", classes=["cg-title"])
            solara.Button(t("classroom.console.title", L), on_click=on_back, small=True, outlined=True, classes=["cg-lang", "cr-back"])
        if worlds is None:
            with solara.Row(gap="10px", style={"align-items": "center", "padding": "16px"}):
                solara.SpinnerSolara(size="40px")
                solara.Text(t("workshop.building_models", L), classes=["cg-h3"])
            return
        a, b = worlds
        fa, fb = a.at(day), b.at(day)
        frame = Frame(day, fa, fb, None)
        names = (t("classroom.session", L), t("classroom.counterfactual", L))
        with solara.Column(classes=["cg-main"], gap="6px", style={"height": "auto"}):
            with solara.Row(gap="10px", style={"align-items": "center"}, classes=["cr-debrief-day"]):
                solara.Text(t("classroom.debrief.on_day", L, day=day), classes=["cg-day", "cr-scrub-day"])
                with solara.Column(classes=["cr-scrub"], style={"flex": "1 1 auto"}):
                    # no bubble over the thumb: the day is written beside the slider
                    solara.SliderInt("", value=day, min=0, max=a.final.day, on_value=set_day, step=1, thumb_label=False)
            Tiles(frame, L, against=names[1])  # the room's effect: this room − the model's own, as the report
            MapLegend(Colouring.TRUST, L)  # the maps below: the console's colouring
            with solara.Row(classes=["cg-live-row"], gap="10px"):
                for side, world_frame, name in (("a", fa, names[0]), ("b", fb, names[1])):
                    with solara.Column(gap="6px", style={"flex": "1 1 420px", "min-width": "320px"}):
                        # the session's disputes can be followed from its map and ticker (the
                        # counterfactual's are other disputes under the same numbers)
                        pick = (lambda i: set_dispute(int(i))) if side == "a" else None
                        CommunityMap(world_frame.map, Colouring.TRUST, name, side, on_dispute=pick).key(f"map-{side}-{day}")  # a day's own map
                        Ticker(world_frame.ticker, L, rows=6, title=f"{t('workshop.ticker', L)} · {name}", on_pick=pick)
            with solara.Column(classes=["cg-section", "cr-journey"], gap="4px"):
                solara.Text(t("classroom.debrief.follow", L), classes=["cg-h3"])
                if dispute < 0:
                    solara.Text(t("classroom.debrief.no_dispute", L), classes=["cg-muted"])
                else:
                    HeldInput("#", value=str(dispute), classes=["cr-dispute"],
                              on_commit=lambda s: set_dispute(int(np.clip(n, 0, len(a.escalations) - 1))) if (n := whole_number(s)) is not None else None)
                    solara.HTML(tag="div", classes=["cr-journey-lines"],
                                unsafe_innerHTML=journey_html(journey_at(a, dispute, day), names[0], L))
            Charts(frame, L, False, names)


__all__ = ["Debrief", "World", "journey_at", "replay_world"]

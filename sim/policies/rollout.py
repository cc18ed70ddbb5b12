"""Policies that change mid-run: a scenario's timeline entries, and `model.apply`, which is the
same thing done between steps.

An entry applies at the start of its day, before anything else happens that day. It changes the
settings of the communities it targets (`sim.scenario.timeline` says which settings may change),
then brings the institutions in line with them:

* what comes into existence is built then: grid workers hired and given their grids, mediators
  and professionals taken on, social organisations incubated, a property company or an owners'
  committee formed, red-cell volunteers enrolled, joint meetings held from the next meeting day;
* what is removed retires without losing a case: the cases waiting for a channel that closes
  (queued, or on their way to it) are handed over (a ``handover`` event) and routed again from
  the same rung, or abandoned if no channel is open at that rung or above; cases in service are
  finished by the people working them. A property company that leaves hands over every case at
  its desk, in service included, because nobody is left to finish them.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from ..disputes.book import Detail, Event
from ..disputes.ladder import RUNG, Channel
from ..disputes.process import joint_phase
from ..scenario.loader import ScenarioError
from ..scenario.schema import DisputeSpec, Policies, Site, TimelineEntry
from ..scenario.timeline import (
    COMMUNITY_HANDLERS, PLACE_OF_HANDLER, Change, applied, changes, places, target_communities, timeline_problems,
)
from .effects import Effects

if TYPE_CHECKING:
    from ..model import CoGovModel

SPEC_OF = {"property_desk": Channel.PROPERTY_DESK, "mediation": Channel.MEDIATION, "joint_meeting": Channel.JOINT_MEETING,
           "professional": Channel.PROFESSIONAL, "street": Channel.STREET, "district": Channel.DISTRICT,
           "city_hotline": Channel.CITY_HOTLINE, "court": Channel.COURT}


class Timeline:
    """A model's timeline: the entries still to come, and those applied (scenario and `apply`)."""

    def __init__(self, model: CoGovModel):
        self.model = model
        self.pending = deque(sorted(model.config.timeline, key=lambda e: e.day))
        self.applied: list[TimelineEntry] = []

    def apply_due(self, day: int) -> None:
        """Apply every entry due by the start of `day`, in day order (file order within a day)."""
        while self.pending and self.pending[0].day <= day:
            entry = self.pending.popleft()
            apply_entry(self.model, entry)
            self.applied.append(entry)

    def check(self, entry: TimelineEntry):
        """The resolved scenario with `entry` added, checked as a scenario's timeline would be
        (ScenarioError, one line, for the first problem); nothing is applied."""
        m = self.model
        config = m.config.model_copy(update={"timeline": [*m.config.timeline, entry]})
        mine = ("timeline", len(config.timeline) - 1)
        problems = [p for p in timeline_problems(config) if p.loc[:2] == mine]
        if problems:
            p = problems[0]
            raise ScenarioError(f"{'.'.join(str(x) for x in ('apply',) + p.loc[2:])}: {p.message}")
        return config

    def add(self, entry: TimelineEntry) -> TimelineEntry:
        """Check a new entry for today as a scenario's timeline would be checked, apply it after
        the scenario's own entries for today, and write it into the model's resolved scenario."""
        m = self.model
        config = self.check(entry)
        self.apply_due(entry.day)
        apply_entry(m, entry)
        self.applied.append(entry)
        m.config = config
        return entry


def apply_entry(model: CoGovModel, entry: TimelineEntry) -> None:
    """Make the entry's changes in the communities it targets, then rebuild what they touch."""
    where = target_communities(entry, places(model.config))
    assert isinstance(where, list), where  # checked when the scenario (or `apply`) was validated
    touched: dict[int, set[str]] = {c: set() for c in where}
    handler_changes: list[Change] = []
    for change in changes(entry):
        assert isinstance(change, Change), change
        if change.section == "handlers":
            handler_changes.append(change)
            continue
        for c in where:
            if change.section == "site":
                model.sites[c] = Site.model_validate(applied(model.sites[c].model_dump(mode="json", by_alias=True), change))
            elif change.section == "policies":
                model.policies[c] = Policies.model_validate(applied(model.policies[c].model_dump(mode="json", by_alias=True), change))
            else:
                model.dispute_specs[c] = DisputeSpec.model_validate(applied(model.dispute_specs[c].model_dump(mode="json"), change))
            touched[c].add(change.dotted)
    time = float(entry.day)
    for c in where:
        if touched[c]:
            _rearrange(model, c, touched[c], time)
    for change in handler_changes:
        _change_handlers(model, change, where if entry.targets()[0] else None, time)
    pop = model.population
    model.red_cells_in_building = np.bincount(pop.building[pop.red_cell], minlength=model.geography.n_buildings)


def _rearrange(model: CoGovModel, c: int, touched: set[str], time: float) -> None:
    """Bring community `c`'s institutions in line with its new settings (`touched`: the dotted
    paths that changed)."""
    old, fx = model.effects[c], Effects.from_policies(model.policies[c])
    model.effects.set(c, fx)
    site, d = model.sites[c], model.disputes
    handlers = d.community_handlers[c]

    def changed(prefix: str) -> set[str]:
        return {k.split(".")[2] for k in touched if k.startswith(prefix) and k.count(".") >= 2} | (
            {"*"} if any(k.startswith(prefix) and k.count(".") < 2 for k in touched) else set())

    # the party organisation: secretary, effort, red-cell volunteers (S3)
    model.party_orgs[c].arrange(site, fx)
    model.party_orgs[c].enrol_volunteers(fx.red_cell_share)
    # the residents' committee and its mediators (site; S3 multi-channel)
    rc = model.committees[c]
    rc.arrange(site, fx)
    _staff(d, handlers[Channel.MEDIATION], len(rc.mediators), c, time)
    # grid workers (S3): rehired when the lever or its staffing changes
    if (old.grid_management, old.households_per_grid_worker, old.patrol_interval) != (
            fx.grid_management, fx.households_per_grid_worker, fx.patrol_interval):
        for gw in rc.grid_workers:
            model.grid_workers.remove(gw)
            gw.remove()
        rc.grid_workers = []
        if fx.grid_management:
            model.staff_grids(c)
    # the property company and its desk
    company = model.property_companies[c]
    was_present = company.present
    company.arrange(site.property_company, fx, changed("site.property_company"))
    if was_present and not company.present:
        d.close_property_desk(c, time)
    else:
        _staff(d, handlers[Channel.PROPERTY_DESK], company.staff if company.present else 0, c, time)
    # the owners' committee
    model.owners_committees[c].arrange(site.owners_committee, changed("site.owners_committee"))
    # social organisations (site; S4 incubation) and co-located units (site; S4 enterprises)
    if touched & {"site.social_organisations"} or (old.incubated_orgs, old.incubated_capacity, old.incubated_funding) != (
            fx.incubated_orgs, fx.incubated_capacity, fx.incubated_funding):
        for o in model.social_organisations[c]:
            o.remove()
        model.social_organisations[c] = model.organisations_of(c)
    if touched & {"site.co_located_units"} or (old.enterprise_money, old.enterprise_hours) != (fx.enterprise_money, fx.enterprise_hours):
        for u in model.co_located_units[c]:
            u.remove()
        model.co_located_units[c] = model.units_of(c)
    _staff(d, handlers[Channel.PROFESSIONAL], d.professionals(c), c, time)
    # joint meetings (S1, S3): held from the next meeting day, or stopped
    joint = handlers[Channel.JOINT_MEETING]
    if fx.joint_interval != joint.interval:
        joint.interval, joint.phase = fx.joint_interval, joint_phase(c, fx.joint_interval)
    _staff(d, joint, fx.joint_cases if fx.joint_meetings else 0, c, time)
    # dispute rates (a storm, a campaign)
    d.base_rates[c] = d.rates_of(c, model.dispute_specs[c])


def _staff(d, handler, servers: int, community: int, time: float) -> None:
    """Set a community channel's servers; a channel that closes hands its waiting cases over."""
    if servers == handler.servers:
        return
    handler.set_servers(servers, time)
    if servers == 0:
        for i in handler.hand_over():
            d.book.log(i, time, Event.HANDOVER, handler.channel, Detail.HANDOVER)
            d.route(i, RUNG[handler.channel], time, Detail.HANDOVER)


def _change_handlers(model: CoGovModel, change: Change, where: list[int] | None, time: float) -> None:
    """A new way of working (work time, success, hand-off) or capacity for one kind of handler,
    in the places the entry targets (everywhere when `where` is None)."""
    kind, rest = change.path[0], change.path[1:]
    d = model.disputes
    channel = SPEC_OF[kind]
    communities = range(len(model.geography.communities)) if where is None else where
    if kind in COMMUNITY_HANDLERS:
        targets = [d.community_handlers[c][channel] for c in communities]
    elif PLACE_OF_HANDLER[kind] == "street":
        targets = [d.street_handlers[s] for s in sorted({model.geography.communities[c].street_index for c in communities})]
    elif PLACE_OF_HANDLER[kind] == "district":
        targets = [d.district_handlers[x] for x in sorted({model.geography.communities[c].district_index for c in communities})]
    else:
        targets = [d.hotline if kind == "city_hotline" else d.court]
    for h in targets:
        spec_type = type(h.spec)
        h.spec = spec_type.model_validate(applied(h.spec.model_dump(mode="json"), Change("handlers", rest, change.value, change.scale)))
        if hasattr(h.spec, "servers"):
            h.set_servers(h.spec.servers, time)


__all__ = ["Timeline", "apply_entry"]

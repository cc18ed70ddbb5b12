"""The classroom's roles and what each may decide, as changes to the model's settings.

Every decision, and every event the facilitator injects, becomes one `CoGovModel.apply` call
(a timeline entry on that day: the same code path as a scenario's timeline), in the community
the room plays. A role that decides nothing in a round leaves the settings as they stand: the
model's own behaviour goes on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from ..disputes.choices import AFTER_FAILURE, FOR_NEW_DISPUTES, Choice, HouseholdRule
from ..disputes.ladder import Channel, Institution

if TYPE_CHECKING:
    from ..model import CoGovModel


class Role(str, Enum):
    """Who a participant plays. FACILITATOR is the trainer (events), never a participant's role."""

    PARTY_SECRETARY = "party_secretary"
    COMMITTEE_DIRECTOR = "committee_director"
    GRID_WORKER = "grid_worker"
    PROPERTY_MANAGER = "property_manager"
    OWNERS_CHAIR = "owners_committee_chair"
    SOCIAL_ORG_LEAD = "social_organisation_lead"
    STREET_OFFICE = "street_office"
    RESIDENT = "resident_household"
    FACILITATOR = "facilitator"


#: the roles participants play, in the order they are handed out (residents take the rest)
PLAYED = tuple(r for r in Role if r is not Role.FACILITATOR)
INSTITUTIONAL = tuple(r for r in PLAYED if r is not Role.RESIDENT)


class Decision(str, Enum):
    JOINT_MEETINGS = "joint_meetings"
    MOBILISATION = "mobilisation_effort"
    MEDIATORS = "mediators"
    SERVICE_EVENTS = "service_centre_events"
    PATROL = "patrol_interval"
    FEE = "monthly_fee"
    RESPONSIVENESS = "responsiveness"
    ASSEMBLY = "assembly_interval"
    INCUBATE = "incubate_organisations"
    SEND_MEDIATORS = "mediators_sent_down"
    # a resident household's, for its building (values: Choice codes; take part 1, stay away 0):
    # what to do with one open dispute (the log's `dispute` column), and for the round: with each
    # new dispute, after a channel fails, and with the activities offered
    HANDLE_DISPUTE = "handle_dispute"
    NEW_DISPUTES = "new_disputes"
    AFTER_FAILURE = "after_failure"
    TAKE_PART = "take_part"
    # the facilitator's events
    PROPERTY_LEAVES = "property_leaves"
    FEE_RISE = "fee_rise"
    STORM = "storm"
    STORM_ENDS = "storm_ends"
    # a role that decided nothing by the deadline (logged; the model's own behaviour goes on; a
    # household's participation goes back to its own rule)
    FALLBACK = "model_behaviour"


EVENTS = (Decision.PROPERTY_LEAVES, Decision.FEE_RISE, Decision.STORM)
#: a storm multiplies the maintenance dispute rate by this for STORM_DAYS days
STORM_FACTOR = 4.0
STORM_DAYS = 10
FEE_RISE_FACTOR = 1.5


@dataclass(frozen=True)
class Spec:
    """One decision: who makes it, its range and step, and the settings it sets."""

    decision: Decision
    role: Role
    low: float
    high: float
    step: float
    whole: bool  # a whole number (people, days, cases)

    def check(self, value: Any) -> float:
        """The value as the model takes it, or ValueError naming the range."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{self.decision.value}: expected a number, found {value!r}")
        if not self.low <= value <= self.high:
            raise ValueError(f"{self.decision.value}: expected {self.low:g}..{self.high:g}, found {value:g}")
        if self.whole and value != int(value):
            raise ValueError(f"{self.decision.value}: expected a whole number, found {value:g}")
        return float(int(value)) if self.whole else float(value)

    @property
    def values(self) -> list[float]:
        """Every value a participant can pick, low to high by `step`."""
        n = int(round((self.high - self.low) / self.step))
        return [round(self.low + k * self.step, 10) for k in range(n + 1)]


SPECS = {s.decision: s for s in (
    Spec(Decision.JOINT_MEETINGS, Role.PARTY_SECRETARY, 0, 20, 1, True),  # cases per monthly meeting; 0: none
    Spec(Decision.MOBILISATION, Role.PARTY_SECRETARY, 0, 1, 0.1, False),
    Spec(Decision.MEDIATORS, Role.COMMITTEE_DIRECTOR, 0, 8, 1, True),  # of the committee's staff
    Spec(Decision.SERVICE_EVENTS, Role.COMMITTEE_DIRECTOR, 0, 20, 1, True),
    Spec(Decision.PATROL, Role.GRID_WORKER, 1, 30, 1, True),  # days between visits of a building
    Spec(Decision.FEE, Role.PROPERTY_MANAGER, 0.5, 6, 0.1, False),  # yuan/m²/month
    Spec(Decision.RESPONSIVENESS, Role.PROPERTY_MANAGER, 0, 1, 0.1, False),
    Spec(Decision.ASSEMBLY, Role.OWNERS_CHAIR, 7, 180, 1, True),  # days between owners' assemblies
    Spec(Decision.INCUBATE, Role.SOCIAL_ORG_LEAD, 0, 10, 1, True),
    Spec(Decision.SEND_MEDIATORS, Role.STREET_OFFICE, 0, 10, 1, True),
    Spec(Decision.HANDLE_DISPUTE, Role.RESIDENT, min(Choice), max(Choice), 1, True),
    Spec(Decision.NEW_DISPUTES, Role.RESIDENT, min(Choice), max(Choice), 1, True),
    Spec(Decision.AFTER_FAILURE, Role.RESIDENT, min(Choice), max(Choice), 1, True),
    Spec(Decision.TAKE_PART, Role.RESIDENT, 0, 1, 1, True),
    Spec(Decision.PROPERTY_LEAVES, Role.FACILITATOR, 1, 1, 1, True),
    Spec(Decision.FEE_RISE, Role.FACILITATOR, FEE_RISE_FACTOR, FEE_RISE_FACTOR, 1, False),
    Spec(Decision.STORM, Role.FACILITATOR, STORM_FACTOR, STORM_FACTOR, 1, False),
    Spec(Decision.STORM_ENDS, Role.FACILITATOR, 1 / STORM_FACTOR, 1 / STORM_FACTOR, 1, False),
)}

#: the decisions of each role, in the order its page shows them
OF_ROLE = {r: tuple(d for d, s in SPECS.items() if s.role is r) for r in Role}
#: a household's decisions: about the model's residents of its building, not a setting
HOUSEHOLD = (Decision.HANDLE_DISPUTE, Decision.NEW_DISPUTES, Decision.AFTER_FAILURE, Decision.TAKE_PART)
#: the choices a household may make for the round, by decision
RULE_CHOICES = {Decision.NEW_DISPUTES: FOR_NEW_DISPUTES, Decision.AFTER_FAILURE: AFTER_FAILURE}
#: the field of HouseholdRule each round decision sets
RULE_FIELD = {Decision.NEW_DISPUTES: "new_disputes", Decision.AFTER_FAILURE: "after_failure", Decision.TAKE_PART: "take_part"}


def apply_decision(sim, decision: Decision, value: float | None, community: int, building: int | None = None,
                   dispute: int | None = None) -> None:
    """Make one logged decision in the world of `sim` now (between steps): the room and the replay
    call this alike. A household's decision goes to the model's residents of its building
    (`CoGovModel.decide`, `decide_for_building`); every other one is a timeline entry."""
    m = sim.model
    if decision is Decision.HANDLE_DISPUTE:
        m.decide(int(dispute), Choice(int(value)))
        return
    if decision in RULE_FIELD or (decision is Decision.FALLBACK and building is not None):
        b = m.geography.communities[community].building_offset + int(building)
        if decision is Decision.FALLBACK:  # the round's rule starts from the households' own
            m.decide_for_building(b, None)
        else:
            was = m.household_rules.get(b, HouseholdRule())
            new = bool(value) if decision is Decision.TAKE_PART else Choice(int(value))
            m.decide_for_building(b, dataclasses.replace(was, **{RULE_FIELD[decision]: new}))
        return
    if value is not None:
        s, sc = changes(decision, value, m, community)
        sim.apply(s, scale=sc, community=m.geography.names[community], label=None)


def changes(decision: Decision, value: float, model: CoGovModel, community: int = 0) -> tuple[dict, dict]:
    """(set, scale) of the timeline entry a decision makes in `community` of `model` now."""
    n = int(value)
    if decision is Decision.JOINT_MEETINGS:
        return ({"policies.joint_meetings.enabled": n > 0, "policies.joint_meetings.cases_per_meeting": n} if n
                else {"policies.joint_meetings.enabled": False}), {}
    if decision is Decision.MOBILISATION:
        return {"site.party.mobilisation_effort": value}, {}
    if decision is Decision.MEDIATORS:
        return {"site.residents_committee.mediators": n}, {}
    if decision is Decision.SERVICE_EVENTS:
        return {"site.residents_committee.service_centre_events_per_month": float(n)}, {}
    if decision is Decision.PATROL:
        return {"policies.grid_management.enabled": True, "policies.grid_management.patrol_interval_days": n}, {}
    if decision is Decision.FEE:
        return {"site.property_company.monthly_fee": value}, {}
    if decision is Decision.RESPONSIVENESS:
        return {"site.property_company.responsiveness": value}, {}
    if decision is Decision.ASSEMBLY:
        return {"site.owners_committee.present": True, "site.owners_committee.assembly_interval_days": n}, {}
    if decision is Decision.INCUBATE:
        return ({"policies.social_org_incubation.enabled": True, "policies.social_org_incubation.new_organisations": n} if n
                else {"policies.social_org_incubation.enabled": False}), {}
    if decision is Decision.SEND_MEDIATORS:
        return ({"policies.multi_channel.enabled": True, "policies.multi_channel.mediators_sent_down": n} if n
                else {"policies.multi_channel.enabled": False}), {}
    if decision is Decision.PROPERTY_LEAVES:
        return {"site.property_company.present": False}, {}
    if decision is Decision.FEE_RISE:
        return {}, {"site.property_company.monthly_fee": value}
    if decision in (Decision.STORM, Decision.STORM_ENDS):
        kind = model.sites[community].type.value
        return {}, {f"disputes.rates.{kind}.maintenance": value}
    raise ValueError(f"{decision.value} changes nothing")


def current(decision: Decision, model: CoGovModel, community: int = 0) -> float | None:
    """What a decision's setting stands at now (the page starts its control there); None where
    the institution is absent."""
    site, pol = model.sites[community], model.policies[community]
    if decision is Decision.JOINT_MEETINGS:
        return float(pol.joint_meetings.cases_per_meeting if pol.joint_meetings.enabled else 0)
    if decision is Decision.MOBILISATION:
        return site.party.mobilisation_effort
    if decision is Decision.MEDIATORS:
        return float(site.residents_committee.mediators)
    if decision is Decision.SERVICE_EVENTS:
        return float(site.residents_committee.service_centre_events_per_month)
    if decision is Decision.PATROL:
        return float(pol.grid_management.patrol_interval_days)
    if decision in (Decision.FEE, Decision.RESPONSIVENESS):
        pc = site.property_company
        return None if not pc.present else (pc.monthly_fee if decision is Decision.FEE else pc.responsiveness)
    if decision is Decision.ASSEMBLY:
        return float(site.owners_committee.assembly_interval_days)
    if decision is Decision.INCUBATE:
        return float(pol.social_org_incubation.new_organisations if pol.social_org_incubation.enabled else 0)
    if decision is Decision.SEND_MEDIATORS:
        return float(pol.multi_channel.mediators_sent_down if pol.multi_channel.enabled else 0)
    return None


#: the channel whose cases a role's page lists, and the institution whose trust it shows
CHANNEL_OF = {
    Role.PARTY_SECRETARY: Channel.JOINT_MEETING, Role.COMMITTEE_DIRECTOR: Channel.MEDIATION,
    Role.GRID_WORKER: Channel.MEDIATION, Role.PROPERTY_MANAGER: Channel.PROPERTY_DESK,
    Role.OWNERS_CHAIR: Channel.PROPERTY_DESK, Role.SOCIAL_ORG_LEAD: Channel.PROFESSIONAL,
    Role.STREET_OFFICE: Channel.STREET,
}
TRUST_OF = {
    Role.PARTY_SECRETARY: Institution.PARTY, Role.COMMITTEE_DIRECTOR: Institution.RESIDENTS_COMMITTEE,
    Role.GRID_WORKER: Institution.RESIDENTS_COMMITTEE, Role.PROPERTY_MANAGER: Institution.PROPERTY_COMPANY,
    Role.OWNERS_CHAIR: Institution.PROPERTY_COMPANY, Role.SOCIAL_ORG_LEAD: Institution.PARTY,
    Role.STREET_OFFICE: Institution.GOVERNMENT, Role.RESIDENT: Institution.RESIDENTS_COMMITTEE,
}


__all__ = ["CHANNEL_OF", "EVENTS", "HOUSEHOLD", "INSTITUTIONAL", "OF_ROLE", "PLAYED", "RULE_CHOICES", "RULE_FIELD", "SPECS", "STORM_DAYS", "TRUST_OF",
           "Decision", "Role", "Spec", "apply_decision", "changes", "current"]

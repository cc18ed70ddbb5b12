"""What each policy lever does to the model, written once, lever by lever.

Every lever of the brief's policy table maps to named effects here; agents and the dispute process
read these numbers and never the raw policy settings, so a reader finds a lever's whole effect in
one place. Source paragraphs (S1..S6) refer to `shared/seed/speech.en.md`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..scenario.schema import ACTIVITIES, Policies

#: chance a routed case goes to the wrong desk first, routed by hand vs on a shared platform
MISROUTE_MANUAL = 0.12
MISROUTE_SHARED = 0.03
SUPERVISION_DECAY_DAYS = 30.0


@dataclass(frozen=True)
class Effects:
    """Constant effects of the policy package. Time-varying ones are methods below."""

    # S1 city coordination and four-level linkage
    handoff_factor: float  # multiplies hand-off delays of escalated cases
    escalated_success_logit: float  # added to the success logit at street, district and city

    # S1, S3 joint meetings
    joint_meetings: bool
    joint_interval: int
    joint_cases: int
    attendees: frozenset[str]

    # S3 strong party organisation
    secretary_capability_override: float | None
    mobilisation_effort_override: float | None

    # S3 red cells
    red_cells: bool
    red_cell_share: float
    red_cell_invitations_per_day: float
    red_cell_detection: float

    # S3 red property
    responsiveness_gain: float
    property_cooperation_logit: float

    # S3 grid management
    grid_management: bool
    households_per_grid_worker: int
    patrol_interval: int
    patrol_detection: float
    early_mediation_success: float

    # S3 multi-channel dispute resolution
    professionals_per_community: int
    extra_mediators: int

    # S3 safe community
    security_gain: float
    safety_rate_factor: float  # multiplies the rates of noise and public-facility disputes

    # S4 social organisations, enterprises, volunteer culture
    incubated_orgs: int
    incubated_capacity: int
    incubated_funding: float
    enterprise_money: float
    enterprise_hours: float
    volunteer_threshold_shift: float  # subtracted from thresholds for volunteering

    # S5 smart platform
    report_ease: float  # multiplies the daily chance of acting on a dispute
    report_cost_cut: float  # subtracted from the perceived cost of reporting to a channel
    misroute_probability: float
    need_analytics: bool
    smart_supervision: bool

    # S6 publicity and training
    trust_target_gain: float
    results_visibility: float  # multiplies the weight of visible results in participation
    skill_gain: float

    # S2 district supervision (the time-varying part is `supervision_effort`)
    supervision: bool
    inspection_interval: int
    supervision_intensity: float
    reporting_burden_days: float

    @classmethod
    def from_policies(cls, p: Policies) -> Effects:
        cc, jm, ds, rc, rp, gm, mc = (p.city_coordination, p.joint_meetings, p.district_supervision,
                                      p.red_cells, p.red_property, p.grid_management, p.multi_channel)
        sp, pt, sc = p.smart_platform, p.publicity_training, p.safe_community
        return cls(
            handoff_factor=(1 - cc.strength) if cc.enabled else 1.0,
            escalated_success_logit=1.2 * cc.strength if cc.enabled else 0.0,
            joint_meetings=jm.enabled,
            joint_interval=jm.interval_days,
            joint_cases=jm.cases_per_meeting,
            attendees=frozenset(jm.attendees),
            secretary_capability_override=p.party_building.secretary_capability,
            mobilisation_effort_override=p.party_building.mobilisation_effort,
            red_cells=rc.enabled,
            red_cell_share=rc.volunteer_share if rc.enabled else 0.0,
            red_cell_invitations_per_day=rc.invitations_per_month / 30.0 if rc.enabled else 0.0,
            red_cell_detection=rc.detection_probability if rc.enabled else 0.0,
            responsiveness_gain=rp.responsiveness_gain if rp.enabled else 0.0,
            property_cooperation_logit=4 * rp.cooperation_gain if rp.enabled else 0.0,
            grid_management=gm.enabled,
            households_per_grid_worker=gm.households_per_grid_worker,
            patrol_interval=gm.patrol_interval_days,
            patrol_detection=gm.detection_probability if gm.enabled else 0.0,
            early_mediation_success=gm.early_mediation_success if gm.enabled else 0.0,
            professionals_per_community=(mc.legal_aid_lawyers + mc.counsellors) if mc.enabled else 0,
            extra_mediators=mc.mediators_sent_down if mc.enabled else 0,
            security_gain=0.25 * sc.intensity if sc.enabled else 0.0,
            safety_rate_factor=(1 - 0.3 * sc.intensity) if sc.enabled else 1.0,
            incubated_orgs=p.social_org_incubation.new_organisations if p.social_org_incubation.enabled else 0,
            incubated_capacity=p.social_org_incubation.capacity_per_org,
            incubated_funding=p.social_org_incubation.funding_per_org,
            enterprise_money=p.enterprise_responsibility.money_per_year if p.enterprise_responsibility.enabled else 0.0,
            enterprise_hours=p.enterprise_responsibility.volunteer_hours_per_year if p.enterprise_responsibility.enabled else 0.0,
            volunteer_threshold_shift=0.2 * p.volunteer_culture.level,
            report_ease=1.4 if sp.online_reporting else 1.0,
            report_cost_cut=0.04 if sp.online_reporting else 0.0,
            misroute_probability=MISROUTE_SHARED if sp.shared_routing else MISROUTE_MANUAL,
            need_analytics=sp.need_analytics,
            smart_supervision=sp.smart_supervision,
            trust_target_gain=0.15 * pt.publicity,
            results_visibility=1.0 + pt.publicity,
            skill_gain=0.3 * pt.cadre_training,
            supervision=ds.enabled,
            inspection_interval=ds.inspection_interval_days,
            supervision_intensity=ds.intensity if ds.enabled else 0.0,
            reporting_burden_days=ds.reporting_burden_days,
        )

    @staticmethod
    def supervision_effort(intensity: float, days_since_inspection: float) -> float:
        """S2: effort rises after an inspection and fades (e-folding 30 days)."""
        if days_since_inspection < 0:
            return 0.0
        return intensity * math.exp(-days_since_inspection / SUPERVISION_DECAY_DAYS)


def project_boost(policies: Policies, day: int) -> list[float]:
    """S2 project-based party building: relative boost of each activity's offers on `day`."""
    boost = [0.0] * len(ACTIVITIES)
    for pr in policies.party_building.projects:
        if pr.start_day <= day < pr.start_day + pr.duration_days:
            boost[ACTIVITIES.index(pr.activity)] += pr.boost
    return boost


class CommunityEffects:
    """The effects of each community's policy package. They are one package everywhere until a
    timeline entry changes the policies of some communities (a street-by-street roll-out)."""

    def __init__(self, effects: list[Effects]):
        self.each = list(effects)
        self._arrays: dict[str, np.ndarray] = {}
        self._any: dict[str, bool] = {}

    def __getitem__(self, community: int) -> Effects:
        return self.each[community]

    def __len__(self) -> int:
        return len(self.each)

    def of(self, name: str) -> np.ndarray:
        """One effect in every community, as an array indexed by community (kept until a change)."""
        if name not in self._arrays:
            self._arrays[name] = np.array([getattr(fx, name) for fx in self.each])
        return self._arrays[name]

    def any(self, name: str) -> bool:
        """Whether any community has the (boolean or numeric) effect (kept until a change)."""
        if name not in self._any:
            self._any[name] = bool(self.of(name).any())
        return self._any[name]

    def set(self, community: int, effects: Effects) -> None:
        self.each[community] = effects
        self._arrays.clear()
        self._any.clear()

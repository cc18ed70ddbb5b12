"""The scenario schema: the single source of truth for every input, its unit, range and default.

A scenario reads like an EMA Workbench experiment: the *site* (who lives where, which institutions
exist), *behaviour* (uncertain facts about people we do not control), *disputes* and *handlers*
(the process and its capacities), *policies* (the levers of the source speech, tagged S0..S7),
a *timeline* (changes on given days: roll-outs, shocks), an optional *city* (four levels) and the
*run* settings.

Every field carries a description, unit and range; `cogov show`, the docs and the web app read them
from here. Unknown keys are rejected (``extra="forbid"``) so that a typo never silently does nothing.
"""

from __future__ import annotations

from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..i18n import LANGUAGES, t


def unit(name: str) -> dict[str, str]:
    """A field's unit, shown by `cogov schema` and `cogov show --explain`."""
    return {"unit": name}


Share = Annotated[float, Field(ge=0.0, le=1.0, json_schema_extra=unit("share"))]

# Plausible maxima of a scenario's size: generous (no real community or city comes near them) and
# each with its reason. Bounds of behavioural parameters are the range where their formula means
# something (shares 0..1, weights of a logit). Whether this machine can hold a scenario is another
# question, answered from the whole scenario's size by the resource preflight (preflight.py).
MAX_HOUSEHOLDS = 50_000  # one community (社区): usually 1,000-3,000 households; the largest serve a few tens of thousands
MAX_COMMUNITIES = 10_000  # one city: the largest Chinese cities have a few thousand residents' committees
MAX_RATE = 1000.0  # per 1,000 households per year in one category: a dispute per household a year, 12x the highest default (80)
SEED_MAX = 2**63 - 1  # seeds are 63-bit, so they fit a signed 64-bit column (Parquet, pandas)
MAX_STAFF = 500  # people at one desk, committee or company: a residents' committee has 5-20 staff

#: written by `cogov calibrate --apply`: calibrated defaults of behavioural and handler parameters
CALIBRATED_FILE = Path(__file__).with_name("calibrated.yaml")


def _load_calibrated() -> dict[str, Any]:
    if not CALIBRATED_FILE.exists():
        return {}
    data = yaml.safe_load(CALIBRATED_FILE.read_text(encoding="utf-8")) or {}
    return dict(data.get("parameters") or {})


CALIBRATED: dict[str, Any] = _load_calibrated()
CALIBRATED_USED: set[str] = set()


def calibrated(path: str, fallback: Any) -> Any:
    """The default of a calibrated parameter (dotted scenario key): its value in calibrated.yaml
    (see docs/calibration.md), else the hand-set `fallback`."""
    CALIBRATED_USED.add(path)
    return CALIBRATED.get(path, fallback)



class Strict(BaseModel):
    """Base for every section: unknown keys are errors, values are validated on assignment, and
    values are not coerced (strict): ``true`` or ``'30'`` is not a number, 2.5 not an integer,
    and a number must be finite."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)


def _check_shares(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} must sum to 1, found {total:.4g}")


# --------------------------------------------------------------------------------------------
# Domain vocabularies
# --------------------------------------------------------------------------------------------


class CommunityType(str, Enum):
    """Community types differ in dispute mix and institutions (MODEL_BRIEF, Space and time)."""

    old_compound = "old_compound"  # 老旧小区, usually no property company
    commodity_estate = "commodity_estate"  # 商品房小区
    resettlement = "resettlement"  # 安置小区
    mixed = "mixed"


#: a community type as written in a file, by name (the one value strict validation converts)
TypeName = Annotated[CommunityType, pydantic.Strict(False)]


CATEGORIES = (
    "property_service",  # 物业服务与收费
    "maintenance",  # 维修
    "parking",  # 停车
    "noise_neighbour",  # 噪音与邻里
    "renovation",  # 装修
    "sanitation_pets",  # 卫生与宠物
    "family",  # 家庭
    "public_facilities",  # 公共设施
)
Category = Literal[
    "property_service",
    "maintenance",
    "parking",
    "noise_neighbour",
    "renovation",
    "sanitation_pets",
    "family",
    "public_facilities",
]

ACTIVITIES = ("consultation", "volunteering", "assembly", "service_centre")

ATTENDEES = (
    "residents_committee",
    "property_company",
    "owners_committee",
    "social_organisations",
    "co_located_units",
    "street_office",
)
Attendee = Literal[
    "residents_committee",
    "property_company",
    "owners_committee",
    "social_organisations",
    "co_located_units",
    "street_office",
]

AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60-69", "70+")


# --------------------------------------------------------------------------------------------
# Site: one community and its institutions
# --------------------------------------------------------------------------------------------


class AgeShares(Strict):
    """Share of adult residents in each age band; must sum to 1."""

    a18_29: Share = Field(0.17, alias="18-29", description="share aged 18-29")
    a30_39: Share = Field(0.19, alias="30-39", description="share aged 30-39")
    a40_49: Share = Field(0.17, alias="40-49", description="share aged 40-49")
    a50_59: Share = Field(0.17, alias="50-59", description="share aged 50-59")
    a60_69: Share = Field(0.16, alias="60-69", description="share aged 60-69")
    a70_plus: Share = Field(0.14, alias="70+", description="share aged 70 and over")

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)

    def as_list(self) -> list[float]:
        return [self.a18_29, self.a30_39, self.a40_49, self.a50_59, self.a60_69, self.a70_plus]

    @model_validator(mode="after")
    def _sum_to_one(self) -> AgeShares:
        _check_shares(dict(zip(AGE_BANDS, self.as_list())), "age shares")
        return self


class PropertyCompanySpec(Strict):
    """物业服务企业. Absent in most old compounds; present in commodity estates."""

    present: bool = Field(True, description="whether the community has a property-service company")
    staff: int = Field(4, ge=1, le=MAX_STAFF, description="service-desk staff handling complaints (servers)",
                       json_schema_extra=unit("people"))
    service_quality: Share = Field(0.6, description="initial service quality, 0 (none) .. 1 (excellent)")
    responsiveness: Share = Field(0.5, description="how readily it acts on complaints, 0..1")
    monthly_fee: float = Field(
        2.0, gt=0, le=50, description="property fee, yuan per square metre per month (a 70 m² flat)",
        json_schema_extra=unit("yuan/m²/month"),
    )
    cost_per_household_month: float = Field(
        130.0, ge=1, le=5000, description="yuan per household per month that sustains the initial service quality",
        json_schema_extra=unit("yuan/household/month"),
    )
    reserve_months: float = Field(2.0, ge=0, le=36, description="budget reserve at start, months of cost",
                                  json_schema_extra=unit("months"))


class OwnersCommitteeSpec(Strict):
    """业委会: represents owners against the property company and convenes owners' assemblies."""

    present: bool = Field(False, description="whether an owners' committee exists")
    legitimacy: Share = Field(0.5, description="initial standing among owners, 0..1")
    assembly_interval_days: int = Field(90, ge=7, le=730, description="days between owners' assemblies",
                                        json_schema_extra=unit("days"))


class ResidentsCommitteeSpec(Strict):
    """居委会 with its people's mediation committee (人民调解委员会)."""

    staff: int = Field(8, ge=1, le=MAX_STAFF, description="full-time staff", json_schema_extra=unit("people"))
    mediators: int = Field(3, ge=0, le=MAX_STAFF, description="people's mediators (servers of the mediation queue)",
                           json_schema_extra=unit("people"))
    skill: Share = Field(0.5, description="mediation and casework skill, 0..1")
    service_centre_events_per_month: float = Field(
        4.0, ge=0, le=60, description="party-mass service-centre activities offered per month",
        json_schema_extra=unit("events/month"),
    )


class PartyOrganisationSpec(Strict):
    """社区党组织 (S3): the core of the community's service network."""

    party_member_share: Share = Field(0.08, description="share of adult residents who are party members")
    secretary_capability: Share = Field(
        0.4, description="secretary's coordination and mobilisation capability, 0..1 (S3)"
    )
    mobilisation_effort: Share = Field(0.3, description="effort put into mobilising residents, 0..1 (S3)")


class SocialOrganisationSpec(Strict):
    """社会组织 (S3, S4): service providers, specialist mediators and recruiters of volunteers."""

    kind: Literal["volunteer_team", "legal_aid", "counselling", "interest_group"]
    capacity: int = Field(
        2, ge=1, le=100, description="people available: professionals (legal aid, counselling) or organisers",
        json_schema_extra=unit("people"),
    )
    funding: float = Field(20000.0, ge=0, le=1e8, description="yuan per year", json_schema_extra=unit("yuan/year"))


class CoLocatedUnitSpec(Strict):
    """驻区单位/企业 with a co-construction agreement (S3, S4)."""

    money_per_year: float = Field(10000.0, ge=0, le=1e8, description="yuan pledged per year",
                                  json_schema_extra=unit("yuan/year"))
    volunteer_hours_per_year: float = Field(200.0, ge=0, le=1e6, description="volunteer hours pledged per year",
                                            json_schema_extra=unit("hours/year"))


LATENT_ATTRIBUTES = ("property_quality", "building_condition", "cohesion", "committee_effectiveness")


class LatentAttributes(Strict):
    """What makes one community unlike another of its type and size, as standard scores: 0 is a
    typical community of its type, +1 one standard deviation better. A city draws them
    (`city.latent`); `behaviour.latent` says how much one standard deviation changes."""

    property_quality: float = Field(0.0, ge=-3, le=3, description="quality of the property company (service "
                                    "quality and responsiveness), in standard deviations across communities")
    building_condition: float = Field(0.0, ge=-3, le=3, description="age and state of the buildings (fewer "
                                      "repair and facility disputes when better), in standard deviations")
    cohesion: float = Field(0.0, ge=-3, le=3, description="social cohesion (ties among neighbours, readiness to "
                            "take part), in standard deviations")
    committee_effectiveness: float = Field(0.0, ge=-3, le=3, description="how well the residents' committee "
                                           "works (casework skill), in standard deviations")


class Site(Strict):
    """One community (社区): its people, buildings and institutions."""

    name: str = Field("community", description="name used in outputs")
    type: TypeName = Field(CommunityType.commodity_estate, description="community type")
    households: int = Field(2000, ge=10, le=MAX_HOUSEHOLDS, description="number of households (at most 50,000: "
                            "a community usually has 1,000-3,000; the largest serve a few tens of thousands)",
                            json_schema_extra=unit("households"))
    residents_per_household: float = Field(2.5, ge=1, le=6, description="mean adults per household (at most 6: "
                                           "China's mean household has fewer than 3 people)",
                                           json_schema_extra=unit("adults/household"))
    households_per_building: int = Field(50, ge=2, le=2000, description="households per residential building",
                                         json_schema_extra=unit("households"))
    households_per_grid: int = Field(300, ge=20, le=5000, description="households per grid (网格), the management unit",
                                     json_schema_extra=unit("households"))
    owner_share: Share = Field(0.75, description="share of households owning their home (others rent)")
    age_shares: AgeShares = Field(default_factory=AgeShares, description="age structure of adult residents")
    party: PartyOrganisationSpec = Field(default_factory=PartyOrganisationSpec)
    residents_committee: ResidentsCommitteeSpec = Field(default_factory=ResidentsCommitteeSpec)
    property_company: PropertyCompanySpec = Field(default_factory=PropertyCompanySpec)
    owners_committee: OwnersCommitteeSpec = Field(default_factory=OwnersCommitteeSpec)
    social_organisations: list[SocialOrganisationSpec] = Field(
        default_factory=list, max_length=100,
        description="social organisations active in the community (at most 100: a community has a handful)"
    )
    co_located_units: list[CoLocatedUnitSpec] = Field(
        default_factory=list, max_length=100,
        description="units and enterprises with co-construction agreements (at most 100: a community has a few dozen)"
    )
    latent: LatentAttributes = Field(default_factory=LatentAttributes,
                                     description="latent qualities of this community beside its type and size (drawn by city.latent)")


# --------------------------------------------------------------------------------------------
# Behaviour: uncertain facts about residents
# --------------------------------------------------------------------------------------------


class TrustSpec(Strict):
    """Initial mean trust (0..1) in each institution; individual trust is Beta-distributed around it."""

    party: Share = Field(0.55, description="trust in the community party organisation")
    residents_committee: Share = Field(0.5, description="trust in the residents' committee")
    property_company: Share = Field(0.4, description="trust in the property company")
    government: Share = Field(0.5, description="trust in street, district and city government")
    concentration: float = Field(8.0, gt=0, le=1000, description="Beta concentration: higher = less spread")
    learning_rate_success: Share = Field(0.15, description="trust gain toward 1 after a good outcome")
    learning_rate_failure: Share = Field(0.2, description="trust loss toward 0 after a failure or abandonment")
    neighbour_spillover: Share = Field(0.1, description="share of an outcome's trust effect felt by the complainant's ties")
    drift_rate: Share = Field(0.006, description="daily rate at which trust moves toward its target (reputation)",
                              json_schema_extra=unit("per day"))
    reputation_weight: float = Field(1.5, ge=0, le=5, description="target trust per unit of an institution's "
                                     "recent performance above residents' aspiration")
    memory_cases: float = Field(150.0, ge=1, le=10_000, description="cases over which an institution's performance "
                                "in a community is averaged (exponential moving average)", json_schema_extra=unit("cases"))
    wait_penalty: Share = Field(0.3, description="share of a resolution's worth lost when it took patience_days or longer")
    patience_days: float = Field(60.0, gt=0, le=3650, description="waiting time (from report to outcome) that costs "
                                 "the full wait_penalty", json_schema_extra=unit("days"))


class AspirationSpec(Strict):
    """Residents' aspiration level for how a case goes at each institution (Simon 1955; Selten
    1998): an outcome is judged against it, and it moves toward what they experience. Each
    institution's anchor is what residents of a typical community expect of it; aspirations start
    there and, in the long run, take up `adaptation` of the gap between the institution's record
    and its anchor."""

    party: Share = Field(0.65, description="anchor for the community party organisation (the experience of a "
                         "dispute's end, 0 = nothing, 1 = a prompt resolution)")
    residents_committee: Share = Field(0.65, description="anchor for the residents' committee")
    property_company: Share = Field(0.65, description="anchor for the property company")
    government: Share = Field(0.25, description="anchor for street, district and city (cases that reached them)")
    adaptation: Share = Field(0.7, description="share of the gap between an institution's record and its anchor "
                              "that aspirations take up in the long run (1: full adaptation)")
    own_rate: Share = Field(0.3, description="share of the gap to one's own case experience closed after each case")
    social_rate: Share = Field(0.003, description="daily rate at which aspirations move toward their long-run level",
                               json_schema_extra=unit("per day"))
    voice_weight: float = Field(1.0, ge=0, le=5, description="relative rise in reporting hazard and escalation "
                                "grievance per unit of aspiration above its anchor (fall below it)")

    def anchors(self) -> np.ndarray:
        """The anchors by institution (party, residents' committee, property company, government)."""
        return np.array([self.party, self.residents_committee, self.property_company, self.government])


class LatentEffects(Strict):
    """What one standard deviation of a community's latent attributes (site.latent) changes."""

    quality_per_sd: Share = Field(0.08, description="property service quality and responsiveness per SD of property_quality")
    building_rate_per_sd: float = Field(0.3, ge=0, le=3, description="log change in maintenance and public-facility "
                                        "dispute rates per SD of building_condition (better buildings: fewer)")
    ties_per_sd: float = Field(0.3, ge=0, le=3, description="log change in neighbour ties per SD of cohesion")
    threshold_per_sd: Share = Field(0.05, description="fall in participation thresholds per SD of cohesion")
    skill_per_sd: Share = Field(0.1, description="residents' committee skill per SD of committee_effectiveness")


class ParticipationSpec(Strict):
    """Threshold model of participation (Granovetter 1978) with invitations, trust and cost."""

    threshold_mean: Share = Field(calibrated("behaviour.participation.threshold_mean", 0.25),
                                  description="mean threshold: share of ties that must be active (calibrated: docs/calibration.md)")
    threshold_concentration: float = Field(4.0, gt=0, le=1000, description="Beta concentration of thresholds")
    age_threshold_shift: list[float] = Field(
        calibrated("behaviour.participation.age_threshold_shift", [0.3, 0.15, 0.05, -0.05, -0.12, -0.2]),
        min_length=6,
        max_length=6,
        description="threshold shift per age band 18-29..70+ (survey: the young take part least) (calibrated: docs/calibration.md)",
    )
    party_member_threshold_shift: float = Field(calibrated("behaviour.participation.party_member_threshold_shift", -0.15),
                                                ge=-1, le=1, description="threshold shift for party members (calibrated: docs/calibration.md)")
    influence: Literal["network", "global"] = Field(
        "network", description="social signal from one's ties (network) or from the whole population (global)"
    )
    ties_in_building: float = Field(3.0, ge=0, le=50, description="mean ties to neighbours in one's building (at most "
                                    "50: more than anyone keeps; memory grows with ties, see the preflight)",
                                    json_schema_extra=unit("ties"))
    ties_in_community: float = Field(1.0, ge=0, le=50, description="mean ties elsewhere in the community (at most 50)",
                                     json_schema_extra=unit("ties"))
    isolated_share: Share = Field(0.275, description="share with no ties outside the household (survey: 27.5 %)")
    weight_social: float = Field(calibrated("behaviour.participation.weight_social", 0.6), ge=0, le=5,
                                 description="weight of the social signal (1 = Granovetter's pure threshold model) (calibrated: docs/calibration.md)")
    weight_trust: float = Field(0.3, ge=0, le=5, description="drive per unit trust in the party organisation above 0.5")
    weight_invitation: float = Field(calibrated("behaviour.participation.weight_invitation", 0.2), ge=0, le=5,
                                     description="drive from a standing invitation (calibrated: docs/calibration.md)")
    weight_results: float = Field(0.2, ge=0, le=5, description="drive per unit of visible resolution rate above 0.5")
    cost: float = Field(calibrated("behaviour.participation.cost", 0.12), ge=0, le=5,
                        description="time cost of taking part, subtracted from drive (calibrated: docs/calibration.md)")
    noise: float = Field(0.1, ge=0, le=5, description="s.d. of daily noise in the decision")
    window_days: int = Field(30, ge=1, le=365, description="participation counts if within this many days",
                             json_schema_extra=unit("days"))
    offer_multiplier: float = Field(calibrated("behaviour.participation.offer_multiplier", 1.0), ge=0, le=1000,
                                    description="scales how often every activity is offered (calibrated: docs/calibration.md)")
    initial_share: Share = Field(0.15, description="share active at the start: those with the lowest thresholds")


class ReportingSpec(Strict):
    """How residents act on a dispute: negotiate, report, escalate or lump it (Epstein-style grievance)."""

    act_hazard: float = Field(calibrated("behaviour.reporting.act_hazard", 0.08), gt=0, le=1,
                              description="base daily probability of acting on a latent dispute (calibrated: docs/calibration.md)")
    lump_hazard: float = Field(0.01, ge=0, le=1, description="daily probability of giving up on a latent dispute")
    negotiate_first: Share = Field(
        0.55, description="share of resident–resident disputes first tried by bilateral negotiation"
    )
    self_success: Share = Field(0.45, description="base success of bilateral negotiation")
    social_capital_bonus: Share = Field(0.25, description="added success and reporting for residents who know neighbours")
    channel_cost: dict[str, float] = Field(
        {"community": 0.05, "joint": 0.08, "street": 0.2, "district": 0.3, "court": 0.55},
        description="perceived cost of each rung, 0..1",
    )
    escalation_threshold: float = Field(calibrated("behaviour.reporting.escalation_threshold", 0.1), ge=-1, le=2,
                                        description="grievance minus cost must exceed this to escalate (calibrated: docs/calibration.md)")
    escalation_noise: float = Field(0.15, ge=0, le=2, description="s.d. of noise in the escalation choice")
    renege_hazard: float = Field(0.01, ge=0, le=1, description="daily probability of abandoning a waiting case at trust 0")


class FeesSpec(Strict):
    """Fee payment: monthly bills paid with a probability that rises with satisfaction and trust."""

    base_logit: float = Field(2.6, ge=-10, le=10, description="logit of paying at satisfaction 0.5, trust 0.5")
    satisfaction_weight: float = Field(3.0, ge=0, le=20, description="logit per unit satisfaction")
    trust_weight: float = Field(2.0, ge=0, le=20, description="logit per unit trust in the property company")
    price_elasticity: float = Field(2.0, ge=0, le=20, description="logit lost per 100 % fee increase")


class Behaviour(Strict):
    """Facts about residents the policy maker does not control: the model's main uncertainties."""

    trust: TrustSpec = Field(default_factory=TrustSpec)
    participation: ParticipationSpec = Field(default_factory=ParticipationSpec)
    reporting: ReportingSpec = Field(default_factory=ReportingSpec)
    fees: FeesSpec = Field(default_factory=FeesSpec)
    aspiration: AspirationSpec = Field(default_factory=AspirationSpec)
    latent: LatentEffects = Field(default_factory=LatentEffects)
    satisfaction_initial: Share = Field(0.55, description="initial mean satisfaction")
    security_initial: Share = Field(0.6, description="initial mean sense of security")


# --------------------------------------------------------------------------------------------
# Disputes and handlers
# --------------------------------------------------------------------------------------------

DEFAULT_RATES = {
    # disputes per 1,000 households per year, by community type (calibration material: Shanghai
    # 2014 estate survey mix, Shanghai 2018 hotline complaints; see docs/ODD.md)
    "old_compound": {
        "property_service": 10, "maintenance": 80, "parking": 50, "noise_neighbour": 45,
        "renovation": 15, "sanitation_pets": 70, "family": 40, "public_facilities": 45,
    },
    "commodity_estate": {
        "property_service": 60, "maintenance": 40, "parking": 25, "noise_neighbour": 35,
        "renovation": 20, "sanitation_pets": 80, "family": 30, "public_facilities": 15,
    },
    "resettlement": {
        "property_service": 40, "maintenance": 55, "parking": 35, "noise_neighbour": 50,
        "renovation": 20, "sanitation_pets": 75, "family": 45, "public_facilities": 35,
    },
    "mixed": {
        "property_service": 37, "maintenance": 58, "parking": 37, "noise_neighbour": 43,
        "renovation": 18, "sanitation_pets": 75, "family": 38, "public_facilities": 32,
    },
}


class DisputeSpec(Strict):
    """Incidence: base rates by community type, and severity."""

    rates: dict[TypeName, dict[Category, Annotated[float, Field(ge=0, le=MAX_RATE)]]] = Field(
        default_factory=lambda: {CommunityType(k): dict(v) for k, v in DEFAULT_RATES.items()},
        description="disputes per 1,000 households per year, by community type and category (each 0..1,000: a "
                    "dispute per household a year in one category is 12 times the highest default)",
        json_schema_extra=unit("disputes/1,000 households/year"),
    )
    rate_multiplier: float = Field(1.0, ge=0, le=20, description="scales every rate (sensitivity analysis; at most 20)")
    severity_alpha: float = Field(2.0, gt=0, le=100, description="Beta(alpha, beta) of severity, 0..1")
    severity_beta: float = Field(5.0, gt=0, le=100, description="Beta(alpha, beta) of severity, 0..1")
    quality_sensitivity: float = Field(
        1.0, ge=0, le=10, description="how much poor property service raises property-related rates"
    )

    @model_validator(mode="after")
    def _all_types(self) -> DisputeSpec:
        for t in CommunityType:
            if t not in self.rates:
                raise ValueError(f"rates lacks community type '{t.value}'")
            missing = [c for c in CATEGORIES if c not in self.rates[t]]
            if missing:
                raise ValueError(f"rates.{t.value} lacks categories {missing}")
        return self


class WorkTime(Strict):
    """Random work time per case at a handler (days)."""

    distribution: Literal["exponential", "lognormal", "gamma", "fixed"] = Field(
        "exponential", description="distribution of work time per case"
    )
    mean_days: float = Field(gt=0, le=1000, description="mean work time per case, days", json_schema_extra=unit("days"))
    cv: float = Field(1.0, gt=0, le=10, description="coefficient of variation (lognormal, gamma)")


class ServiceSpec(Strict):
    """How a channel works a case. Its number of servers comes from the site or a policy."""

    work_time: WorkTime
    base_success: Share = Field(description="chance a case is resolved, before category, skill and severity")


class HandlerSpec(ServiceSpec):
    """A government channel: a first-come-first-served queue with a fixed number of servers."""

    servers: int = Field(ge=1, le=10_000, description="people working cases at once (at most 10,000: a "
                                                     "megacity's 12345 hotline has a few thousand operators)",
                                                     json_schema_extra=unit("people"))
    handoff_days: float = Field(ge=0, le=365, description="delay before an escalated case reaches the queue",
                                json_schema_extra=unit("days"))


def _svc(mean: float, success: float, dist: str = "exponential") -> ServiceSpec:
    return ServiceSpec(work_time=WorkTime(distribution=dist, mean_days=mean), base_success=success)


def _gov(servers: int, mean: float, success: float, handoff: float) -> HandlerSpec:
    return HandlerSpec(
        servers=servers, work_time=WorkTime(mean_days=mean), base_success=success, handoff_days=handoff
    )


class Handlers(Strict):
    """How each channel works cases. Community channels exist once per community (servers: the
    property desk's staff, the mediators, the cases a joint meeting takes, the professionals sent
    down); the street office per street, the district per district, the hotline and court per city."""

    property_desk: ServiceSpec = Field(default_factory=lambda: _svc(3.0, 0.6), description="property company's service desk")
    mediation: ServiceSpec = Field(default_factory=lambda: _svc(calibrated("handlers.mediation.work_time.mean_days", 4.0), 0.62),
                                   description="people's mediation (人民调解); work time (calibrated: docs/calibration.md)")
    joint_meeting: ServiceSpec = Field(default_factory=lambda: _svc(2.0, calibrated("handlers.joint_meeting.base_success", 0.75), "fixed"),
                                       description="follow-up of a joint meeting (联席会议); base success (calibrated: docs/calibration.md)")
    professional: ServiceSpec = Field(default_factory=lambda: _svc(3.0, calibrated("handlers.professional.base_success", 0.7)),
                                      description="legal aid and counselling; base success (calibrated: docs/calibration.md); a 3-day mean "
                                                  "work time (8 before: the one adviser and one counsellor then ran at ρ ≈ 1.7; docs/ODD.md, Capacity)")
    street: HandlerSpec = Field(default_factory=lambda: _gov(6, 10.0, 0.55, 3.0),
                                description="street office (街道), per street; six servers: a judicial office of at least three staff and a "
                                            "people's mediation committee of at least three members (docs/ODD.md, Capacity)")
    district: HandlerSpec = Field(default_factory=lambda: _gov(3, 14.0, 0.5, 5.0), description="district departments, per district")
    city_hotline: HandlerSpec = Field(default_factory=lambda: _gov(6, 12.0, 0.53, 2.0), description="city hotline (12345) and petition office")
    court: HandlerSpec = Field(default_factory=lambda: _gov(50, 90.0, 0.7, 14.0), description="court, with pre-litigation mediation")


# --------------------------------------------------------------------------------------------
# Policies: every lever of the brief's policy table, each traceable to the source
# --------------------------------------------------------------------------------------------


class CityCoordination(Strict):
    """S1: city coordination mechanism and four-level linkage (四级联动)."""

    enabled: bool = Field(False, description="coordination mechanism headed by the city's party leader")
    strength: Share = Field(0.5, description="0..1: cuts hand-off delays by this share, raises escalated success")


class JointMeetings(Strict):
    """S1, S3: joint party-building meetings (党建联席会议) take complex cross-party disputes."""

    enabled: bool = Field(False, description="hold joint meetings")
    interval_days: int = Field(14, ge=1, le=365, description="days between meetings (fortnightly, with ten cases a meeting: enough "
                                                            "seats for the cross-party cases a 2,000-household estate sends up, "
                                                            "ρ below 0.9; docs/ODD.md, Capacity)", json_schema_extra=unit("days"))
    cases_per_meeting: int = Field(10, ge=1, le=100, description="cases taken up per meeting",
                                   json_schema_extra=unit("cases"))
    attendees: list[Attendee] = Field(
        default_factory=lambda: ["residents_committee", "property_company", "owners_committee"],
        description="who sits at the table; success is higher when the dispute's parties are present",
    )


class DistrictSupervision(Strict):
    """S2: supervision and assessment (督导考核) of streets and communities."""

    enabled: bool = Field(False, description="district inspects communities")
    inspection_interval_days: int = Field(90, ge=7, le=730, description="days between inspections",
                                          json_schema_extra=unit("days"))
    intensity: Share = Field(0.5, description="effort boost right after an inspection, 0..1, decaying over 30 days")
    reporting_burden_days: float = Field(
        1.0, ge=0, le=30, description="staff-days per inspection taken from casework (the lever's cost)",
        json_schema_extra=unit("staff-days"),
    )


class PartyProject(Strict):
    """S2: a funded party-building project (项目化管理) that raises one activity for a period."""

    activity: Literal["consultation", "volunteering", "service_centre"] = Field(
        description="activity the project raises (owners' assemblies are the owners' committee's)"
    )
    start_day: int = Field(0, ge=0, description="first day", json_schema_extra=unit("day"))
    duration_days: int = Field(90, ge=1, le=3650, description="length", json_schema_extra=unit("days"))
    boost: float = Field(0.5, ge=0, le=5, description="relative increase in how often the activity is offered")


class PartyBuilding(Strict):
    """S3: strong party organisation; overrides the site's secretary capability and effort when set."""

    secretary_capability: Share | None = Field(None, description="override site.party.secretary_capability")
    mobilisation_effort: Share | None = Field(None, description="override site.party.mobilisation_effort")
    projects: list[PartyProject] = Field(default_factory=list, max_length=100,
                                         description="S2 project-based party building (at most 100)")


class RedCells(Strict):
    """S3: the red-cell project (红色细胞工程): party-member volunteers invite and lead neighbours."""

    enabled: bool = Field(False, description="run the red-cell programme")
    volunteer_share: Share = Field(0.5, description="share of party members who volunteer")
    invitations_per_month: float = Field(4.0, ge=0, le=100, description="neighbours each volunteer invites per month",
                                         json_schema_extra=unit("invitations/month"))
    detection_probability: Share = Field(
        0.03, description="daily chance a volunteer notices a latent dispute in their building"
    )


class RedProperty(Strict):
    """S3: red property management (红色物业): a party branch in the property company."""

    enabled: bool = Field(False, description="property company has a party branch")
    responsiveness_gain: Share = Field(0.3, description="added responsiveness, 0..1")
    cooperation_gain: Share = Field(0.15, description="added success of property disputes at joint meetings")


class GridManagement(Strict):
    """S3: grid management (网格化管理): grid workers patrol and mediate early."""

    enabled: bool = Field(False, description="grid workers patrol grids")
    households_per_grid_worker: int = Field(300, ge=20, le=5000, description="households each grid worker covers",
                                            json_schema_extra=unit("households"))
    patrol_interval_days: int = Field(7, ge=1, le=90, description="days between patrols of a building",
                                      json_schema_extra=unit("days"))
    detection_probability: Share = Field(0.5, description="chance a patrol notices a latent dispute in its building")
    early_mediation_success: Share = Field(0.35, description="chance a grid worker settles a small dispute on the spot")


class MultiChannel(Strict):
    """S3: multi-channel dispute resolution (多元化解): professional forces sent down."""

    enabled: bool = Field(False, description="professional channel available")
    legal_aid_lawyers: int = Field(1, ge=0, le=100, description="legal-aid lawyers per community",
                                   json_schema_extra=unit("people"))
    counsellors: int = Field(1, ge=0, le=100, description="psychological counsellors per community",
                             json_schema_extra=unit("people"))
    mediators_sent_down: int = Field(2, ge=0, le=100, description="extra people's mediators per community",
                                     json_schema_extra=unit("people"))


class SafeCommunity(Strict):
    """S3: safe-community campaign (平安社区创建)."""

    enabled: bool = Field(False, description="run the campaign")
    intensity: Share = Field(0.5, description="0..1: raises security and cuts noise/public-facility disputes")


class SocialOrgIncubation(Strict):
    """S4: incubation bases give social organisations space, guidance and money."""

    enabled: bool = Field(False, description="incubate social organisations")
    new_organisations: int = Field(3, ge=0, le=50, description="organisations incubated per community",
                                   json_schema_extra=unit("organisations"))
    funding_per_org: float = Field(30000.0, ge=0, le=1e7, description="yuan per organisation per year",
                                   json_schema_extra=unit("yuan/year"))
    capacity_per_org: int = Field(3, ge=1, le=100, description="people each incubated organisation brings",
                                  json_schema_extra=unit("people"))


class EnterpriseResponsibility(Strict):
    """S4: enterprises' social responsibility: public-welfare funds and volunteer hours."""

    enabled: bool = Field(False, description="enterprises contribute")
    money_per_year: float = Field(50000.0, ge=0, le=1e8, description="yuan per community per year",
                                  json_schema_extra=unit("yuan/year"))
    volunteer_hours_per_year: float = Field(1000.0, ge=0, le=1e6, description="hours per community per year",
                                            json_schema_extra=unit("hours/year"))


class VolunteerCulture(Strict):
    """S4: volunteer culture raises the baseline propensity to volunteer."""

    level: Share = Field(0.0, description="0..1: lowers thresholds for volunteering")


class SmartPlatform(Strict):
    """S5: governance information platform."""

    online_reporting: bool = Field(False, description="report online: lower reporting cost")
    shared_routing: bool = Field(False, description="shared case routing: fewer cases sent to the wrong desk first")
    need_analytics: bool = Field(False, description="big-data need analysis: better-targeted services")
    smart_supervision: bool = Field(False, description="monitoring targets supervision at lagging communities")


class PublicityTraining(Strict):
    """S6: publicity, research and cadre training."""

    publicity: Share = Field(0.0, description="0..1: raises trust and the visibility of results")
    cadre_training: Share = Field(0.0, description="0..1: raises handlers' skill")


class Policies(Strict):
    """Every lever of the brief's policy table. All off or neutral by default."""

    city_coordination: CityCoordination = Field(default_factory=CityCoordination)
    joint_meetings: JointMeetings = Field(default_factory=JointMeetings)
    district_supervision: DistrictSupervision = Field(default_factory=DistrictSupervision)
    party_building: PartyBuilding = Field(default_factory=PartyBuilding)
    red_cells: RedCells = Field(default_factory=RedCells)
    red_property: RedProperty = Field(default_factory=RedProperty)
    grid_management: GridManagement = Field(default_factory=GridManagement)
    multi_channel: MultiChannel = Field(default_factory=MultiChannel)
    safe_community: SafeCommunity = Field(default_factory=SafeCommunity)
    social_org_incubation: SocialOrgIncubation = Field(default_factory=SocialOrgIncubation)
    enterprise_responsibility: EnterpriseResponsibility = Field(default_factory=EnterpriseResponsibility)
    volunteer_culture: VolunteerCulture = Field(default_factory=VolunteerCulture)
    smart_platform: SmartPlatform = Field(default_factory=SmartPlatform)
    publicity_training: PublicityTraining = Field(default_factory=PublicityTraining)


# --------------------------------------------------------------------------------------------
# Shocks, city, run
# --------------------------------------------------------------------------------------------


class PropertyExit(Strict):
    """The property company leaves on a given day: its desk closes, open cases pass to the
    residents' committee, fees stop and service decays."""

    kind: Literal["property_exit"]
    day: int = Field(ge=1, description="day the company leaves", json_schema_extra=unit("day"))
    community: str | None = Field(None, description="community name; all communities when omitted")


class FeeChange(Strict):
    """The property fee changes by a factor on a given day."""

    kind: Literal["fee_change"]
    day: int = Field(ge=1, description="day the new fee applies", json_schema_extra=unit("day"))
    factor: float = Field(gt=0, le=10, description="new fee = old fee × factor")
    community: str | None = Field(None, description="community name; all communities when omitted")


Shock = Annotated[PropertyExit | FeeChange, Field(discriminator="kind")]


class TimelineEntry(Strict):
    """A change on a given day: new values for levers or institutional settings, in some places.

    `set` gives new values by dotted path (``policies.grid_management.enabled: true``); `scale`
    multiplies numeric settings (``site.property_company.monthly_fee: 1.2``). The change applies
    at the start of `day` (0-based, as the case log counts days), before anything else happens
    that day, in the communities named by `community`, `street` or `district` (everywhere when
    none is given). What can change mid-run, and what happens to institutions that appear or go,
    is in `sim.scenario.timeline` and docs/ODD.md."""

    day: int = Field(ge=0, description="day the change applies from (0-based; before anything else that day)",
                     json_schema_extra=unit("days"))
    label: str | None = Field(None, max_length=200, description="what the change is, for plots, tables and the ticker")
    community: str | list[str] | None = Field(None, description="community name(s) it applies to")
    street: str | list[str] | None = Field(None, description="street office name(s): every community of the street")
    district: str | list[str] | None = Field(None, description="district name(s): every community of the district")
    set: dict[str, Any] = Field(default_factory=dict, description="new values, by dotted path")
    scale: dict[str, float] = Field(default_factory=dict, description="factors for numeric settings, by dotted path")

    @model_validator(mode="after")
    def _one_target_and_something_to_do(self) -> TimelineEntry:
        if sum(x is not None for x in (self.community, self.street, self.district)) > 1:
            raise ValueError("give at most one of community, street and district")
        if not self.set and not self.scale:
            raise ValueError("a timeline entry needs set: or scale: (what changes)")
        return self

    def targets(self) -> tuple[str | None, list[str]]:
        """("community" | "street" | "district", names), or (None, []) for everywhere."""
        for level in ("community", "street", "district"):
            names = getattr(self, level)
            if names is not None:
                return level, [names] if isinstance(names, str) else list(names)
        return None, []


def shock_as_entry(shock: dict) -> dict:
    """An old-style `shocks:` entry (property_exit, fee_change) as the timeline entry it means."""
    entry: dict[str, Any] = {"day": shock.get("day")}
    if shock.get("community") is not None:
        entry["community"] = shock["community"]
    kind = shock.get("kind")
    if kind == "property_exit":
        entry["set"] = {"site.property_company.present": False}
    elif kind == "fee_change":
        entry["scale"] = {"site.property_company.monthly_fee": shock.get("factor")}
    return entry


Language = Literal[LANGUAGES]
#: a place's name as people read it, by language: `{en: Xinhua Lane, zh: 新华里}`
Titles = dict[Language, Annotated[str, Field(min_length=1, max_length=80)]]
TITLE_HELP = ("the name shown in the workshop, the classroom and the city figures, by language (en, zh); default: `name`, which "
              "stays what timelines and tables use")


class CommunityEntry(Strict):
    """A community in a city: overrides of the base site (any Site key)."""

    name: str = Field(description="unique name")
    title: Titles = Field(default_factory=dict, description=TITLE_HELP)
    site: dict = Field(default_factory=dict, description="keys of `site` that differ for this community")


class StreetSpec(Strict):
    name: str = Field(description="street office (街道) name")
    title: Titles = Field(default_factory=dict, description=TITLE_HELP)
    communities: list[CommunityEntry] = Field(min_length=1)


class DistrictSpec(Strict):
    name: str = Field(description="district (区) name")
    title: Titles = Field(default_factory=dict, description=TITLE_HELP)
    streets: list[StreetSpec] = Field(min_length=1)


def _generated_titles(key: str, **numbers: int) -> dict[str, str]:
    """A generated place's title in every language (`city.generated.*` in the catalogues)."""
    return {lang: t(f"city.generated.{key}", lang, **numbers) for lang in LANGUAGES}


class CommunityMix(Strict):
    """How many communities of one type a street holds, and how big they are."""

    count: float = Field(ge=0, le=50, description="mean number of communities of this type per street (at most 50: "
                                                 "a street office (街道) usually has 5-30 communities)",
                                                 json_schema_extra=unit("communities/street"))
    households: int = Field(ge=10, le=MAX_HOUSEHOLDS, description="mean households per community (at most 50,000)",
                            json_schema_extra=unit("households"))
    spread: float = Field(0.3, ge=0, le=2, description="relative spread of households (lognormal s.d.)")
    site: dict = Field(default_factory=dict, description="site keys that differ for communities of this type")
    mediators_per_1000_households: float | None = Field(
        None, gt=0, le=20, description="staff each community's people's mediation committee by its size: this many per 1,000 "
                                       "households, within the 3 to 9 members the People's Mediation Law allows (docs/ODD.md, Capacity); "
                                       "unset: the site's mediators")

    def mediators(self, households: int) -> dict:
        """The mediators of a community of `households`, as site keys (none when unset)."""
        if self.mediators_per_1000_households is None:
            return {}
        n = int(np.clip(round(households / 1000 * self.mediators_per_1000_households), 3, 9))
        return {"residents_committee": {"mediators": n}}


class CityGenerator(Strict):
    """A compact description of a city, expanded on load into districts → streets → communities."""

    districts: int = Field(ge=1, le=50, description="number of districts (at most 50: the largest Chinese "
                                                  "municipality has under 40 districts and counties)",
                                                  json_schema_extra=unit("districts"))
    streets_per_district: int = Field(ge=1, le=100, description="street offices per district (at most 100: a "
                                                                "district usually has 10-40)",
                                                                json_schema_extra=unit("streets"))
    per_street: dict[TypeName, CommunityMix] = Field(
        min_length=1, description="communities per street by type: mean count, mean size and spread"
    )
    count_spread: float = Field(0.25, ge=0, le=2, description="relative spread of the count of each type per street")
    seed: int = Field(1, ge=0, le=SEED_MAX, description="seed of the layout; fixed so replicates share one city")

    @model_validator(mode="after")
    def _plausible_size(self) -> CityGenerator:
        """Refuse a city of more communities than any real one before expanding it (expanding
        allocates every community)."""
        per_street = sum(mix.count for mix in self.per_street.values())
        expected = self.districts * self.streets_per_district * max(1.0, per_street)
        if expected > MAX_COMMUNITIES:
            raise ValueError(f"about {expected:,.0f} communities ({self.districts} districts x {self.streets_per_district} "
                             f"streets x {per_street:g} per street); a city has at most {MAX_COMMUNITIES:,} (the largest "
                             "Chinese cities have a few thousand residents' committees)")
        return self

    @staticmethod
    def _community(d: int, s: int, c: int, site: dict) -> CommunityEntry:
        return CommunityEntry(name=f"d{d + 1}-s{s + 1}-c{c + 1}", site=site,
                              title=_generated_titles("community", d=d + 1, s=s + 1, c=c + 1))

    def expand(self) -> list[DistrictSpec]:
        rng = np.random.default_rng(self.seed)
        districts = []
        for d in range(self.districts):
            streets = []
            for s in range(self.streets_per_district):
                communities = []
                for kind, mix in self.per_street.items():
                    mean = mix.count * (1 + self.count_spread * rng.standard_normal())
                    n = int(rng.poisson(max(0.0, mean)))
                    for _ in range(n):
                        sigma = mix.spread
                        size = mix.households * rng.lognormal(-sigma**2 / 2, sigma) if sigma > 0 else mix.households
                        households = int(np.clip(round(size), 10, MAX_HOUSEHOLDS))
                        site = deep_merge(deep_merge(mix.site, mix.mediators(households)), {"type": kind.value, "households": households})
                        communities.append(self._community(d, s, len(communities), site))
                if not communities:  # every street office has at least one community
                    kind, mix = next(iter(self.per_street.items()))
                    communities.append(self._community(d, s, 0, deep_merge(mix.site, {"type": kind.value, "households": mix.households})))
                streets.append(StreetSpec(name=f"street {d + 1}-{s + 1}", communities=communities,
                                          title=_generated_titles("street", d=d + 1, s=s + 1)))
            districts.append(DistrictSpec(name=f"district {d + 1}", streets=streets, title=_generated_titles("district", d=d + 1)))
        return districts


class LatentDistribution(Strict):
    """Normal distribution of one latent attribute across communities, cut at ±3."""

    mean: float = Field(0.0, ge=-3, le=3, description="mean, in standard scores")
    sd: float = Field(1.0, ge=0, le=3, description="standard deviation (0: every community at the mean)")


class LatentDraws(Strict):
    """How the communities' latent attributes (site.latent) are drawn: one draw of every attribute
    per community, in the order they are listed, from its own seed, so the same seed gives the
    same communities. A value a community sets itself is kept."""

    seed: int = Field(1, ge=0, le=SEED_MAX, description="seed of the draws; fixed so replicates share one city")
    property_quality: LatentDistribution = Field(default_factory=LatentDistribution)
    building_condition: LatentDistribution = Field(default_factory=LatentDistribution)
    cohesion: LatentDistribution = Field(default_factory=LatentDistribution)
    committee_effectiveness: LatentDistribution = Field(default_factory=LatentDistribution)

    def draw(self, districts: list[DistrictSpec]) -> None:
        """Write drawn attributes into each community's site overrides (given ones kept)."""
        rng = np.random.default_rng(self.seed)
        for d in districts:
            for s in d.streets:
                for c in s.communities:
                    z = rng.standard_normal(len(LATENT_ATTRIBUTES))
                    drawn = {a: round(float(np.clip(getattr(self, a).mean + getattr(self, a).sd * z[k], -3, 3)), 3)
                             for k, a in enumerate(LATENT_ATTRIBUTES)}
                    given = c.site.get("latent")
                    c.site = {**c.site, "latent": {**drawn, **(given if isinstance(given, dict) else {})}}


class CitySpec(Strict):
    """Four levels (S0, S1): city → districts → streets → communities, listed in `districts` or
    generated from `generate` (then expanded into `districts` on load, so `cogov show` lists them)."""

    name: str = Field("X city", description="city name")
    districts: list[DistrictSpec] = Field(default_factory=list, description="the districts, each with its streets and communities",
                                          json_schema_extra=unit("districts"))
    generate: CityGenerator | None = Field(None, description="generate the districts from counts per street instead of listing them")
    latent: LatentDraws | None = Field(None, description="draw each community's latent attributes (site.latent); "
                                       "none: every community typical of its type")

    @model_validator(mode="after")
    def _expand_and_check(self) -> CitySpec:
        generated = self.generate is not None  # its size was checked before it was expanded
        if generated:
            if self.districts:
                raise ValueError("give either districts or generate, not both")
            self.__dict__["districts"] = self.generate.expand()
            self.__dict__["generate"] = None
        if not self.districts:
            raise ValueError("a city needs districts (or generate)")
        if self.latent is not None:
            self.latent.draw(self.districts)
        names = [c.name for d in self.districts for s in d.streets for c in s.communities]
        if len(names) > MAX_COMMUNITIES and not generated:
            raise ValueError(f"{len(names):,} communities; a city has at most {MAX_COMMUNITIES:,} (the largest Chinese "
                             "cities have a few thousand residents' committees)")
        dup = sorted(n for n, k in Counter(names).items() if k > 1)
        if dup:
            raise ValueError(f"community names must be unique, repeated: {dup}")
        return self


class _Shocks(Strict):
    """The old `shocks:` list, checked as it always was before it becomes timeline entries."""

    shocks: list[Shock]


#: the default warm-up (docs/ODD.md, Warm-up: when backlog and period rates stop trending)
WARMUP_DAYS = 365


class RunSpec(Strict):
    days: int = Field(365, ge=1, le=3650, description="simulated days (one step = one day; at most 3,650, ten years)",
                      json_schema_extra=unit("days"))
    seed: int = Field(42, ge=0, le=SEED_MAX,
                      description="random seed; same scenario and seed give identical results (a 64-bit integer)")
    window_days: int = Field(90, ge=1, le=3650, description="days on each side of a timeline entry in its before/after comparison",
                             json_schema_extra=unit("days"))
    warmup_days: int = Field(WARMUP_DAYS, ge=0, le=3650,
                             description="days simulated before day 0 and not recorded, so that queues, trust, participation and the "
                                         "open disputes start where the system sits in its long run (docs/ODD.md, Warm-up)",
                             json_schema_extra=unit("days"))


class Scenario(Strict):
    """A complete, resolved scenario."""

    name: str = Field("scenario", min_length=1, max_length=200,
                      description="short name; used for the run folder (1 to 200 characters)")
    description: str = Field("", max_length=10_000, description="what the scenario is for")
    run: RunSpec = Field(default_factory=RunSpec)
    site: Site = Field(default_factory=Site)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    disputes: DisputeSpec = Field(default_factory=DisputeSpec)
    handlers: Handlers = Field(default_factory=Handlers)
    policies: Policies = Field(default_factory=Policies)
    timeline: list[TimelineEntry] = Field(
        default_factory=list, max_length=1000, description="changes on given days (roll-outs, shocks), applied in day order (at most 1,000)")
    city: CitySpec | None = Field(None, description="optional: many communities in four levels")

    @model_validator(mode="before")
    @classmethod
    def _shocks_are_timeline_entries(cls, data: Any) -> Any:
        """Files written before the timeline existed keep loading: their `shocks:` are validated
        as before and become timeline entries (`cogov show` prints them so)."""
        if not isinstance(data, dict) or "shocks" not in data:
            return data
        data = dict(data)
        shocks = data.pop("shocks") or []
        _Shocks.model_validate({"shocks": shocks})
        data["timeline"] = list(data.get("timeline") or []) + [shock_as_entry(dict(s)) for s in shocks]
        return data

    def communities(self) -> list[tuple[str, str, Site]]:
        """(district, street, site) for every community; one implicit street for a single site."""
        if self.city is None:
            return [("district", "street", self.site)]
        base = self.site.model_dump(by_alias=True)
        out = []
        for d in self.city.districts:
            for s in d.streets:
                for c in s.communities:
                    merged = deep_merge(base, c.site)
                    merged["name"] = c.name
                    out.append((d.name, s.name, Site.model_validate(merged)))
        return out


def deep_merge(base: dict, over: dict) -> dict:
    """Merge `over` onto `base`: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out

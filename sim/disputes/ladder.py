"""The escalation ladder, its channels, and the dispute vocabulary (矛盾纠纷).

Residents climb one rung at a time (MODEL_BRIEF, Disputes): lump it → negotiate bilaterally →
grid worker / residents' committee mediation (or the property company's desk) → joint meeting or
professional mediation → street → district or city hotline → court. A rung with no channel in a
community (no joint meeting, no professionals) is passed over.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from ..scenario.schema import CATEGORIES


class Channel(IntEnum):
    SELF = 0  # 双方协商 bilateral negotiation
    PROPERTY_DESK = 1  # 物业服务台
    MEDIATION = 2  # 人民调解 / 网格员 (residents' committee)
    JOINT_MEETING = 3  # 党建联席会议
    PROFESSIONAL = 4  # 法律援助、心理疏导
    STREET = 5  # 街道
    DISTRICT = 6  # 区
    CITY_HOTLINE = 7  # 12345 热线 / 信访
    COURT = 8  # 法院


CHANNEL_NAMES = [c.name.lower() for c in Channel]

RUNG = {
    Channel.SELF: 0,
    Channel.PROPERTY_DESK: 1,
    Channel.MEDIATION: 1,
    Channel.JOINT_MEETING: 2,
    Channel.PROFESSIONAL: 2,
    Channel.STREET: 3,
    Channel.DISTRICT: 4,
    Channel.CITY_HOTLINE: 4,
    Channel.COURT: 5,
}
TOP_RUNG = 5
CHANNELS_AT = {r: [c for c in Channel if RUNG[c] == r] for r in range(TOP_RUNG + 1)}
RUNG_COST_KEY = {1: "community", 2: "joint", 3: "street", 4: "district", 5: "court"}

#: channels inside the community: a case resolved here counts toward "小事不出社区"
COMMUNITY_CHANNELS = frozenset(c for c in Channel if RUNG[c] <= 2)

#: the levels above the community an escalated case can reach, and the level of each channel there
LEVELS = ("street", "district", "city", "court")
LEVEL_OF = {Channel.STREET: "street", Channel.DISTRICT: "district", Channel.CITY_HOTLINE: "city", Channel.COURT: "court"}
LEVEL_INDEX = {ch: LEVELS.index(level) for ch, level in LEVEL_OF.items()}


class Institution(IntEnum):
    """Institutions residents hold trust in; each channel belongs to one."""

    PARTY = 0
    RESIDENTS_COMMITTEE = 1
    PROPERTY_COMPANY = 2
    GOVERNMENT = 3


INSTITUTION_NAMES = ["party", "residents_committee", "property_company", "government"]

OWNER = {
    Channel.SELF: None,
    Channel.PROPERTY_DESK: Institution.PROPERTY_COMPANY,
    Channel.MEDIATION: Institution.RESIDENTS_COMMITTEE,
    Channel.JOINT_MEETING: Institution.PARTY,
    Channel.PROFESSIONAL: Institution.RESIDENTS_COMMITTEE,
    Channel.STREET: Institution.GOVERNMENT,
    Channel.DISTRICT: Institution.GOVERNMENT,
    Channel.CITY_HOTLINE: Institution.GOVERNMENT,
    Channel.COURT: Institution.GOVERNMENT,
}

#: OWNER as an array by channel code, for lookups over many cases (−1: no institution)
OWNER_CODE = np.array([-1 if OWNER[c] is None else int(OWNER[c]) for c in Channel])


class PartyType(IntEnum):
    """Who the dispute is between."""

    RESIDENT_RESIDENT = 0
    RESIDENT_PROPERTY = 1
    OWNERS_PROPERTY = 2
    RESIDENT_INSTITUTION = 3


PARTY_NAMES = ["resident_resident", "resident_property", "owners_property", "resident_institution"]
INVOLVES_PROPERTY = frozenset({PartyType.RESIDENT_PROPERTY, PartyType.OWNERS_PROPERTY})

CATEGORY_INDEX = {c: i for i, c in enumerate(CATEGORIES)}

#: P(party type | category) where a property company exists; without one, property parties
#: become resident–institution disputes (the residents' committee or street owns the problem).
PARTY_MIX = {
    "property_service": {PartyType.RESIDENT_PROPERTY: 0.6, PartyType.OWNERS_PROPERTY: 0.4},
    "maintenance": {PartyType.RESIDENT_PROPERTY: 0.6, PartyType.RESIDENT_RESIDENT: 0.2, PartyType.RESIDENT_INSTITUTION: 0.2},
    "parking": {PartyType.RESIDENT_RESIDENT: 0.5, PartyType.RESIDENT_PROPERTY: 0.3, PartyType.RESIDENT_INSTITUTION: 0.2},
    "noise_neighbour": {PartyType.RESIDENT_RESIDENT: 1.0},
    "renovation": {PartyType.RESIDENT_RESIDENT: 0.8, PartyType.RESIDENT_PROPERTY: 0.2},
    "sanitation_pets": {PartyType.RESIDENT_RESIDENT: 0.6, PartyType.RESIDENT_PROPERTY: 0.3, PartyType.RESIDENT_INSTITUTION: 0.1},
    "family": {PartyType.RESIDENT_RESIDENT: 1.0},
    "public_facilities": {PartyType.RESIDENT_INSTITUTION: 0.6, PartyType.RESIDENT_PROPERTY: 0.4},
}

#: categories whose rate rises when property service is poor
QUALITY_SENSITIVE = frozenset({"property_service", "maintenance", "sanitation_pets", "public_facilities"})
#: categories whose rate follows the buildings' age and state (site.latent.building_condition)
BUILDING_SENSITIVE = frozenset({"maintenance", "public_facilities"})
#: categories a safe-community campaign reduces
SAFETY_SENSITIVE = frozenset({"noise_neighbour", "public_facilities"})
#: categories counselling and legal aid are good at (residents route such cases to them)
PROFESSIONAL_FIT = frozenset({"family", "noise_neighbour", "renovation", "property_service"})

#: channel × category: added to the success logit (0 where not listed). The property desk fixes
#: repairs and sanitation but not quarrels over its own fees; mediators and professionals are good
#: with neighbours and families; joint meetings and government with shared facilities and parking.
CATEGORY_FIT = {
    Channel.PROPERTY_DESK: {"maintenance": 0.5, "sanitation_pets": 0.3, "parking": 0.2, "property_service": -0.4},
    Channel.MEDIATION: {"noise_neighbour": 0.3, "family": 0.3, "renovation": 0.2, "property_service": -0.2},
    Channel.PROFESSIONAL: {"family": 0.6, "noise_neighbour": 0.4, "renovation": 0.4, "property_service": 0.4},
    Channel.JOINT_MEETING: {"parking": 0.3, "public_facilities": 0.4, "property_service": 0.3},
    Channel.STREET: {"public_facilities": 0.4, "maintenance": 0.2},
    Channel.DISTRICT: {"public_facilities": 0.4, "maintenance": 0.2},
    Channel.CITY_HOTLINE: {"public_facilities": 0.4, "maintenance": 0.2},
    Channel.COURT: {"family": -0.3},
}

"""Participation (参与): a threshold model (Granovetter 1978) with invitations, trust, cost and
visible results, run in bulk over the population each day.

A resident offered an activity takes part when

    weight × social signal + drive + noise >= threshold

where the social signal is the share of their ties (or, with ``influence: global``, of everyone)
who took part in the last ``window_days``, and the drive adds trust in the party organisation,
a standing invitation (red cells, social organisations), visible results, mobilisation, minus cost.
"""

from __future__ import annotations

import numpy as np

from ..disputes.ladder import Institution
from ..policies.effects import project_boost
from ..scenario.schema import ACTIVITIES

CONSULTATION, VOLUNTEERING, ASSEMBLY, SERVICE_CENTRE = range(len(ACTIVITIES))
INVITATION_DAYS = 30
OFFER_DAYS = 60.0  # a resident hears of about one activity of each kind every two months, at base rates
FUNDS_PER_DOUBLING = 500_000.0  # yuan a year that double the service centre's activities


def social_signal(model, day: int, ties_active: np.ndarray) -> np.ndarray:
    """The share of one's ties (network) or of everyone (global) who took part recently."""
    pop = model.population
    spec = model.config.behaviour.participation
    if spec.influence == "global":
        return np.full(pop.n, pop.active(day - 1, spec.window_days).mean())
    return ties_active


def invite(model, day: int) -> None:
    """Red-cell volunteers invite neighbours in their building (S3); the party organisation and
    volunteer teams / interest groups invite residents of the community (S3, S4)."""
    pop, rng = model.population, model.rng
    targets = []
    rates = model.effects.of("red_cell_invitations_per_day")
    volunteers = pop.red_cell.nonzero()[0] if model.effects.any("red_cell_invitations_per_day") else ()
    if len(volunteers):
        k = rng.poisson(rates[pop.community[volunteers]])
        src = np.repeat(volunteers, k)
        b = pop.building[src]
        start, stop = model.building_start[b], model.building_start[b + 1]
        targets.append(start + (rng.random(len(src)) * (stop - start)).astype(np.int64))
    for c, rows in enumerate(model.community_rows):
        rate = model.party_orgs[c].invitations_per_day()
        rate += sum(2.0 * o.capacity / 30.0 for o in model.social_organisations[c] if o.kind in ("volunteer_team", "interest_group"))
        k = rng.poisson(rate)
        if k:
            targets.append(rows[rng.integers(0, len(rows), size=k)])
    if targets:
        pop.invited_until[np.concatenate(targets)] = day + INVITATION_DAYS


def offer_rates(model, day: int) -> np.ndarray:
    """Daily chance, per community and activity, that a resident is offered the activity."""
    rates = np.zeros((len(model.community_rows), len(ACTIVITIES)))
    for c in range(len(model.community_rows)):
        fx = model.effects[c]
        boost = project_boost(model.policies[c], day)
        party, rc = model.party_orgs[c], model.committees[c]
        orgs = model.social_organisations[c]
        units = model.co_located_units[c]
        vol_capacity = sum(o.capacity for o in orgs if o.kind == "volunteer_team")
        interest = sum(o.capacity for o in orgs if o.kind == "interest_group")
        hours = sum(u.volunteer_hours_per_year for u in units)
        # money pooled into the party-mass service centre (S3, S4): social organisations' funding
        # and co-located units' and enterprises' pledges
        funds = sum(o.funding for o in orgs) + sum(u.money_per_year for u in units)
        households = model.geography.communities[c].households
        rates[c, CONSULTATION] = (0.5 + party.secretary_capability) * (1.25 if fx.joint_meetings else 1.0) / OFFER_DAYS
        rates[c, VOLUNTEERING] = (0.3 + vol_capacity / 10.0 + hours / max(1, households) / 5.0) / OFFER_DAYS
        rates[c, SERVICE_CENTRE] = 0.3 * rc.service_centre_events_per_month * (1.3 if fx.need_analytics else 1.0) * (1 + interest / 10.0) * (1 + funds / FUNDS_PER_DOUBLING) / OFFER_DAYS
        rates[c, ASSEMBLY] = 0.0  # owners' assemblies are held on their own days (see offers)
        rates[c] *= 1.0 + np.asarray(boost)
    return np.minimum(rates * model.config.behaviour.participation.offer_multiplier, 1.0)


def offers(model, day: int) -> tuple[np.ndarray, np.ndarray]:
    """(resident, activity) pairs offered today: each resident of a community is offered each
    activity with that community's daily rate; owners' assemblies invite every owner."""
    rng = model.rng
    rates = offer_rates(model, day)
    who, activity, offered = [], [], []  # residents offered; each group's activity and size
    for c, rows in enumerate(model.community_rows):
        for a in (CONSULTATION, VOLUNTEERING, SERVICE_CENTRE):
            k = rng.binomial(len(rows), rates[c, a])
            if k:
                who.append(rows[rng.choice(len(rows), size=k, replace=False)])
                activity.append(a)
                offered.append(k)
        if model.owners_committees[c].holds_assembly(day):
            owners = model.community_owner_rows[c]
            who.append(owners)
            activity.append(ASSEMBLY)
            offered.append(len(owners))
    if not who:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(who), np.repeat(np.array(activity, dtype=np.int64), offered)


def as_chosen(model, who: np.ndarray, takes: np.ndarray) -> np.ndarray:
    """The residents of a building whose households decided (`CoGovModel.decide_for_building`)
    take part in every activity they are offered, or in none."""
    building = model.population.building[who]
    for b, rule in model.household_rules.items():
        if rule.take_part is not None:
            takes[building == b] = rule.take_part
    return takes


def take_part(model, day: int, ties_active: np.ndarray) -> None:
    """One day of participation decisions. Only residents offered an activity decide, so the
    cost grows with the offers made, not with the population."""
    pop, rng = model.population, model.rng
    spec = model.config.behaviour.participation
    fx = model.effects
    invite(model, day)
    who, activity = offers(model, day)
    if len(who) == 0:
        return
    comm = pop.community[who]
    signal = social_signal(model, day, ties_active)[who]
    mobilisation = np.array([p.mobilisation_effort for p in model.party_orgs])[comm]
    drive = (
        spec.weight_trust * (pop.trust[who, Institution.PARTY] - 0.5)
        + spec.weight_invitation * (pop.invited_until[who] > day)
        + spec.weight_results * fx.of("results_visibility")[comm] * (model.disputes.visible_results[comm] - 0.5)
        + 0.1 * mobilisation
        - spec.cost
    )
    threshold = pop.threshold[who]
    volunteering = activity == VOLUNTEERING
    threshold = np.where(volunteering, np.where(pop.red_cell[who], 0.0, threshold - fx.of("volunteer_threshold_shift")[comm]), threshold)
    noise = rng.normal(0.0, spec.noise, size=len(who)) if spec.noise > 0 else 0.0
    takes = spec.weight_social * signal + drive + noise >= threshold
    if model.household_rules:
        takes = as_chosen(model, who, takes)
    pop.take_part(who[takes], activity[takes], day)
    at_assembly = activity == ASSEMBLY
    for c in (np.unique(comm[at_assembly]) if at_assembly.any() else ()):
        here = at_assembly & (comm == c)
        model.owners_committees[c].after_assembly(float(takes[here].mean()))

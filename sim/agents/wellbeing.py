"""Slow variables, updated in bulk each day: fees and property service (the fee–service spiral),
satisfaction, sense of security, trust drifting toward each institution's reputation, and
aspirations drifting toward what the community has experienced.

Fees → property budget → service quality → satisfaction → fees (MODEL_BRIEF, Participation).
"""

from __future__ import annotations

import numpy as np

from ..disputes.ladder import Institution
from ..mathx import logistic

BILLING_DAYS = 30
SATISFACTION_RATE = 0.02
SECURITY_RATE = 0.01


def collect_fees(model, day: int) -> None:
    """Monthly bills: each household head pays with a chance rising with satisfaction and trust in
    the company, falling with the fee's rise over its starting level."""
    if day % BILLING_DAYS != BILLING_DAYS - 1:
        return
    pop, rng, spec = model.population, model.rng, model.config.behaviour.fees
    for c, company in enumerate(model.property_companies):
        if not company.present:
            continue
        heads = model.community_head_rows[c]
        x = (spec.base_logit
             + spec.satisfaction_weight * (pop.satisfaction[heads] - 0.5)
             + spec.trust_weight * (pop.trust[heads, Institution.PROPERTY_COMPANY] - 0.5)
             - spec.price_elasticity * (company.fee / company.initial_fee - 1))
        paid = int((rng.random(len(heads)) < logistic(x)).sum())
        company.collect(paid, len(heads), day)


def update_wellbeing(model, day: int) -> None:
    pop = model.population
    beh = model.config.behaviour
    fx = model.effects
    comm = pop.community
    one = len(model.property_companies) == 1  # one community: its values broadcast, no gather needed

    sizes = pop.community_sizes if pop.stored_by_community else None

    def each(values: np.ndarray) -> np.ndarray:
        """Per-community values for every resident (the same numbers, one per resident)."""
        if one:
            return values[0]
        return np.repeat(values, sizes) if sizes is not None else np.take(values, comm)

    quality = each(np.array([pc.service_quality for pc in model.property_companies]))
    fee_rise = each(np.array([pc.fee_rise() for pc in model.property_companies]))
    aggrieved = pop.grievance_until > day
    # the arithmetic below is written in place (out=, *=, ...) to spare a temporary array per operation;
    # each line computes exactly what the formula in its comment does, in the same order
    # target = 0.35 quality + 0.25 trust(residents' committee) + 0.2 security + 0.2 (not aggrieved)
    #          + need analytics − 0.15 fee rise
    target = 0.25 * pop.trust[:, Institution.RESIDENTS_COMMITTEE]
    np.add(0.35 * quality, target, out=target)
    target += 0.2 * pop.security
    target += 0.2 * (~aggrieved)
    target += each(np.where(fx.of("need_analytics"), 0.05, 0.0))
    target -= 0.15 * fee_rise
    # satisfaction += rate × (clip(target) − satisfaction)
    np.clip(target, 0, 1, out=target)
    target -= pop.satisfaction
    target *= SATISFACTION_RATE
    pop.satisfaction += target
    # security += rate × (clip(initial + gain − 0.1 aggrieved) − security)
    sec_target = np.subtract(beh.security_initial + each(fx.of("security_gain")), 0.1 * aggrieved)
    np.clip(sec_target, 0, 1, out=sec_target)
    sec_target -= pop.security
    sec_target *= SECURITY_RATE
    pop.security += sec_target
    # trust drifts toward a target: the starting mean, publicity, and the institution's reputation —
    # its recent performance in the community (what residents have seen of it, weighted by how much
    # they have seen) against what each resident has come to expect
    spec, dp = beh.trust, model.disputes
    base = pop.trust_target + fx.of("trust_target_gain")[:, None] * np.array([1.0, 1.0, 0.0, 1.0])  # community × institution
    weight = spec.reputation_weight * fx.of("results_visibility")[:, None]
    seen, seen_weight = weight * dp.performance, weight * dp.performance_weight
    q0 = each(np.array([pc.initial_quality for pc in model.property_companies]))
    asp = beh.aspiration
    anchors = asp.anchors()
    for k in Institution:  # one contiguous column each (trust and aspiration are column-major)
        trust, aspiration = pop.trust[:, k], pop.aspiration[:, k]
        # target = seen record − seen weight × aspiration (+ for the property company its service
        # relative to where it started); trust += drift × (clip(target) − trust)
        target = each(seen_weight[:, k]) * aspiration
        np.subtract(each(base[:, k] + seen[:, k]), target, out=target)
        if k == Institution.PROPERTY_COMPANY:
            target += 0.5 * (quality - q0)
        np.clip(target, 0, 1, out=target)
        target -= trust
        target *= spec.drift_rate
        trust += target
        # what residents expect of it drifts toward its anchor moved by `adaptation` of the way to its
        # record (partial adaptation), as far as they have seen the record:
        # aspiration += social rate × (level − seen weight × aspiration)
        w = each(dp.performance_weight[:, k])
        level = (1 - asp.adaptation) * anchors[k] * w + asp.adaptation * each(dp.performance[:, k])
        drift = w * aspiration
        np.subtract(level, drift, out=drift)
        drift *= asp.social_rate
        aspiration += drift

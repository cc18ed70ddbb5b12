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
    """Satisfaction, security, trust and aspiration drift toward their targets, community by
    community: residents are stored that way, so a community's values are numbers applied to one
    contiguous block of residents, and the work grows with residents, not with residents ×
    communities (a value per community repeated for every resident cost as much as the arithmetic)."""
    pop = model.population
    beh, fx, dp = model.config.behaviour, model.effects, model.disputes
    companies = model.property_companies
    quality = [pc.service_quality for pc in companies]
    fee_rise = [pc.fee_rise() for pc in companies]
    q0 = [pc.initial_quality for pc in companies]
    analytics = np.where(fx.of("need_analytics"), 0.05, 0.0)
    security = beh.security_initial + fx.of("security_gain")
    # trust drifts toward a target: the starting mean, publicity, and the institution's reputation —
    # its recent performance in the community (what residents have seen of it, weighted by how much
    # they have seen) against what each resident has come to expect (community × institution)
    spec, asp = beh.trust, beh.aspiration
    base = pop.trust_target + fx.of("trust_target_gain")[:, None] * np.array([1.0, 1.0, 0.0, 1.0])
    weight = spec.reputation_weight * fx.of("results_visibility")[:, None]
    record = base + weight * dp.performance
    seen_weight = weight * dp.performance_weight
    # what residents expect of it drifts toward its anchor moved by `adaptation` of the way to its
    # record (partial adaptation), as far as they have seen the record
    w = dp.performance_weight
    level = (1 - asp.adaptation) * asp.anchors() * w + asp.adaptation * dp.performance
    calm_all = pop.grievance_until <= day  # carrying no abandoned grievance
    bounds = pop.community_bounds
    pc = int(Institution.PROPERTY_COMPANY)
    # the arithmetic below is written in place (out=, *=, ...) to spare a temporary array per operation;
    # each line computes exactly what the formula in its comment does, in the same order
    for c in range(len(companies)):
        rows = slice(bounds[c], bounds[c + 1])
        calm = calm_all[rows]
        trust_all, aspiration_all = pop.trust[rows], pop.aspiration[rows]
        # target = 0.35 quality + 0.25 trust(residents' committee) + 0.2 security + 0.2 calm
        #          + need analytics − 0.15 fee rise
        target = 0.25 * trust_all[:, Institution.RESIDENTS_COMMITTEE]
        np.add(0.35 * quality[c], target, out=target)
        target += 0.2 * pop.security[rows]
        np.add(target, 0.2, out=target, where=calm)
        if analytics[c]:  # adding 0 changes nothing: the terms that are mostly 0 are skipped then
            target += analytics[c]
        if fee_rise[c]:
            target -= 0.15 * fee_rise[c]
        # satisfaction += rate × (clip(target) − satisfaction)
        target.clip(0, 1, out=target)
        satisfaction = pop.satisfaction[rows]
        target -= satisfaction
        target *= SATISFACTION_RATE
        satisfaction += target
        # security += rate × (clip(initial + gain − 0.1 not calm) − security)
        sec_target = np.where(calm, security[c], security[c] - 0.1)
        sec_target.clip(0, 1, out=sec_target)
        sec = pop.security[rows]
        sec_target -= sec
        sec_target *= SECURITY_RATE
        sec += sec_target
        # every institution at once (a column each; trust and aspiration are column-major):
        # target = seen record − seen weight × aspiration (+ for the property company its service
        # relative to where it started); trust += drift × (clip(target) − trust)
        target = np.multiply(seen_weight[c], aspiration_all, out=pop.drift_scratch[: len(calm)])
        np.subtract(record[c], target, out=target)
        if quality[c] != q0[c]:
            target[:, pc] += 0.5 * (quality[c] - q0[c])
        target.clip(0, 1, out=target)
        target -= trust_all
        target *= spec.drift_rate
        trust_all += target
        # aspiration += social rate × (level − seen weight × aspiration)
        drift = np.multiply(w[c], aspiration_all, out=target)
        np.subtract(level[c], drift, out=drift)
        drift *= asp.social_rate
        aspiration_all += drift

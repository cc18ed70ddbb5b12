"""Slow variables, updated in bulk each day: fees and property service (the fee–service spiral),
satisfaction, sense of security, trust drifting toward each institution's reputation, and
aspirations drifting toward what the community has experienced.

Fees → property budget → service quality → satisfaction → fees (MODEL_BRIEF, Participation).
"""

from __future__ import annotations

import numba
import numpy as np

from ..disputes.ladder import Institution
from ..mathx import logistic
from .cores import by_community

BILLING_DAYS = 30
SATISFACTION_RATE = 0.02
SECURITY_RATE = 0.01
RESIDENTS_COMMITTEE, PROPERTY_COMPANY = int(Institution.RESIDENTS_COMMITTEE), int(Institution.PROPERTY_COMPANY)


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
    quality = np.array([pc.service_quality for pc in companies], dtype=np.float64)
    fee_rise = np.array([pc.fee_rise() for pc in companies], dtype=np.float64)
    q0 = np.array([pc.initial_quality for pc in companies], dtype=np.float64)
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
    by_community(_drift, pop.community_bounds, day, pop.grievance_until, quality, q0, fee_rise, analytics, security, record,
          seen_weight, w, level, spec.drift_rate, asp.social_rate, pop.satisfaction, pop.security, pop.trust,
          pop.aspiration)


@numba.njit(cache=True, nogil=True)
def _drift(first, stop, bounds, day, grievance_until, quality, q0, fee_rise, analytics, security, record, seen_weight,
           w, level, drift_rate, social_rate, satisfaction, sec, trust, aspiration):
    """The day's drift of satisfaction, security, trust and aspiration, in one pass per community
    and column (compiled: the NumPy form made some twenty passes over each, and its calls' fixed
    cost, not the arithmetic, was a 5,000-resident community's day). Each line computes what the
    formula in its comment says, operation by operation in the order NumPy did, so the results
    are the same to the last bit. Communities `first` to `stop` − 1 (`cores.by_community`)."""
    for c in range(first, stop):
        rows = slice(bounds[c], bounds[c + 1])  # slices: the loops below then index from 0, unchecked
        q = quality[c]
        _satisfaction_and_security(grievance_until[rows], day, trust[rows, RESIDENTS_COMMITTEE], 0.35 * q,
                                   analytics[c], fee_rise[c] != 0, 0.15 * fee_rise[c], security[c],
                                   satisfaction[rows], sec[rows])
        # every institution (a column each; trust and aspiration are column-major):
        # trust += drift × (clip(seen record − seen weight × aspiration (+ for the property company
        # its service relative to where it started)) − trust);
        # aspiration += social rate × (level − seen weight × aspiration)
        for k in range(trust.shape[1]):
            t, a = trust[rows, k], aspiration[rows, k]
            rec, seen, expect, weight = record[c, k], seen_weight[c, k], level[c, k], w[c, k]
            if k == PROPERTY_COMPANY and q != q0[c]:
                service = 0.5 * (q - q0[c])
                for i in range(len(t)):
                    target = rec - seen * a[i] + service
                    t[i] = t[i] + (min(max(target, 0.0), 1.0) - t[i]) * drift_rate
                    a[i] = a[i] + (expect - weight * a[i]) * social_rate
            else:
                for i in range(len(t)):
                    target = rec - seen * a[i]
                    t[i] = t[i] + (min(max(target, 0.0), 1.0) - t[i]) * drift_rate
                    a[i] = a[i] + (expect - weight * a[i]) * social_rate


@numba.njit(cache=True, nogil=True)
def _satisfaction_and_security(grievance_until, day, trust_rc, base, analytic, rising, fee, security,
                               satisfaction, sec):
    """One community's satisfaction and security."""
    for i in range(len(sec)):
        calm = grievance_until[i] <= day  # carrying no abandoned grievance
        # satisfaction += rate × (clip(0.35 quality + 0.25 trust(residents' committee)
        #   + 0.2 security + 0.2 calm + need analytics − 0.15 fee rise) − satisfaction)
        target = base + 0.25 * trust_rc[i]
        target = target + 0.2 * sec[i]
        if calm:
            target = target + 0.2
        if analytic:  # adding 0 changes nothing: the terms that are mostly 0 are skipped
            target = target + analytic
        if rising:
            target = target - fee
        satisfaction[i] = satisfaction[i] + (min(max(target, 0.0), 1.0) - satisfaction[i]) * SATISFACTION_RATE
        # security += rate × (clip(initial + gain − 0.1 not calm) − security)
        s = security if calm else security - 0.1
        sec[i] = sec[i] + (min(max(s, 0.0), 1.0) - sec[i]) * SECURITY_RATE
